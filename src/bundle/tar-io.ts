/**
 * Thin async helpers over tar-stream (whose streams are streamx streams, not
 * node ones): add an entry from a file or a buffer with backpressure, and
 * iterate the entries of a tar read from a node stream.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { GomirrorError } from '../errors.js';

/** Fixed header fields, so a bundle's bytes depend only on the files, their times and the index. */
function header(name: string, size: number, mtime: Date): tar.Header {
  return { name, size, mtime, mode: 0o644, uid: 0, gid: 0, uname: '', gname: '', type: 'file', linkname: '', devmajor: 0, devminor: 0 };
}

/** Adds `data` as entry `name`. */
export async function packBuffer(pack: tar.Pack, name: string, data: Buffer, mtime: Date): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    pack.entry(header(name, data.length, mtime), data, (err) => (err ? reject(err) : resolve()));
  });
}

/**
 * Streams the open file `fh` (of `size` bytes) into entry `name` and returns
 * the SHA-256 of what was written. Throws E_FS if the file's length changed
 * while it was read (the tar entry would be corrupt).
 */
export async function packFile(
  pack: tar.Pack,
  name: string,
  fh: FileHandle,
  size: number,
  mtime: Date,
  signal: AbortSignal,
): Promise<string> {
  const hash = createHash('sha256');
  let written = 0;
  let entry!: ReturnType<tar.Pack['entry']>;
  // tar-stream calls back when the entry is closed: written out, or destroyed.
  const finished = new Promise<void>((done, fail) => {
    entry = pack.entry(header(name, size, mtime), (err) => (err ? fail(err) : done()));
  });
  for await (const chunk of fh.createReadStream({ autoClose: false, start: 0 }) as AsyncIterable<Buffer>) {
    written += chunk.length;
    if (written > size) break;
    hash.update(chunk);
    if (!entry.write(chunk)) await once(entry, 'drain', { signal });
  }
  if (written !== size) {
    entry.destroy();
    finished.catch(() => undefined);
    throw new GomirrorError('E_FS', `${name.slice(name.indexOf('/') + 1)} changed size while it was bundled (${size} → ${written} bytes)`, {
      hint: 'Run the export again when no sync is writing to the tree.',
    });
  }
  entry.end(undefined);
  await finished;
  return hash.digest('hex');
}

/** An entry being read from a tar: its header and its data. */
export interface TarEntry extends AsyncIterable<Buffer> {
  readonly header: tar.Header;
  resume(): unknown;
}

/**
 * Iterates the entries of the tar in `source`. Each entry must be consumed
 * (read or resumed) before the next one arrives.
 */
export async function* tarEntries(source: Readable): AsyncGenerator<TarEntry> {
  const extract = tar.extract();
  source.on('error', (err) => extract.destroy(err));
  source.pipe(extract as unknown as NodeJS.WritableStream);
  yield* extract as AsyncIterable<TarEntry>;
}

/** Reads a whole entry into memory, refusing more than `limit` bytes. */
export async function readEntry(entry: TarEntry, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of entry) {
    n += chunk.length;
    if (n > limit) throw new Error(`entry is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
