/**
 * A bundle index read from a file a line at a time, never whole: at 100,000
 * versions the index is 76 MB and 344,000 files, which `JSON.parse` of the
 * whole would hold as one string and an object per file.
 *
 * Export writes the index in one layout (serializeIndex / writeIndexFile: one
 * file or sums line a line, files in strictly increasing path order). An
 * index in that layout is checked here line by line with the checks
 * parseIndex makes, and then read again a line at a time by each step of the
 * import that needs it. Any other index (hand-made, reformatted, or one that
 * fails a check) is handed to parseIndex whole: it either throws the message
 * it always threw, or yields the index, held in memory as before.
 */
import { createReadStream } from 'node:fs';
import { parseGoSum, type GoSumLine } from '../gosum/index.js';
import {
  BUNDLE_FORMAT,
  isVerifierKey,
  parseIndex,
  SHA256_HEX,
  type BundleFile,
  type BundleIndex,
} from './index-format.js';
import { classifyTreePath } from './tree-paths.js';

/** An index's fields other than its files and sums. */
export type IndexHead = Pick<BundleIndex, 'format' | 'tool' | 'created' | 'since' | 'sumdbKeys'>;

/** A validated index whose files and sums are read on demand, in index order. */
export interface IndexReader {
  readonly head: IndexHead;
  files(): AsyncIterable<BundleFile>;
  /** The sums lines, parsed (as indexSums). */
  sumLines(): AsyncIterable<GoSumLine>;
}

/** The bytes of an index, from the start, as often as asked. */
export type IndexBytes = () => AsyncIterable<Buffer>;

/** The bytes of the file `file` as an IndexBytes. */
export function fileBytes(file: string): IndexBytes {
  return () => createReadStream(file, { highWaterMark: 1 << 16 }) as AsyncIterable<Buffer>;
}

/**
 * Validates the index in `bytes` and returns a reader of it. Throws as
 * parseIndex(whole bytes, `label`) does. `onSum` sees each sums line of a
 * valid index in order (called during the check, before this returns).
 */
export async function openIndex(bytes: IndexBytes, label: string, onSum?: (line: string) => void | Promise<void>): Promise<IndexReader> {
  const head = await scanCanonical(bytes, onSum);
  if (head !== undefined) {
    return {
      head,
      files: () => canonicalFiles(bytes),
      sumLines: () => canonicalSums(bytes),
    };
  }
  const chunks: Buffer[] = [];
  for await (const c of bytes()) chunks.push(c);
  const index = parseIndex(Buffer.concat(chunks), label);
  chunks.length = 0;
  if (onSum) for (const s of index.sums) await onSum(s);
  return inMemoryIndex(index);
}

/**
 * A reader over an index already in memory. Its files are read in path order
 * (sorted, as export writes them, if a hand-made index is not): import's steps
 * walk them beside the staged files in that order, a module at a time.
 */
export function inMemoryIndex(index: BundleIndex): IndexReader {
  const { format, tool, created, since, sumdbKeys } = index;
  const sorted = index.files.every((f, i) => i === 0 || (index.files[i - 1] as BundleFile).path < f.path)
    ? index.files
    : [...index.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    head: { format, tool, created, since, ...(sumdbKeys ? { sumdbKeys } : {}) },
    files: async function* () {
      yield* sorted;
    },
    sumLines: async function* () {
      yield* parseGoSum(index.sums.join('\n'), 'bundle sums');
    },
  };
}

/** The lines of the bytes, split at `\n` only (the last one may be empty). */
export async function* lines(bytes: IndexBytes): AsyncGenerator<string> {
  let carry: Buffer | undefined;
  for await (const chunk of bytes()) {
    let buf = carry ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(0x0a, start); nl >= 0; nl = buf.indexOf(0x0a, start)) {
      yield buf.toString('utf8', start, nl);
      start = nl + 1;
    }
    buf = buf.subarray(start);
    carry = buf.length > 0 ? Buffer.from(buf) : undefined;
  }
  yield carry ? carry.toString('utf8') : '';
}

const FILES_OPEN = '  "files": [';
const SUMS_OPEN = '  "sums": [';
const KEYS_OPEN = '  "sumdbKeys": [';
const ITEM = '    ';

/** The value of an item line (`    <json>` with a comma unless last); undefined if it is not one. */
function itemValue(line: string): { value: unknown; comma: boolean } | undefined {
  if (!line.startsWith(ITEM) || line[ITEM.length] === ' ') return undefined;
  const comma = line.endsWith(',');
  try {
    return { value: JSON.parse(line.slice(ITEM.length, comma ? -1 : undefined)) as unknown, comma };
  } catch {
    return undefined;
  }
}

/**
 * One pass over an index in export's layout, making parseIndex's checks.
 * Returns its head, or undefined when it is not in that layout or a check
 * fails (parseIndex then judges it whole).
 */
async function scanCanonical(bytes: IndexBytes, onSum?: (line: string) => void | Promise<void>): Promise<IndexHead | undefined> {
  const it = lines(bytes)[Symbol.asyncIterator]();
  const next = async (): Promise<string | undefined> => {
    const r = await it.next();
    return r.done ? undefined : r.value;
  };
  try {
    const headLines: string[] = [];
    let line = await next();
    while (line !== undefined && !line.startsWith(FILES_OPEN)) {
      headLines.push(line);
      line = await next();
    }
    if (line === undefined) return undefined;
    const head = parseHead(headLines);
    if (head === undefined) return undefined;
    // Files.
    let prev: string | undefined;
    let after = await list(line, FILES_OPEN, next, (v) => {
      const f = v as Record<string, unknown> | null;
      if (typeof f !== 'object' || f === null || Array.isArray(f)) return false;
      const p = f.path;
      if (typeof p !== 'string' || classifyTreePath(p) === undefined) return false;
      if (prev !== undefined && !(prev < p)) return false;
      prev = p;
      return (
        typeof f.size === 'number' && Number.isSafeInteger(f.size) && f.size >= 0 && typeof f.sha256 === 'string' && SHA256_HEX.test(f.sha256) && typeof f.bundled === 'boolean'
      );
    });
    if (after?.close !== ',') return undefined;
    line = await next();
    if (line === undefined || !line.startsWith(SUMS_OPEN)) return undefined;
    const sums: string[] = [];
    after = await list(line, SUMS_OPEN, next, (v) => {
      if (typeof v !== 'string') return false;
      try {
        parseGoSum(v, 'sums');
      } catch {
        return false;
      }
      sums.push(v);
      return true;
    }, async () => {
      if (onSum) for (const s of sums) await onSum(s);
      sums.length = 0;
    });
    if (after === undefined) return undefined;
    let sumdbKeys: string[] | undefined;
    if (after.close === ',') {
      line = await next();
      if (line === undefined || !line.startsWith(KEYS_OPEN)) return undefined;
      sumdbKeys = [];
      const keys = sumdbKeys;
      const end = await list(line, KEYS_OPEN, next, (v) => typeof v === 'string' && isVerifierKey(v) && keys.push(v) > 0);
      if (end?.close !== '') return undefined;
    }
    if ((await next()) !== '}' || (await next()) !== '' || (await next()) !== undefined) return undefined;
    return { ...head, ...(sumdbKeys ? { sumdbKeys } : {}) };
  } finally {
    await it.return?.(undefined);
  }
}

/**
 * Reads one array of the layout, from its opening line: `<open>],?` when
 * empty, else items a line each and `  ]` with the same ending. `ok` judges
 * each item; `flush` runs every few thousand items and at the end. Returns
 * the array's closing punctuation ('' or ','), or undefined.
 */
async function list(
  openLine: string,
  open: string,
  next: () => Promise<string | undefined>,
  ok: (v: unknown) => boolean,
  flush?: () => Promise<void>,
): Promise<{ close: string } | undefined> {
  const rest = openLine.slice(open.length);
  if (rest === '],' || rest === ']') return { close: rest.slice(1) };
  if (rest !== '') return undefined;
  // Every item but the last ends in a comma; the line after the last closes the array.
  for (let n = 1; ; n++) {
    const line = await next();
    if (line === undefined) return undefined;
    const item = itemValue(line);
    if (item === undefined || !ok(item.value)) return undefined;
    if (flush && n % 4096 === 0) await flush();
    if (!item.comma) {
      const end = await next();
      if (end !== '  ]' && end !== '  ],') return undefined;
      await flush?.();
      return { close: end.slice(3) };
    }
  }
}

/** The head lines (`{` to the line before `"files"`), checked as parseIndex checks them. */
function parseHead(headLines: string[]): Omit<IndexHead, 'sumdbKeys'> | undefined {
  const text = headLines.join('\n');
  if (headLines[0] !== '{' || !text.endsWith(',')) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(`${text.slice(0, -1)}\n}`);
  } catch {
    return undefined;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const d = data as Record<string, unknown>;
  if ('files' in d || 'sums' in d || 'sumdbKeys' in d) return undefined;
  if (d.format !== BUNDLE_FORMAT || typeof d.tool !== 'string') return undefined;
  if (typeof d.created !== 'string' || Number.isNaN(Date.parse(d.created))) return undefined;
  let since: IndexHead['since'] = null;
  if (d.since !== null) {
    const s = d.since as Record<string, unknown> | null | undefined;
    if (typeof s !== 'object' || s === null || Array.isArray(s) || typeof s.id !== 'string' || !SHA256_HEX.test(s.id) || typeof s.created !== 'string') {
      return undefined;
    }
    since = { id: s.id, created: s.created };
  }
  return { format: BUNDLE_FORMAT, tool: d.tool, created: d.created, since };
}

/** The items of the array opened by the line starting with `open` (an index already checked). */
async function* items(bytes: IndexBytes, open: string): AsyncGenerator<unknown> {
  let inside = false;
  for await (const line of lines(bytes)) {
    if (!inside) {
      if (line.startsWith(open)) {
        if (line !== open) return;
        inside = true;
      }
      continue;
    }
    if (line === '  ]' || line === '  ],') return;
    yield (itemValue(line) as { value: unknown }).value;
  }
}

async function* canonicalFiles(bytes: IndexBytes): AsyncGenerator<BundleFile> {
  for await (const v of items(bytes, FILES_OPEN)) {
    const f = v as BundleFile;
    yield { path: f.path, size: f.size, sha256: f.sha256, bundled: f.bundled };
  }
}

async function* canonicalSums(bytes: IndexBytes): AsyncGenerator<GoSumLine> {
  for await (const v of items(bytes, SUMS_OPEN)) {
    yield* parseGoSum(v as string, 'bundle sums');
  }
}
