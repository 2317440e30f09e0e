/**
 * Authenticating hash tiles against a signed tree (Go: tlog.TileHashReader),
 * pure. Reading a hash out of a tree is planned as a list of tiles (the
 * tiles holding the tree's own subtree hashes first, then each wanted
 * index's tile and the ancestors needed to vouch for it); once fetched, the
 * first group must rebuild the signed root hash and every other full tile
 * must hash to the entry its parent tile holds for it.
 */
import { GomirrorError } from '../errors.js';
import { hashFromTile, isFullTile, tileForIndex, tileHash, tileParent, tilePath, tileSlot, tileWidthIn, type Tile } from './tile.js';
import { nodeHash, storedHashIndex, subTreeIndex } from './tlog.js';

/** A tree head: its size and root hash. */
export interface TreeHead {
  n: number;
  hash: Buffer;
}

/** The tiles a go client fetches to read `indexes` from a tree, in its order (parents before children). */
export interface TileReadPlan {
  treeSize: number;
  tiles: Tile[];
  /** Stored-hash indexes of the tree's subtree hashes and, per index, the tile holding it. */
  stx: number[];
  stxTile: number[];
  /** Per requested index, the tile holding it. */
  indexTile: number[];
  indexes: number[];
}

/**
 * The go client's plan (tlog.TileHashReader.ReadHashes) for reading `indexes`
 * from a tree of `treeSize` records with tiles of height h.
 */
export function planTileReads(treeSize: number, indexes: readonly number[], h: number): TileReadPlan {
  const order = new Map<string, number>();
  const tiles: Tile[] = [];
  const add = (t: Tile): number => {
    order.set(key(t), tiles.length);
    tiles.push(t);
    return tiles.length - 1;
  };
  const stx = subTreeIndex(0, treeSize);
  const stxTile = stx.map((x) => {
    const t = widen(tileForIndex(h, x).tile, 0, treeSize);
    return order.get(key(t)) ?? add(t);
  });
  const limit = storedHashIndex(0, treeSize);
  const indexTile = indexes.map((x) => {
    if (x >= limit) throw new GomirrorError('E_SUMDB', `hash index ${x} is not in the tree of size ${treeSize}`);
    const t = tileForIndex(h, x).tile;
    // Walk up to the first tile already planned; it will vouch for the rest.
    let k = 0;
    while (!order.has(key(widen(t, k, treeSize)))) {
      if (++k > 64) throw new Error(`bad math in planTileReads: no ancestor of ${x} in tree ${treeSize}`);
    }
    let found = order.get(key(widen(t, 0, treeSize)));
    for (k--; k >= 0; k--) {
      const p = widen(t, k, treeSize);
      if (!isFullTile(p)) throw new Error(`bad math in planTileReads: ${treeSize} ${x} ${tilePath(p)}`);
      const i = add(p);
      if (k === 0) found = i;
    }
    if (found === undefined) throw new Error(`bad math in planTileReads: lost tile of ${x}`);
    return found;
  });
  return { treeSize, tiles, stx, stxTile, indexTile, indexes: [...indexes] };
}

/** One tile's bytes for authentication; `trusted` ones were authenticated before and are not re-hashed. */
export interface TileData {
  tile: Tile;
  data: Buffer;
  trusted?: boolean;
}

/**
 * Checks a set of tiles of one tree: every tile has the width the tree gives
 * it and exactly W·32 bytes; the tree's subtree-hash tiles rebuild its signed
 * hash (skipped with `rootKnown` when the caller checked the same tree hash
 * before and all those tiles are trusted); every other untrusted tile is
 * full, its parent is in the set, and it hashes to its parent's entry.
 * Throws E_SUMDB ("inconsistent tile") naming the tile.
 */
export function authenticateTiles(tree: TreeHead, set: readonly TileData[], opts: { rootKnown?: boolean } = {}): void {
  const bySlot = new Map<string, TileData>();
  for (const entry of set) {
    const { tile, data } = entry;
    const w = tileWidthIn(tile.h, tile.l, tile.n, tree.n);
    if (tile.l < 0 || w === 0 || tile.w !== w) {
      throw new GomirrorError('E_SUMDB', `${tilePath(tile)} is not a tile of the tree of size ${tree.n}`);
    }
    if (data.length !== tile.w * 32) {
      throw new GomirrorError('E_SUMDB', `${tilePath(tile)}: ${data.length} bytes, want ${tile.w * 32}`);
    }
    bySlot.set(tileSlot(tile), entry);
  }
  const first = set[0];
  const stx = new Set<string>();
  if (first && tree.n > 0) {
    const h = first.tile.h;
    const stxIndexes = subTreeIndex(0, tree.n);
    const stxTiles = stxIndexes.map((x) => {
      const t = widen(tileForIndex(h, x).tile, 0, tree.n);
      const entry = bySlot.get(tileSlot(t));
      if (!entry) throw new GomirrorError('E_SUMDB', `${tilePath(t)} is needed to check the tree of size ${tree.n}`);
      stx.add(tileSlot(t));
      return entry;
    });
    if (!(opts.rootKnown && stxTiles.every((e) => e.trusted))) {
      const hashes = stxTiles.map((e, i) => hashFromTile(e.tile, e.data, stxIndexes[i] as number));
      let root = hashes[hashes.length - 1] as Buffer;
      for (let i = hashes.length - 2; i >= 0; i--) root = nodeHash(hashes[i] as Buffer, root);
      if (!root.equals(tree.hash)) throw inconsistent(`the tiles of tree ${tree.n} do not hash to its signed root`);
    }
  }
  for (const entry of set) {
    const { tile, data } = entry;
    if (entry.trusted || stx.has(tileSlot(tile))) continue;
    if (!isFullTile(tile)) throw inconsistent(`${tilePath(tile)} is partial but holds no hash of the tree's edge`);
    const parent = tileParent(tile, 1, tree.n);
    const p = parent && bySlot.get(tileSlot(parent));
    if (!parent || !p) throw new GomirrorError('E_SUMDB', `${tilePath(tile)}: its parent tile is needed to check it`);
    const want = hashFromTile(parent, p.data, storedHashIndex(parent.l * parent.h, tile.n));
    if (!want.equals(tileHash(data))) throw inconsistent(`${tilePath(tile)} does not match its parent ${tilePath(parent)}`);
  }
}

/** Reads the planned indexes out of authenticated tile data (same order as plan.tiles). */
export function hashesFromPlan(plan: TileReadPlan, data: readonly Buffer[]): Buffer[] {
  return plan.indexes.map((x, i) => {
    const j = plan.indexTile[i] as number;
    return hashFromTile(plan.tiles[j] as Tile, data[j] as Buffer, x);
  });
}

function inconsistent(what: string): GomirrorError {
  return new GomirrorError('E_SUMDB', `checksum database served an inconsistent tile: ${what}`, {
    hint: 'A corrupt transfer or a misbehaving server; run sync again, and report it if it persists',
  });
}

function widen(t: Tile, k: number, treeSize: number): Tile {
  return tileParent(t, k, treeSize) ?? { ...t, l: t.l + k, w: 0 };
}

const key = (t: Tile): string => `${tileSlot(t)}/${t.w}`;
