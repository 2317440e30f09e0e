import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createModCache } from '../../../src/mirror/mod-cache.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A go.mod like the closure reads: ~120 bytes, a module line and a few requirements. */
function goMod(i: number): Buffer {
  return Buffer.from(`module bench.example.com/org${i % 97}/lib${i}\n\ngo 1.17\n\nrequire bench.example.com/org${(i + 1) % 97}/lib${i + 1} v1.0.${i % 7}\n`);
}

/**
 * Heap and ArrayBuffer bytes in use after full collections. V8 frees an
 * ArrayBuffer's memory in a task after the collection that found it dead, and
 * a loaded machine runs that task late: collect until two readings agree.
 */
async function inUse(): Promise<number> {
  let last = Number.NaN;
  for (let i = 0; i < 50; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const m = process.memoryUsage();
    const now = m.heapUsed + m.arrayBuffers;
    if (i >= 2 && Math.abs(now - last) < 16 * 1024) return now;
    last = now;
  }
  return last;
}

describe('createModCache', () => {
  it('gives back the bytes set under a key, as copies, until they are deleted', () => {
    const cache = createModCache();
    // Not UTF-8 and not text: the bytes come back as they were.
    const odd = Buffer.from([0x6d, 0xff, 0x00, 0xc3, 0x28, 0x0a]);
    const big = Buffer.alloc(100_000, 'x');
    cache.set('a.com/a@v1.0.0', goMod(1));
    cache.set('b.com/b@v1.0.0', odd);
    cache.set('c.com/c@v1.0.0', big);
    assert.deepEqual([cache.size, cache.bytes], [3, goMod(1).length + odd.length + big.length]);
    assert.deepEqual(cache.get('a.com/a@v1.0.0'), goMod(1));
    assert.deepEqual(cache.get('b.com/b@v1.0.0'), odd);
    assert.deepEqual(cache.get('c.com/c@v1.0.0'), big);
    assert.equal(cache.get('a.com/a@v1.1.0'), undefined);
    // A caller writing into what it got changes nothing held.
    cache.get('a.com/a@v1.0.0')?.fill(0);
    assert.deepEqual(cache.get('a.com/a@v1.0.0'), goMod(1));
    // Set again: the new bytes replace the old.
    cache.set('a.com/a@v1.0.0', goMod(2));
    assert.deepEqual([cache.get('a.com/a@v1.0.0'), cache.size], [goMod(2), 3]);
    assert.equal(cache.delete('a.com/a@v1.0.0'), true);
    assert.equal(cache.delete('a.com/a@v1.0.0'), false);
    assert.equal(cache.delete('c.com/c@v1.0.0'), true);
    assert.deepEqual([cache.get('a.com/a@v1.0.0'), cache.size, cache.bytes], [undefined, 1, odd.length]);
  });

  it('gives back a go.mod whose module line it did not store (the key names that module) byte for byte', () => {
    const cache = createModCache();
    const files: [string, Buffer][] = [
      ['a.com/a@v1.0.0', Buffer.from('module a.com/a\n\ngo 1.21\n')],
      // Only the module line; another module's; quoted; no newline; a path that is a prefix of the key's.
      ['a.com/a@v1.1.0', Buffer.from('module a.com/a\n')],
      ['a.com/a@v1.2.0', Buffer.from('module b.com/b\n\ngo 1.21\n')],
      ['a.com/a@v1.3.0', Buffer.from('module "a.com/a"\n')],
      ['a.com/a@v1.4.0', Buffer.from('module a.com/a')],
      ['a.com/a/v2@v2.0.0', Buffer.from('module a.com/a\n')],
      ['ünï.com/x@v1.0.0', Buffer.from('module ünï.com/x\n// ü\n')],
      ['e.com/e@v1.0.0', Buffer.alloc(0)],
    ];
    for (const [k, d] of files) cache.set(k, d);
    const total = files.reduce((a, [, d]) => a + d.length, 0);
    assert.equal(cache.bytes, total);
    for (const [k, d] of files) assert.deepEqual(cache.get(k), d, k);
    for (const [k] of files) cache.delete(k);
    assert.deepEqual([cache.size, cache.bytes], [0, 0]);
  });

  it('takes no entry past its limit in bytes', () => {
    const cache = createModCache(250);
    cache.set('a@v1', Buffer.alloc(100, 'a'));
    cache.set('b@v1', Buffer.alloc(100, 'b'));
    cache.set('c@v1', Buffer.alloc(100, 'c'));
    assert.deepEqual([cache.size, cache.bytes, cache.get('c@v1')], [2, 200, undefined]);
    cache.delete('a@v1');
    cache.set('c@v1', Buffer.alloc(100, 'c'));
    assert.deepEqual([cache.size, cache.get('c@v1')], [2, Buffer.alloc(100, 'c')]);
  });

  it('keeps thousands of entries across chunks, each readable until it is taken', () => {
    const cache = createModCache();
    const n = 5000;
    for (let i = 0; i < n; i++) cache.set(`m${i}@v1.0.0`, goMod(i));
    // Taken in another order than they were set (mirroring goes by module, the closure breadth-first).
    for (let i = n - 1; i >= 0; i -= 2) assert.deepEqual(cache.get(`m${i}@v1.0.0`), goMod(i));
    for (let i = 0; i < n; i++) assert.equal(cache.delete(`m${i}@v1.0.0`), true);
    assert.deepEqual([cache.size, cache.bytes], [0, 0]);
  });

  // At 100,000 versions the cache holds every .mod the closure read (11.5 MB of text) at the closure's
  // end, the sync's peak, until mirroring takes them. Measured: ~30 bytes an entry beyond its text (the
  // map's entry and the chunks' slack, less the module lines left out); a Buffer kept per file (the code
  // before) ~130.
  it('holds 20,000 go.mod files in little more memory than their bytes, and lets it go once they are taken', async () => {
    const n = 20_000;
    // The keys are the caller's: flat strings the closure's version table has already.
    const keys = Array.from({ length: n }, (_, i) => Buffer.from(`bench.example.com/org${i % 97}/lib${i}@v1.0.${i % 7}`).toString());
    let text = 0;
    for (let i = 0; i < n; i++) text += goMod(i).length;
    const before = await inUse();
    const cache = createModCache();
    // Each body a buffer of its own that the caller drops, as a download's is.
    keys.forEach((k, i) => cache.set(k, goMod(i)));
    const held = (await inUse()) - before;
    assert.equal(cache.size, n);
    const overhead = (held - text) / n;
    assert.ok(overhead <= 70, `${(held / 1048576).toFixed(2)} MB for ${(text / 1048576).toFixed(2)} MB of go.mod text: ${overhead.toFixed(0)} bytes an entry beyond its text`);
    for (const k of keys) cache.delete(k);
    const left = (await inUse()) - before;
    assert.ok(left <= 512 * 1024, `${(left / 1048576).toFixed(2)} MB still held once every entry is taken`);
  });
});
