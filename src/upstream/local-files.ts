/**
 * file:// upstreams (GOPROXY=file:///path), read like the go command reads
 * them: a missing file is not-found, so a comma list falls through.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { GomirrorError } from '../errors.js';
import { errCode, tooLarge } from './http-errors.js';
import type { FileFetchResult } from './transport.js';

export async function readLocal(url: string, maxBytes: number): Promise<Buffer> {
  const file = fileURLToPath(url);
  try {
    const st = await stat(file);
    if (st.size > maxBytes) throw tooLarge(url, maxBytes);
    return await readFile(file);
  } catch (err) {
    throw localError(err, url);
  }
}

export async function copyLocal(url: string, dest: string, maxBytes: number): Promise<FileFetchResult> {
  const file = fileURLToPath(url);
  try {
    const meter = new ByteMeter(maxBytes, () => tooLarge(url, maxBytes));
    await pipeline(createReadStream(file), meter, createWriteStream(dest, { flags: 'w' }));
    return { size: meter.size };
  } catch (err) {
    throw localError(err, url);
  }
}

function localError(err: unknown, url: string): GomirrorError {
  if (err instanceof GomirrorError) return err;
  const code = errCode(err);
  // Go: a missing file:// file counts as 404, so a comma list falls through.
  if (code === 'ENOENT' || code === 'ENOTDIR') return new GomirrorError('E_NOT_FOUND', `${url}: not found`);
  return new GomirrorError('E_FS', `${url}: ${(err as Error).message}`, { cause: err });
}

/** Counts and limits bytes on their way to disk. */
class ByteMeter extends Transform {
  size = 0;
  constructor(
    private readonly limit: number,
    private readonly onTooLarge: () => Error,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    this.size += chunk.length;
    if (this.size > this.limit) return cb(this.onTooLarge());
    cb(null, chunk);
  }
}
