import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import { checkRecord, checkTree, nodeHash, proveRecord, proveTree, recordHash, splitStoredHashIndex, storedHashCount, storedHashIndex, treeHash, ZERO_HASH, type HashReader } from '../../../src/sumdb/index.js';
import { buildLog, loadVectors, type Vectors } from './vectors.js';

const b64 = (b: Buffer): string => b.toString('base64');

describe('tlog: hashes, tree hashes and proofs against golang.org/x/mod/sumdb/tlog', () => {
  let v: Vectors;
  let read: HashReader;
  let stored: Buffer[];

  before(async () => {
    v = await loadVectors();
    ({ read, hashes: stored } = buildLog(v.records));
  });

  it('hashes leaves and nodes as RFC 6962 does', () => {
    // SHA-256 of 0x00 and of 0x01 ‖ 64 zero bytes, computed independently.
    assert.equal(recordHash(Buffer.alloc(0)).toString('hex'), '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
    assert.equal(nodeHash(ZERO_HASH, ZERO_HASH).toString('hex'), 'ae0798d0ecaed2b778eddebf18f071a561c53658c05e76cedecc27cafbdbc577');
  });

  it('stores as many hashes as Go', () => {
    assert.equal(stored.length, v.storedHashCount);
    assert.equal(storedHashCount(v.records), v.storedHashCount);
  });

  it('maps (level, n) to stored indexes and back', () => {
    assert.deepEqual(
      [
        [0, 0],
        [0, 1],
        [1, 0],
        [0, 2],
        [0, 3],
        [1, 1],
        [2, 0],
      ].map(([l, n]) => storedHashIndex(l as number, n as number)),
      [0, 1, 2, 3, 4, 5, 6],
    );
    for (let i = 0; i < 5000; i += 7) {
      const { level, n } = splitStoredHashIndex(i);
      assert.equal(storedHashIndex(level, n), i, `index ${i}`);
    }
    // Beyond 32 bits, where JavaScript's shift operators would go wrong.
    const big = storedHashIndex(3, 2 ** 40 + 5);
    assert.deepEqual(splitStoredHashIndex(big), { level: 3, n: 2 ** 40 + 5 });
  });

  it('computes the tree hash of every size Go computed', () => {
    for (const [size, hash] of Object.entries(v.treeHashes)) assert.equal(b64(treeHash(Number(size), read)), hash, `tree ${size}`);
    assert.ok(treeHash(0, read).equals(ZERO_HASH));
  });

  it('proves records as Go does, and checks proofs', () => {
    for (const { T, N, Proof } of v.recordProofs) {
      const p = proveRecord(T, N, read);
      assert.deepEqual(p.map(b64), Proof, `record ${N} in ${T}`);
      const th = treeHash(T, read);
      const leaf = read([storedHashIndex(0, N)])[0] as Buffer;
      assert.equal(checkRecord(p, T, th, N, leaf), true);
      assert.equal(checkRecord(p, T, th, N, recordHash(Buffer.from('forged\n'))), false);
      if (p.length > 0) assert.equal(checkRecord(p.slice(1), T, th, N, leaf), false);
    }
  });

  it('proves trees as Go does, and checks proofs', () => {
    for (const { T, N, Proof } of v.treeProofs) {
      const p = proveTree(T, N, read);
      assert.deepEqual(p.map(b64), Proof, `tree ${N} in ${T}`);
      const th = treeHash(T, read);
      const h = treeHash(N, read);
      assert.equal(checkTree(p, T, th, N, h), true);
      assert.equal(checkTree(p, T, th, N, nodeHash(h, h)), false);
      assert.equal(checkTree([...p, h], T, th, N, h), false);
    }
  });
});
