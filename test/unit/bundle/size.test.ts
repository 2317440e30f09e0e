import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { FAT32_MAX_FILE, parseSize } from '../../../src/bundle/index.js';

describe('parseSize', () => {
  const ok: Array<[string, number]> = [
    ['1048576', 1048576],
    ['512', 512],
    ['700M', 700 * 2 ** 20],
    ['700m', 700 * 2 ** 20],
    ['700MiB', 700 * 2 ** 20],
    ['700MB', 700 * 2 ** 20],
    ['4G', 4 * 2 ** 30],
    ['1.5G', 1.5 * 2 ** 30],
    ['64k', 64 * 1024],
    ['2T', 2 * 2 ** 40],
    [' 10 M ', 10 * 2 ** 20],
    ['fat32', FAT32_MAX_FILE],
    ['FAT32', 4294967295],
  ];
  for (const [text, bytes] of ok) it(`${JSON.stringify(text)} = ${bytes}`, () => assert.equal(parseSize(text), bytes));

  for (const text of ['', 'M', '4X', '-1', '1e9', '4 G B', 'big']) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      assert.throws(() => parseSize(text), { code: 'E_USAGE', message: `invalid size ${JSON.stringify(text)}` });
    });
  }
  it('refuses a size under one tar block', () => {
    assert.throws(() => parseSize('100'), { code: 'E_USAGE', message: 'size "100" is too small: volumes hold at least 512 bytes' });
  });
});
