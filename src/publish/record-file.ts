/**
 * The S3 record (s3-state.ts) on local disk during a publish: its objects as
 * entry lines in a spool, in path order, read and rewritten by merging
 * sorted streams, so a publish holds no object of the record in memory.
 */
import { createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { createGunzip, createGzip } from 'node:zlib';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { isGomirrorError } from '../errors.js';
import type { ObjectStore } from './s3-endpoint.js';
import type { PublishedObject } from './s3-plan.js';
import { checkMissing, decodeState, entryKey, entryLine, HEAD_LINE, parseEntryLine, recordError, recordHead, recordTail, TAIL_START } from './s3-state.js';
import type { LineSpool, Scratch } from './spool.js';

export interface LocalRecord {
  /** Entry lines, in path order. */
  readonly entries: LineSpool;
  readonly missingSince: Readonly<Record<string, number>>;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Fetches the record at `key` (none: an empty one) into a spool of the scratch directory. */
export async function fetchRecord(store: ObjectStore, key: string, where: string, scratch: Scratch): Promise<LocalRecord> {
  const file = await scratch.file();
  const found = store.getFile ? await store.getFile(key, file) : await getToFile(store, key, file);
  const entries = await scratch.spool();
  if (!found) {
    await entries.finish();
    return { entries, missingSince: {} };
  }
  const streamed = await readLineRecord(file, entries, where).finally(() => entries.finish());
  if (streamed) return { entries, missingSince: streamed.missingSince };
  // A record laid out otherwise (written before records went a line per object, or by hand):
  // read whole once, written back a line per object from then on.
  const again = await scratch.spool();
  const state = decodeState(await readFile(file), where);
  for (const rel of Object.keys(state.objects).sort(cmp)) again.append(entryLine(rel, state.objects[rel] as PublishedObject));
  await again.finish();
  return { entries: again, missingSince: state.missingSince };
}

async function getToFile(store: ObjectStore, key: string, file: string): Promise<boolean> {
  const data = await store.get(key);
  if (data === undefined) return false;
  await writeFile(file, data);
  return true;
}

/**
 * Reads a record laid out a line per object, in path order, into `out`;
 * undefined when it is laid out otherwise (the caller reads it whole).
 * Throws E_S3 when it is not gzip, or a line is not an object's.
 */
async function readLineRecord(file: string, out: LineSpool, where: string): Promise<{ missingSince: Record<string, number> } | undefined> {
  const gunzip = createGunzip();
  const input = createReadStream(file).on('error', (e) => gunzip.destroy(e));
  const rl = createInterface({ input: input.pipe(gunzip), crlfDelay: Infinity });
  let first = true;
  let prev: string | undefined;
  let tail: string | undefined;
  try {
    for await (const line of rl) {
      if (first) {
        first = false;
        if (!HEAD_LINE.test(line)) return undefined;
        continue;
      }
      if (tail !== undefined) return undefined;
      if (line.startsWith(TAIL_START)) {
        tail = line;
        continue;
      }
      const e = parseEntryLine(line.endsWith(',') ? line.slice(0, -1) : line);
      if (!e) throw recordError(where, `bad line ${JSON.stringify(line.slice(0, 200))}`);
      if (prev !== undefined && !(prev < e.rel)) return undefined;
      prev = e.rel;
      out.append(entryLine(e.rel, e.object));
      if (out.count % 4096 === 0) await out.drain();
    }
  } catch (err) {
    if (isGomirrorError(err)) throw err;
    throw recordError(where, 'not gzip-compressed JSON', err);
  } finally {
    rl.close();
    input.destroy();
  }
  if (tail === undefined || !tail.endsWith('}')) return undefined;
  let missing: unknown;
  try {
    missing = JSON.parse(tail.slice(TAIL_START.length, -1));
  } catch (err) {
    throw recordError(where, 'missingSince is not JSON', err);
  }
  await out.finish();
  return { missingSince: checkMissing(missing, where) };
}

/**
 * Entry lines merged from sorted sources: a path in a later source replaces
 * the same path in an earlier one; paths in `remove` go. Written to `out`.
 */
export async function mergeEntries(sources: readonly AsyncIterable<string>[], remove: ReadonlySet<string>, out: LineSpool): Promise<void> {
  const its = sources.map((s) => s[Symbol.asyncIterator]());
  const heads: ({ key: string; line: string } | undefined)[] = await Promise.all(its.map((it) => next(it)));
  for (;;) {
    let min: string | undefined;
    for (const h of heads) if (h && (min === undefined || h.key < min)) min = h.key;
    if (min === undefined) break;
    let line = '';
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (h?.key !== min) continue;
      line = h.line;
      heads[i] = await next(its[i] as AsyncIterator<string>);
    }
    if (!remove.has(min)) out.append(line);
    if (out.count % 4096 === 0) await out.drain();
  }
  await out.finish();
}

async function next(it: AsyncIterator<string>): Promise<{ key: string; line: string } | undefined> {
  const r = await it.next();
  return r.done ? undefined : { key: entryKey(r.value), line: r.value };
}

/** The record document, gzip'd, from entry lines and the missing objects: written to `file`. */
export async function writeRecordFile(file: string, entries: AsyncIterable<string>, missingSince: Readonly<Record<string, number>>, now: number): Promise<void> {
  async function* text(): AsyncGenerator<string> {
    yield `${recordHead(now)}\n`;
    let prev: string | undefined;
    let batch: string[] = [];
    for await (const line of entries) {
      if (prev !== undefined) batch.push(`${prev},\n`);
      prev = line;
      if (batch.length >= 512) {
        yield batch.join('');
        batch = [];
      }
    }
    if (prev !== undefined) batch.push(`${prev}\n`);
    batch.push(recordTail(missingSince));
    yield batch.join('');
  }
  const outStream = createWriteStream(file, { flags: 'wx', mode: 0o600 });
  await pipeline(Readable.from(text()), createGzip(), outStream);
  if (!outStream.closed) await once(outStream, 'close');
}
