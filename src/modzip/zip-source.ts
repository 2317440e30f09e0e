/**
 * A module zip file read at offsets, for yauzl (directory and local headers)
 * and for the zip check (entry data).
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { GomirrorError } from '../errors.js';

/** The smallest first read kept as the file's cached tail. */
const TAIL_MIN = 4096;

/** Bytes read at a time by an entry stream. */
const STREAM_CHUNK = 256 * 1024;

/**
 * The zip file, read at offsets. yauzl reads the directory and local headers
 * through it. Every read goes through the thread pool, on the main thread and
 * on workers alike (a synchronous read from a slow file system would stall
 * the thread); the cached tail keeps their number small.
 */
export class ZipSource extends yauzl.RandomAccessReader {
  private constructor(
    private readonly fd: number,
    readonly size: number,
  ) {
    super();
  }

  static async open(file: string): Promise<ZipSource> {
    let fd: number | undefined;
    try {
      fd = await fsAsync.open(file, 'r');
      return new ZipSource(fd, (await fsAsync.fstat(fd)).size);
    } catch (err) {
      if (fd !== undefined) await fsAsync.close(fd).catch(() => undefined);
      throw new GomirrorError('E_FS', `cannot read module zip ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  /** Exactly `length` bytes at `position`, or an "unexpected end of file" error. */
  async bytesAt(position: number, length: number): Promise<Buffer> {
    const cached = this.cached(position, length);
    if (cached) return cached;
    const buffer = Buffer.allocUnsafe(length);
    if ((await this.readInto(buffer, 0, length, position)) < length) throw new Error('unexpected end of file');
    return buffer;
  }

  /** yauzl's read, for the directory and local headers. */
  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null, bytesRead?: number) => void): void {
    const cached = this.cached(position, length);
    if (cached) {
      cached.copy(buffer, offset);
      queueMicrotask(() => callback(null, length));
      return;
    }
    this.readInto(buffer, offset, length, position).then(
      (n) => {
        // yauzl's first read is the end of the file (up to 64 KiB, where the
        // end-of-directory record is looked for): it holds the central
        // directory and, for most module zips, every entry too. Later reads
        // inside it are served from memory.
        if (this.tail === undefined && n >= TAIL_MIN) this.tail = { position, data: Buffer.from(buffer.subarray(offset, offset + n)) };
        callback(null, n);
      },
      (err: Error) => callback(err),
    );
  }

  private tail: { position: number; data: Buffer } | undefined;

  private cached(position: number, length: number): Buffer | undefined {
    const t = this.tail;
    if (t === undefined || position < t.position || position + length > t.position + t.data.length) return undefined;
    return t.data.subarray(position - t.position, position - t.position + length);
  }

  private async readInto(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    let done = 0;
    while (done < length) {
      const n = (await fsAsync.read(this.fd, buffer, offset + done, length - done, position + done)).bytesRead;
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  /**
   * yauzl's entry streams (openReadStream), for readers that take a few
   * entries' data (the catalog's README and licenses); the zip check reads
   * entry data through bytesAt instead. Read through bytesAt, not an fs
   * stream: yauzl destroys the streams it is given, and destroying an fs
   * stream closes its descriptor, which release() owns.
   */
  override _readStreamForRange(start: number, end: number): Readable {
    const chunks = async function* (source: ZipSource): AsyncGenerator<Buffer> {
      for (let at = start; at < end; at += STREAM_CHUNK) yield await source.bytesAt(at, Math.min(STREAM_CHUNK, end - at));
    };
    return Readable.from(chunks(this), { objectMode: false });
  }

  override close(callback: (err: Error | null) => void): void {
    setImmediate(() => callback(null));
  }

  /** fsyncs the file (a read-only descriptor flushes the file's data like any other). */
  async sync(): Promise<void> {
    await fsAsync.fsync(this.fd);
  }

  /** Releases the file (yauzl's close only drops its reference). */
  async release(): Promise<void> {
    await fsAsync.close(this.fd);
  }
}

// Looked up on each call (not bound at load), so a test can watch which calls a check makes.
const fsAsync = {
  open: (file: string, flags: string): Promise<number> => new Promise((res, rej) => fs.open(file, flags, (e, fd) => (e ? rej(e) : res(fd)))),
  fstat: (fd: number): Promise<fs.Stats> => new Promise((res, rej) => fs.fstat(fd, (e, st) => (e ? rej(e) : res(st)))),
  read: (fd: number, buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> =>
    new Promise((res, rej) => fs.read(fd, buffer, offset, length, position, (e, bytesRead) => (e ? rej(e) : res({ bytesRead })))),
  fsync: (fd: number): Promise<void> => new Promise((res, rej) => fs.fsync(fd, (e) => (e ? rej(e) : res()))),
  close: (fd: number): Promise<void> => new Promise((res, rej) => fs.close(fd, (e) => (e ? rej(e) : res()))),
};
