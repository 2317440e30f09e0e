import { readFile } from 'node:fs/promises';
import { GomirrorError } from '../errors.js';
import { compareGoSumEntries, formatSortedGoSum, parseGoSum, type GoSumEntry } from './go-sum.js';
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
  // Every entry in go.sum order as of the last flush, and what was set since:
  // a flush merges the few new entries into the sorted ones instead of
  // sorting the whole record again (a sync flushes once per module).
  let sorted: GoSumEntry[] | undefined;
  let fresh: GoSumEntry[] = [];
  let replaced = false;
  // The last write started or queued, and the queued one that has not
  // started yet: every flush asked for while a write runs shares the one
  // write after it (group commit), which holds all their hashes.
  let tail: Promise<void> = Promise.resolve();
  let queued: Promise<void> | undefined;
  const store: SumStore = {
    get: (p, v, goMod) => map.get(key(p, v, goMod)),
    set(p, v, goMod, hash) {
      const k = key(p, v, goMod);
      const had = map.get(k);
      if (had === hash) return;
      if (had !== undefined) replaced = true;
      map.set(k, hash);
      fresh.push({ path: p, version: v, goMod, hash });
      dirty = true;
    },
    flush() {
      const run = async (): Promise<void> => {
        if (!dirty) return;
        dirty = false;
        sorted = sorted === undefined || replaced ? entriesOf(map).sort(compareGoSumEntries) : mergeSorted(sorted, fresh.sort(compareGoSumEntries));
        fresh = [];
        replaced = false;
        try {
          await write(file, formatSortedGoSum(sorted));
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

function entriesOf(map: Map<string, string>): GoSumEntry[] {
  return [...map].map(([k, hash]) => {
    const [path, ver] = k.split(' ') as [string, string];
    const goMod = ver.endsWith('/go.mod');
    return { path, version: goMod ? ver.slice(0, -'/go.mod'.length) : ver, goMod, hash };
  });
}

/** Two lists in go.sum order, merged. */
function mergeSorted(a: readonly GoSumEntry[], b: readonly GoSumEntry[]): GoSumEntry[] {
  const out: GoSumEntry[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(compareGoSumEntries(a[i]!, b[j]!) <= 0 ? a[i++]! : b[j++]!);
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}
