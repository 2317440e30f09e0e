import { readFile } from 'node:fs/promises';
import { GomirrorError } from '../errors.js';
import { formatGoSum, parseGoSum } from './go-sum.js';
import { writeFileAtomic } from '../tree/index.js';

/**
 * The h1: hashes of everything in the tree, kept in go.sum format in
 * `.gomirror/go.sum`. Once a hash is recorded for a module version it never
 * changes: a different hash later is a security error.
 */
export interface SumStore {
  get(modulePath: string, version: string, goMod: boolean): string | undefined;
  /** Records a hash; throws nothing, the caller compares with get() first. */
  set(modulePath: string, version: string, goMod: boolean, hash: string): void;
  /**
   * Writes the file atomically (fsynced) if anything changed. A failed write
   * throws E_FS naming the file and keeps the changes, so the next flush
   * writes them once the disk recovers.
   */
  flush(): Promise<void>;
  readonly size: number;
}

const key = (p: string, v: string, goMod: boolean): string => `${p} ${v}${goMod ? '/go.mod' : ''}`;

export interface SumStoreOptions {
  /** Writes the file's new content atomically (tests inject failures). */
  write?: (file: string, data: string) => Promise<void>;
}

export async function openSumStore(file: string, options: SumStoreOptions = {}): Promise<SumStore> {
  const write = options.write ?? writeFileAtomic;
  const map = new Map<string, string>();
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new GomirrorError('E_FS', `${file}: ${(err as Error).message}`, { cause: err });
    }
  }
  for (const line of parseGoSum(text, file)) map.set(key(line.path, line.version, line.goMod), line.hash);
  let dirty = false;
  // The last write started or queued, and the queued one that has not
  // started yet: every flush asked for while a write runs shares the one
  // write after it (group commit), which holds all their hashes.
  let tail: Promise<void> = Promise.resolve();
  let queued: Promise<void> | undefined;
  const store: SumStore = {
    get: (p, v, goMod) => map.get(key(p, v, goMod)),
    set(p, v, goMod, hash) {
      if (map.get(key(p, v, goMod)) === hash) return;
      map.set(key(p, v, goMod), hash);
      dirty = true;
    },
    flush() {
      const run = async (): Promise<void> => {
        if (!dirty) return;
        dirty = false;
        const lines = [...map].map(([k, hash]) => {
          const [path, ver] = k.split(' ') as [string, string];
          const goMod = ver.endsWith('/go.mod');
          return { path, version: goMod ? ver.slice(0, -'/go.mod'.length) : ver, goMod, hash };
        });
        try {
          await write(file, formatGoSum(lines));
        } catch (err) {
          // Still unwritten: the next flush tries again.
          dirty = true;
          throw new GomirrorError('E_FS', `${file}: cannot record hashes: ${(err as Error).message}`, {
            cause: err,
            hint: 'Check free space and permissions under the output directory, then run again.',
          });
        }
      };
      // Serialised, so an older snapshot never lands after a newer one; a
      // failed flush does not stop the one queued after it.
      // A write that fails reaches its own caller; those who joined it try once more.
      if (queued) return queued.catch(() => store.flush());
      const next = tail.then(() => {
        queued = undefined;
        return run();
      });
      queued = next;
      tail = next.catch(() => undefined);
      return next;
    },
    get size() {
      return map.size;
    },
  };
  return store;
}
