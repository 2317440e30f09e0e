/**
 * .mod files kept between the step that read them (query resolution, the
 * dependency closure) and the mirroring of their version, so no .mod is
 * fetched twice.
 */

/** What withModCache reads from: the bytes under `path@version`. */
export interface ModSource {
  get(key: string): Buffer | undefined;
  delete(key: string): boolean;
}

export interface ModCache extends ModSource {
  /** Keeps a copy of `data` under `key` (`path@version`), unless that would pass the cache's limit. */
  set(key: string, data: Buffer): void;
  readonly size: number;
  /** Bytes of .mod held. */
  readonly bytes: number;
}

const MOD_CACHE_BYTES = 16 << 20;
/** Files are packed into chunks of this many bytes (a power of two: an entry's place is chunk * CHUNK + offset). */
const CHUNK = 1 << 18;
/** Larger files get a buffer of their own. */
const PACKED_MAX = CHUNK >> 4;
/** Bytes before each packed file: its length, and ELIDED. */
const HEADER = 4;
/** In the header: the file's first line, `module <path of the key>`, is not stored. */
const ELIDED = 0x8000_0000;
const LENGTH = 0x7fff_ffff;

/**
 * The first line a go.mod of `key`'s module nearly always starts with, and
 * which the cache therefore need not store: `module <path>\n` (the path is
 * the key's, up to its last `@`).
 */
function moduleLine(key: string): string {
  return `module ${key.slice(0, key.lastIndexOf('@'))}\n`;
}

/**
 * A cache of at most `limit` bytes of .mod files (a new entry past it is not
 * kept). A first sync of 100,000 versions reads every .mod to walk the
 * graph: all of them held until mirroring were a large part of its memory.
 *
 * The files (~120 bytes each) are packed one after another into chunks of
 * 256 KiB outside V8's heap, and the map holds only each one's place (a
 * small integer, no object): a Buffer per file cost ~140 bytes beyond its
 * text (the typed array object, its pool slice), 14 MB at 100,000 versions.
 * A file's module line (a third of a small go.mod) is left out when it
 * names the key's path, and put back when the file is read. A chunk is let
 * go once every file in it has been taken out. A caller that has a flat key
 * string of its own (the closure's version table) passes it, so the key is
 * not kept twice.
 */
export function createModCache(limit = MOD_CACHE_BYTES): ModCache {
  const places = new Map<string, number>();
  // Rare: files too large to pack.
  const large = new Map<string, Buffer>();
  const chunks: (Buffer | undefined)[] = [];
  // Files still held per chunk.
  const live: number[] = [];
  let used = CHUNK;
  let bytes = 0;

  const headerAt = (place: number): number => (chunks[Math.floor(place / CHUNK)] as Buffer).readUInt32LE(place % CHUNK);
  // The file's whole length, its module line counted.
  const lengthOf = (key: string, header: number): number => (header & LENGTH) + (header & ELIDED ? Buffer.byteLength(moduleLine(key)) : 0);
  const cache: ModCache = {
    get(key) {
      const place = places.get(key);
      if (place === undefined) {
        const whole = large.get(key);
        return whole && Buffer.from(whole);
      }
      const header = headerAt(place);
      const offset = (place % CHUNK) + HEADER;
      const stored = (chunks[Math.floor(place / CHUNK)] as Buffer).subarray(offset, offset + (header & LENGTH));
      // A copy: the chunk goes once its files are taken, whatever the caller keeps.
      return header & ELIDED ? Buffer.concat([Buffer.from(moduleLine(key)), stored]) : Buffer.from(stored);
    },
    set(key, data) {
      const old = places.has(key) ? lengthOf(key, headerAt(places.get(key) as number)) : (large.get(key)?.length ?? 0);
      if (bytes - old + data.length > limit) return;
      cache.delete(key);
      bytes += data.length;
      if (data.length > PACKED_MAX) {
        large.set(key, Buffer.from(data));
        return;
      }
      const line = Buffer.from(moduleLine(key));
      const elided = data.length >= line.length && line.equals(data.subarray(0, line.length));
      const stored = elided ? data.subarray(line.length) : data;
      if (used + HEADER + stored.length > CHUNK) {
        // The full chunk goes now if it was emptied while being filled.
        if (live[chunks.length - 1] === 0) chunks[chunks.length - 1] = undefined;
        // Not zero-filled: only bytes written here are ever read.
        chunks.push(Buffer.allocUnsafeSlow(CHUNK));
        live.push(0);
        used = 0;
      }
      const c = chunks.length - 1;
      const chunk = chunks[c] as Buffer;
      chunk.writeUInt32LE((stored.length | (elided ? ELIDED : 0)) >>> 0, used);
      stored.copy(chunk, used + HEADER);
      places.set(key, c * CHUNK + used);
      live[c] = (live[c] as number) + 1;
      used += HEADER + stored.length;
    },
    delete(key) {
      const place = places.get(key);
      if (place === undefined) {
        bytes -= large.get(key)?.length ?? 0;
        return large.delete(key);
      }
      bytes -= lengthOf(key, headerAt(place));
      places.delete(key);
      const c = Math.floor(place / CHUNK);
      live[c] = (live[c] as number) - 1;
      // The chunk being filled stays; an emptied older one goes.
      if (live[c] === 0 && c < chunks.length - 1) chunks[c] = undefined;
      return true;
    },
    get size() {
      return places.size + large.size;
    },
    get bytes() {
      return bytes;
    },
  };
  return cache;
}
