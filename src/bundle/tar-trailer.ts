/**
 * Reads a bundle's index and signature before anything is staged. Both are
 * the last entries of the tar, after the tree's files; reading only the tar
 * headers (a 512-byte read per entry, the files' data skipped) finds them
 * without staging or even reading gigabytes of module zips first. So import
 * can check the signature, the free space and the entry names up front.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { INDEX_ENTRY, MAX_INDEX_SIZE, SIGNATURE_ENTRY } from './index-format.js';
import type { BundleSource } from './volumes.js';

export interface BundleTrailer {
  /** Where the index's bytes lie in the volumes joined (they are read on demand: 76 MB at 100,000 versions). */
  readonly index?: { readonly offset: number; readonly size: number };
  readonly sigText?: string;
}

const BLOCK = 512;
const MAX_SIGNATURE = 4096;

/** The index and signature bytes, when the headers lead to them; a damaged tar yields what was found (staging reports the damage). */
export async function readBundleTrailer(source: BundleSource): Promise<BundleTrailer> {
  const reader = await openJoined(source.volumes);
  try {
    let off = 0;
    let longName: string | undefined;
    let index: BundleTrailer['index'];
    let sigText: string | undefined;
    for (;;) {
      const header = await reader.read(off, BLOCK);
      if (header.length < BLOCK || header.every((b) => b === 0)) break;
      const size = parseSize(header.subarray(124, 136));
      if (size === undefined) break;
      const type = String.fromCharCode(header[156] ?? 0);
      const dataAt = off + BLOCK;
      let name = cString(header.subarray(0, 100));
      if (header.subarray(257, 262).toString('latin1') === 'ustar') {
        const prefix = cString(header.subarray(345, 500));
        if (prefix) name = `${prefix}/${name}`;
      }
      if (type === 'x' || type === 'L') {
        // A pax header or GNU long name for the next entry; small in bundles.
        const data = size <= 65536 ? await reader.read(dataAt, size) : Buffer.alloc(0);
        longName = type === 'L' ? cString(data) : paxPath(data);
      } else if (type !== 'g') {
        const full = longName ?? name;
        longName = undefined;
        if (full === INDEX_ENTRY && size <= MAX_INDEX_SIZE ) {
          // A truncated tar yields the bytes there are (as a read would): they fail the checks.
          index = { offset: dataAt, size: Math.max(0, Math.min(size, reader.size - dataAt)) };
        }
        if (full === SIGNATURE_ENTRY && size <= MAX_SIGNATURE) sigText = (await reader.read(dataAt, size)).toString('utf8');
      }
      off = dataAt + Math.ceil(size / BLOCK) * BLOCK;
    }
    return { ...(index ? { index } : {}), ...(sigText !== undefined ? { sigText } : {}) };
  } finally {
    await reader.close();
  }
}

function cString(b: Buffer): string {
  const end = b.indexOf(0);
  return b.subarray(0, end < 0 ? b.length : end).toString('utf8');
}

/** Octal, or base-256 when the high bit is set (sizes of 8 GiB and more). */
function parseSize(field: Buffer): number | undefined {
  if (((field[0] ?? 0) & 0x80) !== 0) {
    let n = 0;
    for (let i = 1; i < field.length; i++) n = n * 256 + (field[i] ?? 0);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  const text = cString(field).trim();
  if (!/^[0-7]*$/.test(text)) return undefined;
  return text === '' ? 0 : parseInt(text, 8);
}

function paxPath(data: Buffer): string | undefined {
  for (const rec of data.toString('utf8').split('\n')) {
    const m = /^\d+ path=(.*)$/.exec(rec);
    if (m) return m[1];
  }
  return undefined;
}

/** Positioned reads across the volumes as one byte range. */
interface JoinedReader {
  readonly size: number;
  read(off: number, len: number): Promise<Buffer>;
  close(): Promise<void>;
}

/** The bytes at `offset` (`size` of them) of the volumes joined, read in chunks, as often as asked. */
export function joinedRange(files: readonly string[], offset: number, size: number): () => AsyncIterable<Buffer> {
  return async function* () {
    const reader = await openJoined(files);
    try {
      for (let at = offset; at < offset + size; ) {
        const chunk = await reader.read(at, Math.min(CHUNK, offset + size - at));
        if (chunk.length === 0) return;
        yield chunk;
        at += chunk.length;
      }
    } finally {
      await reader.close();
    }
  };
}

const CHUNK = 1 << 16;

async function openJoined(files: readonly string[]): Promise<JoinedReader> {
  const parts: { fh: FileHandle; start: number; size: number }[] = [];
  let start = 0;
  try {
    for (const f of files) {
      const size = (await stat(f)).size;
      parts.push({ fh: await open(f, 'r'), start, size });
      start += size;
    }
  } catch (err) {
    await Promise.all(parts.map((p) => p.fh.close()));
    throw err;
  }
  return {
    size: start,
    async read(off, len) {
      const out = Buffer.alloc(Math.max(0, Math.min(len, start - off)));
      let done = 0;
      for (const p of parts) {
        if (done >= out.length) break;
        const at = off + done;
        if (at >= p.start + p.size || at < p.start) continue;
        const n = Math.min(out.length - done, p.start + p.size - at);
        const { bytesRead } = await p.fh.read(out, done, n, at - p.start);
        done += bytesRead;
        if (bytesRead < n) break;
      }
      return out.subarray(0, done);
    },
    close: async () => {
      await Promise.all(parts.map((p) => p.fh.close()));
    },
  };
}
