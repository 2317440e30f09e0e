import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { GomirrorError, ProblemList } from '../errors.js';
import type { GoSumLine } from './go-sum.js';
import { compareGoSumEntries, compareStrings, forEachGoSumLine, formatGoSumLine } from './go-sum.js';
import { writeTextAtomic } from '../tree/index.js';
import { flatString } from '../flat-string.js';

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
   * Writes the whole file atomically (fsynced), sorted in the go command's
   * order, if anything changed since it was last written whole. A failed
   * write throws E_FS naming the file and keeps the changes, so the next
   * flush writes them once the disk recovers.
   */
  flush(): Promise<void>;
  /**
   * Makes every hash set so far durable, cheaply: appends the new lines to the
   * file (fsynced) instead of rewriting it, so a sync that records hashes
   * module by module does not rewrite 200,000 lines each time. The file is
   * then out of order until the next flush(); readers do not mind. Falls back
   * to flush() when appending would not do (nothing on disk yet, a changed
   * hash, an earlier failed append). Errors as flush().
   */
  checkpoint(): Promise<void>;
  /** Records held (a version's zip and go.mod hashes are two). */
  readonly size: number;
}

export interface SumStoreOptions {
  /** Writes the file's new content atomically (tests inject failures); default streams it to a temp file and renames. */
  write?: (file: string, data: string) => Promise<void>;
  /** Appends lines to the file durably (tests inject failures). */
  append?: (file: string, data: string) => Promise<void>;
}

// One entry per module version, keyed `path version`. Its two hashes (zip,
// go.mod) are 32 bytes each in one growing buffer, the entry holding only
// their slot: at 100,000 versions a string per hash pair was half the map.
// A hash that is not `h1:` and 32 bytes of base64 (never written by
// gomirror, but a hand-edited file may hold one) is kept as the string
// `<zip hash>\n<go.mod hash>` instead (either may be empty).
const SEP = '\n';
const H1 = 'h1:';

/** Hash pairs packed 64 bytes a slot, with a byte of flags each (1: zip hash, 2: go.mod hash). */
function createHashSlots(): { put(slot: number | undefined, zip: string, mod: string): number | undefined; get(slot: number, goMod: boolean): string } {
  let bytes = Buffer.alloc(64 * 1024);
  let flags = new Uint8Array(1024);
  let used = 0;
  const raw = (h: string): Buffer | undefined => {
    if (h.length !== 47 || !h.startsWith(H1)) return undefined;
    const b = Buffer.from(h.slice(3), 'base64');
    return b.length === 32 && b.toString('base64') === h.slice(3) ? b : undefined;
  };
  return {
    /** The slot now holding zip and mod (`slot` reused when given); undefined when either cannot be packed. */
    put(slot, zip, mod) {
      const z = zip === '' ? undefined : raw(zip);
      const m = mod === '' ? undefined : raw(mod);
      if ((zip !== '' && !z) || (mod !== '' && !m)) return undefined;
      let i = slot;
      if (i === undefined) {
        if (used === flags.length) {
          const nb = Buffer.alloc(bytes.length * 2);
          bytes.copy(nb);
          bytes = nb;
          const nf = new Uint8Array(flags.length * 2);
          nf.set(flags);
          flags = nf;
        }
        i = used++;
      }
      if (z) z.copy(bytes, i * 64);
      if (m) m.copy(bytes, i * 64 + 32);
      flags[i] = (z ? 1 : 0) | (m ? 2 : 0);
      return i;
    },
    get(slot, goMod) {
      if (((flags[slot] ?? 0) & (goMod ? 2 : 1)) === 0) return '';
      const at = slot * 64 + (goMod ? 32 : 0);
      return H1 + bytes.toString('base64', at, at + 32);
    },
  };
}

export async function openSumStore(file: string, options: SumStoreOptions = {}): Promise<SumStore> {
  const map = new Map<string, number | string>();
  const slots = createHashSlots();
  /** The zip and go.mod hashes of an entry ('' when not recorded). */
  const pair = (val: number | string | undefined): [string, string] => {
    if (val === undefined) return ['', ''];
    if (typeof val === 'number') return [slots.get(val, false), slots.get(val, true)];
    const i = val.indexOf(SEP);
    return [val.slice(0, i), val.slice(i + 1)];
  };
  let size = 0;
  // Read a piece at a time, not whole: the record of 100,000 versions is 19 MB
  // of text (and as much again of bytes while it is decoded).
  const { onDisk, tornTail } = await readSumFile(file, (l) => put(l.path, l.version, l.goMod, l.hash));
  // A crash during an append can leave a torn last line (the file does not end
  // in a newline): the next write rewrites the file.
  let needsRewrite = tornTail;

  function put(p: string, v: string, goMod: boolean, hash: string): 'same' | 'new' | 'changed' {
    const k = `${p} ${v}`;
    const old = map.get(k);
    const [zip, mod] = pair(old);
    const was = goMod ? mod : zip;
    if (was === hash) return 'same';
    const [z, m] = goMod ? [zip, hash] : [hash, mod];
    const slot = slots.put(typeof old === 'number' ? old : undefined, z, m);
    // Copied flat: parsed fields are slices of the whole file's text, which
    // a stored slice would keep alive. (A slot once given up for a string is not reused: hand-edited files only.)
    map.set(old === undefined ? flatString(k) : k, slot ?? flatString(`${z}${SEP}${m}`));
    if (was === '') size++;
    return was === '' ? 'new' : 'changed';
  }

  let dirty = false;
  /** Lines set since the file was last written or appended to. */
  let pending: string[] = [];
  /** The file holds appended lines out of order. */
  let unsorted = needsRewrite;
  let exists = onDisk;
  let queue: Promise<void> = Promise.resolve();
  const fail = (err: unknown): GomirrorError =>
    new GomirrorError('E_FS', `${file}: cannot record hashes: ${(err as Error).message}`, {
      cause: err,
      hint: 'Check free space and permissions under the output directory, then run again.',
    });

  const rewrite = async (): Promise<void> => {
    const taken = pending;
    pending = [];
    dirty = false;
    try {
      if (options.write) await options.write(file, [...sortedLines()].join(''));
      else await writeTextAtomic(file, sortedLines());
    } catch (err) {
      // Still unwritten: the next flush tries again.
      pending = taken.concat(pending);
      dirty = true;
      throw fail(err);
    }
    exists = true;
    unsorted = false;
    needsRewrite = false;
  };

  const append = async (): Promise<void> => {
    const taken = pending;
    pending = [];
    dirty = false;
    try {
      await (options.append ?? appendDurably)(file, taken.join(''));
    } catch (err) {
      // The file may now end in a partial line: only a whole rewrite may follow.
      pending = taken.concat(pending);
      dirty = true;
      needsRewrite = true;
      throw fail(err);
    }
    unsorted = true;
  };

  function* sortedLines(): Generator<string> {
    const keys = sortKeys([...map.keys()]);
    for (const k of keys) {
      const [p, v] = splitKey(k);
      const [zip, mod] = pair(map.get(k));
      if (zip) yield formatGoSumLine({ path: p, version: v, goMod: false, hash: zip }) + '\n';
      if (mod) yield formatGoSumLine({ path: p, version: v, goMod: true, hash: mod }) + '\n';
    }
  }

  // Serialised, so an older snapshot never lands after a newer one; a failed
  // write does not stop the ones queued after it.
  const serial = (run: () => Promise<void>): Promise<void> => {
    const result = queue.then(run);
    queue = result.catch(() => undefined);
    return result;
  };

  return {
    get(p, v, goMod) {
      const val = map.get(`${p} ${v}`);
      if (val === undefined) return undefined;
      const hash = typeof val === 'number' ? slots.get(val, goMod) : pair(val)[goMod ? 1 : 0];
      return hash === '' ? undefined : hash;
    },
    set(p, v, goMod, hash) {
      const r = put(p, v, goMod, hash);
      if (r === 'same') return;
      if (r === 'changed') needsRewrite = true;
      pending.push(formatGoSumLine({ path: p, version: v, goMod, hash }) + '\n');
      dirty = true;
    },
    flush: () => serial(async () => (dirty || unsorted ? rewrite() : undefined)),
    checkpoint: () => serial(async () => (!dirty ? undefined : needsRewrite || !exists ? rewrite() : append())),
    get size() {
      return size;
    },
  };
}

function splitKey(k: string): [string, string] {
  const i = k.indexOf(' ');
  return [k.slice(0, i), k.slice(i + 1)];
}

/**
 * Keys in go.sum order. Every module path character sorts after the space
 * that ends the path, so whole keys of different modules compare as their
 * paths do; only keys of one module need the version comparison.
 */
function sortKeys(keys: string[]): string[] {
  // Plain string order is Go's byte order unless a key has a surrogate pair.
  const plain = !keys.some((k) => SURROGATE.test(k));
  const cmp = plain ? (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0) : compareStrings;
  return keys.sort((a, b) => {
    const ia = a.indexOf(' ');
    if (ia !== b.indexOf(' ') || !b.startsWith(a.slice(0, ia + 1))) return cmp(a, b);
    const va = a.slice(ia + 1);
    const vb = b.slice(ia + 1);
    return compareGoSumEntries({ path: '', version: va, goMod: false, hash: '' }, { path: '', version: vb, goMod: false, hash: '' });
  });
}

const SURROGATE = /[\uD800-\uDFFF]/;

async function appendDurably(file: string, data: string): Promise<void> {
  const fh = await open(file, 'a');
  try {
    await fh.appendFile(data);
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

/** Bytes of the record read at a time. */
const READ_CHUNK = 1 << 20;

/**
 * Reads the record a piece at a time, calling `fn` for each hash line in
 * file order. Every malformed whole line is reported (one error, as
 * parseGoSum throws); a last line without its newline is kept when it
 * parses and dropped when not (a torn append: its version's files are
 * checked again, as for a crash before any record).
 */
async function readSumFile(file: string, fn: (line: GoSumLine) => void): Promise<{ onDisk: boolean; tornTail: boolean }> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { onDisk: false, tornTail: false };
    throw new GomirrorError('E_FS', `${file}: ${(err as Error).message}`, { cause: err });
  }
  const problems = new ProblemList();
  const decoder = new StringDecoder('utf8');
  const buf = Buffer.alloc(READ_CHUNK);
  let carry = '';
  let linesBefore = 0;
  let any = false;
  try {
    for (;;) {
      let n;
      try {
        ({ bytesRead: n } = await fh.read(buf, 0, buf.length, null));
      } catch (err) {
        throw new GomirrorError('E_FS', `${file}: ${(err as Error).message}`, { cause: err });
      }
      if (n === 0) break;
      any = true;
      const text = carry + decoder.write(buf.subarray(0, n));
      const cut = text.lastIndexOf('\n') + 1;
      // A flat copy: a slice would keep the whole piece alive.
      carry = flatString(text.slice(cut));
      if (cut === 0) continue;
      const whole = text.slice(0, cut);
      forEachGoSumLine(whole, file, fn, { linesBefore, problems });
      linesBefore += countLines(whole);
    }
  } finally {
    await fh.close();
  }
  carry += decoder.end();
  const tornTail = carry !== '';
  if (tornTail) {
    // Kept only when it parses on its own (its problems are not the file's).
    const tail: GoSumLine[] = [];
    const own = new ProblemList();
    forEachGoSumLine(carry, file, (l) => tail.push(l), { linesBefore, problems: own });
    if (own.count === 0) tail.forEach(fn);
  }
  problems.throwIfAny();
  return { onDisk: any, tornTail };
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
