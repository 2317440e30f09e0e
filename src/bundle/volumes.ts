/**
 * Bundle files on disk: one tar, or numbered volumes (`FILE.001`, `FILE.002`,
 * ...) that are plain byte ranges of that tar, so `cat FILE.* > FILE` joins
 * them. Writing hashes each volume as it goes; reading concatenates volumes
 * in order and remembers which volume the bytes came from, for messages.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm, stat, type FileHandle } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { GomirrorError } from '../errors.js';
import { commitTempFile, tempPathFor, pathExists } from '../tree/index.js';

/** One written bundle file. */
export interface Volume {
  readonly file: string;
  readonly size: number;
  readonly sha256: string;
}

/** Name of volume `n` (1-based) of `out`: `out.001`. */
export function volumeName(out: string, n: number): string {
  return `${out}.${String(n).padStart(3, '0')}`;
}

interface OpenVolume {
  fh: FileHandle;
  tmp: string;
  file: string;
  size: number;
  hash: Hash;
}

/** Bytes of the tar that may wait to be written. */
const WRITE_BATCH = 1 << 20;

/** Bytes gathered before one write: tar-stream gives a header, the data and its padding as chunks of their own. */
const WRITE_AT = 1 << 18;

/**
 * A Writable that stores the bundle as `out` or, with `splitSize`, as volumes
 * of at most splitSize bytes. Files are written aside; commit() renames them
 * into place after the stream has finished, abort() removes them. A reader of
 * `out` thus never sees half a bundle.
 */
export class VolumeWriter extends Writable {
  readonly volumes: Volume[] = [];
  private current: OpenVolume | undefined;
  private readonly temps: { tmp: string; file: string }[] = [];
  private batch: Buffer[] = [];
  private batched = 0;

  constructor(
    private readonly out: string,
    private readonly splitSize?: number,
  ) {
    // tar-stream gives a header, the data and its padding as chunks of their own: three writes a file.
    // Those that queue while one is written go out in one write (_writev), up to this much.
    super({ highWaterMark: WRITE_BATCH });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.gather([chunk]).then(() => cb(), cb);
  }

  override _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void): void {
    this.gather(chunks.map((c) => c.chunk)).then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    (async () => {
      await this.flush();
      if (this.current === undefined && this.volumes.length === 0) await this.openNext();
      await this.closeCurrent();
    })().then(() => cb(), cb);
  }

  /** Small files make chunks of a few hundred bytes: written as they came, each was a write of its own. */
  private async gather(chunks: Buffer[]): Promise<void> {
    for (const c of chunks) {
      this.batch.push(c);
      this.batched += c.length;
    }
    if (this.batched >= WRITE_AT) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.batched === 0) return;
    const all = Buffer.concat(this.batch, this.batched);
    this.batch = [];
    this.batched = 0;
    await this.writeChunk(all);
  }

  private async writeChunk(chunk: Buffer): Promise<void> {
    let off = 0;
    while (off < chunk.length) {
      const cur = this.current ?? (await this.openNext());
      const room = this.splitSize === undefined ? chunk.length - off : this.splitSize - cur.size;
      const part = chunk.subarray(off, off + Math.min(room, chunk.length - off));
      await cur.fh.write(part);
      cur.hash.update(part);
      cur.size += part.length;
      off += part.length;
      if (this.splitSize !== undefined && cur.size >= this.splitSize) await this.closeCurrent();
    }
  }

  private async openNext(): Promise<OpenVolume> {
    const n = this.volumes.length + 1;
    const file = this.splitSize === undefined ? this.out : volumeName(this.out, n);
    const tmp = tempPathFor(file);
    this.temps.push({ tmp, file });
    const fh = await open(tmp, 'wx', 0o644);
    this.current = { fh, tmp, file, size: 0, hash: createHash('sha256') };
    return this.current;
  }

  private async closeCurrent(): Promise<void> {
    const cur = this.current;
    if (cur === undefined) return;
    this.current = undefined;
    await cur.fh.close();
    this.volumes.push({ file: cur.file, size: cur.size, sha256: cur.hash.digest('hex') });
  }

  /** Renames the finished files into place and removes stale higher volumes of an earlier export. */
  async commit(): Promise<Volume[]> {
    for (const t of this.temps) await commitTempFile(t.tmp, t.file);
    if (this.splitSize !== undefined) {
      for (let n = this.volumes.length + 1; await pathExists(volumeName(this.out, n)); n++) {
        await rm(volumeName(this.out, n));
      }
    }
    return this.volumes;
  }

  /** Removes every file written so far (call after a failure). */
  async abort(): Promise<void> {
    await this.current?.fh.close().catch(() => undefined);
    this.current = undefined;
    for (const t of this.temps) await rm(t.tmp, { force: true });
  }
}


/** A bundle named on the command line: one tar, or its volumes in order. */
export interface BundleSource {
  /** The bundle's name for messages (the tar name, without a volume number). */
  readonly name: string;
  readonly volumes: readonly string[];
}

const VOLUME_SUFFIX = /^(.*)\.(\d{3,})$/;

/**
 * Groups command-line bundle arguments (pure): a name without a numeric
 * suffix is a bundle of its own; `X.001 X.002 ...` together are one bundle
 * `X`. Throws E_BUNDLE when volumes are missing, out of order, or split up.
 */
export function groupBundleArgs(args: readonly string[]): BundleSource[] {
  const out: { name: string; volumes: string[]; last: number }[] = [];
  for (const arg of args) {
    const m = VOLUME_SUFFIX.exec(arg);
    if (!m) {
      out.push({ name: arg, volumes: [arg], last: 0 });
      continue;
    }
    const base = m[1] as string;
    const n = Number(m[2]);
    const prev = out[out.length - 1];
    if (prev !== undefined && prev.last > 0 && prev.name === base) {
      if (n <= prev.last) throw volumeError(base, `${arg} is given after ${volumeName(base, prev.last)}: give the volumes in order (${volumeName(base, 1)}, ${volumeName(base, 2)}, ...)`);
      if (n > prev.last + 1) throw volumeError(base, `volume ${volumeName(base, prev.last + 1)} is missing (the next one given is ${arg})`);
      prev.volumes.push(arg);
      prev.last = n;
      continue;
    }
    if (out.some((b) => b.name === base && b.last > 0)) throw volumeError(base, `its volumes must be given together and in order (${arg} is apart)`);
    if (n !== 1 && args.includes(volumeName(base, 1))) {
      throw volumeError(base, `${arg} is given before ${volumeName(base, 1)}: give the volumes in order`);
    }
    if (n !== 1) throw volumeError(base, `volume ${volumeName(base, 1)} is missing (the first one given is ${arg})`);
    out.push({ name: base, volumes: [arg], last: 1 });
  }
  return out.map(({ name, volumes }) => ({ name, volumes }));
}

function volumeError(base: string, problem: string): GomirrorError {
  return new GomirrorError('E_BUNDLE', `bundle ${base} refused: ${problem}`, {
    hint: `A shell glob gives them in order: ${base}.*`,
  });
}

/**
 * Finds the volumes of a bundle named without a volume number: `X` itself if
 * it exists, else `X.001`, `X.002`, ... as far as they go.
 */
export async function discoverVolumes(source: BundleSource): Promise<BundleSource> {
  if (source.volumes.length !== 1 || source.volumes[0] !== source.name || (await pathExists(source.name))) return source;
  const volumes: string[] = [];
  while (await pathExists(volumeName(source.name, volumes.length + 1))) volumes.push(volumeName(source.name, volumes.length + 1));
  return volumes.length > 0 ? { name: source.name, volumes } : source;
}

/**
 * Checks volume sizes (pure): every volume but the last is as large as the
 * first, and the last is not larger. A volume of another size means one is
 * missing, truncated or from another bundle.
 */
export function checkVolumeSizes(source: BundleSource, sizes: readonly number[]): void {
  const first = sizes[0] ?? 0;
  sizes.forEach((size, i) => {
    const file = source.volumes[i] as string;
    const last = i === sizes.length - 1;
    if ((!last && size !== first) || (last && size > first)) {
      throw new GomirrorError(
        'E_BUNDLE',
        `bundle ${source.name} refused: volume ${file} has ${size} bytes, but ${source.volumes[0]} has ${first}; ` +
          `every volume but the last has the same size`,
        { hint: 'A volume is truncated, missing or from another bundle; copy the volumes again.' },
      );
    }
  });
}

/** The bytes of a bundle's volumes, one after the other. */
export interface VolumeStream {
  readonly stream: Readable;
  /** The volume being read now, for messages. */
  current(): string;
  /**
   * Whether the bytes read so far end in the tar end-of-archive marker (two
   * zero blocks). A bundle whose last volume is missing ends without it.
   */
  endsWithEndOfArchive(): boolean;
  /** Whether every byte of every volume has been read. */
  ended(): boolean;
}

const END_OF_ARCHIVE = 1024;

/** Opens the volumes of `source` as one stream (after checking their sizes). Throws E_FS if one cannot be read. */
export async function openVolumes(source: BundleSource): Promise<VolumeStream> {
  const sizes: number[] = [];
  for (const v of source.volumes) {
    try {
      sizes.push((await stat(v)).size);
    } catch (err) {
      throw new GomirrorError('E_FS', `cannot read bundle ${v}: ${(err as Error).message}`, { cause: err });
    }
  }
  checkVolumeSizes(source, sizes);
  let current = source.volumes[0] as string;
  let tail = Buffer.alloc(0);
  let ended = false;
  async function* chunks(): AsyncGenerator<Buffer> {
    for (const v of source.volumes) {
      current = v;
      for await (const chunk of createReadStream(v)) {
        const b = chunk as Buffer;
        tail = Buffer.concat([tail, b.subarray(-END_OF_ARCHIVE)]).subarray(-END_OF_ARCHIVE);
        yield b;
      }
    }
    ended = true;
  }
  return {
    stream: Readable.from(chunks(), { objectMode: false }),
    current: () => current,
    endsWithEndOfArchive: () => tail.length === END_OF_ARCHIVE && tail.every((x) => x === 0),
    ended: () => ended,
  };
}
