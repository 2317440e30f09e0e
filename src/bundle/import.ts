/**
 * `gomirror bundle import`: stage → verify → plan → commit, one bundle at a
 * time. Nothing under the root changes before the commit step, and the
 * commit only moves verified files in: immutable files first (created
 * exclusively), then `list`/`@latest`, then the sumdb's changing files.
 *
 * Crash cases: killed before the commit, only `.gomirror/staging-*` is left
 * (never served; a later import removes stale ones of dead processes). Killed
 * during the commit, the root holds some new module files that no index names
 * yet, and their hashes are already recorded; importing the bundle again
 * finishes the job (files already present with the right bytes are skipped).
 */
import type { KeyObject } from 'node:crypto';
import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, readdir, readFile, rename, rmdir, statfs, unlink } from 'node:fs/promises';
import path from 'node:path';
import { GomirrorError } from '../errors.js';
import type { Logger } from '../logger.js';
import { treeLayout, acquireTreeLock, isAlive, pathExists, removeTree, sweepDeadTemps } from '../tree/index.js';
import { openSumStore } from '../gosum/index.js';
import { recordSumdbKeys } from './sumdb-keys.js';
import { readKey } from './keygen.js';
import { INDEX_ENTRY } from './index-format.js';
import { openIndex, type IndexReader } from './index-stream.js';
import { PathSet } from './path-set.js';
import { BundleRefusedError } from './errors.js';
import { joinedRange, readBundleTrailer, type BundleTrailer } from './tar-trailer.js';
import { stageBundle } from './import-stage.js';
import { planCommit, type CommitAction, type CommitPlan } from './import-plan.js';
import { verifyStaged } from './import-verify.js';
import { parsePublicKey, verifyIndexSignature } from './signature.js';
import { discoverVolumes, groupBundleArgs, type BundleSource } from './volumes.js';

export interface ImportOptions {
  readonly root: string;
  /** Bundles in the order to import them: tars, or the volumes of one (`X.001 X.002 ...`). */
  readonly bundles: readonly string[];
  /** PEM public key: refuse bundles it did not sign. */
  readonly verifyKey?: string;
  /** Free bytes on the file system holding `dir` (default: statfs; tests inject). */
  readonly freeBytes?: (dir: string) => Promise<number>;
}

export interface BundleImportResult {
  readonly bundle: string;
  readonly id: string;
  readonly added: number;
  readonly updated: number;
  readonly removed: number;
  readonly unchanged: number;
  /** h1 hashes newly recorded in the root's `.gomirror/go.sum`. */
  readonly sumsAdded: number;
}

const STAGING_PREFIX = 'staging-';
/** Hash lines recorded between appends to the root's go.sum. */
const SUMS_BATCH = 1024;

/**
 * Imports each bundle in turn. Each is all-or-nothing; a refused bundle stops
 * the run (the bundles before it stay imported). Throws BundleRefusedError,
 * GomirrorError E_SIGNATURE/E_KEY/E_BUNDLE/E_FS.
 */
export async function importBundles(opts: ImportOptions, logger: Logger): Promise<BundleImportResult[]> {
  const root = path.resolve(opts.root);
  const key = opts.verifyKey === undefined ? undefined : parsePublicKey(await readKey(opts.verifyKey), opts.verifyKey);
  if (opts.bundles.length === 0) throw new GomirrorError('E_USAGE', 'name at least one bundle to import');
  const sources: BundleSource[] = [];
  for (const s of groupBundleArgs(opts.bundles)) sources.push(await discoverVolumes(s));
  const results: BundleImportResult[] = [];
  for (const source of sources) {
    const r = await importOne(root, source, key, logger, opts.freeBytes ?? freeBytesAt);
    logger.info(`imported ${source.name}: ${r.added} added, ${r.updated} updated, ${r.removed} removed, ${r.unchanged} already present`);
    results.push(r);
  }
  return results;
}

async function importOne(
  root: string,
  source: BundleSource,
  key: KeyObject | undefined,
  logger: Logger,
  freeBytes: (dir: string) => Promise<number>,
): Promise<BundleImportResult> {
  const layout = treeLayout(root);
  const rootExisted = await pathExists(root);
  const stateExisted = await pathExists(layout.stateDir());
  // One writer per tree: a sync or prune running now would race the commit.
  const lock = await acquireTreeLock(root, { command: 'bundle import' });
  await sweepStaleStaging(layout.stateDir());
  // Temp files of runs that died, anywhere in the tree.
  const swept = await sweepDeadTemps(root);
  if (swept.length > 0) logger.info(`removed ${swept.length} temp files left by runs that died`);
  const staging = path.join(layout.stateDir(), `${STAGING_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
  let committed = false;
  let plan: CommitPlan | undefined;
  try {
    // The index and signature come last in the tar: read them first, so a
    // bundle that cannot be imported is refused before a byte is staged.
    // Only the trailer index's id is kept, not its bytes: staging reads them again.
    const trailer = await readBundleTrailer(source);
    const before = await checkBeforeStaging(source, trailer, key, layout.stateDir(), freeBytes);
    await mkdir(staging, { recursive: true });
    const staged = await stageBundle(source, staging, before.carried);
    if (before.id !== undefined && staged.index?.id !== before.id) {
      throw new BundleRefusedError(source.name, INDEX_ENTRY, 'index', 'the index changed while the bundle was read', 'Copy the bundle again.');
    }
    const sums = await openSumStore(layout.sumsFile());
    const readExisting = async (rel: string): Promise<Buffer | undefined> => {
      try {
        return await readFile(path.join(root, ...rel.split('/')));
      } catch {
        return undefined;
      }
    };
    const verified = await verifyStaged(source, staged, {
      verifyKey: key,
      signatureChecked: before.signatureChecked,
      sums,
      readExisting,
      logger,
      workDir: staging,
    });
    plan = await planCommit(source, root, staged, verified, staging);

    committed = true;
    // Hashes first: a recorded hash without its file is harmless (sync fills
    // the file in and checks it), a file without its hash is not.
    // Only the hashes of files this bundle carries (each checked against
    // them): a line for anything else is a claim nothing here backs.
    let sumsAdded = 0;
    let unwritten = 0;
    for await (const l of verified.index.sumLines()) {
      if (!verified.carriedSumKeys.get(l.path)?.includes(`\n${l.version}${l.goMod ? '/go.mod' : ''}\n`)) continue;
      if (sums.get(l.path, l.version, l.goMod) === undefined) sumsAdded++;
      sums.set(l.path, l.version, l.goMod, l.hash);
      // Appended a batch at a time: the store keeps each line it has not
      // written, with the index line it was cut from (some 80 MB at 100,000 versions).
      if (++unwritten === SUMS_BATCH) {
        await sums.checkpoint();
        unwritten = 0;
      }
    }
    // Rewritten whole, in order.
    await sums.flush();
    await recordSumdbKeys(root, verified.index.head.sumdbKeys ?? [], key !== undefined, logger);
    for await (const a of plan.actions()) {
      await applyAction(root, a).catch((err: unknown) => {
        throw new GomirrorError('E_FS', `${path.join(root, ...a.rel.split('/'))}: ${(err as Error).message}`, {
          cause: err,
          hint: 'A problem of this machine\'s disk, not of the bundle: fix it and import the bundle again to finish.',
        });
      });
    }
    await (await import('../catalog/index.js')).refreshCatalog(root, logger, { changed: [...plan.changedModules] });
    return {
      bundle: source.name,
      id: verified.id,
      added: plan.added,
      updated: plan.updated,
      removed: plan.removed,
      unchanged: plan.unchanged,
      sumsAdded,
    };
  } finally {
    await plan?.close();
    // Bounded: Node's recursive rm of a 100,000-version staging tree took 660 MB.
    await removeTree(staging);
    await lock.release();
    if (!committed) {
      // Leave the root exactly as it was: remove the directories this import made.
      if (!stateExisted) await rmdir(layout.stateDir()).catch(() => undefined);
      if (!rootExisted) await rmdir(root).catch(() => undefined);
    }
  }
}

async function applyAction(root: string, a: CommitAction): Promise<void> {
  const dest = path.join(root, ...a.rel.split('/'));
  if (a.kind === 'remove') {
    await unlink(dest).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    return;
  }
  await mkdir(path.dirname(dest), { recursive: true });
  if (!a.immutable) {
    await rename(a.from, dest);
    return;
  }
  // Created exclusively: if another writer put the file there since the plan
  // was made, keep theirs (sync verified it against the same recorded hash).
  try {
    await link(a.from, dest);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EXDEV') await rename(a.from, dest);
    else throw err;
  }
}

/**
 * Checks made before staging, from the index read off the end of the tar:
 * with --verify-key, the signature (an unsigned or altered bundle stages
 * nothing); the free space the bundled files need. Returns the index's id and
 * the paths it says the bundle carries, so staging refuses any other entry
 * before writing it. Without an index (a damaged bundle), staging reports the damage.
 */
async function checkBeforeStaging(
  source: BundleSource,
  trailer: BundleTrailer,
  key: KeyObject | undefined,
  stateDir: string,
  freeBytes: (dir: string) => Promise<number>,
): Promise<{ id?: string; carried?: PathSet; signatureChecked: boolean }> {
  if (trailer.index === undefined) return { signatureChecked: false };
  const bytes = joinedRange(source.volumes, trailer.index.offset, trailer.index.size);
  if (key !== undefined) {
    // Ed25519 signs the whole message: the index is read whole only to check it, and dropped.
    const chunks: Buffer[] = [];
    for await (const c of bytes()) chunks.push(c);
    try {
      verifyIndexSignature(Buffer.concat(chunks), trailer.sigText, key, source.name);
    } catch (err) {
      const e = err as GomirrorError;
      throw new GomirrorError(e.code, e.message, { hint: `${e.hint ?? ''} Nothing was imported; the root is unchanged.`.trim(), cause: e });
    }
  }
  const hash = createHash('sha256');
  for await (const c of bytes()) hash.update(c);
  const id = hash.digest('hex');
  let index: IndexReader;
  try {
    index = await openIndex(bytes, `${source.name}: ${INDEX_ENTRY}`);
  } catch {
    // Refused after staging, once each entry's own name was judged (verifyStaged).
    return { id, signatureChecked: key !== undefined };
  }
  const carried = new PathSet();
  // Staged files are linked into the root, not copied: the bundled bytes plus a margin for directories.
  let need = 0;
  for await (const f of index.files()) {
    if (!f.bundled) continue;
    carried.add(f.path);
    need += f.size + 4096;
  }
  const free = await freeBytes(stateDir);
  if (need > free) {
    throw new GomirrorError('E_FS', `${stateDir}: importing ${source.name} needs about ${need} bytes, but only ${free} are free there`, {
      hint: 'Free some space on that file system (or import into a root on a larger one), then import again. Nothing was imported.',
    });
  }
  return { id, carried, signatureChecked: key !== undefined };
}

async function freeBytesAt(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

/** Removes staging directories of imports whose process is gone. */
async function sweepStaleStaging(stateDir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(stateDir);
  } catch {
    return;
  }
  for (const n of names) {
    const m = new RegExp(`^${STAGING_PREFIX}(\\d+)-`).exec(n);
    if (!m || isAlive(Number(m[1]))) continue;
    await removeTree(path.join(stateDir, n));
  }
}
