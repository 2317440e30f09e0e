import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { namedVersions, planS3Publish, S3_PHASES, type LocalFile, type PublishedState, type S3PlanInput } from '../../../src/publish/index.js';
import { servedKind } from '../../../src/tree/serve-rules.js';

const file = (rel: string, size = 10, mtimeMs = 1000): LocalFile => {
  const kind = servedKind(rel);
  if (!kind) throw new Error(`${rel} is not served`);
  return { rel, size, mtimeMs, kind };
};
const rec = (size = 10, mtimeMs = 1000, sha256 = 'aa') => ({ size, sha256, mtimeMs });
const HOUR = 3_600_000;

function plan(over: Partial<S3PlanInput>) {
  return planS3Publish({
    files: [],
    state: { objects: {}, missingSince: {} },
    hashes: new Map(),
    named: new Map(),
    now: 100 * HOUR,
    delete: false,
    deleteAfterMs: 24 * HOUR,
    ...over,
  });
}

describe('planS3Publish', () => {
  it('puts version files first, then tiles, lookups and the note, then lists, supported last', () => {
    const files = [
      'sumdb/sum.golang.org/supported',
      'example.com/a/@v/list',
      'example.com/a/@latest',
      'sumdb/sum.golang.org/latest',
      'sumdb/sum.golang.org/lookup/example.com/a@v1.0.0',
      'sumdb/sum.golang.org/tile/8/0/000.p/5',
      'sumdb/sum.golang.org/tile/8/0/000',
      'example.com/a/@v/v1.0.0.zip',
      'example.com/a/@v/v1.0.0.mod',
      'example.com/a/@v/v1.0.0.info',
    ].map((f) => file(f));
    const p = plan({ files });
    assert.deepEqual(
      p.phases.map((ph) => [ph.phase, ph.files.map((f) => f.rel)]),
      [
        ['modules', ['example.com/a/@v/v1.0.0.info', 'example.com/a/@v/v1.0.0.mod', 'example.com/a/@v/v1.0.0.zip']],
        ['sumdb', ['sumdb/sum.golang.org/tile/8/0/000', 'sumdb/sum.golang.org/tile/8/0/000.p/5']],
        ['sumdb-lookups', ['sumdb/sum.golang.org/latest', 'sumdb/sum.golang.org/lookup/example.com/a@v1.0.0']],
        ['indexes', ['example.com/a/@latest', 'example.com/a/@v/list']],
        ['supported', ['sumdb/sum.golang.org/supported']],
        ['vulndb-vulns', []],
        ['vulndb-modules', []],
        ['vulndb-db', []],
        ['catalog', []],
      ],
    );
    assert.equal(p.unchanged, 0);
  });

  it('puts vulndb entries with the module files; its indexes after supported, vulns, modules, db last; the catalog after all', () => {
    const files = [
      'index.html',
      '_catalog/example.com/a.html',
      '_catalog/search.json',
      'vulndb/index/db.json.gz',
      'vulndb/index/db.json',
      'vulndb/index/modules.json.gz',
      'vulndb/index/vulns.json.gz',
      'vulndb/ID/GO-2024-0002.json.gz',
      'vulndb/ID/GO-2024-0001.json',
      'sumdb/sum.golang.org/supported',
      'example.com/a/@v/list',
      'example.com/a/@v/v1.0.0.zip',
    ].map((f) => file(f));
    const p = plan({ files });
    assert.deepEqual(
      p.phases.filter((ph) => ph.files.length > 0).map((ph) => [ph.phase, ph.files.map((f) => f.rel)]),
      [
        ['modules', ['example.com/a/@v/v1.0.0.zip', 'vulndb/ID/GO-2024-0001.json', 'vulndb/ID/GO-2024-0002.json.gz']],
        ['indexes', ['example.com/a/@v/list']],
        ['supported', ['sumdb/sum.golang.org/supported']],
        ['vulndb-vulns', ['vulndb/index/vulns.json.gz']],
        ['vulndb-modules', ['vulndb/index/modules.json.gz']],
        ['vulndb-db', ['vulndb/index/db.json', 'vulndb/index/db.json.gz']],
        ['catalog', ['_catalog/example.com/a.html', '_catalog/search.json', 'index.html']],
      ],
    );
    assert.deepEqual(p.phases.map((ph) => ph.phase), [...S3_PHASES]);
  });

  it('leaves alone what matches the record by size and mtime, without hashing it', () => {
    const state: PublishedState = { objects: { 'example.com/a/@v/v1.0.0.zip': rec(), 'example.com/a/@v/list': rec(10, 1000) }, missingSince: {} };
    const p = plan({ files: [file('example.com/a/@v/v1.0.0.zip'), file('example.com/a/@v/list')], state });
    assert.equal(p.unchanged, 2);
    assert.deepEqual(p.phases.flatMap((ph) => ph.files), []);
    assert.deepEqual(p.touched, []);
  });

  it('a moved mtime with the recorded hash is only touched; another hash or size goes up', () => {
    const state: PublishedState = {
      objects: { 'a.com/@v/list': rec(10, 1, 'same'), 'b.com/@v/list': rec(10, 1, 'old'), 'c.com/@v/list': rec(10, 1, 'x') },
      missingSince: {},
    };
    const files = [file('a.com/@v/list', 10, 2), file('b.com/@v/list', 10, 2), file('c.com/@v/list', 11, 1)];
    const p = plan({ files, state, hashes: new Map([['a.com/@v/list', 'same'], ['b.com/@v/list', 'new']]) });
    assert.equal(p.unchanged, 1);
    assert.deepEqual(p.touched, [{ rel: 'a.com/@v/list', mtimeMs: 2 }]);
    assert.deepEqual(p.phases.find((ph) => ph.phase === 'indexes')?.files.map((f) => f.rel), ['b.com/@v/list', 'c.com/@v/list']);
  });

  it('without --delete, gone objects are only remembered (since when)', () => {
    const state: PublishedState = { objects: { 'a.com/@v/v1.0.0.zip': rec(), 'a.com/@v/v0.9.0.zip': rec() }, missingSince: { 'a.com/@v/v0.9.0.zip': 5 } };
    const p = plan({ state });
    assert.deepEqual(p.missingSince, { 'a.com/@v/v0.9.0.zip': 5, 'a.com/@v/v1.0.0.zip': 100 * HOUR });
    assert.deepEqual(p.deletions, [[], []]);
    assert.deepEqual(p.kept, []);
  });

  it('with --delete: after --delete-after, when no list names them; lists before the files they named', () => {
    const state: PublishedState = {
      objects: {
        'a.com/@v/v1.0.0.zip': rec(), // gone long ago, the list no longer names it
        'a.com/@v/v1.1.0.zip': rec(), // gone long ago, but the list still names it
        'a.com/@v/v1.2.0.zip': rec(), // gone an hour ago
        'a.com/@v/list': rec(),
        'gone.com/@v/list': rec(), // the whole module went
        'gone.com/@v/v1.0.0.info': rec(),
        'kept.com/@v/list': rec(), // list gone only now, its version with it
        'kept.com/@v/v1.0.0.info': rec(),
      },
      missingSince: {
        'a.com/@v/v1.0.0.zip': 10 * HOUR,
        'a.com/@v/v1.1.0.zip': 10 * HOUR,
        'a.com/@v/v1.2.0.zip': 99 * HOUR,
        'gone.com/@v/list': 1 * HOUR,
        'gone.com/@v/v1.0.0.info': 1 * HOUR,
        'kept.com/@v/v1.0.0.info': 1 * HOUR,
      },
    };
    const named = new Map([['a.com', namedVersions('v1.1.0\n', undefined)]]);
    const p = plan({ files: [file('a.com/@v/list')], state, named, delete: true });
    assert.deepEqual(p.deletions, [['gone.com/@v/list'], ['a.com/@v/v1.0.0.zip', 'gone.com/@v/v1.0.0.info']]);
    assert.deepEqual(
      p.kept.map((k) => k.rel).sort(),
      ['a.com/@v/v1.1.0.zip', 'a.com/@v/v1.2.0.zip', 'kept.com/@v/list', 'kept.com/@v/v1.0.0.info'],
    );
    assert.match(p.kept.find((k) => k.rel === 'a.com/@v/v1.1.0.zip')?.reason ?? '', /still named by a\.com\/@v\/list/);
    assert.match(p.kept.find((k) => k.rel === 'a.com/@v/v1.2.0.zip')?.reason ?? '', /gone from the tree 60m ago; .* 24h \(--delete-after\)/);
    assert.match(p.kept.find((k) => k.rel === 'kept.com/@v/v1.0.0.info')?.reason ?? '', /list in the bucket may still name it/);
  });

  it('a file back in the tree is no longer missing', () => {
    const state: PublishedState = { objects: { 'a.com/@v/list': rec() }, missingSince: { 'a.com/@v/list': 1 } };
    const p = plan({ files: [file('a.com/@v/list')], state, delete: true, deleteAfterMs: 0 });
    assert.deepEqual(p.missingSince, {});
    assert.deepEqual(p.deletions, [[], []]);
    assert.equal(p.unchanged, 1);
  });
});

describe('namedVersions', () => {
  it('escapes the versions of the list and @latest', () => {
    assert.deepEqual(
      [...namedVersions('v1.0.0\nv1.0.0-RC1\n\n', '{"Version":"v0.0.0-2024-abc","Time":"x"}')].sort(),
      ['v0.0.0-2024-abc', 'v1.0.0', 'v1.0.0-!r!c1'],
    );
    assert.deepEqual([...namedVersions(undefined, 'not json')], []);
  });
});
