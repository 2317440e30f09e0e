/**
 * Which hash tiles a static checksum-database mirror must publish, pure.
 *
 * A go client reads every tile widened to the size of the tree it currently
 * trusts (its `latest`), and that can be the tree of any note the mirror ever
 * served: each stored lookup carries the note it was received with, and
 * lookups never change. So for every such tree size T the mirror needs:
 * - T's right edge (its partial tiles), from which the client rebuilds T's
 *   root and which hold every hash of T a full tile does not;
 * - the full tiles on the path from each stored record up to the top, and
 *   from each older tree's subtree hashes up to the top (the client proves
 *   an older note's tree inside the newer one it holds).
 * A full tile in some tree T is full in the newest tree N too, and a partial
 * tile of T is always on T's right edge, so the union over N's paths and
 * every T's right edge covers every read (protocol doc §9, §10; pitfalls 8, 9).
 */
import { rightEdgeTiles, tileForIndex, tileParent, tilePath, tileSlot, type Tile, storedHashIndex, subTreeIndex } from '../index.js';

/**
 * The tiles to publish for records `recordIds` and notes of tree sizes
 * `sizes`, all inside the newest tree of size `newest`. Sorted by path.
 */
export function mirrorTiles(h: number, newest: number, sizes: Iterable<number>, recordIds: Iterable<number>): Tile[] {
  const out = new Map<string, Tile>();
  const add = (t: Tile): void => void out.set(tilePath(t), t);
  const trees = new Set([...sizes, newest]);
  const indexes = new Set<number>();
  for (const id of recordIds) {
    if (id < 0 || id >= newest) throw new Error(`record ${id} is not in the tree of size ${newest}`);
    indexes.add(storedHashIndex(0, id));
  }
  for (const size of trees) {
    if (size > newest) throw new Error(`tree ${size} is newer than the newest tree ${newest}`);
    for (const t of rightEdgeTiles(h, size)) add(t);
    for (const x of subTreeIndex(0, size)) indexes.add(x);
  }
  for (const x of indexes) for (const t of pathToTop(h, tileForIndex(h, x).tile, newest)) add(t);
  return [...out.values()].sort((a, b) => (tilePath(a) < tilePath(b) ? -1 : 1));
}

/**
 * The tiles of the newest tree that the published `tiles` are cut from (a
 * published tile is a prefix of the tile at the same place in the newest
 * tree), plus every ancestor and the tree's edge, so that all of them can be
 * authenticated against the newest signed root.
 */
export function sourceTiles(h: number, newest: number, tiles: Iterable<Tile>): Tile[] {
  const out = new Map<string, Tile>();
  for (const t of tiles) for (const p of pathToTop(h, t, newest)) out.set(tileSlot(p), p);
  for (const t of rightEdgeTiles(h, newest)) out.set(tileSlot(t), t);
  return [...out.values()];
}

/** t widened to the tree, then each ancestor up to the top level. */
function pathToTop(h: number, t: Tile, treeSize: number): Tile[] {
  const path: Tile[] = [];
  for (let k = 0; ; k++) {
    const p = tileParent({ ...t, h }, k, treeSize);
    if (!p) return path;
    path.push(p);
  }
}
