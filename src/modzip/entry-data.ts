/**
 * Reading a zip entry's data without yauzl's read streams: the zip check and
 * the catalog's README/license texts both read small entries in one call.
 */
import { inflateRawSync } from 'node:zlib';
import type { Entry, ZipFile } from 'yauzl';

/** Entries whose sizes are both at most this are read and inflated whole. */
export const ENTRY_IN_MEMORY = 1 << 20;

/** Whether `entry` is small enough to be read and inflated in one call. */
export function fitsInMemory(entry: Entry): boolean {
  return entry.compressedSize <= ENTRY_IN_MEMORY && entry.uncompressedSize <= ENTRY_IN_MEMORY;
}

/** Where an entry's data begins, from its local header. */
export function localDataStart(zip: ZipFile, entry: Entry): Promise<number> {
  return new Promise((resolve, reject) => {
    zip.readLocalFileHeader(entry, { minimal: true }, (err, header) => (err ? reject(err) : resolve(header.fileDataStart)));
  });
}

/**
 * The data of a stored (method 0) or deflated entry from its raw bytes,
 * cut off one byte past its declared size (so a deflate bomb stops there).
 */
export function inflateEntry(entry: Entry, raw: Buffer): Buffer {
  return entry.compressionMethod === 0 ? raw : inflateRawSync(raw, { maxOutputLength: entry.uncompressedSize + 1 });
}
