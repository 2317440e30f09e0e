/**
 * `gomirror bundle export`: streams the tree's files into a tar (or volumes),
 * followed by the index and its signature, and writes the index beside it.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { GomirrorError } from '../errors.js';
import type { Logger } from '../logger.js';
import { commitTempFile, writeFileAtomic, treeLayout, requireWritableParent, pathExists } from '../tree/index.js';
import { TOOL_VERSION } from '../version.js';
import { checkModuleZip } from '../modzip/index.js';
import { hashGoMod } from '../dirhash/index.js';
import { BUNDLE_FORMAT, INDEX_ENTRY, SIGNATURE_ENTRY, TREE_PREFIX } from './index-format.js';
import { BundleFileSpool, BundledSums, JsonLinesSpool, mergeByPath, writeIndexFile } from './export-index.js';
import { indexFileFor, openPrevIndex } from './read-index.js';
import { readKey } from './keygen.js';
import { parsePrivateKey, signIndex, keyIdOf } from './signature.js';
import { readTreeSumdbKeys } from './sumdb-keys.js';
import { fetchImmutable, inCallOrder, only, readAhead, READ_AHEAD, readIfPresent } from './read-ahead.js';
import { packBuffer, packFile } from './tar-io.js';
import { commitRank, isImmutable } from './tree-paths.js';
import { volumeName, VolumeWriter, type Volume } from './volumes.js';
import { walkTree } from './walk.js';

export interface ExportOptions {
  readonly root: string;
  /** The bundle file (`X.tar`); with `split`, volumes `X.tar.001`, ... */
  readonly out: string;
  /** An earlier bundle or its `.index.json`: files it carried unchanged are left out. */
  readonly since?: string;
  /** PEM Ed25519 private key file to sign the index with. */
  readonly signKey?: string;
  /** Largest volume size in bytes. */
  readonly split?: number;
  /** Replace a bundle (or its index) already at `out`; without it export refuses. */
  readonly force?: boolean;
  readonly now?: () => Date;
}

export interface ExportResult {
  /** The bundle's id: SHA-256 of its index. */
  readonly id: string;
  readonly bundled: number;
  /** Files of the tree left out because the `--since` bundle carried them. */
  readonly leftOut: number;
  /** Bytes of the bundled tree files. */
  readonly bytes: number;
  readonly volumes: readonly Volume[];
  readonly indexFile: string;
  readonly signatureFile: string | undefined;
  readonly keyId: string | undefined;
}

/** A changing file of the tree to bundle, copied aside before the immutable files are listed (see exportBundle). */
interface Snapped {
  readonly rel: string;
  /** Where its bytes lie in the snapshot file. */
  readonly offset: number;
  readonly size: number;
  /** Its modification time in milliseconds. */
  readonly mtime: number;
}

/**
 * Exports the tree at `opts.root`. Throws E_USAGE for a missing root, E_KEY
 * for a bad signing key, E_BUNDLE for an unusable `--since`, E_FS for I/O
 * failures; on any failure no bundle file is left behind.
 *
 * Memory stays flat with the tree's size: the tree is walked in path order
 * and streamed, the index is written to a work file beside `out` as it is
 * made, and only the index files' places and the sums are held (compactly).
 */
export async function exportBundle(opts: ExportOptions, logger: Logger): Promise<ExportResult> {
  const root = path.resolve(opts.root);
  await requireDirectory(root);
  await requireWritableParent(opts.out, '--out');
  const out = path.resolve(opts.out);
  if (!opts.force) await refuseExisting(out, opts.split !== undefined);
  const key = opts.signKey === undefined ? undefined : parsePrivateKey(await readKey(opts.signKey), opts.signKey);
  // Looked up as each walk (in path order) reaches a file: the earlier index is never held whole.
  const prev = opts.since === undefined ? undefined : await openPrevIndex(opts.since);
  const noPrev = async (): Promise<undefined> => undefined;
  const warnStray = (rel: string, why: string): void => logger.warn(`skipping ${rel}: ${why}`);
  const work = await mkdtemp(path.join(path.dirname(out), `.${path.basename(out)}.export-`));
  const writer = new VolumeWriter(out, opts.split);
  const pack = tar.pack();
  const abort = new AbortController();
  let consumer: Promise<void> | undefined;
  try {
    // Consistency without a lock: index files are read before the immutable
    // files are listed. sync rewrites a list only after every version it names
    // is complete, and immutable files never go away, so the second walk finds
    // every file that any index read here names.
    const snapFile = path.join(work, 'index-files');
    const snap = await open(snapFile, 'wx+', 0o600);
    // What is known of them goes to work files too (the catalog's pages alone are one per module): their index
    // entries in path order, and the ones to pack in one spool per commit rank, each in path order as walked.
    const indexEntries = await BundleFileSpool.create(path.join(work, 'index-entries'));
    const toPack = new Map<number, JsonLinesSpool<Snapped>>();
    let indexFiles = 0;
    let packing = 0;
    let offset = 0;
    // Written to the snapshot a batch at a time (a catalog page or a list is a few hundred bytes).
    const snapBatch: Buffer[] = [];
    let snapWritten = 0;
    const flushSnap = async (): Promise<void> => {
      const batch = Buffer.concat(snapBatch.splice(0));
      if (batch.length > 0) await snap.write(batch, 0, batch.length, snapWritten);
      snapWritten += batch.length;
    };
    const prevOfIndexFile = prev?.lookup() ?? noPrev;
    const indexFilesAhead = readAhead(
      only(walkTree(root, warnStray), (ref) => !isImmutable(ref.tree)),
      READ_AHEAD,
      async (ref) => ({ ref, read: await readIfPresent(ref.abs) }),
      async () => undefined,
    );
    for await (const { ref, read } of indexFilesAhead) {
      if (!read) continue;
      snapBatch.push(read.data);
      if (offset + read.data.length - snapWritten >= SNAP_BATCH) await flushSnap();
      const sha256 = createHash('sha256').update(read.data).digest('hex');
      const same = (await prevOfIndexFile(ref.rel))?.sha256 === sha256;
      await indexEntries.add({ path: ref.rel, size: read.data.length, sha256, bundled: !same });
      indexFiles++;
      if (!same) {
        const rank = commitRank(ref.tree);
        let spool = toPack.get(rank);
        if (spool === undefined) toPack.set(rank, (spool = await JsonLinesSpool.create<Snapped>(path.join(work, `pack-${rank}`))));
        await spool.add({ rel: ref.rel, offset, size: read.data.length, mtime: read.mtime.getTime() });
        packing++;
      }
      offset += read.data.length;
    }
    await flushSnap();

    const sumdbKeys = await readTreeSumdbKeys(root);
    consumer = pipeline(async function* () {
      for await (const chunk of pack) yield chunk as Buffer;
    }, writer).catch((err: unknown) => {
      abort.abort(err);
      pack.destroy(err as Error);
      throw err;
    });
    const created = (opts.now ?? (() => new Date()))();
    const spool = await BundleFileSpool.create(path.join(work, 'immutable-files'));
    const sumLines = new BundledSums();
    let bytes = 0;
    let bundled = 0;
    let leftOut = 0;
    const producer = (async () => {
      // Immutable files (commit rank 0) go first, in path order, as the walk yields them.
      const prevOfImmutable = prev === undefined ? noPrev : inCallOrder(prev.lookup());
      const immutableAhead = readAhead(
        only(walkTree(root, () => undefined), (ref) => isImmutable(ref.tree)),
        READ_AHEAD,
        (ref) => fetchImmutable(ref, prevOfImmutable),
        async (f) => void (await f.file?.fh?.close()),
      );
      for await (const { ref, carried, file } of immutableAhead) {
        if (carried !== undefined) {
          await spool.add({ ...carried, bundled: false });
          leftOut++;
          continue;
        }
        let sha256: string;
        if (file.data !== undefined) {
          sha256 = createHash('sha256').update(file.data).digest('hex');
          await packBuffer(pack, TREE_PREFIX + ref.rel, file.data, file.mtime);
        } else {
          try {
            sha256 = await packFile(pack, TREE_PREFIX + ref.rel, file.fh, file.size, file.mtime, abort.signal);
          } finally {
            await file.fh.close();
          }
        }
        await spool.add({ path: ref.rel, size: file.size, sha256, bundled: true });
        bytes += file.size;
        bundled++;
        if (ref.tree.kind === 'version' && ref.tree.ext !== 'info') sumLines.want(ref.tree.modulePath, ref.tree.version, ref.tree.ext === 'mod');
      }
      // Then the index files, from their snapshot, by commit rank, then path.
      for (const rank of [...toPack.keys()].sort((a, b) => a - b)) {
        for await (const f of (toPack.get(rank) as JsonLinesSpool<Snapped>).read()) {
          const data = Buffer.alloc(f.size);
          await snap.read(data, 0, f.size, f.offset);
          await packBuffer(pack, TREE_PREFIX + f.rel, data, new Date(f.mtime));
          bytes += f.size;
        }
      }
      bundled += packing;
      leftOut += indexFiles - packing;
      await snap.close();

      await sumLines.fill(treeLayout(root).sumsFile());
      const missing = [];
      for await (const m of sumLines.missing()) missing.push(m);
      for (const m of missing) {
        // sync flushes its records every few seconds: a file may be newer than its record.
        const file = treeLayout(root).versionFile(m.path, m.version, m.goMod ? 'mod' : 'zip');
        logger.warn(`${path.relative(root, file).split(path.sep).join('/')}: no recorded h1 hash; computing it`);
        const hash = m.goMod ? hashGoMod(await readFile(file)) : (await checkModuleZip(file, { modulePath: m.path, version: m.version })).h1;
        sumLines.set({ ...m, hash });
      }
      const indexTmp = path.join(work, 'index.json');
      const written = await writeIndexFile(
        indexTmp,
        {
          format: BUNDLE_FORMAT,
          tool: `gomirror ${TOOL_VERSION}`,
          created: created.toISOString(),
          since: prev ? { id: prev.id, created: prev.created } : null,
          ...(sumdbKeys.length > 0 ? { sumdbKeys } : {}),
        },
        mergeByPath(spool.read(), indexEntries.read()),
        sumLines.lines(),
      );
      await sumLines.close();
      const ifh = await open(indexTmp, 'r');
      try {
        await packFile(pack, INDEX_ENTRY, ifh, written.size, created, abort.signal);
      } finally {
        await ifh.close();
      }
      // Ed25519 signs the whole message: the index is read whole only to sign it.
      const sigText = key ? signIndex(await readFile(indexTmp), key) : undefined;
      if (sigText !== undefined) await packBuffer(pack, SIGNATURE_ENTRY, Buffer.from(sigText), created);
      pack.finalize();
      return { indexTmp, id: written.sha256, sigText };
    })();
    const [{ indexTmp, id, sigText }] = await Promise.all([producer, consumer]);
    const volumes = await writer.commit();
    const indexFile = indexFileFor(out);
    await commitTempFile(indexTmp, indexFile);
    if (sigText !== undefined) await writeFileAtomic(`${indexFile}.sig`, sigText);
    return {
      id,
      bundled,
      leftOut,
      bytes,
      volumes,
      indexFile,
      signatureFile: sigText === undefined ? undefined : `${indexFile}.sig`,
      keyId: key ? keyIdOf(key) : undefined,
    };
  } catch (err) {
    abort.abort(err);
    pack.destroy(err as Error);
    await consumer?.catch(() => undefined);
    await writer.abort();
    throw err;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Bytes of index files gathered before they are written to the snapshot. */
const SNAP_BATCH = 1 << 18;

/**
 * A bundle already at `out` may not have been carried yet: replacing it (with
 * an empty delta, when the nightly block runs twice) would drop its files out
 * of the chain of `--since` bundles. So export writes only new names.
 */
async function refuseExisting(out: string, split: boolean): Promise<void> {
  const taken = [out, volumeName(out, 1), indexFileFor(out)];
  for (const file of taken) {
    if (await pathExists(file)) {
      throw new GomirrorError('E_USAGE', `--out ${out}: ${file} exists; not overwriting a bundle that may not have been carried yet`, {
        hint: `Name each bundle uniquely (for example with the date and time: $(date +%F-%H%M).tar), or pass --force to replace it${split ? ' (with all its volumes)' : ''}.`,
      });
    }
  }
}

async function requireDirectory(root: string): Promise<void> {
  let ok = false;
  try {
    ok = (await stat(root)).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) throw new GomirrorError('E_USAGE', `--root ${root} is not a directory`, { hint: 'Name the tree that gomirror sync --out wrote' });
}
