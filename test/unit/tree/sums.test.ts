/**
 * The tree's record of hashes (.gomirror/go.sum): a failed flush keeps the
 * changes, says which file with E_FS, and does not poison later flushes.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GomirrorError } from '../../../src/errors.js';
import { writeFileAtomic } from '../../../src/tree/atomic.js';
import { openSumStore } from '../../../src/gosum/sums.js';
import { formatGoSum } from '../../../src/gosum/go-sum.js';

const H1 = 'h1:' + 'A'.repeat(43) + '=';
const H2 = 'h1:' + 'B'.repeat(43) + '=';

describe('sum store flush', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gomirror-sums-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('a failed write throws E_FS naming the file; the next flush writes everything once the disk recovers', async () => {
    const file = path.join(dir, 'go.sum');
    let failNext = 0;
    const writes: string[] = [];
    const sums = await openSumStore(file, {
      write: async (f, data) => {
        if (failNext > 0) {
          failNext--;
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        }
        writes.push(data);
        await writeFileAtomic(f, data);
      },
    });
    sums.set('example.com/a', 'v1.0.0', false, H1);
    failNext = 1;
    await assert.rejects(sums.flush(), (err: unknown) => {
      assert.ok(err instanceof GomirrorError);
      assert.equal(err.code, 'E_FS');
      assert.match(err.message, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: cannot record hashes: ENOSPC`));
      return true;
    });
    // A flush queued behind the failed one, with nothing new set: it still writes what the failed one could not.
    await sums.flush();
    assert.equal(await readFile(file, 'utf8'), `example.com/a v1.0.0 ${H1}\n`);
    sums.set('example.com/a', 'v1.0.0', true, H2);
    await sums.flush();
    assert.equal(await readFile(file, 'utf8'), `example.com/a v1.0.0 ${H1}\nexample.com/a v1.0.0/go.mod ${H2}\n`);
    assert.equal(writes.length, 2);
    await sums.flush();
    assert.equal(writes.length, 2, 'nothing changed, nothing written');
  });

  it('flushes started together after a failure: the failure reaches only its own caller', async () => {
    const file = path.join(dir, 'go2.sum');
    let fail = true;
    const sums = await openSumStore(file, {
      write: async (f, data) => {
        if (fail) {
          fail = false;
          throw new Error('EIO: i/o error');
        }
        await writeFileAtomic(f, data);
      },
    });
    sums.set('example.com/b', 'v1.0.0', false, H1);
    const first = sums.flush();
    const second = sums.flush();
    await assert.rejects(first, /cannot record hashes: EIO/);
    await second;
    assert.equal(await readFile(file, 'utf8'), `example.com/b v1.0.0 ${H1}\n`);
  });
});

describe('sum store group commit', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gomirror-sums-group-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('flushes asked for while a write runs share one write after it, which holds all their hashes', async () => {
    const file = path.join(dir, 'go.sum');
    const writes: string[] = [];
    const waiting: (() => void)[] = [];
    const sums = await openSumStore(file, {
      write: async (f, data) => {
        writes.push(data);
        await new Promise<void>((resolve) => waiting.push(resolve));
        await writeFileAtomic(f, data);
      },
    });
    const nextWrite = async (): Promise<() => void> => {
      while (waiting.length === 0) await new Promise((resolve) => setImmediate(resolve));
      return waiting.shift() as () => void;
    };
    sums.set('example.com/a', 'v1.0.0', false, H1);
    const first = sums.flush();
    const releaseFirst = await nextWrite();
    // Three modules finish while the first write waits on the disk.
    sums.set('example.com/b', 'v1.0.0', false, H1);
    const others = [sums.flush(), sums.flush(), sums.flush()];
    releaseFirst();
    const releaseSecond = await nextWrite();
    // A version completes during the second write; its module asks later.
    sums.set('example.com/c', 'v1.0.0', false, H2);
    releaseSecond();
    await Promise.all([first, ...others]);
    assert.equal(writes.length, 2, 'the three flushes asked for during the first write share the second');
    assert.equal(writes[1], `example.com/a v1.0.0 ${H1}\nexample.com/b v1.0.0 ${H1}\n`);
    const last = sums.flush();
    (await nextWrite())();
    await last;
    assert.equal(await readFile(file, 'utf8'), `example.com/a v1.0.0 ${H1}\nexample.com/b v1.0.0 ${H1}\nexample.com/c v1.0.0 ${H2}\n`);
  });
});

describe('sum store order', () => {
  // Hashes a go.sum file may hold (canonical base64 of 32 bytes).
  const R1 = 'h1:KU7oHjnv3XNWfa5COkzUifxZmxp1TyI7ImMXqFxLwvQ=';
  const R2 = 'h1:gTqEJ382ZQqv2xsPfdUZDovzOcPwH0eHFziE2Xq+iaU=';
  it('flush after flush, the file stays in go.sum order, as one sort of everything would have it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gomirror-sums-order-'));
    try {
      const file = path.join(dir, 'go.sum');
      await writeFile(file, `example.com/m v1.10.0 ${R1}\nexample.com/a v1.0.0 ${R2}\n`);
      const sums = await openSumStore(file);
      const all = [
        { path: 'example.com/a', version: 'v1.0.0', goMod: false, hash: R2 },
        { path: 'example.com/m', version: 'v1.10.0', goMod: false, hash: R1 },
      ];
      const batches = [
        [['example.com/m', 'v1.9.0', true], ['example.com/z', 'v0.1.0', false], ['example.com/m', 'v1.10.0', true]],
        [['example.com/b', 'v2.0.0+incompatible', false], ['example.com/m', 'v1.9.0', false], ['example.com/a', 'v1.0.0', true]],
        [['example.com/m', 'v1.10.0-rc.1', false], ['example.com/Upper', 'v1.0.0', false]],
      ] as const;
      for (const batch of batches) {
        for (const [p, v, goMod] of batch) {
          sums.set(p, v, goMod, R1);
          all.push({ path: p, version: v, goMod, hash: R1 });
        }
        await sums.flush();
        assert.equal(await readFile(file, 'utf8'), formatGoSum(all.filter((e) => sums.get(e.path, e.version, e.goMod) === e.hash)));
      }
      // A hash set anew for a recorded line replaces it in place.
      sums.set('example.com/m', 'v1.9.0', true, R2);
      await sums.flush();
      const text = await readFile(file, 'utf8');
      assert.ok(text.includes(`example.com/m v1.9.0/go.mod ${R2}\n`) && !text.includes(`example.com/m v1.9.0/go.mod ${R1}`));
      assert.equal(text.split('\n').length - 1, all.length);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
