import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeTextAtomic } from '../../../src/tree/atomic.js';

/** writeTextAtomic encodes its parts into one reused 1 MiB buffer; what lands is their text, whatever the sizes. */
describe('writeTextAtomic', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gomirror-atomic-text-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  const roundTrip = async (name: string, parts: string[] | AsyncIterable<string>, expected: string): Promise<void> => {
    const file = path.join(dir, name);
    await writeTextAtomic(file, parts);
    const got = await readFile(file);
    assert.equal(got.length, Buffer.byteLength(expected), 'byte length');
    assert.ok(got.equals(Buffer.from(expected)), 'bytes');
    assert.deepEqual((await readdir(dir)).filter((n) => n.includes('.tmp')), [], 'no temp file left');
  };

  it('writes many short lines across several buffer fills, multi-byte text included', async () => {
    // ~3.4 MiB of lines: ASCII, 2-, 3- and 4-byte UTF-8 (a surrogate pair inside one part).
    const parts: string[] = [];
    for (let i = 0; i < 60000; i++) parts.push(`example.com/m${i} v1.${i}.0 h1:${'é'.repeat(i % 5)}中${i % 7 === 0 ? '😀' : ''}=\n`);
    await roundTrip('lines', parts, parts.join(''));
  });

  it('writes a part larger than the buffer where it falls, between smaller ones', async () => {
    const big = 'x'.repeat(3 << 20) + 'ü'.repeat(400000);
    const parts = ['head\n', 'a'.repeat((1 << 20) - 10), big, 'tail\n', ''];
    await roundTrip('big', parts, parts.join(''));
  });

  it('writes parts whose worst-case size just fits or just misses the space left', async () => {
    const third = Math.floor((1 << 20) / 3);
    const parts = ['€'.repeat(third), '€'.repeat(third), '€'.repeat(third), 'b'.repeat(third + 1), 'end'];
    await roundTrip('edges', parts, parts.join(''));
  });

  it('takes an async iterable and writes an empty file for no parts', async () => {
    async function* gen(): AsyncGenerator<string> {
      for (let i = 0; i < 1000; i++) yield `${i}\n`;
    }
    let all = '';
    for (let i = 0; i < 1000; i++) all += `${i}\n`;
    await roundTrip('async', gen(), all);
    await roundTrip('empty', [], '');
  });
});
