import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { GomirrorError } from '../errors.js';
import { INDEX_ENTRY, indexId, MAX_INDEX_SIZE, parseIndex, type BundleFile, type BundleIndex } from './index-format.js';
import { fileBytes, inMemoryIndex, openIndex, type IndexBytes, type IndexReader } from './index-stream.js';
import { joinedRange, readBundleTrailer } from './tar-trailer.js';
import { readEntry, tarEntries } from './tar-io.js';
import { discoverVolumes, openVolumes } from './volumes.js';

/** An index with its exact bytes and id. */
export interface LoadedIndex {
  readonly index: BundleIndex;
  readonly bytes: Buffer;
  readonly id: string;
}

/**
 * Loads the index of an earlier bundle for `--since`: from `FILE.index.json`
 * (any name ending in `.json`) or from the bundle itself (a tar, or its
 * volumes found as `FILE.001`, ...), which is read to its index entry.
 * Throws E_FS when unreadable and E_BUNDLE when there is no valid index.
 */
export async function loadIndex(file: string): Promise<LoadedIndex> {
  let bytes: Buffer | undefined;
  try {
    if (file.endsWith('.json')) {
      bytes = await readFile(file);
    } else {
      const volumes = await openVolumes(await discoverVolumes({ name: file, volumes: [file] }));
      for await (const entry of tarEntries(volumes.stream)) {
        if (entry.header.name === INDEX_ENTRY) {
          bytes = await readEntry(entry, MAX_INDEX_SIZE);
          volumes.stream.destroy();
          break;
        }
        entry.resume();
      }
    }
  } catch (err) {
    if (err instanceof GomirrorError) throw err;
    throw new GomirrorError('E_FS', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (bytes === undefined) throw new GomirrorError('E_BUNDLE', `${file}: no ${INDEX_ENTRY} in this bundle`);
  return { index: parseIndex(bytes, file), bytes, id: indexId(bytes) };
}

/** Where export writes the index beside the bundle: `X.tar` → `X.index.json`. */
export function indexFileFor(out: string): string {
  return `${out.endsWith('.tar') ? out.slice(0, -4) : out}.index.json`;
}

/** An earlier bundle's index for `--since`, its files read on demand in path order (never held whole). */
export interface PrevIndex {
  readonly id: string;
  readonly created: string;
  /** The files of the index, looked up in increasing path order (an earlier path restarts the read). */
  lookup(): (rel: string) => Promise<BundleFile | undefined>;
}

/**
 * As loadIndex, but an index file (`*.json`) or a bundle's own index (found
 * from its tar headers) is read a line at a time: 76 MB and 344,000 entries
 * at 100,000 versions, which export's `--since` held whole before. Anything
 * else (a damaged tar) is loaded by loadIndex, with its messages.
 */
export async function openPrevIndex(file: string): Promise<PrevIndex> {
  let bytes: IndexBytes | undefined;
  try {
    if (file.endsWith('.json')) {
      await (await open(file, 'r')).close();
      bytes = fileBytes(file);
    } else {
      const source = await discoverVolumes({ name: file, volumes: [file] });
      const at = (await readBundleTrailer(source)).index;
      if (at !== undefined) bytes = joinedRange(source.volumes, at.offset, at.size);
    }
  } catch (err) {
    bytes = undefined;
    if (file.endsWith('.json')) throw new GomirrorError('E_FS', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  let reader: IndexReader;
  let id: string;
  if (bytes === undefined) {
    const loaded = await loadIndex(file);
    reader = inMemoryIndex(loaded.index);
    id = loaded.id;
  } else {
    try {
      const hash = createHash('sha256');
      for await (const c of bytes()) hash.update(c);
      id = hash.digest('hex');
      reader = await openIndex(bytes, file);
    } catch (err) {
      if (err instanceof GomirrorError) throw err;
      throw new GomirrorError('E_FS', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
    }
  }
  return {
    id,
    created: reader.head.created,
    lookup() {
      let it: AsyncIterator<BundleFile> | undefined;
      let cur: IteratorResult<BundleFile> | undefined;
      let last: string | undefined;
      return async (rel) => {
        if (it === undefined || (last !== undefined && rel < last)) {
          await it?.return?.(undefined);
          it = reader.files()[Symbol.asyncIterator]();
          cur = await it.next();
        }
        last = rel;
        while (cur !== undefined && !cur.done && cur.value.path < rel) cur = await it.next();
        return cur !== undefined && !cur.done && cur.value.path === rel ? cur.value : undefined;
      };
    },
  };
}
