import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBytes } from '../../src/bytes.js';

test('formatBytes: one decimal by default, whole numbers from 10 up with round', () => {
  const cases: [number, string, string][] = [
    [0, '0 B', '0 B'],
    [1023, '1023 B', '1023 B'],
    [1024, '1.0 KiB', '1.0 KiB'],
    [1536, '1.5 KiB', '1.5 KiB'],
    [10 * 1024, '10.0 KiB', '10 KiB'],
    [320.4 * 1024 * 1024, '320.4 MiB', '320 MiB'],
    [2 * 1024 ** 5, '2048.0 TiB', '2048 TiB'],
  ];
  for (const [n, plain, rounded] of cases) {
    assert.equal(formatBytes(n), plain, `${n}`);
    assert.equal(formatBytes(n, { round: true }), rounded, `${n} round`);
  }
});
