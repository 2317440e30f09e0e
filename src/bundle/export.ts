/**
 * `gomirror bundle export`: streams the tree's files into a tar (or volumes),
 * followed by the index and its signature, and writes the index beside it.
 */
import { createHash } from 'node:crypto';
import { open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { GomirrorError } from '../errors.js';
import type { Logger } from '../logger.js';
import { writeFileAtomic, treeLayout, requireWritableParent, pathExists } from '../tree/index.js';
import { openSumStore, type SumStore, formatGoSum, type GoSumEntry } from '../gosum/index.js';
import { TOOL_VERSION } from '../version.js';
import { checkModuleZip } from '../modzip/index.js';
import { hashGoMod } from '../dirhash/index.js';
import { BUNDLE_FORMAT, INDEX_ENTRY, indexId, serializeIndex, SIGNATURE_ENTRY, TREE_PREFIX, type BundleFile, type BundleIndex } from './index-format.js';
import { indexFileFor, loadIndex } from './read-index.js';
import { readKey } from './keygen.js';
import { parsePrivateKey, signIndex, keyIdOf } from './signature.js';
import { readTreeSumdbKeys } from './sumdb-keys.js';
import { packBuffer, packFile } from './tar-io.js';
import { commitRank, isImmutable } from './tree-paths.js';
import { volumeName, VolumeWriter, type Volume } from './volumes.js';
import { walkTree, type TreeFileRef } from './walk.js';

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

interface Planned {
  readonly ref: TreeFileRef;
  /** Index files are read up front (see exportBundle); immutable files are streamed. */
  readonly data?: Buffer;
  readonly mtime: Date;
}

/**
 * Exports the tree at `opts.root`. Throws E_USAGE for a missing root, E_KEY
 * for a bad signing key, E_BUNDLE for an unusable `--since`, E_FS for I/O
 * failures; on any failure no bundle file is left behind.
 */
export async function exportBundle(opts: ExportOptions, logger: Logger): Promise<ExportResult> {
  const root = path.resolve(opts.root);
  await requireDirectory(root);
  await requireWritableParent(opts.out, '--out');
  if (!opts.force) await refuseExisting(path.resolve(opts.out), opts.split !== undefined);
  const key = opts.signKey === undefined ? undefined : parsePrivateKey(await readKey(opts.signKey), opts.signKey);
  const prev = opts.since === undefined ? undefined : await loadIndex(opts.since);
  const prevByPath = new Map((prev?.index.files ?? []).map((f) => [f.path, f]));
  const warnStray = (rel: string, why: string): void => logger.warn(`skipping ${rel}: ${why}`);

  // Consistency without a lock: index files are read before the immutable
  // files are listed. sync rewrites a list only after every version it names
  // is complete, and immutable files never go away, so the second walk finds
  // every file that any index read here names.
  const indexFiles: Planned[] = [];
  for (const ref of (await walkTree(root, warnStray)).filter((r) => !isImmutable(r.tree))) {
    const read = await readIfPresent(ref.abs);
    if (read) indexFiles.push({ ref, data: read.data, mtime: read.mtime });
  }
  const immutable = (await walkTree(root, () => undefined)).filter((r) => isImmutable(r.tree));

  const snapshot: BundleFile[] = [];
  const toPack: Planned[] = [];
  for (const ref of immutable) {
    const st = await stat(ref.abs);
    const before = prevByPath.get(ref.rel);
    // Immutable files never change once written: the same path and size is the same file.
    if (before !== undefined && before.size === st.size) snapshot.push({ ...before, bundled: false });
    else toPack.push({ ref, mtime: st.mtime });
  }
  for (const f of indexFiles) {
    const data = f.data as Buffer;
    const sha256 = createHash('sha256').update(data).digest('hex');
    if (prevByPath.get(f.ref.rel)?.sha256 === sha256) snapshot.push({ path: f.ref.rel, size: data.length, sha256, bundled: false });
    else toPack.push(f);
  }
  toPack.sort((a, b) => commitRank(a.ref.tree) - commitRank(b.ref.tree) || (a.ref.rel < b.ref.rel ? -1 : 1));

  const sums = await openSumStore(treeLayout(root).sumsFile());
  const sumdbKeys = await readTreeSumdbKeys(root);
  const writer = new VolumeWriter(path.resolve(opts.out), opts.split);
  const pack = tar.pack();
  const abort = new AbortController();
  const consumer = pipeline(async function* () {
    for await (const chunk of pack) yield chunk as Buffer;
  }, writer).catch((err: unknown) => {
    abort.abort(err);
    pack.destroy(err as Error);
    throw err;
  });
  const created = (opts.now ?? (() => new Date()))();
  const sumLines: GoSumEntry[] = [];
  let bytes = 0;
  try {
    const producer = (async () => {
      for (const item of toPack) {
        const name = TREE_PREFIX + item.ref.rel;
        let sha256: string;
        let size: number;
        if (item.data !== undefined) {
          await packBuffer(pack, name, item.data, item.mtime);
          sha256 = createHash('sha256').update(item.data).digest('hex');
          size = item.data.length;
        } else {
          const fh = await open(item.ref.abs, 'r').catch((err: NodeJS.ErrnoException) => {
            throw new GomirrorError('E_FS', `${item.ref.rel}: cannot read it (${err.code ?? err.message}); was it removed by a prune?`, {
              hint: 'Run the export again.',
              cause: err,
            });
          });
          try {
            size = (await fh.stat()).size;
            sha256 = await packFile(pack, name, fh, size, item.mtime, abort.signal);
          } finally {
            await fh.close();
          }
          const sum = await sumOf(item.ref, sums, logger);
          if (sum) sumLines.push(sum);
        }
        bytes += size;
        snapshot.push({ path: item.ref.rel, size, sha256, bundled: true });
      }
      const index: BundleIndex = {
        format: BUNDLE_FORMAT,
        tool: `gomirror ${TOOL_VERSION}`,
        created: created.toISOString(),
        since: prev ? { id: prev.id, created: prev.index.created } : null,
        files: snapshot.sort((a, b) => (a.path < b.path ? -1 : 1)),
        sums: formatGoSum(sumLines).split('\n').filter((l) => l !== ''),
        ...(sumdbKeys.length > 0 ? { sumdbKeys } : {}),
      };
      const indexBytes = serializeIndex(index);
      await packBuffer(pack, INDEX_ENTRY, indexBytes, created);
      const sigText = key ? signIndex(indexBytes, key) : undefined;
      if (sigText !== undefined) await packBuffer(pack, SIGNATURE_ENTRY, Buffer.from(sigText), created);
      pack.finalize();
      return { indexBytes, sigText };
    })();
    const [{ indexBytes, sigText }] = await Promise.all([producer, consumer]);
    const volumes = await writer.commit();
    const indexFile = indexFileFor(path.resolve(opts.out));
    await writeFileAtomic(indexFile, indexBytes);
    if (sigText !== undefined) await writeFileAtomic(`${indexFile}.sig`, sigText);
    return {
      id: indexId(indexBytes),
      bundled: toPack.length,
      leftOut: snapshot.length - toPack.length,
      bytes,
      volumes,
      indexFile,
      signatureFile: sigText === undefined ? undefined : `${indexFile}.sig`,
      keyId: key ? keyIdOf(key) : undefined,
    };
  } catch (err) {
    abort.abort(err);
    pack.destroy(err as Error);
    await consumer.catch(() => undefined);
    await writer.abort();
    throw err;
  }
}

/** The h1 line a bundled .zip or .mod carries: the recorded one, or computed if none is recorded yet. */
async function sumOf(ref: TreeFileRef, sums: SumStore, logger: Logger): Promise<GoSumEntry | undefined> {
  const t = ref.tree;
  if (t.kind !== 'version' || t.ext === 'info') return undefined;
  const goMod = t.ext === 'mod';
  let hash = sums.get(t.modulePath, t.version, goMod);
  if (hash === undefined) {
    // sync flushes its records every few seconds: a file may be newer than its record.
    logger.warn(`${ref.rel}: no recorded h1 hash; computing it`);
    hash = goMod ? hashGoMod(await readFile(ref.abs)) : (await checkModuleZip(ref.abs, t)).h1;
  }
  return { path: t.modulePath, version: t.version, goMod, hash };
}

async function readIfPresent(file: string): Promise<{ data: Buffer; mtime: Date } | undefined> {
  try {
    const [data, st] = await Promise.all([readFile(file), stat(file)]);
    return { data, mtime: st.mtime };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

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
