/**
 * Checks a downloaded module zip against the module zip rules and computes its
 * h1 hash in the same single pass over the file (Go: modfetch downloadZip +
 * zip.CheckZip + dirhash.HashZip). Entry data goes through SHA-256 and CRC-32
 * whole when it is at most 1 MiB, in 1 MiB chunks when larger; only the root
 * go.mod (at most 16 MiB) is kept.
 */
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { crc32, createInflateRaw } from 'node:zlib';
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { GomirrorError, ZipInvalidError } from '../errors.js';
import { checkModuleVersion } from '../module/index.js';
import { hash1, type HashEntry } from '../dirhash/index.js';
import { fitsInMemory, inflateEntry, localDataStart } from './entry-data.js';
import { ZipSource } from './zip-source.js';
import { checkEntryName, CollisionChecker, describeBadGoMod, describeEntryType, fileSizeLimit, MAX_ZIP_FILE } from './zip-rules.js';

/** What to check a module zip against. */
export interface CheckModuleZipOptions {
  /** The module path, unescaped (`github.com/BurntSushi/toml`). */
  readonly modulePath: string;
  /** The canonical version, unescaped. */
  readonly version: string;
  /** The bytes of the version's .mod file, if known; a root go.mod in the zip must equal them. */
  readonly goMod?: Uint8Array;
  /**
   * fsync the file through the descriptor the check reads (a zip just
   * downloaded): the flush runs while the entries are checked, and the file
   * is not opened a second time for it. The check fails if the fsync does.
   */
  readonly fsync?: boolean;
}

/** The result of a successful check. */
export interface ModuleZipSummary {
  /** dirhash.HashZip: every entry name, directory entries included, as `h1:…`. */
  readonly h1: string;
  /** The root go.mod's bytes, or undefined if the zip has none. */
  readonly goMod: Buffer | undefined;
  /** Number of file (non-directory) entries. */
  readonly fileCount: number;
  /** Size of the zip file in bytes. */
  readonly size: number;
  /** Sum of the files' uncompressed sizes. */
  readonly uncompressedSize: number;
}

const GENERAL_PURPOSE_ENCRYPTED = 0x1;
const GENERAL_PURPOSE_DATA_DESCRIPTOR = 0x8;
const METHOD_STORE = 0;
const METHOD_DEFLATE = 8;
const EMPTY_SHA256 = createHash('sha256').digest();
// ignoreBOM keeps a leading U+FEFF in the name instead of silently dropping it.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Validates the module zip `file` for modulePath@version and returns its h1.
 * Throws ZipInvalidError (E_ZIP_INVALID), naming the zip and the entry, when
 * any rule is broken: zip or total size over 500 MiB; an entry outside
 * `<path>@<version>/`; a name that is absolute, unclean, has a backslash or
 * fails CheckFilePath; case-fold collisions or a path both file and directory;
 * go.mod below the root or in the wrong case; symlinks and other non-regular
 * entries; go.mod or LICENSE over 16 MiB; data that disagrees with the
 * declared size or CRC-32; encryption or a method other than store/deflate;
 * directory entries with data; a root go.mod that differs from opts.goMod.
 * Throws InvalidModuleError for an invalid modulePath/version, and
 * GomirrorError E_FS when the file cannot be read.
 */
export async function checkModuleZip(file: string, opts: CheckModuleZipOptions): Promise<ModuleZipSummary> {
  checkModuleVersion(opts.modulePath, opts.version);
  const source = await ZipSource.open(file);
  // Started now, awaited before the file is released, whatever the check says.
  const synced = opts.fsync ? source.sync().then(() => undefined, (err: unknown) => err) : undefined;
  try {
    if (source.size > MAX_ZIP_FILE) {
      throw new ZipInvalidError(file, `module zip file is too large (${source.size} bytes; limit is ${MAX_ZIP_FILE} bytes)`);
    }
    const zip = await openZip(file, source);
    let summary: ModuleZipSummary;
    try {
      summary = await walkZip(file, zip, source, opts);
    } finally {
      zip.close();
    }
    const err = await synced;
    if (err !== undefined) throw new GomirrorError('E_FS', `fsync of ${file} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    return summary;
  } finally {
    await synced;
    await source.release();
  }
}

async function walkZip(file: string, zip: ZipFile, source: ZipSource, opts: CheckModuleZipOptions): Promise<ModuleZipSummary> {
  const prefix = `${opts.modulePath}@${opts.version}/`;
  const readEntry = createEntryReader(file, zip);
  const collisions = new CollisionChecker();
  const hashed: HashEntry[] = [];
  let goMod: Buffer | undefined;
  let fileCount = 0;
  let uncompressedSize = 0;
  for (let entry = await readEntry(); entry !== undefined; entry = await readEntry()) {
    const name = decodeName(file, entry.fileNameRaw);
    const fail = (problem: string): never => {
      throw new ZipInvalidError(file, `entry ${JSON.stringify(name)}: ${problem}`);
    };
    const entryPath = checkEntryName(name, prefix);
    if (typeof entryPath === 'string') return fail(entryPath);
    const { rel, isDir } = entryPath;
    if (rel !== '') {
      const problem = collisions.check(rel, isDir) ?? (isDir ? undefined : describeBadGoMod(rel));
      if (problem !== undefined) fail(problem);
    }
    const badType = describeEntryType(entry.versionMadeBy, entry.externalFileAttributes, isDir);
    if (badType !== undefined) fail(badType);
    if (entry.generalPurposeBitFlag & GENERAL_PURPOSE_ENCRYPTED) fail('encrypted entries are not supported');
    if (isDir) {
      // Go's zip reader refuses to open a directory entry that carries data.
      if (entry.compressedSize !== 0 || entry.uncompressedSize !== 0 || entry.generalPurposeBitFlag & GENERAL_PURPOSE_DATA_DESCRIPTOR) {
        fail('directory entry has data');
      }
      hashed.push({ name, sha256: EMPTY_SHA256 });
      continue;
    }
    fileCount++;
    uncompressedSize += entry.uncompressedSize;
    if (uncompressedSize > MAX_ZIP_FILE) {
      fail(`total uncompressed size of module contents too large (max size is ${MAX_ZIP_FILE} bytes)`);
    }
    const limit = fileSizeLimit(rel);
    if (limit !== undefined && entry.uncompressedSize > limit) fail(`${rel} file too large (max size is ${limit} bytes)`);
    if (entry.compressionMethod !== METHOD_STORE && entry.compressionMethod !== METHOD_DEFLATE) {
      fail(`unsupported compression method ${entry.compressionMethod}`);
    }
    if (entry.compressionMethod === METHOD_STORE && entry.compressedSize !== entry.uncompressedSize) {
      fail(`stored entry's size ${entry.compressedSize} differs from its declared uncompressed size ${entry.uncompressedSize}`);
    }
    const data = await readEntryData(zip, source, entry, rel === 'go.mod', fail);
    hashed.push({ name, sha256: data.sha256 });
    if (data.content !== undefined) {
      goMod = data.content;
      if (opts.goMod !== undefined && !goMod.equals(opts.goMod)) fail('go.mod in zip differs from .mod file');
    }
  }
  return { h1: hash1(hashed), goMod, fileCount, size: source.size, uncompressedSize };
}

/**
 * Reads one entry's data through SHA-256 and CRC-32, enforcing its declared
 * size (so a deflate bomb is cut off at size + 1 byte), and keeps the content
 * only when asked. Entries that fit in memory (entry-data.ts: up to 1 MiB, nearly
 * all of them) are read and inflated in one call, with no stream machinery;
 * larger ones are streamed in chunks.
 */
async function readEntryData(
  zip: ZipFile,
  source: ZipSource,
  entry: Entry,
  keep: boolean,
  fail: (problem: string) => never,
): Promise<{ sha256: Buffer; content: Buffer | undefined }> {
  const declared = entry.uncompressedSize;
  const start = await localDataStart(zip, entry).catch((err: unknown) => fail(`cannot read data: ${messageOf(err)}`));
  const sha256 = createHash('sha256');
  let crc = 0;
  let read = 0;
  const chunks: Buffer[] = [];
  const take = (chunk: Buffer): void => {
    read += chunk.length;
    if (read > declared) fail(`uncompressed size is larger than declared size (${declared} bytes)`);
    sha256.update(chunk);
    crc = crc32(chunk, crc);
    if (keep) chunks.push(Buffer.from(chunk));
  };
  try {
    if (fitsInMemory(entry)) {
      take(inflateEntry(entry, await source.bytesAt(start, entry.compressedSize)));
    } else {
      await streamEntry(source, start, entry.compressedSize, entry.compressionMethod === METHOD_DEFLATE, take);
    }
  } catch (err) {
    if (err instanceof ZipInvalidError) throw err;
    if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') fail(`uncompressed size is larger than declared size (${declared} bytes)`);
    fail(`corrupt data: ${messageOf(err)}`);
  }
  if (read < declared) fail(`uncompressed size ${read} is smaller than declared size (${declared} bytes)`);
  // Go checks the CRC when the header has one, and always after a data descriptor.
  const hasDescriptor = (entry.generalPurposeBitFlag & GENERAL_PURPOSE_DATA_DESCRIPTOR) !== 0;
  if ((hasDescriptor || entry.crc32 !== 0) && crc >>> 0 !== entry.crc32 >>> 0) fail('CRC-32 checksum mismatch');
  return { sha256: sha256.digest(), content: keep ? Buffer.concat(chunks) : undefined };
}

/** Feeds a large entry to `take` in chunks, inflating on the way when `deflated`. */
async function streamEntry(source: ZipSource, start: number, length: number, deflated: boolean, take: (chunk: Buffer) => void): Promise<void> {
  async function* raw(): AsyncGenerator<Buffer> {
    for (let off = 0; off < length; off += STREAM_CHUNK) yield await source.bytesAt(start + off, Math.min(STREAM_CHUNK, length - off));
  }
  if (!deflated) {
    for await (const chunk of raw()) take(chunk);
    return;
  }
  // Large output chunks: the default 16 KiB would mean a thread-pool round trip per 16 KiB.
  await pipeline(raw(), createInflateRaw({ chunkSize: STREAM_CHUNK }), async (inflated: AsyncIterable<Buffer>) => {
    for await (const chunk of inflated) take(chunk);
  });
}

const STREAM_CHUNK = 1 << 20;

function openZip(file: string, source: ZipSource): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    // decodeStrings: false keeps names as raw bytes: Go hashes and checks the
    // bytes as they are, ignoring the UTF-8 flag and the Info-ZIP Unicode path
    // field that yauzl would otherwise decode (and its backslash rewriting).
    // validateEntrySizes: false because readEntryData enforces sizes itself and
    // can then name the entry; yauzl's own check reports no entry name.
    yauzl.fromRandomAccessReader(
      source,
      source.size,
      { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: false },
      (err, zip) => {
        if (err) reject(new ZipInvalidError(file, `not a valid zip file: ${err.message}`, { cause: err }));
        else resolve(zip);
      },
    );
  });
}

/**
 * Reads central directory entries one at a time. The listeners stay attached
 * for the zip's lifetime so that an error yauzl emits is never unhandled.
 */
function createEntryReader(file: string, zip: ZipFile): () => Promise<Entry | undefined> {
  let waiting: { resolve: (e: Entry | undefined) => void; reject: (err: Error) => void } | undefined;
  let failure: Error | undefined;
  const settle = (): typeof waiting => {
    const w = waiting;
    waiting = undefined;
    return w;
  };
  zip.on('entry', (entry: Entry) => settle()?.resolve(entry));
  zip.on('end', () => settle()?.resolve(undefined));
  zip.on('error', (err: Error) => {
    failure = new ZipInvalidError(file, `corrupt zip file: ${err.message}`, { cause: err });
    settle()?.reject(failure);
  });
  return () =>
    new Promise((resolve, reject) => {
      if (failure !== undefined) return reject(failure);
      waiting = { resolve, reject };
      zip.readEntry();
    });
}

function decodeName(file: string, raw: Buffer): string {
  try {
    return utf8.decode(raw);
  } catch {
    throw new ZipInvalidError(file, `entry "${quoteBytes(raw)}": file name is not valid UTF-8`);
  }
}

/** Printable ASCII as is, every other byte as \xNN, for names that are not UTF-8. */
function quoteBytes(raw: Buffer): string {
  let out = '';
  for (const byte of raw) {
    out += byte >= 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x5c ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
