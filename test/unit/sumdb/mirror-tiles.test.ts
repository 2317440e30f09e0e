import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { mirrorTiles, sourceTiles } from '../../../src/sumdb/mirror/mirror-tiles.js';
import { planTileReads, rightEdgeTiles, storedHashIndex, subTreeIndex, tileParent, tilePath, tileSlot, type Tile } from '../../../src/sumdb/index.js';

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Scenario {
  name: string;
  newest: number;
  /** Tree sizes of the notes the mirror serves (all ≤ newest). */
  sizes: number[];
  ids: number[];
}

function scenarios(): Scenario[] {
  const rnd = random(42);
  const pick = (max: number, k: number): number[] => Array.from({ length: k }, () => Math.floor(rnd() * max));
  return [
    { name: 'one note, records in the last partial tile', newest: 3016, sizes: [3016], ids: [3001, 3010, 3015] },
    { name: 'notes of many sizes around tile edges', newest: 3311, sizes: [3016, 3023, 3072, 3073, 3100, 3311], ids: [5, 255, 256, 1000, 3015, 3020, 3300] },
    { name: 'a tree across three levels', newest: 70_001, sizes: [65_535, 65_536, 65_537, 69_999, 70_001], ids: [0, 65_535, 65_536, 69_000, 70_000] },
    {
      name: 'a big tree (sum.golang.org sized) with random records and notes',
      newest: 41_234_567,
      sizes: [...pick(41_234_567, 6).map((n) => n + 1), 41_234_567],
      ids: pick(41_000_000, 40),
    },
    { name: 'exact powers of the tile size', newest: 65_536 * 2, sizes: [256, 65_536, 65_536 * 2], ids: [0, 255, 65_535, 65_536 * 2 - 1] },
  ];
}

describe('mirrorTiles: what a static mirror publishes', () => {
  for (const s of scenarios()) {
    it(`covers every tile a go client reads: ${s.name}`, () => {
      const published = new Set(mirrorTiles(8, s.newest, s.sizes, s.ids).map(tilePath));
      // A client whose latest tree is T checks records and older notes' trees against T.
      for (const t of new Set([...s.sizes, s.newest])) {
        const indexes = [
          ...s.ids.filter((id) => id < t).map((id) => storedHashIndex(0, id)),
          ...s.sizes.filter((m) => m < t).flatMap((m) => subTreeIndex(0, m)),
        ];
        for (const tile of planTileReads(t, indexes, 8).tiles) {
          assert.ok(published.has(tilePath(tile)), `a client holding tree ${t} reads ${tilePath(tile)}, which is not published`);
        }
      }
    });
  }

  it('publishes every partial tile of every served tree, so none ever disappears', () => {
    const published = new Set(mirrorTiles(8, 3311, [3016, 3100], [5]).map(tilePath));
    for (const size of [3016, 3100, 3311]) for (const t of rightEdgeTiles(8, size)) assert.ok(published.has(tilePath(t)), tilePath(t));
    assert.ok(published.has('tile/8/0/011.p/200') && published.has('tile/8/0/012.p/28') && published.has('tile/8/1/000.p/12'));
  });

  it('publishes no full tile off the paths of the records and notes', () => {
    const tiles = mirrorTiles(8, 70_001, [70_001], [300]);
    assert.deepEqual(
      tiles.map(tilePath),
      ['tile/8/0/001', 'tile/8/0/273.p/113', 'tile/8/1/000', 'tile/8/1/001.p/17', 'tile/8/2/000.p/1'],
    );
  });

  it('refuses records or notes beyond the newest tree', () => {
    assert.throws(() => mirrorTiles(8, 100, [100], [100]), /not in the tree of size 100/);
    assert.throws(() => mirrorTiles(8, 100, [101], [1]), /newer than the newest/);
  });
});

describe('sourceTiles: what the published tiles are cut from', () => {
  it('widens each tile to the newest tree and adds every ancestor and the edge', () => {
    const published = mirrorTiles(8, 3311, [3016, 3100], [5, 3020]);
    const sources = sourceTiles(8, 3311, published);
    const bySlot = new Map(sources.map((t) => [tileSlot(t), t]));
    assert.equal(bySlot.size, sources.length, 'one source per position');
    for (const t of published) {
      const src = bySlot.get(tileSlot(t)) as Tile;
      assert.ok(src && src.w >= t.w, tilePath(t));
      assert.deepEqual(src, tileParent(t, 0, 3311));
    }
    for (const t of rightEdgeTiles(8, 3311)) assert.ok(bySlot.has(tileSlot(t)));
  });
});
