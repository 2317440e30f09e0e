/**
 * Second step of `bundle import`: checks the staged files against the index
 * (signature, set of files, size and SHA-256 of each), then the module files
 * against the h1 hashes the bundle carries and the root already records.
 */
import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { forEachBounded } from '../bounded.js';
import { GomirrorError, isGomirrorError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { SumStore } from '../gosum/index.js';
import { checkModuleZip } from '../modzip/index.js';
import { hashGoMod } from '../dirhash/index.js';
import { BundleRefusedError } from './errors.js';
import { INDEX_ENTRY, indexId, indexSums, parseIndex, TREE_PREFIX, type BundleFile, type BundleIndex } from './index-format.js';
import type { StagedBundle } from './import-stage.js';
import { parseSignature, verifyIndexSignature } from './signature.js';
import { classifyTreePath } from './tree-paths.js';
import type { BundleSource } from './volumes.js';
import { checkBundledVulnDb } from './vulndb-check.js';

export interface VerifiedBundle {
  readonly index: BundleIndex;
  readonly id: string;
  /** The files this bundle carries, each checked. */
  readonly carried: readonly BundleFile[];
  /** The bundle's vulnerability database is older than the root's: its vulndb/ files are left out. */
  readonly olderVulnDb?: boolean;
}

export interface VerifyContext {
  readonly verifyKey: KeyObject | undefined;
  /** The root's recorded hashes: a bundle may add to them, never contradict them. */
  readonly sums: SumStore;
  /** Bytes of a tree file already in the root, or undefined. */
  readonly readExisting: (rel: string) => Promise<Buffer | undefined>;
  readonly logger: Logger;
}

/** Verifies a staged bundle; throws BundleRefusedError (or E_SIGNATURE) naming the file and the check. */
export async function verifyStaged(source: BundleSource, staged: StagedBundle, ctx: VerifyContext): Promise<VerifiedBundle> {
  const refuse = (file: string | undefined, check: ConstructorParameters<typeof BundleRefusedError>[2], detail: string): never => {
    throw new BundleRefusedError(source.name, file, check, detail);
  };
  if (staged.indexBytes === undefined) {
    throw new BundleRefusedError(
      source.name,
      INDEX_ENTRY,
      'index',
      'the bundle ends without its index',
      'The bundle is truncated, or its last volume is missing.',
    );
  }
  let index: BundleIndex;
  try {
    index = parseIndex(staged.indexBytes, `${source.name}: ${INDEX_ENTRY}`);
  } catch (err) {
    return refuse(INDEX_ENTRY, 'index', (err as Error).message);
  }
  if (ctx.verifyKey !== undefined) {
    try {
      verifyIndexSignature(staged.indexBytes, staged.sigText, ctx.verifyKey, source.name);
    } catch (err) {
      const e = err as GomirrorError;
      throw new GomirrorError(e.code, e.message, { hint: `${e.hint ?? ''} Nothing was imported; the root is unchanged.`.trim(), cause: e });
    }
  } else if (staged.sigText !== undefined) {
    const sig = parseSignature(staged.sigText);
    ctx.logger.warn(`${source.name} is signed${sig ? ` by key ${sig.keyId}` : ''}; the signature was not checked (no --verify-key)`);
  }

  const carried = index.files.filter((f) => f.bundled);
  const named = new Set(carried.map((f) => f.path));
  for (const rel of staged.files.keys()) {
    if (!named.has(rel)) refuse(TREE_PREFIX + rel, 'index', `the index does not name this file`);
  }
  for (const f of carried) {
    const s = staged.files.get(f.path);
    if (s === undefined) return refuse(TREE_PREFIX + f.path, 'index', 'named by the index but missing from the bundle');
    const where = s.volume === source.name ? '' : ` (data in ${s.volume})`;
    if (s.size !== f.size) refuse(f.path, 'entry size', `${s.size} bytes, the index says ${f.size}${where}`);
    if (s.sha256 !== f.sha256) refuse(f.path, 'sha256', `sha256 ${s.sha256}, the index says ${f.sha256}${where}`);
  }

  const lines = indexSums(index);
  // A bundle may add hashes, never contradict one this root recorded, even
  // for a file it does not carry: a recorded hash never changes.
  for (const l of lines) {
    const recorded = ctx.sums.get(l.path, l.version, l.goMod);
    const key = `${l.path} ${l.version}${l.goMod ? '/go.mod' : ''}`;
    if (recorded !== undefined && recorded !== l.hash) {
      refuse(INDEX_ENTRY, 'conflict', `its sums say ${l.hash} for ${key}, but this root recorded ${recorded}`);
    }
  }
  const sums = new Map(lines.map((l) => [`${l.path} ${l.version}${l.goMod ? '/go.mod' : ''}`, l.hash]));
  const checkHash = (rel: string, modulePath: string, version: string, goMod: boolean, actual: string): void => {
    const key = `${modulePath} ${version}${goMod ? '/go.mod' : ''}`;
    const carriedHash = sums.get(key);
    if (carriedHash === undefined) refuse(rel, 'h1', `the bundle carries no h1 hash for ${key}`);
    if (carriedHash !== actual) refuse(rel, 'h1', `h1 is ${actual}, the bundle's sums say ${carriedHash}`);
    const recorded = ctx.sums.get(modulePath, version, goMod);
    if (recorded !== undefined && recorded !== actual) {
      refuse(rel, 'conflict', `h1 is ${actual}, but this root recorded ${recorded} for ${key}`);
    }
  };
  // Two at a time, the next file taken only when one is done: no promise per file up front.
  await forEachBounded(carried, 2, async (f) => {
        const t = classifyTreePath(f.path);
        if (t?.kind !== 'version') return;
        const file = (staged.files.get(f.path) as { file: string }).file;
        if (t.ext === 'info') {
          checkInfo(await readFile(file), t.version, (d) => refuse(f.path, 'info', d));
        } else if (t.ext === 'mod') {
          checkHash(f.path, t.modulePath, t.version, true, hashGoMod(await readFile(file)));
        } else {
          const modRel = f.path.replace(/\.zip$/, '.mod');
          const modFile = staged.files.get(modRel)?.file;
          const goMod = modFile !== undefined ? await readFile(modFile) : await ctx.readExisting(modRel);
          let h1: string;
          try {
            h1 = (await checkModuleZip(file, { modulePath: t.modulePath, version: t.version, ...(goMod ? { goMod } : {}) })).h1;
          } catch (err) {
            if (!isGomirrorError(err)) throw err;
            return refuse(f.path, 'zip rules', err.message.replace(`${file}: `, ''));
          }
          checkHash(f.path, t.modulePath, t.version, false, h1);
        }
  });
  const vulndb = await checkBundledVulnDb(
    carried.map((f) => f.path),
    (rel) => staged.files.get(rel)?.file,
    ctx.readExisting,
  );
  if (vulndb.problem) refuse(vulndb.problem.file, 'vulndb', vulndb.problem.detail);
  if (vulndb.older) ctx.logger.warn(`${source.name}: its vulnerability database is older than the root's; the root keeps its copy`);
  return { index, id: indexId(staged.indexBytes), carried, ...(vulndb.older ? { olderVulnDb: true } : {}) };
}

function checkInfo(data: Buffer, version: string, fail: (detail: string) => never): void {
  let info: unknown;
  try {
    info = JSON.parse(data.toString('utf8'));
  } catch {
    fail('not JSON');
  }
  const v = (info as { Version?: unknown } | null)?.Version;
  if (v !== version) fail(`Version is ${JSON.stringify(v)}, want ${JSON.stringify(version)}`);
}
