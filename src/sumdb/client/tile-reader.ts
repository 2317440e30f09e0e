/**
 * Authenticated hash tiles for one sync run: fetched once, checked against a
 * signed tree before any hash in them is believed, and kept in memory once
 * checked. Tiles come from, in order (the go client's order, protocol doc
 * §10, with our own mirror as its cache): memory; the tree's published
 * mirror at the exact width, then the full tile cut down; the database at
 * the exact width, then the full tile cut down. Tiles read from our own
 * mirror are authenticated like any other. A set that fails while holding
 * tiles from memory or from the mirror is fetched again from the database
 * alone before giving up: a damaged mirror file then heals instead of
 * blocking the run, and a database whose new tree contradicts what we
 * trusted is caught by the consistency check (a fork) rather than reported
 * as a bad tile.
 */
import pLimit from 'p-limit';
import { GomirrorError } from '../../errors.js';
import { authenticateTiles, fullTile, hashesFromPlan, isFullTile, planTileReads, TILE_HEIGHT, tilePath, tileSlot, type Tile, type TileData, type TreeHead } from '../index.js';

/** Raw tile bytes by tile path (`tile/8/0/000.p/5`); undefined when absent. */
export type TileFetch = (path: string) => Promise<Buffer | undefined>;

export interface TileReader {
  /** Hashes by stored-hash index, proven in `tree` (the go client's tile plan). */
  readHashes(tree: TreeHead, indexes: readonly number[]): Promise<Buffer[]>;
  /**
   * Tiles of `tree` (each at the width the tree gives it), authenticated
   * together; the set must hold the tree's edge and every ancestor.
   */
  readTiles(tree: TreeHead, tiles: readonly Tile[]): Promise<Buffer[]>;
}

export interface TileReaderOptions {
  /** Our published mirror; answers undefined when the file is missing. */
  mirror: TileFetch;
  /** The database; throws E_NOT_FOUND when it has no such tile. */
  remote: (path: string) => Promise<Buffer>;
  concurrency: number;
  /** How many authenticated full level-0 tiles to keep in memory (they are the bulk). */
  leafCacheSize?: number;
}

export function createTileReader(opts: TileReaderOptions): TileReader {
  const leafCap = opts.leafCacheSize ?? 4096;
  const limit = pLimit(Math.max(1, opts.concurrency));
  // Widest authenticated bytes per tile position. Hashes in a log never
  // change, so any prefix of them serves every narrower read.
  const trusted = new Map<string, Buffer>();
  const leaves = new Set<string>();
  const roots = new Map<number, string>();

  function remember(t: Tile, data: Buffer): void {
    const slot = tileSlot(t);
    const have = trusted.get(slot);
    if (!have || have.length < data.length) trusted.set(slot, data);
    if (t.l === 0 && isFullTile(t)) {
      leaves.delete(slot);
      leaves.add(slot);
      for (const old of leaves) {
        if (leaves.size <= leafCap) break;
        leaves.delete(old);
        trusted.delete(old);
      }
    }
  }

  async function fetchTile(t: Tile, useMirror: boolean): Promise<{ data: Buffer; mirrored: boolean }> {
    const want = t.w * 32;
    const full = fullTile(t);
    if (useMirror) {
      for (const candidate of isFullTile(t) ? [t] : [t, full]) {
        const data = await opts.mirror(tilePath(candidate));
        if (data && data.length === candidate.w * 32) return { data: data.subarray(0, want), mirrored: true };
      }
    }
    try {
      return { data: await opts.remote(tilePath(t)), mirrored: false };
    } catch (err) {
      if (isFullTile(t)) throw err;
      // Go: a partial tile may be gone once its tile is complete; the full one holds the same prefix.
      const data = await opts.remote(tilePath(full)).catch(() => {
        throw err;
      });
      return { data: data.subarray(0, want), mirrored: false };
    }
  }

  async function load(tiles: readonly Tile[], cached: boolean): Promise<(TileData & { mirrored: boolean })[]> {
    return Promise.all(
      tiles.map(async (tile) => {
        const have = cached ? trusted.get(tileSlot(tile)) : undefined;
        if (have && have.length >= tile.w * 32) return { tile, data: have.subarray(0, tile.w * 32), trusted: true, mirrored: false };
        const got = await limit(() => fetchTile(tile, cached));
        return { tile, data: got.data, trusted: false, mirrored: got.mirrored };
      }),
    );
  }

  async function authenticate(tree: TreeHead, tiles: readonly Tile[]): Promise<Buffer[]> {
    const rootKnown = roots.get(tree.n) === tree.hash.toString('base64');
    let set = await load(tiles, true);
    try {
      authenticateTiles(tree, set, { rootKnown });
    } catch (err) {
      if (!set.some((e) => e.mirrored || e.trusted)) throw err;
      set = await load(tiles, false);
      authenticateTiles(tree, set);
    }
    for (const e of set) if (!e.trusted) remember(e.tile, e.data);
    roots.set(tree.n, tree.hash.toString('base64'));
    return set.map((e) => e.data);
  }

  return {
    async readHashes(tree, indexes) {
      if (indexes.length === 0) return [];
      const plan = planTileReads(tree.n, indexes, TILE_HEIGHT);
      return hashesFromPlan(plan, await authenticate(tree, plan.tiles));
    },
    async readTiles(tree, tiles) {
      if (tree.n === 0 && tiles.length > 0) throw new GomirrorError('E_SUMDB', 'the empty tree has no tiles');
      return authenticate(tree, tiles);
    },
  };
}
