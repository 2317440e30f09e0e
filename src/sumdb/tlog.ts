/**
 * The transparency log of the checksum database (Go: golang.org/x/mod/sumdb/tlog),
 * pure: record and node hashing (RFC 6962), the stored-hash index order, tree
 * hashes, and inclusion ("record") and consistency ("tree") proofs.
 *
 * Tree sizes and indexes are plain numbers: exact up to 2^53, far beyond any
 * real log, so shifts are written as multiplication and division by powers
 * of two (JavaScript's `>>` would cut them to 32 bits).
 */
import { hash } from 'node:crypto';

/** Size of every hash in the log, in bytes. */
export const HASH_SIZE = 32;

/** Reads stored hashes by their index (see storedHashIndex), synchronously. */
export type HashReader = (indexes: readonly number[]) => Buffer[];

/** A proof that leaf n is in a tree: RFC 6962 "Merkle audit path". */
export type RecordProof = Buffer[];

/** A proof that a tree contains an older tree as a prefix: RFC 6962 "Merkle consistency proof". */
export type TreeProof = Buffer[];

/** Go: the tree of size zero has the all-zero hash. */
export const ZERO_HASH: Buffer = Buffer.alloc(HASH_SIZE);

/** Leaf hash: SHA-256(0x00 ‖ record text). */
export function recordHash(data: Uint8Array): Buffer {
  return hash('sha256', Buffer.concat([LEAF_PREFIX, data]), 'buffer');
}

/** Interior node hash: SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  // One-shot hashing of a reused buffer: proofs and tiles hash thousands of nodes.
  NODE_INPUT.set(left, 1);
  NODE_INPUT.set(right, 1 + HASH_SIZE);
  return hash('sha256', NODE_INPUT, 'buffer');
}

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_INPUT = Buffer.alloc(1 + 2 * HASH_SIZE, 0x01);

/** 2^k as a number. */
export const pow2 = (k: number): number => 2 ** k;

/** n >> k for non-negative n beyond 32 bits. */
export const shr = (n: number, k: number): number => Math.floor(n / 2 ** k);

/** k, the largest power of two smaller than n (n ≥ 2), and log₂ k. */
function maxpow2(n: number): { k: number; level: number } {
  let level = 0;
  while (pow2(level + 1) < n) level++;
  return { k: pow2(level), level };
}

/**
 * Maps tree coordinates (level, n) to the dense linear order in which the
 * log stores hashes (Crosby and Wallach §3.3): level L's n'th hash comes
 * right after level L+1's (2n+1)'th.
 */
export function storedHashIndex(level: number, n: number): number {
  for (let l = level; l > 0; l--) n = 2 * n + 1;
  let i = 0;
  for (; n > 0; n = shr(n, 1)) i += n;
  return i + level;
}

/** The inverse of storedHashIndex. */
export function splitStoredHashIndex(index: number): { level: number; n: number } {
  // storedHashIndex(0, n) < 2n, so the record we want is in [index/2, index/2 + log₂ index].
  let n = shr(index, 1);
  let indexN = storedHashIndex(0, n);
  if (indexN > index) throw new Error('tlog: bad math in splitStoredHashIndex');
  for (;;) {
    // Record n+1 adds 1 + trailingZeros(n+1) hashes.
    const x = indexN + 1 + trailingZeros(n + 1);
    if (x > index) break;
    n++;
    indexN = x;
  }
  const level = index - indexN;
  return { level, n: shr(n, level) };
}

function trailingZeros(n: number): number {
  let z = 0;
  while (n > 0 && n % 2 === 0) {
    n /= 2;
    z++;
  }
  return z;
}

/** How many hashes a log of n records stores. */
export function storedHashCount(n: number): number {
  if (n === 0) return 0;
  let count = storedHashIndex(0, n - 1) + 1;
  for (let i = n - 1; i % 2 === 1; i = shr(i, 1)) count++;
  return count;
}

/**
 * The hashes to store when appending record n with leaf hash h: h itself,
 * then one hash per subtree that record completes. `read` supplies earlier hashes.
 */
export function storedHashesForRecordHash(n: number, h: Buffer, read: HashReader): Buffer[] {
  const hashes = [h];
  const m = trailingZeros(n + 1);
  const indexes: number[] = new Array<number>(m);
  for (let i = 0; i < m; i++) indexes[m - 1 - i] = storedHashIndex(i, shr(n, i) - 1);
  const old = read(indexes);
  let cur = h;
  for (let i = 0; i < m; i++) {
    cur = nodeHash(at(old, m - 1 - i), cur);
    hashes.push(cur);
  }
  return hashes;
}

/**
 * Stored-hash indexes of the maximal power-of-two subtrees covering [lo, hi),
 * left to right (RFC 6962 §2.1).
 */
export function subTreeIndex(lo: number, hi: number, need: number[] = []): number[] {
  while (lo < hi) {
    const { k, level } = maxpow2(hi - lo + 1);
    if (lo % k !== 0) throw new Error('tlog: bad math in subTreeIndex');
    need.push(storedHashIndex(level, shr(lo, level)));
    lo += k;
  }
  return need;
}

/**
 * Folds the hashes subTreeIndex(lo, hi) named into the subtree's hash,
 * right to left; returns the hashes left over.
 */
export function subTreeHash(lo: number, hi: number, hashes: Buffer[]): [Buffer, Buffer[]] {
  let numTree = 0;
  while (lo < hi) {
    const { k } = maxpow2(hi - lo + 1);
    if (lo % k !== 0) throw new Error('tlog: bad math in subTreeHash');
    numTree++;
    lo += k;
  }
  if (hashes.length < numTree) throw new Error('tlog: too few hashes in subTreeHash');
  let h = at(hashes, numTree - 1);
  for (let i = numTree - 2; i >= 0; i--) h = nodeHash(at(hashes, i), h);
  return [h, hashes.slice(numTree)];
}

/** The root hash of the tree of n records. */
export function treeHash(n: number, read: HashReader): Buffer {
  if (n === 0) return ZERO_HASH;
  const indexes = subTreeIndex(0, n);
  return treeHashFromHashes(n, readExactly(read, indexes));
}

/** The root hash of the tree of n records from the hashes subTreeIndex(0, n) named. */
export function treeHashFromHashes(n: number, hashes: Buffer[]): Buffer {
  if (n === 0) return ZERO_HASH;
  const [h, rest] = subTreeHash(0, n, hashes);
  if (rest.length !== 0) throw new Error('tlog: too many hashes for the tree');
  return h;
}

/** The proof that the tree of size t contains record n. */
export function proveRecord(t: number, n: number, read: HashReader): RecordProof {
  if (t < 0 || n < 0 || n >= t) throw new Error('tlog: invalid inputs in proveRecord');
  const indexes = leafProofIndex(0, t, n, []);
  if (indexes.length === 0) return [];
  const [p, rest] = leafProof(0, t, n, readExactly(read, indexes));
  if (rest.length !== 0) throw new Error('tlog: bad index math in proveRecord');
  return p;
}

function leafProofIndex(lo: number, hi: number, n: number, need: number[]): number[] {
  if (lo + 1 === hi) return need;
  const { k } = maxpow2(hi - lo);
  if (n < lo + k) {
    leafProofIndex(lo, lo + k, n, need);
    subTreeIndex(lo + k, hi, need);
  } else {
    subTreeIndex(lo, lo + k, need);
    leafProofIndex(lo + k, hi, n, need);
  }
  return need;
}

function leafProof(lo: number, hi: number, n: number, hashes: Buffer[]): [RecordProof, Buffer[]] {
  if (lo + 1 === hi) return [[], hashes];
  const { k } = maxpow2(hi - lo);
  let p: RecordProof;
  let th: Buffer;
  if (n < lo + k) {
    [p, hashes] = leafProof(lo, lo + k, n, hashes);
    [th, hashes] = subTreeHash(lo + k, hi, hashes);
  } else {
    [th, hashes] = subTreeHash(lo, lo + k, hashes);
    [p, hashes] = leafProof(lo + k, hi, n, hashes);
  }
  return [[...p, th], hashes];
}

/** Whether p proves that the tree of size t with hash th has record n with leaf hash h. */
export function checkRecord(p: RecordProof, t: number, th: Uint8Array, n: number, h: Buffer): boolean {
  if (t < 0 || n < 0 || n >= t) return false;
  const got = runRecordProof(p, 0, t, n, h);
  return got !== null && got.equals(th);
}

function runRecordProof(p: RecordProof, lo: number, hi: number, n: number, leaf: Buffer): Buffer | null {
  if (lo + 1 === hi) return p.length === 0 ? leaf : null;
  if (p.length === 0) return null;
  const { k } = maxpow2(hi - lo);
  const last = at(p, p.length - 1);
  if (n < lo + k) {
    const th = runRecordProof(p.slice(0, -1), lo, lo + k, n, leaf);
    return th && nodeHash(th, last);
  }
  const th = runRecordProof(p.slice(0, -1), lo + k, hi, n, leaf);
  return th && nodeHash(last, th);
}

/** The proof that the tree of size t contains the tree of size n as a prefix. */
export function proveTree(t: number, n: number, read: HashReader): TreeProof {
  if (t < 1 || n < 1 || n > t) throw new Error('tlog: invalid inputs in proveTree');
  const indexes = treeProofIndex(0, t, n, []);
  if (indexes.length === 0) return [];
  const [p, rest] = treeProof(0, t, n, readExactly(read, indexes));
  if (rest.length !== 0) throw new Error('tlog: bad index math in proveTree');
  return p;
}

function treeProofIndex(lo: number, hi: number, n: number, need: number[]): number[] {
  if (n === hi) return lo === 0 ? need : subTreeIndex(lo, hi, need);
  const { k } = maxpow2(hi - lo);
  if (n <= lo + k) {
    treeProofIndex(lo, lo + k, n, need);
    subTreeIndex(lo + k, hi, need);
  } else {
    subTreeIndex(lo, lo + k, need);
    treeProofIndex(lo + k, hi, n, need);
  }
  return need;
}

function treeProof(lo: number, hi: number, n: number, hashes: Buffer[]): [TreeProof, Buffer[]] {
  if (n === hi) {
    if (lo === 0) return [[], hashes];
    const [th, rest] = subTreeHash(lo, hi, hashes);
    return [[th], rest];
  }
  const { k } = maxpow2(hi - lo);
  let p: TreeProof;
  let th: Buffer;
  if (n <= lo + k) {
    [p, hashes] = treeProof(lo, lo + k, n, hashes);
    [th, hashes] = subTreeHash(lo + k, hi, hashes);
  } else {
    [th, hashes] = subTreeHash(lo, lo + k, hashes);
    [p, hashes] = treeProof(lo + k, hi, n, hashes);
  }
  return [[...p, th], hashes];
}

/** Whether p proves that the tree of size t with hash th contains the tree of size n with hash h. */
export function checkTree(p: TreeProof, t: number, th: Uint8Array, n: number, h: Buffer): boolean {
  if (t < 1 || n < 1 || n > t) return false;
  const got = runTreeProof(p, 0, t, n, h);
  return got !== null && got[0].equals(h) && got[1].equals(th);
}

function runTreeProof(p: TreeProof, lo: number, hi: number, n: number, old: Buffer): [Buffer, Buffer] | null {
  if (n === hi) {
    if (lo === 0) return p.length === 0 ? [old, old] : null;
    return p.length === 1 ? [at(p, 0), at(p, 0)] : null;
  }
  if (p.length === 0) return null;
  const { k } = maxpow2(hi - lo);
  const last = at(p, p.length - 1);
  if (n <= lo + k) {
    const r = runTreeProof(p.slice(0, -1), lo, lo + k, n, old);
    return r && [r[0], nodeHash(r[1], last)];
  }
  const r = runTreeProof(p.slice(0, -1), lo + k, hi, n, old);
  return r && [nodeHash(last, r[0]), nodeHash(last, r[1])];
}

function readExactly(read: HashReader, indexes: number[]): Buffer[] {
  const hashes = read(indexes);
  if (hashes.length !== indexes.length) {
    throw new Error(`tlog: read ${indexes.length} hashes, got ${hashes.length}`);
  }
  return hashes;
}

function at<T>(list: readonly T[], i: number): T {
  const v = list[i];
  if (v === undefined) throw new Error(`tlog: index ${i} out of range`);
  return v;
}
