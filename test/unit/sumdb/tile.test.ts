import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import { hashFromTile, newTiles, parseTilePath, rightEdgeTiles, storedHashIndex, subTreeIndex, tileForIndex, tileParent, tilePath, treeHash, type HashReader, type Tile } from '../../../src/sumdb/index.js';
import { buildLog, loadVectors, readTileData, type Vectors } from './vectors.js';

const T = (h: number, l: number, n: number, w: number): Tile => ({ h, l, n, w });

describe('tile paths (protocol doc §9)', () => {
  it('encodes coordinates in base 1000 with x-prefixed groups and .p/W for partial tiles', () => {
    const cases: [Tile, string][] = [
      [T(3, 4, 1234067, 1), 'tile/3/4/x001/x234/067.p/1'],
      [T(3, 4, 1234067, 8), 'tile/3/4/x001/x234/067'],
      [T(8, 0, 123456, 256), 'tile/8/0/x123/456'],
      [T(8, -1, 123456, 256), 'tile/8/data/x123/456'],
      [T(8, 0, 0, 5), 'tile/8/0/000.p/5'],
      [T(8, 2, 1000, 256), 'tile/8/2/x001/000'],
      [T(8, 1, 999, 255), 'tile/8/1/999.p/255'],
    ];
    for (const [t, p] of cases) {
      assert.equal(tilePath(t), p);
      assert.deepEqual(parseTilePath(p), t, p);
    }
  });

  it('rejects every spelling but the canonical one', () => {
    for (const p of [
      'tile/8/0/1',
      'tile/8/0/0001',
      'tile/8/0/x000/001',
      'tile/8/0/001.p/256',
      'tile/8/0/001.p/0',
      'tile/8/0/001.p/05',
      'tile/8/-1/000',
      'tile/0/0/000',
      'tile/31/0/000',
      'tile/8/0/x1/000',
      'tile/8/0/001/x002',
      'tiles/8/0/000',
      'tile/8/0',
      'tile/8/0/+01',
    ]) {
      assert.equal(parseTilePath(p), null, p);
    }
  });

  it('names the tiles the client fetches for record 1234567 in a tree of 1234600 (the §9 example)', () => {
    const x = storedHashIndex(0, 1234567);
    const leaf = tileParent(tileForIndex(8, x).tile, 0, 1234600) as Tile;
    assert.equal(tilePath(leaf), 'tile/8/0/x004/822.p/168');
    assert.equal(tilePath(tileParent(leaf, 1, 1234600) as Tile), 'tile/8/1/018.p/214');
    assert.equal(tilePath(tileParent(leaf, 2, 1234600) as Tile), 'tile/8/2/000.p/18');
    assert.equal(tileParent(leaf, 3, 1234600), null);
    assert.deepEqual(rightEdgeTiles(8, 1234600).map(tilePath), ['tile/8/0/x004/822.p/168', 'tile/8/1/018.p/214', 'tile/8/2/000.p/18']);
  });

});

describe('tile data against golang.org/x/mod/sumdb/tlog', () => {
  let v: Vectors;
  let read: HashReader;
  before(async () => {
    v = await loadVectors();
    ({ read } = buildLog(v.records));
  });

  it('lists the tiles a growing log publishes, as tlog.NewTiles', () => {
    for (const { H, Old, New, Tiles } of v.newTiles) assert.deepEqual(newTiles(H, Old, New).map(tilePath), Tiles ?? [], `${Old} → ${New}`);
  });

  it('holds the same bytes as tlog.ReadTileData', () => {
    for (const [p, data] of Object.entries(v.tileData)) {
      const t = parseTilePath(p) as Tile;
      assert.equal(readTileData(t, read).toString('base64'), data, p);
    }
  });

  it('recomputes any stored hash, at any level, from the tile that holds it', () => {
    const n = v.records;
    for (const x of [...subTreeIndex(0, n), storedHashIndex(0, 0), storedHashIndex(0, 2999), storedHashIndex(5, 3), storedHashIndex(9, 2)]) {
      const t = tileParent(tileForIndex(8, x).tile, 0, n) as Tile;
      assert.ok(hashFromTile(t, readTileData(t, read), x).equals(read([x])[0] as Buffer), `index ${x} in ${tilePath(t)}`);
    }
    const t = tileParent(tileForIndex(8, 0).tile, 0, n) as Tile;
    assert.throws(() => hashFromTile(t, readTileData(t, read), storedHashIndex(0, 300)), /is in tile\/8\/0\/001/);
    assert.equal(treeHash(n, read).toString('base64'), v.treeHashes[String(n)]);
  });
});
