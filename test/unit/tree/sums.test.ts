/**
 * The tree's record of hashes (.gomirror/go.sum): a failed flush keeps the
 * changes, says which file with E_FS, and does not poison later flushes;
 * checkpoints append, flushes sort, torn appends are survived.
 */
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GomirrorError } from '../../../src/errors.js';
import { writeFileAtomic } from '../../../src/tree/atomic.js';
import { openSumStore } from '../../../src/gosum/sums.js';

const H1 = 'h1:' + 'A'.repeat(43) + '=';
const H2 = 'h1:' + 'B'.repeat(43) + '=';
/** Canonical base64, as a file read back must hold. */
const HB = 'h1:' + Buffer.alloc(32, 0xbb).toString('base64');

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

  it('checkpoint appends only the new lines, durably; flush puts the file back in go.sum order', async () => {
    const file = path.join(dir, 'go3.sum');
    const writes: string[] = [];
    const appends: string[] = [];
    const options = {
      write: async (f: string, data: string) => {
        writes.push(data);
        await writeFileAtomic(f, data);
      },
      append: async (f: string, data: string) => {
        appends.push(data);
        await appendFile(f, data);
      },
    };
    const sums = await openSumStore(file, options);
    sums.set('example.com/z', 'v1.0.0', false, H1);
    await sums.checkpoint();
    assert.equal(writes.length, 1, 'nothing on disk yet: the first checkpoint writes the file whole');
    sums.set('example.com/a', 'v1.10.0', true, HB);
    sums.set('example.com/a', 'v1.9.0', false, H1);
    await sums.checkpoint();
    await sums.checkpoint();
    assert.deepEqual(appends, [`example.com/a v1.10.0/go.mod ${HB}\nexample.com/a v1.9.0 ${H1}\n`]);
    assert.equal(writes.length, 1);
    const reopened = await openSumStore(file);
    assert.equal(reopened.size, 3);
    assert.equal(reopened.get('example.com/a', 'v1.9.0', false), H1);
    assert.equal(reopened.get('example.com/a', 'v1.9.0', true), undefined);
    await sums.flush();
    assert.equal(
      await readFile(file, 'utf8'),
      `example.com/a v1.9.0 ${H1}\nexample.com/a v1.10.0/go.mod ${HB}\nexample.com/z v1.0.0 ${H1}\n`,
      'sorted by path, then semver',
    );
    await sums.flush();
    assert.equal(writes.length, 2, 'in order and unchanged: not written again');
  });

  it('a changed hash or a failed append is never appended after: the next write is whole', async () => {
    const file = path.join(dir, 'go4.sum');
    let failAppend = true;
    const writes: string[] = [];
    const sums = await openSumStore(file, {
      write: async (f, data) => {
        writes.push(data);
        await writeFileAtomic(f, data);
      },
      append: async (f, data) => {
        if (failAppend) {
          failAppend = false;
          await appendFile(f, data.slice(0, 10));
          throw new Error('ENOSPC: no space left on device, write');
        }
        await appendFile(f, data);
      },
    });
    sums.set('example.com/a', 'v1.0.0', false, H1);
    await sums.checkpoint();
    sums.set('example.com/b', 'v1.0.0', false, H1);
    await assert.rejects(sums.checkpoint(), /cannot record hashes: ENOSPC/);
    await sums.checkpoint();
    assert.equal(await readFile(file, 'utf8'), `example.com/a v1.0.0 ${H1}\nexample.com/b v1.0.0 ${H1}\n`);
    assert.equal(writes.length, 2);
    sums.set('example.com/a', 'v1.0.0', false, HB);
    await sums.checkpoint();
    assert.equal(writes.length, 3);
    assert.equal(await readFile(file, 'utf8'), `example.com/a v1.0.0 ${HB}\nexample.com/b v1.0.0 ${H1}\n`);
  });

  it('opens a file whose last append was torn: whole lines kept, the torn one dropped, the file rewritten next', async () => {
    const file = path.join(dir, 'go5.sum');
    await writeFile(file, `example.com/a v1.0.0 ${H1}\nexample.com/b v1.0.0/go.mod ${HB}\nexample.com/c v1.0.0 h1:AAAA`);
    const sums = await openSumStore(file);
    assert.equal(sums.size, 2);
    assert.equal(sums.get('example.com/b', 'v1.0.0', true), HB);
    assert.equal(sums.get('example.com/c', 'v1.0.0', false), undefined);
    sums.set('example.com/d', 'v1.0.0', false, H1);
    await sums.checkpoint();
    assert.equal(await readFile(file, 'utf8'), `example.com/a v1.0.0 ${H1}\nexample.com/b v1.0.0/go.mod ${HB}\nexample.com/d v1.0.0 ${H1}\n`);
    // A last line that is whole but lost its newline is kept.
    await writeFile(file, `example.com/a v1.0.0 ${H1}`);
    assert.equal((await openSumStore(file)).get('example.com/a', 'v1.0.0', false), H1);
  });

  it('reads a record of several pieces (lines across piece ends, multi-byte paths) and names malformed lines by their number in the file', async () => {
    const file = path.join(dir, 'go6.sum');
    // About 2.5 MiB: three pieces of 1 MiB, with lines cut at both piece ends.
    const lines: string[] = [];
    for (let i = 0; i < 30000; i++) lines.push(`example.com/é${i} v1.0.${i % 7} ${'h1:' + Buffer.alloc(32, i % 256).toString('base64')}`);
    await writeFile(file, lines.join('\n') + '\n');
    const sums = await openSumStore(file);
    assert.equal(sums.size, 30000);
    for (const i of [0, 11000, 11001, 29999]) assert.equal(sums.get(`example.com/é${i}`, `v1.0.${i % 7}`, false), 'h1:' + Buffer.alloc(32, i % 256).toString('base64'));
    // Two malformed lines, in different pieces: both named, with their line numbers.
    const bad = [...lines];
    bad[3] = 'example.com/x v1.0.0';
    bad[25000] = 'example.com/y v1.0.0 h1:short';
    await writeFile(file, bad.join('\n') + '\n');
    await assert.rejects(openSumStore(file), (err: unknown) => {
      assert.ok(err instanceof GomirrorError && err.code === 'E_GOSUM', String(err));
      assert.match(err.message, new RegExp(`${file}:4: malformed go.sum line: wrong number of fields 2`));
      assert.match(err.message, new RegExp(`${file}:25001: malformed go.sum line: invalid hash`));
      return true;
    });
  });
});

describe('sum store packing', () => {
  it('keeps canonical h1 hashes packed and any other hash text as it was, through get, set and flush', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gomirror-sums-pack-'));
    try {
      const file = path.join(dir, 'go.sum');
      // Files hold canonical hashes only (the parser checks); a caller may still set any text.
      // B…B= is not canonical base64 (its last character has bits past the 32 bytes); h1:x is no sha256 at all.
      const odd = ['h1:x', H2];
      await writeFile(file, `a.example/m v1.0.0 ${HB}\n`);
      const sums = await openSumStore(file);
      sums.set('a.example/m', 'v1.0.0', true, odd[0] as string);
      sums.set('b.example/m', 'v1.0.0', false, odd[1] as string);
      assert.equal(sums.get('a.example/m', 'v1.0.0', false), HB);
      assert.equal(sums.get('a.example/m', 'v1.0.0', true), odd[0]);
      assert.equal(sums.get('b.example/m', 'v1.0.0', false), odd[1]);
      assert.equal(sums.get('b.example/m', 'v1.0.0', true), undefined);
      for (let i = 0; i < 3000; i++) sums.set(`c.example/m${i}`, 'v1.0.0', i % 2 === 0, 'h1:' + Buffer.alloc(32, i % 256).toString('base64'));
      sums.set('b.example/m', 'v1.0.0', true, H1);
      assert.equal(sums.size, 3000 + 4);
      for (const i of [0, 1, 1023, 1024, 2999]) {
        assert.equal(sums.get(`c.example/m${i}`, 'v1.0.0', i % 2 === 0), 'h1:' + Buffer.alloc(32, i % 256).toString('base64'), `entry ${i} after the slots grew`);
        assert.equal(sums.get(`c.example/m${i}`, 'v1.0.0', i % 2 !== 0), undefined);
      }
      await sums.flush();
      const text = await readFile(file, 'utf8');
      assert.ok(text.startsWith(`a.example/m v1.0.0 ${HB}\na.example/m v1.0.0/go.mod ${odd[0]}\nb.example/m v1.0.0 ${odd[1]}\nb.example/m v1.0.0/go.mod ${H1}\n`), text.slice(0, 400));
      assert.equal(text.trimEnd().split('\n').length, 3004);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
