/**
 * Hash tiles of the checksum database log (Go: golang.org/x/mod/sumdb/tlog,
 * tile.go), pure: coordinates, paths, which tile holds a stored hash, and
 * the subtree hash a tile stands for.
 *
 * A tile (H, L, N, W) lists W consecutive hashes at tree level L·H, starting
 * at index N·2^H. A full tile has W = 2^H; a partial one (`.p/W`) is the
 * right edge of some tree. L = -1 is a data tile (record texts).
 */
import { HASH_SIZE, nodeHash, pow2, shr, splitStoredHashIndex } from './tlog.js';

/** The tile height the go command always uses. */
export const TILE_HEIGHT = 8;

/** Tile coordinates: height, level (-1 = data), number within the level, width. */
export interface Tile {
  readonly h: number;
  readonly l: number;
  readonly n: number;
  readonly w: number;
}

/**
 * The tile of height h and least width that stores the hash with the given
 * stored-hash index, and the byte range of the tile data that hash is
 * recomputed from (a hash above the tile's own level is the subtree hash of
 * several of its entries).
 */
export function tileForIndex(h: number, index: number): { tile: Tile; start: number; end: number } {
  const split = splitStoredHashIndex(index);
  let n = split.n;
  const l = Math.floor(split.level / h);
  const levelInTile = split.level - l * h;
  const tn = shr(n * pow2(levelInTile), h);
  n -= (tn * pow2(h)) / pow2(levelInTile);
  const w = (n + 1) * pow2(levelInTile);
  return {
    tile: { h, l, n: tn, w },
    start: n * pow2(levelInTile) * HASH_SIZE,
    end: (n + 1) * pow2(levelInTile) * HASH_SIZE,
  };
}

/**
 * The hash at `index`, computed from the data of tile t, which must be the
 * tile tileForIndex names for it or a wider version of it.
 */
export function hashFromTile(t: Tile, data: Uint8Array, index: number): Buffer {
  if (t.h < 1 || t.h > 30 || t.l < 0 || t.l >= 64 || t.w < 1 || t.w > pow2(t.h)) {
    throw new Error(`invalid tile ${tilePath(t)}`);
  }
  if (data.length < t.w * HASH_SIZE) throw new Error(`data length ${data.length} too short for tile ${tilePath(t)}`);
  const want = tileForIndex(t.h, index);
  if (t.l !== want.tile.l || t.n !== want.tile.n || t.w < want.tile.w) {
    throw new Error(`index ${index} is in ${tilePath(want.tile)}, not ${tilePath(t)}`);
  }
  return tileHash(data.subarray(want.start, want.end));
}

/** The subtree hash of 2^k hashes laid end to end (one hash is itself). */
export function tileHash(data: Uint8Array): Buffer {
  if (data.length === 0 || data.length % HASH_SIZE !== 0) throw new Error('tlog: bad length in tileHash');
  if (data.length === HASH_SIZE) return Buffer.from(data);
  const half = data.length / 2;
  return nodeHash(tileHash(data.subarray(0, half)), tileHash(data.subarray(half)));
}

/**
 * t's k'th ancestor among the tiles of a tree of size treeSize, widened to
 * the widest that tree has; null when that tree has no such tile. k = 0
 * widens t itself.
 */
export function tileParent(t: Tile, k: number, treeSize: number): Tile | null {
  const l = t.l + k;
  const n = shr(t.n, k * t.h);
  const max = shr(treeSize, l * t.h);
  const first = n * pow2(t.h);
  if (first >= max) return null;
  return { h: t.h, l, n, w: Math.min(pow2(t.h), max - first) };
}

/** The width tile (l, n) has in a tree of size treeSize, 0 when it has none. */
export function tileWidthIn(h: number, l: number, n: number, treeSize: number): number {
  const max = shr(treeSize, l * h);
  const first = n * pow2(h);
  return first >= max ? 0 : Math.min(pow2(h), max - first);
}

/**
 * The tiles a log publishes when it grows from oldSize to newSize: the
 * newly completed full tiles and every partial width in between.
 */
export function newTiles(h: number, oldSize: number, newSize: number): Tile[] {
  const tiles: Tile[] = [];
  for (let level = 0; shr(newSize, h * level) > 0; level++) {
    const oldN = shr(oldSize, h * level);
    const newN = shr(newSize, h * level);
    for (let n = shr(oldN, h); n < shr(newN, h); n++) tiles.push({ h, l: level, n, w: pow2(h) });
    const n = shr(newN, h);
    const maxW = newN - n * pow2(h);
    const minW = oldN > n * pow2(h) ? oldN - n * pow2(h) : 1;
    for (let w = minW; w <= maxW; w++) tiles.push({ h, l: level, n, w });
  }
  return tiles;
}

/**
 * The right edge of a tree: for each level, the last tile if it is partial.
 * A client holding that tree asks for exactly these partial widths.
 */
export function rightEdgeTiles(h: number, treeSize: number): Tile[] {
  const tiles: Tile[] = [];
  for (let level = 0; shr(treeSize, h * level) > 0; level++) {
    const count = shr(treeSize, h * level);
    const w = count % pow2(h);
    if (w > 0) tiles.push({ h, l: level, n: shr(count, h), w });
  }
  return tiles;
}

/** Whether a tile holds 2^H entries. */
export const isFullTile = (t: Tile): boolean => t.w === pow2(t.h);

/** The same tile at full width. */
export const fullTile = (t: Tile): Tile => ({ ...t, w: pow2(t.h) });

/** Identity of a tile's position, ignoring its width. */
export const tileSlot = (t: Tile): string => `${t.h}/${t.l}/${t.n}`;

const PATH_BASE = 1000;

/** The tile coordinate path `tile/H/L/NNN[.p/W]`, N in base 1000 with `x` on all but the last group. */
export function tilePath(t: Tile): string {
  let n = t.n;
  let nStr = String(n % PATH_BASE).padStart(3, '0');
  while (n >= PATH_BASE) {
    n = Math.floor(n / PATH_BASE);
    nStr = `x${String(n % PATH_BASE).padStart(3, '0')}/${nStr}`;
  }
  const p = t.w !== pow2(t.h) ? `.p/${t.w}` : '';
  return `tile/${t.h}/${t.l === -1 ? 'data' : String(t.l)}/${nStr}${p}`;
}

/** Parses a tile path; null unless it is exactly the canonical spelling tilePath() gives. */
export function parseTilePath(path: string): Tile | null {
  const f = path.split('/');
  if (f.length < 4 || f[0] !== 'tile') return null;
  const h = parseDecimal(f[1] ?? '');
  const isData = f[2] === 'data';
  const l = isData ? -1 : parseDecimal(f[2] ?? '');
  if (h === null || l === null || h < 1 || h > 30) return null;
  let w = pow2(h);
  let groups = f.slice(3);
  const dotP = groups.at(-2);
  if (dotP !== undefined && dotP.endsWith('.p')) {
    const ww = parseDecimal(groups.at(-1) ?? '');
    if (ww === null || ww <= 0 || ww >= w) return null;
    w = ww;
    groups = [...groups.slice(0, -2), dotP.slice(0, -2)];
  }
  let n = 0;
  for (const g of groups) {
    const nn = parseDecimal(g.startsWith('x') ? g.slice(1) : g);
    if (nn === null || nn >= PATH_BASE) return null;
    n = n * PATH_BASE + nn;
  }
  const t = { h, l, n, w };
  return tilePath(t) === path ? t : null;
}

function parseDecimal(s: string): number | null {
  if (!/^[0-9]{1,15}$/.test(s)) return null;
  return Number(s);
}
