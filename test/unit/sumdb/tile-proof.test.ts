import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import { GomirrorError } from '../../../src/errors.js';
import { authenticateTiles, hashesFromPlan, planTileReads, storedHashIndex, subTreeIndex, tilePath, treeHash, type HashReader, type Tile, type TileData, type TreeHead } from '../../../src/sumdb/index.js';
import { buildLog, loadVectors, readTileData, type Vectors } from './vectors.js';

describe('reading hashes through tiles (tlog.TileHashReader)', () => {
  let v: Vectors;
  let read: HashReader;
  let tree: TreeHead;
  const dataFor = (tiles: readonly Tile[]): TileData[] => tiles.map((tile) => ({ tile, data: readTileData(tile, read) }));

  before(async () => {
    v = await loadVectors();
    ({ read } = buildLog(v.records));
    tree = { n: v.records, hash: treeHash(v.records, read) };
  });

  it('plans the same tiles, in the same order, as the go client', () => {
    for (const { Tree, Indexes, Tiles } of v.tileReads) {
      const indexes = Indexes[0] !== undefined && Indexes[0] < 0 ? subTreeIndex(0, -Indexes[0]) : Indexes;
      assert.deepEqual(planTileReads(Tree, indexes, 8).tiles.map(tilePath), Tiles, `tree ${Tree}, indexes ${Indexes.join(',')}`);
    }
  });

  it('refuses to read beyond the tree', () => {
    assert.throws(() => planTileReads(3000, [storedHashIndex(0, 3000)], 8), { code: 'E_SUMDB' });
  });

  it('authenticates genuine tiles and reads the right hashes out of them', () => {
    const indexes = [storedHashIndex(0, 0), storedHashIndex(0, 1500), storedHashIndex(0, 2999), ...subTreeIndex(0, 1000)];
    const plan = planTileReads(tree.n, indexes, 8);
    const set = dataFor(plan.tiles);
    authenticateTiles(tree, set);
    assert.deepEqual(hashesFromPlan(plan, set.map((e) => e.data)), read(indexes));
  });

  it('catches a changed byte in a full tile, in a partial tile, and a wrong root', () => {
    const plan = planTileReads(tree.n, [storedHashIndex(0, 17)], 8);
    for (let i = 0; i < plan.tiles.length; i++) {
      const set = dataFor(plan.tiles);
      const bad = Buffer.from((set[i] as TileData).data);
      bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 1;
      (set[i] as TileData).data = bad;
      assert.throws(() => authenticateTiles(tree, set), /inconsistent tile/, tilePath(plan.tiles[i] as Tile));
    }
    assert.throws(() => authenticateTiles({ n: tree.n, hash: treeHash(tree.n - 1, read) }, dataFor(plan.tiles)), /signed root/);
  });

  it('demands exact widths and lengths, the tree edge, and each parent', () => {
    const plan = planTileReads(tree.n, [storedHashIndex(0, 17)], 8);
    const expectCode = (set: TileData[], re: RegExp): void => {
      assert.throws(() => authenticateTiles(tree, set), (e: unknown) => e instanceof GomirrorError && e.code === 'E_SUMDB' && re.test(e.message));
    };
    expectCode([...dataFor(plan.tiles), { tile: { h: 8, l: 0, n: 11, w: 100 }, data: Buffer.alloc(3200) }], /not a tile of the tree/);
    const short = dataFor(plan.tiles);
    (short[2] as TileData).data = (short[2] as TileData).data.subarray(32);
    expectCode(short, /bytes, want/);
    expectCode(dataFor(plan.tiles.slice(1)), /needed to check the tree/);
    // Height-2 tiles: a full leaf tile whose full parent is missing cannot be vouched for.
    const small = planTileReads(tree.n, [storedHashIndex(0, 21)], 2);
    authenticateTiles(tree, dataFor(small.tiles));
    const parentless = small.tiles.filter((t) => !(t.l === 1 && t.w === 4));
    assert.ok(parentless.length < small.tiles.length);
    expectCode(dataFor(parentless), /parent tile is needed/);
  });

  it('trusts tiles marked trusted without re-hashing them, but never a root it has not checked', () => {
    const plan = planTileReads(tree.n, [storedHashIndex(0, 17)], 8);
    const set = dataFor(plan.tiles).map((e) => ({ ...e, trusted: true }));
    const leaf = set[2] as TileData;
    leaf.data = Buffer.alloc(leaf.data.length);
    authenticateTiles(tree, set, { rootKnown: true });
    assert.throws(() => authenticateTiles({ n: tree.n, hash: Buffer.alloc(32, 1) }, set), /signed root/);
  });
});
