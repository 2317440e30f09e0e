import { readFile } from 'node:fs/promises';
import { GomirrorError } from '../errors.js';
import { INDEX_ENTRY, indexId, MAX_INDEX_SIZE, parseIndex, type BundleIndex } from './index-format.js';
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
