/**
 * Export reads the tree a file at a time, in path order. Taken one after
 * another, each file's open, fstat, read and close were four round trips
 * through libuv's thread pool with nothing else in flight: at 10,000 versions
 * more than a third of the export's wall time was spent idle, waiting on
 * them, and more where the disk had to be read. Here the next files are
 * opened and read while the current one is written, in a bounded window, and
 * handed over in the walk's order, so the bundle's bytes do not change.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { GomirrorError } from '../errors.js';
import type { BundleFile } from './index-format.js';
import type { TreeFileRef } from './walk.js';

/** How many files are read ahead of the one being written. */
export const READ_AHEAD = 32;

/** Files up to this size are read whole ahead of their turn; larger ones are opened and streamed then. */
export const SMALL_FILE = 1 << 16;

/**
 * Runs `start` on the items of `source` up to `depth` ahead of the one
 * handed out, and yields the results in source order. A failed `start`
 * throws when its turn comes. Results started but never handed out (the
 * consumer stopped, or one failed) go to `discard`.
 */
export async function* readAhead<T, R>(
  source: AsyncIterable<T>,
  depth: number,
  start: (item: T) => Promise<R>,
  discard: (result: R) => Promise<void>,
): AsyncGenerator<R> {
  const it = source[Symbol.asyncIterator]();
  const window: Promise<R>[] = [];
  let ended = false;
  const fill = async (): Promise<void> => {
    while (!ended && window.length < depth) {
      const next = await it.next();
      if (next.done) {
        ended = true;
        break;
      }
      const p = start(next.value);
      // Awaited in its turn; until then a failure must not count as unhandled.
      p.catch(() => undefined);
      window.push(p);
    }
  };
  try {
    await fill();
    for (let p = window.shift(); p !== undefined; p = window.shift()) {
      yield await p;
      await fill();
    }
  } finally {
    for (const p of window.splice(0)) {
      const r = await p.then(
        (v) => ({ v }),
        () => undefined,
      );
      if (r) await discard(r.v);
    }
    if (!ended) await it.return?.();
  }
}

/** A file as read ahead: its bytes (small files), or its open handle to stream (the taker closes it). */
export type FetchedFile =
  | { readonly data: Buffer; readonly fh?: undefined; readonly size: number; readonly mtime: Date }
  | { readonly data?: undefined; readonly fh: FileHandle; readonly size: number; readonly mtime: Date };

/** Thrown when a file's length differs from what fstat said as it is read. */
class SizeChanged extends Error {
  constructor(
    readonly before: number,
    readonly after: number,
  ) {
    super(`changed size (${before} → ${after} bytes)`);
  }
}

/**
 * Opens `file` and, if it has at most `small` bytes, reads it whole and
 * closes it: open, fstat, one read, close. Throws SizeChanged if the read
 * gives more or fewer bytes than fstat said (with `exact`), the fs error
 * (ENOENT, ...) if it cannot be opened.
 */
export async function fetchFile(file: string, small: number, exact: boolean): Promise<FetchedFile> {
  const fh = await open(file, 'r');
  let handedOver = false;
  try {
    const st = await fh.stat();
    if (st.size > small) {
      handedOver = true;
      return { fh, size: st.size, mtime: st.mtime };
    }
    const data = await readToEnd(fh, st.size);
    if (exact && data.length !== st.size) throw new SizeChanged(st.size, data.length);
    return { data, size: data.length, mtime: st.mtime };
  } finally {
    if (!handedOver) await fh.close();
  }
}

/**
 * Reads the whole file from its start. Asks for one byte more than `size`:
 * a regular file gives less only at its end, so a file that kept its size
 * takes one read.
 */
async function readToEnd(fh: FileHandle, size: number): Promise<Buffer> {
  let buf = Buffer.allocUnsafe(size + 1);
  let n = 0;
  for (;;) {
    const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
    n += bytesRead;
    if (bytesRead === 0 || (n < buf.length && n === size)) break;
    if (n === buf.length) {
      // It grew while read: read on to its end, as readFile would.
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, n);
      buf = bigger;
    }
  }
  return buf.subarray(0, n);
}

/**
 * Calls `lookup` one call after another in the order they were made (a
 * lookup in an earlier index reads it forward and must be asked in path
 * order), though its callers run concurrently.
 */
export function inCallOrder<A, R>(lookup: (arg: A) => Promise<R>): (arg: A) => Promise<R> {
  let last: Promise<unknown> = Promise.resolve();
  return (arg) => {
    const p = last.then(
      () => lookup(arg),
      () => lookup(arg),
    );
    last = p.catch(() => undefined);
    return p;
  };
}

/** The refs of `refs` that `keep` accepts. */
export async function* only(refs: AsyncIterable<TreeFileRef>, keep: (ref: TreeFileRef) => boolean): AsyncGenerator<TreeFileRef> {
  for await (const ref of refs) if (keep(ref)) yield ref;
}

/**
 * An immutable file ready to bundle: left out (`carried`) when the `--since`
 * bundle had it, else its bytes or open handle. Immutable files never change
 * once written: the same path and size is the same file.
 */
export async function fetchImmutable(
  ref: TreeFileRef,
  prevOf: (rel: string) => Promise<BundleFile | undefined>,
): Promise<{ ref: TreeFileRef; carried: BundleFile; file?: undefined } | { ref: TreeFileRef; carried?: undefined; file: FetchedFile }> {
  const before = await prevOf(ref.rel);
  try {
    if (before !== undefined && before.size === (await stat(ref.abs)).size) return { ref, carried: before };
    return { ref, file: await fetchFile(ref.abs, SMALL_FILE, true) };
  } catch (err) {
    if (err instanceof SizeChanged) {
      throw new GomirrorError('E_FS', `${ref.rel} changed size while it was bundled (${err.before} → ${err.after} bytes)`, {
        hint: 'Run the export again when no sync is writing to the tree.',
      });
    }
    throw new GomirrorError('E_FS', `${ref.rel}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); was it removed by a prune?`, {
      hint: 'Run the export again.',
      cause: err,
    });
  }
}

/** The file's bytes and time; undefined if it is gone (an index file that sync removed). */
export async function readIfPresent(file: string): Promise<{ data: Buffer; mtime: Date } | undefined> {
  try {
    const { data, mtime } = await fetchFile(file, Infinity, false);
    return { data: data as Buffer, mtime };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
