/** The ordered, bounded read-ahead that bundle export reads the tree through. */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { inCallOrder, readAhead } from '../../../src/bundle/read-ahead.js';

async function* numbers(n: number, seen?: number[]): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) {
    seen?.push(i);
    yield i;
  }
}

describe('readAhead', () => {
  it('hands results over in source order however the work finishes, with at most depth in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const out: number[] = [];
    const work = async (i: number): Promise<number> => {
      most = Math.max(most, ++inFlight);
      await sleep((7 * i) % 5);
      inFlight--;
      return i * 10;
    };
    for await (const r of readAhead(numbers(40), 6, work, async () => undefined)) out.push(r);
    assert.deepEqual(
      out,
      Array.from({ length: 40 }, (_, i) => i * 10),
    );
    assert.equal(most, 6, 'the window is full while results are taken, and never larger');
  });

  it('throws a failure in its turn, after the results before it, and discards what was read beyond it', async () => {
    const out: number[] = [];
    const discarded: number[] = [];
    const work = async (i: number): Promise<number> => {
      await sleep(i === 3 ? 5 : 0);
      if (i === 3) throw new Error('three failed');
      return i;
    };
    await assert.rejects(async () => {
      for await (const r of readAhead(numbers(20), 4, work, async (r) => void discarded.push(r))) out.push(r);
    }, /three failed/);
    assert.deepEqual(out, [0, 1, 2]);
    assert.deepEqual(discarded, [4, 5, 6], 'the results started after the failure are handed to discard');
  });

  it('discards what was read ahead when the taker stops early, and stops the source', async () => {
    const seen: number[] = [];
    const discarded: number[] = [];
    for await (const r of readAhead(numbers(100, seen), 5, async (i) => i, async (r) => void discarded.push(r))) {
      if (r === 2) break;
    }
    // 2 was taken out of a window of five (2..6): the four behind it were read ahead.
    assert.deepEqual(discarded, [3, 4, 5, 6]);
    assert.equal(seen.length, 7, 'the source is not read past the window');
  });
});

describe('inCallOrder', () => {
  it('runs calls one after another in the order they were made', async () => {
    const log: string[] = [];
    const lookup = inCallOrder(async (k: string) => {
      log.push(`start ${k}`);
      await sleep(k === 'a' ? 10 : 0);
      log.push(`end ${k}`);
      return k.toUpperCase();
    });
    assert.deepEqual(await Promise.all(['a', 'b', 'c'].map(lookup)), ['A', 'B', 'C']);
    assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });
});
