import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { listVersions, mergeListText, noteTreeSize, pickLatest, pickSumdbFile } from '../../../src/bundle/merge.js';

describe('mergeListText', () => {
  const cases: Array<[string | undefined, string, string]> = [
    [undefined, 'v1.0.0\nv1.1.0\n', 'v1.0.0\nv1.1.0\n'],
    ['v1.0.0\nv1.2.0\n', 'v1.0.0\nv1.1.0\n', 'v1.0.0\nv1.1.0\nv1.2.0\n'],
    // An older bundle never hides newer versions.
    ['v1.0.0\nv1.1.0\nv2.0.0+incompatible\n', 'v1.0.0\n', 'v1.0.0\nv1.1.0\nv2.0.0+incompatible\n'],
    ['', 'v1.0.0-RC1\nv1.0.0\n', 'v1.0.0-RC1\nv1.0.0\n'],
    ['', '', ''],
    // Semver order, not text order; junk lines dropped; duplicates once.
    ['v1.10.0\nnot-a-version\n', 'v1.9.0\nv1.10.0\n', 'v1.9.0\nv1.10.0\n'],
  ];
  for (const [existing, bundled, want] of cases) {
    it(`${JSON.stringify(existing)} + ${JSON.stringify(bundled)}`, () => assert.equal(mergeListText(existing, bundled), want));
  }
  it('listVersions takes the first field of each line, as the go command does', () => {
    assert.deepEqual(listVersions('v1.0.0 2024-01-01T00:00:00Z\n\n  v1.1.0\nbad\n'), ['v1.0.0', 'v1.1.0']);
  });
});

describe('pickLatest', () => {
  const older = '{"Version":"v0.0.0-20240101000000-aaaaaaaaaaaa","Time":"2024-01-01T00:00:00Z"}';
  const newer = '{"Version":"v0.0.0-20240301000000-bbbbbbbbbbbb","Time":"2024-03-01T00:00:00Z"}';
  it('keeps the later Time', () => {
    assert.equal(pickLatest(newer, older), 'existing');
    assert.equal(pickLatest(older, newer), 'bundled');
  });
  it('takes the bundle on a tie or when a Time is unreadable', () => {
    assert.equal(pickLatest(newer, newer), 'bundled');
    assert.equal(pickLatest('not json', older), 'bundled');
    assert.equal(pickLatest(newer, '{"Version":"v1"}'), 'bundled');
  });
});

describe('noteTreeSize and pickSumdbFile', () => {
  const note = (n: number): string => `go.sum database tree\n${n}\nAbCd==\n\n— sum.golang.org Az3g\n`;
  const lookup = (n: number): string => `1234\nexample.com/a v1.0.0 h1:x=\nexample.com/a v1.0.0/go.mod h1:y=\n\n${note(n)}`;
  it('reads N from a latest note and from a lookup', () => {
    assert.equal(noteTreeSize(note(42)), 42);
    assert.equal(noteTreeSize(lookup(35000000)), 35000000);
    assert.equal(noteTreeSize('garbage'), undefined);
  });
  it('keeps the file from the larger tree', () => {
    assert.equal(pickSumdbFile(note(100), note(90)), 'existing');
    assert.equal(pickSumdbFile(lookup(90), lookup(100)), 'bundled');
    assert.equal(pickSumdbFile(note(100), note(100)), 'bundled');
    assert.equal(pickSumdbFile('garbage', note(1)), 'bundled');
  });
});
