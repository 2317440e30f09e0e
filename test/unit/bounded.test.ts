/**
 * forEachBounded: what verify walks a tree with — items are taken one at a
 * time as calls end, never all up front (issue 17).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forEachBounded } from '../../src/bounded.js';

describe('forEachBounded', () => {
  it('keeps at most n calls in flight and takes the next item only when a call ends', async () => {
    const events: string[] = [];
    let inFlight = 0;
    let most = 0;
    async function* items(): AsyncGenerator<number> {
      for (let i = 0; i < 10; i++) {
        events.push(`take ${i}`);
        yield i;
      }
    }
    await forEachBounded(items(), 3, async (i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 1 + (i % 3)));
      events.push(`done ${i}`);
      inFlight--;
    });
    assert.equal(most, 3);
    assert.equal(events.filter((e) => e.startsWith('done')).length, 10);
    // Never more than n items taken and not finished.
    let open = 0;
    for (const e of events) {
      open += e.startsWith('take') ? 1 : -1;
      assert.ok(open <= 3, `${open} items taken at once: ${events.join(', ')}`);
    }
  });

  it('stops taking items after a failure, lets the calls in flight end, then throws it', async () => {
    const seen: number[] = [];
    let ended = 0;
    await assert.rejects(
      forEachBounded([0, 1, 2, 3, 4, 5, 6, 7], 2, async (i) => {
        seen.push(i);
        if (i === 1) throw new Error('boom');
        await new Promise((r) => setTimeout(r, 5));
        ended++;
      }),
      /boom/,
    );
    assert.deepEqual(seen, [0, 1]);
    assert.equal(ended, 1, 'the call in flight ended before the failure was thrown');
  });

  it('takes arrays too, and does nothing for none', async () => {
    const out: string[] = [];
    await forEachBounded(['a', 'b', 'c'], 8, async (s) => {
      out.push(s);
    });
    assert.deepEqual(out.sort(), ['a', 'b', 'c']);
    await forEachBounded([], 4, () => Promise.reject(new Error('never called')));
  });
});
