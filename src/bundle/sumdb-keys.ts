/**
 * The checksum database keys a tree was synced with travel in the bundle
 * index (`sumdbKeys`), so that `gomirror verify` on the far side checks the
 * mirrored database with the right key without being told (`--sumdb`):
 * `.gomirror/` itself is never bundled.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logger.js';
import { sumdbLayout } from '../sumdb/mirror/index.js';
import { writeFileAtomic } from '../tree/index.js';
import { parseVerifierKey } from '../sumdb/index.js';

/** The verifier keys (`name+hash+key`) recorded for each database mirrored in the tree, sorted. */
export async function readTreeSumdbKeys(root: string): Promise<string[]> {
  const names = await readdir(path.join(root, 'sumdb'), { withFileTypes: true }).catch(() => []);
  const keys: string[] = [];
  for (const e of names) {
    if (!e.isDirectory()) continue;
    const key = (await readFile(sumdbLayout(root, e.name).stateKeyFile(), 'utf8').catch(() => '')).trim();
    if (key !== '' && validKeyFor(key, e.name)) keys.push(key);
  }
  return keys.sort();
}

function validKeyFor(key: string, name: string): boolean {
  try {
    return parseVerifierKey(key).name === name;
  } catch {
    return false;
  }
}

/**
 * Records the bundle's keys in the tree's `.gomirror/sumdb/<name>/key`. Only
 * a signature-checked bundle may set a key: an unsigned one could carry a
 * key that vouches for its own forged database. A key already recorded is
 * never replaced (database keys do not change; a different one is reported).
 */
export async function recordSumdbKeys(root: string, keys: readonly string[], trusted: boolean, logger: Logger): Promise<void> {
  for (const key of keys) {
    const { name } = parseVerifierKey(key);
    const file = sumdbLayout(root, name).stateKeyFile();
    const have = (await readFile(file, 'utf8').catch(() => '')).trim();
    if (have === key) continue;
    if (!trusted) {
      logger.warn(`sumdb ${name}: the bundle names its key, but the bundle is not signature-checked; not recording it`, {
        hint: `Import with --verify-key, or give verify the key: gomirror verify --sumdb ${key}`,
      });
      continue;
    }
    if (have !== '') {
      logger.warn(`sumdb ${name}: the bundle names key ${key}, but this tree recorded ${have}; keeping the recorded key`, {
        hint: `If the database's key really changed, remove ${file} and import again`,
      });
      continue;
    }
    await writeFileAtomic(file, `${key}\n`);
  }
}
