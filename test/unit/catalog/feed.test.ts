import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { feedText, mergeArrivals, type Arrival } from '../../../src/catalog/index.js';

const T = (s: number): number => Date.UTC(2026, 0, 1, 0, 0, s);
const lines = (text: string): string[] => text.trim().split('\n').map((l) => { const o = JSON.parse(l) as { Path: string; Version: string }; return `${o.Path}@${o.Version}`; });

describe('mergeArrivals and feedText', () => {
  test('first run: versions ordered by the time their files were written, then path and version', () => {
    const { byPath, nextSeq } = mergeArrivals(
      [
        { path: 'example.com/b', previous: [], present: [{ version: 'v1.0.0', writtenMs: T(5) }, { version: 'v1.1.0', writtenMs: T(2) }] },
        { path: 'example.com/a', previous: [], present: [{ version: 'v2.0.0', writtenMs: T(2) }, { version: 'v1.0.0', writtenMs: T(9) }] },
      ],
      0,
    );
    assert.equal(nextSeq, 4);
    const text = feedText(byPath);
    assert.deepEqual(lines(text), ['example.com/a@v2.0.0', 'example.com/b@v1.1.0', 'example.com/b@v1.0.0', 'example.com/a@v1.0.0']);
    assert.deepEqual(JSON.parse(text.split('\n')[0] as string), { Path: 'example.com/a', Version: 'v2.0.0', Timestamp: '2026-01-01T00:00:02.000Z' });
  });

  test('a later run appends, even when the new files look older, and keeps the earlier order and timestamps', () => {
    const first = mergeArrivals([{ path: 'example.com/a', previous: [], present: [{ version: 'v1.0.0', writtenMs: T(10) }] }], 0);
    const prevA = first.byPath.get('example.com/a') as Arrival[];
    // example.com/z's file carries an older mtime (copied with rsync -t), but it arrives now.
    const second = mergeArrivals(
      [
        { path: 'example.com/a', previous: prevA, present: [{ version: 'v1.0.0', writtenMs: T(50) }, { version: 'v1.1.0', writtenMs: T(20) }] },
        { path: 'example.com/z', previous: [], present: [{ version: 'v0.1.0', writtenMs: T(1) }] },
      ],
      first.nextSeq,
    );
    const feed = feedText(second.byPath);
    assert.deepEqual(lines(feed), ['example.com/a@v1.0.0', 'example.com/z@v0.1.0', 'example.com/a@v1.1.0']);
    assert.equal((second.byPath.get('example.com/a') as Arrival[])[0]?.ms, T(10));
    assert.equal(second.nextSeq, 3);
  });

  test('pruned versions leave the feed; a version that comes back arrives anew, at the end', () => {
    const first = mergeArrivals(
      [{ path: 'm.example/x', previous: [], present: [{ version: 'v1.0.0', writtenMs: T(1) }, { version: 'v1.1.0', writtenMs: T(2) }] }],
      0,
    );
    const pruned = mergeArrivals([{ path: 'm.example/x', previous: first.byPath.get('m.example/x') as Arrival[], present: [{ version: 'v1.1.0', writtenMs: T(2) }] }], first.nextSeq);
    assert.deepEqual(lines(feedText(pruned.byPath)), ['m.example/x@v1.1.0']);
    const back = mergeArrivals(
      [{ path: 'm.example/x', previous: pruned.byPath.get('m.example/x') as Arrival[], present: [{ version: 'v1.0.0', writtenMs: T(0) }, { version: 'v1.1.0', writtenMs: T(2) }] }],
      pruned.nextSeq,
    );
    assert.deepEqual(lines(feedText(back.byPath)), ['m.example/x@v1.1.0', 'm.example/x@v1.0.0']);
  });

  test('modules not updated keep their lines; an empty tree has an empty feed', () => {
    const a = mergeArrivals([{ path: 'a.example/m', previous: [], present: [{ version: 'v1.0.0', writtenMs: T(3) }] }], 7);
    assert.deepEqual(a.byPath.get('a.example/m'), [{ version: 'v1.0.0', seq: 7, ms: T(3) }]);
    const b = mergeArrivals([{ path: 'b.example/m', previous: [], present: [{ version: 'v2.0.0', writtenMs: T(1) }] }], a.nextSeq);
    assert.deepEqual(lines(feedText([...a.byPath, ...b.byPath])), ['a.example/m@v1.0.0', 'b.example/m@v2.0.0']);
    assert.equal(feedText([]), '');
  });
});
