/**
 * First step of `bundle import`: streams the bundle's tar (its volumes joined
 * in order) into a staging directory, checking every entry's name and type
 * before a byte of it is written and hashing its data on the way.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { MAX_GO_MOD, MAX_ZIP_FILE } from '../modzip/index.js';
import { GomirrorError } from '../errors.js';
import { BundleRefusedError } from './errors.js';
import { INDEX_ENTRY, MAX_INDEX_SIZE, SIGNATURE_ENTRY, TREE_PREFIX } from './index-format.js';
import { readEntry, tarEntries, type TarEntry } from './tar-io.js';
import { classifyTreePath, describeBadTreePath } from './tree-paths.js';
import { openVolumes, type BundleSource } from './volumes.js';
import type { PathSet } from './path-set.js';
import { StagedRecords } from './staged-records.js';
import { BackgroundSync } from './background-sync.js';

export type { StagedRecord } from './staged-records.js';

export interface StagedBundle {
  /** Where the tree files lie: `<tree>/<rel>`. */
  readonly tree: string;
  /** What was staged, in tar order; read back in path order. */
  readonly records: StagedRecords;
  /** The index entry, written to a file, with its id (SHA-256). */
  readonly index: { readonly file: string; readonly id: string } | undefined;
  readonly sigText: string | undefined;
}

/** Where staging puts the tree file `rel`. */
export function stagedFile(staged: Pick<StagedBundle, 'tree'>, rel: string): string {
  return path.join(staged.tree, ...rel.split('/'));
}

// Files of other kinds (lists, tiles, lookups) are small; this only stops a
// hostile bundle from filling the disk through one of them.
const MAX_OTHER_FILE = 64 * 2 ** 20;
const MAX_SIGNATURE = 4096;
/** Staged files waiting for their fsync at once. */
const SYNCS_IN_FLIGHT = 16;

/**
 * Writes the tree files of `source` under `stagingDir` and returns them with
 * the index and signature bytes. Throws BundleRefusedError for a damaged tar,
 * an entry that is not a regular file, a bad or duplicate name, or an entry
 * over its size limit.
 */
export async function stageBundle(
  source: BundleSource,
  stagingDir: string,
  /** The files the index (read first) says the bundle carries: any other entry is refused before it is written. */
  carried?: PathSet,
): Promise<StagedBundle> {
  const volumes = await openVolumes(source);
  const tree = path.join(stagingDir, 'tree');
  const records = await StagedRecords.create(path.join(stagingDir, 'staged.jsonl'));
  const syncs = new BackgroundSync(SYNCS_IN_FLIGHT);
  let index: StagedBundle['index'];
  let sigText: string | undefined;
  const refuse = (file: string | undefined, check: 'entry name' | 'entry type' | 'entry size', detail: string): never => {
    throw new BundleRefusedError(source.name, file, check, detail);
  };
  try {
    for await (const entry of tarEntries(volumes.stream)) {
      const { name, type, size } = entry.header;
      if (type !== 'file') refuse(name, 'entry type', `a ${type} entry; bundles hold regular files only`);
      if (name === INDEX_ENTRY || name === SIGNATURE_ENTRY) {
        if ((name === INDEX_ENTRY ? index : sigText) !== undefined) refuse(name, 'entry name', 'appears twice');
        const limit = name === INDEX_ENTRY ? MAX_INDEX_SIZE : MAX_SIGNATURE;
        if (size > limit) refuse(name, 'entry size', `${size} bytes, more than the ${limit} allowed`);
        if (name === INDEX_ENTRY) {
          // To a file, not memory: 76 MB at 100,000 versions.
          const file = path.join(stagingDir, 'index.json');
          // A tar that ends inside the index is the bundle's fault (as when it was read to memory), a failed write the disk's.
          const id = await writeEntry(entry, file, { limit, diskError: (err) => localDiskError(err, file) });
          index = { file, id };
        } else {
          sigText = (await readEntry(entry, limit)).toString('utf8');
        }
        continue;
      }
      const problem = name.startsWith(TREE_PREFIX)
        ? describeBadTreePath(name.slice(TREE_PREFIX.length))
        : (describeBadTreePath(name) ?? `not under ${TREE_PREFIX}`);
      if (problem !== undefined) refuse(name, 'entry name', problem);
      const rel = name.slice(TREE_PREFIX.length);
      const file = path.join(tree, ...rel.split('/'));
      // Staging starts empty: a file already there is this entry's second appearance.
      if (await exists(file)) refuse(name, 'entry name', 'appears twice');
      if (carried && !carried.has(rel)) {
        throw new BundleRefusedError(source.name, name, 'index', 'the index does not name this file');
      }
      const limit = sizeLimit(rel);
      if (size > limit) refuse(name, 'entry size', `${size} bytes, more than the ${limit} allowed for this kind of file`);
      const volume = volumes.current();
      const sha256 = await writeEntry(entry, file, { syncs, diskError: (err) => localDiskError(err, file) });
      await records.add({ rel, size, sha256, volume });
    }
    if (!volumes.endsWithEndOfArchive()) throw truncated(source, volumes.current(), 'without the tar end-of-archive marker');
    await syncs.drain();
    await records.close();
  } catch (err) {
    volumes.stream.destroy();
    // No descriptor is left open behind a refusal.
    await syncs.drain().catch(() => undefined);
    await records.close().catch(() => undefined);
    if (err instanceof BundleRefusedError || (err instanceof GomirrorError && err.code === 'E_FS')) throw err;
    if (volumes.ended()) throw truncated(source, volumes.current(), 'in the middle of an entry');
    // tar-stream's own errors: a bad header checksum, an unknown format.
    throw new BundleRefusedError(source.name, volumes.current(), 'tar format', (err as Error).message, describeTarHint(source));
  }
  return { tree, records, index, sigText };
}

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch {
    return false;
  }
}

/** A failed write to this machine's disk (ENOSPC, EACCES...): the bundle is not to blame. */
export function localDiskError(err: unknown, file: string): GomirrorError {
  return new GomirrorError('E_FS', `${file}: ${(err as Error).message}`, {
    cause: err,
    hint: 'A problem of this machine\'s disk, not of the bundle: check free space and permissions, then import again. Nothing was imported.',
  });
}

function truncated(source: BundleSource, volume: string, where: string): BundleRefusedError {
  return new BundleRefusedError(
    source.name,
    volume,
    'tar format',
    `the bundle ends ${where}`,
    source.volumes.length > 1 ? 'Its last volume is missing or truncated.' : 'It is truncated; copy it again.',
  );
}

function describeTarHint(source: BundleSource): string {
  return source.volumes.length > 1 || source.volumes[0] !== source.name
    ? 'The bundle is damaged, or a volume is missing or out of order.'
    : 'The bundle is damaged or truncated; copy it again.';
}

function sizeLimit(rel: string): number {
  const t = classifyTreePath(rel);
  if (t?.kind === 'version' && t.ext === 'zip') return MAX_ZIP_FILE;
  if (t?.kind === 'version' && t.ext === 'mod') return MAX_GO_MOD;
  return MAX_OTHER_FILE;
}

/**
 * Writes an entry's data to `file` (created exclusively) and returns its
 * SHA-256. The file is fsynced before this returns, or, with `syncs`, handed
 * to it to be fsynced in the background (drained before anything commits).
 * With `diskError`, only the file system's errors are passed through it; the
 * entry's own (a tar cut short) are thrown as they are.
 */
async function writeEntry(
  entry: TarEntry,
  file: string,
  opts: { limit?: number; diskError: (err: unknown) => Error; syncs?: BackgroundSync },
): Promise<string> {
  const { limit = Infinity, diskError, syncs } = opts;
  const disk = <T>(p: Promise<T>): Promise<T> => p.catch((err: unknown) => Promise.reject(diskError(err)));
  await disk(mkdir(path.dirname(file), { recursive: true }));
  const hash = createHash('sha256');
  const fh = await disk(open(file, 'wx', 0o644));
  let handedOver = false;
  let n = 0;
  try {
    for await (const chunk of entry) {
      n += chunk.length;
      if (n > limit) throw new Error(`entry is larger than ${limit} bytes`);
      hash.update(chunk);
      await disk(fh.write(chunk));
    }
    if (syncs) {
      await syncs.add(fh, diskError);
      handedOver = true;
    } else await disk(fh.sync());
  } finally {
    if (!handedOver) await fh.close();
  }
  return hash.digest('hex');
}
