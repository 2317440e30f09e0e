import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { Arrivals, feedLine, splitArrivals } from '../../../src/catalog/index.js';

const T = (s: number): number => Date.UTC(2026, 0, 1, 0, 0, s);
const order = (a: Arrivals): string[] => [...a.sorted()].map((f) => `${f.path}@${f.version}`);

describe('feed: arrivals, lines and what a re-read changes', () => {
  test('arrivals of one run: by the time their files were written, then path and version', () => {
    const a = new Arrivals();
    a.add('example.com/b', 'v1.0.0', T(5));
    a.add('example.com/b', 'v1.1.0', T(2));
    a.add('example.com/a', 'v2.0.0', T(2));
    a.add('example.com/a', 'v1.0.0', T(9));
    a.add('example.com/a', 'v1.9.0', T(2));
    assert.equal(a.size, 5);
    assert.deepEqual(order(a), ['example.com/a@v1.9.0', 'example.com/a@v2.0.0', 'example.com/b@v1.1.0', 'example.com/b@v1.0.0', 'example.com/a@v1.0.0']);
    assert.deepEqual(order(new Arrivals()), []);
  });

  test('a feed line is the index.golang.org form', () => {
    const line = feedLine('example.com/a', 'v2.0.0', T(2));
    assert.equal(line, '{"Path":"example.com/a","Version":"v2.0.0","Timestamp":"2026-01-01T00:00:02.000Z"}\n');
  });

  test('a re-read module: pruned versions leave, new complete versions arrive, the rest keep their place', () => {
    const s = splitArrivals(['v1.0.0', 'v1.1.0'], [
      { version: 'v1.1.0', writtenMs: T(50) },
      { version: 'v1.2.0', writtenMs: T(20) },
    ]);
    assert.deepEqual(s.removed, ['v1.0.0']);
    assert.deepEqual(s.fresh, [{ version: 'v1.2.0', writtenMs: T(20) }]);
    // A version that comes back after a prune arrives anew.
    assert.deepEqual(splitArrivals(['v1.1.0'], [{ version: 'v1.0.0', writtenMs: T(0) }, { version: 'v1.1.0', writtenMs: T(2) }]).fresh, [{ version: 'v1.0.0', writtenMs: T(0) }]);
    assert.deepEqual(splitArrivals([], []), { removed: [], fresh: [] });
  });
});
