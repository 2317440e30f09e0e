/** publishToS3 with an in-memory store: what goes up in which order, the record, and failures. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';

import { GomirrorError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/logger.js';
import { decodeState, STATE_KEY, type ObjectStore } from '../../../src/publish/index.js';
import { openLocalTree } from '../../../src/publish/local-tree.js';
import { publishToS3 } from '../../../src/publish/s3-target.js';
import { Scratch } from '../../../src/publish/spool.js';

function memoryStore(failOn?: (key: string) => boolean): ObjectStore & { objects: Map<string, Buffer>; log: string[] } {
  const objects = new Map<string, Buffer>();
  const log: string[] = [];
  return {
    objects,
    log,
    async get(key) {
      log.push(`GET ${key}`);
      return objects.get(key);
    },
    async putFile(key, file, headers) {
      log.push(`PUT ${key} ${headers.contentType} | ${headers.cacheControl}`);
      if (failOn?.(key)) throw new GomirrorError('E_S3', `PUT ${key} failed: InternalError`);
      const data = await readFile(file);
      objects.set(key, data);
      return { size: data.length, sha256: createHash('sha256').update(data).digest('hex') };
    },
    async putBytes(key, data) {
      log.push(`PUT ${key}`);
      objects.set(key, Buffer.from(data));
    },
    async delete(keys) {
      for (const k of keys) {
        log.push(`DELETE ${k}`);
        objects.delete(k);
      }
    },
  };
}

describe('publishToS3', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'gomirror-unit-s3-'));
    const put = async (rel: string, data: string): Promise<void> => {
      await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
      await writeFile(path.join(root, rel), data);
    };
    await put('a.com/@v/v1.0.0.info', '{"Version":"v1.0.0"}');
    await put('a.com/@v/v1.0.0.mod', 'module a.com\n');
    await put('a.com/@v/v1.0.0.zip', 'zip');
    await put('a.com/@v/list', 'v1.0.0\n');
    await put('sumdb/s.example/supported', '');
    await put('sumdb/s.example/tile/8/0/000.p/1', 'h');
    await put('.gomirror/go.sum', 'state');
    await put('a.com/@v/v1.0.0.zip.tmp-1-abc', 'half');
  });
  after(() => rm(root, { recursive: true, force: true }));
  const scratch = new Scratch();
  after(() => scratch.dispose());

  const run = async (store: ObjectStore, over: { dryRun?: boolean } = {}) =>
    publishToS3(
      {
        location: { kind: 's3', bucket: 'b', prefix: 'p' },
        store,
        tree: openLocalTree(root),
        scratch,
        dryRun: over.dryRun ?? false,
        delete: false,
        deleteAfterMs: 0,
        concurrency: 2,
        listMaxAge: 60,
        now: () => 1000,
      },
      silentLogger,
    );

  it('uploads served files in order with their headers, then the record; never state or temp files', async () => {
    const store = memoryStore();
    const o = await run(store);
    assert.equal(o.ok, true);
    assert.equal(o.sent, 6);
    assert.deepEqual(store.log.filter((l) => l.startsWith('PUT')).map((l) => l.split(' ')[1]), [
      'p/a.com/@v/v1.0.0.info',
      'p/a.com/@v/v1.0.0.mod',
      'p/a.com/@v/v1.0.0.zip',
      'p/.gomirror/published.json.gz',
      'p/sumdb/s.example/tile/8/0/000.p/1',
      'p/.gomirror/published.json.gz',
      'p/a.com/@v/list',
      'p/.gomirror/published.json.gz',
      'p/sumdb/s.example/supported',
      'p/.gomirror/published.json.gz',
    ]);
    assert.ok(store.log.includes('PUT p/a.com/@v/list text/plain; charset=utf-8 | public, max-age=60'));
    assert.ok(store.log.includes('PUT p/a.com/@v/v1.0.0.zip application/zip | public, max-age=31536000, immutable'));
    const state = decodeState(store.objects.get(`p/${STATE_KEY}`) as Buffer, 'x');
    assert.deepEqual(Object.keys(state.objects).sort(), [
      'a.com/@v/list',
      'a.com/@v/v1.0.0.info',
      'a.com/@v/v1.0.0.mod',
      'a.com/@v/v1.0.0.zip',
      'sumdb/s.example/supported',
      'sumdb/s.example/tile/8/0/000.p/1',
    ]);

    store.log.length = 0;
    const again = await run(store);
    assert.deepEqual([again.sent, again.unchanged], [0, 6]);
    assert.deepEqual(store.log, ['GET p/.gomirror/published.json.gz']);
  });

  it('reads a record laid out on one line, in any order (as publish wrote it before), and writes it back a line per object in path order', async () => {
    const store = memoryStore();
    await run(store);
    const state = decodeState(store.objects.get(`p/${STATE_KEY}`) as Buffer, 'x');
    const rels = Object.keys(state.objects).reverse();
    const legacy = { format: 'gomirror-published-state', version: 1, updated: 'then', objects: Object.fromEntries(rels.map((r) => [r, state.objects[r]])), missingSince: {} };
    // And an object gone from the tree, so the record is written again.
    legacy.objects['a.com/@v/v0.9.0.zip'] = { size: 1, sha256: 'ab', mtimeMs: 1 };
    store.objects.set(`p/${STATE_KEY}`, gzipSync(JSON.stringify(legacy)));
    store.log.length = 0;
    const again = await run(store);
    assert.deepEqual([again.ok, again.sent, again.unchanged], [true, 0, 6]);
    const text = gunzipSync(store.objects.get(`p/${STATE_KEY}`) as Buffer).toString('utf8');
    const lines = text.split('\n');
    assert.equal(lines.length, 9, 'a head, 7 objects and a tail');
    assert.deepEqual(
      lines.slice(1, -1).map((l) => JSON.parse(l.slice(0, l.indexOf('":{') + 1)) as string),
      [...rels, 'a.com/@v/v0.9.0.zip'].sort(),
    );
    assert.deepEqual(decodeState(store.objects.get(`p/${STATE_KEY}`) as Buffer, 'x'), { objects: { ...state.objects, 'a.com/@v/v0.9.0.zip': legacy.objects['a.com/@v/v0.9.0.zip'] }, missingSince: { 'a.com/@v/v0.9.0.zip': 1000 } });
  });

  it('a failed version file stops the target before the lists; the record keeps what made it', async () => {
    const store = memoryStore((k) => k.endsWith('.mod'));
    const o = await run(store);
    assert.equal(o.ok, false);
    assert.equal(o.error?.code, 'E_S3');
    assert.match(o.error?.message ?? '', /^publish to s3:\/\/b\/p failed in the modules phase: PUT p\/a\.com\/@v\/v1\.0\.0\.mod failed/);
    assert.ok(!store.objects.has('p/a.com/@v/list'));
    assert.ok(!store.objects.has('p/sumdb/s.example/supported'));
    const state = decodeState(store.objects.get(`p/${STATE_KEY}`) as Buffer, 'x');
    // The .info went up beside the .mod (concurrency 2); the .zip, not started yet, waits for the next run.
    assert.deepEqual(Object.keys(state.objects).sort(), ['a.com/@v/v1.0.0.info']);
    assert.ok(!store.objects.has('p/a.com/@v/v1.0.0.zip'));
  });

  it('--dry-run reads the record and writes nothing', async () => {
    const store = memoryStore();
    const o = await run(store, { dryRun: true });
    assert.equal(o.sent, 6);
    assert.deepEqual(store.log, ['GET p/.gomirror/published.json.gz']);
    assert.deepEqual((await o.changes.array()).map((c) => c.code), Array(6).fill('upload'));
  });
});

describe('publishToS3 with the vulnerability database and the catalog', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'gomirror-unit-s3-vulndb-'));
    const put = async (rel: string, data: string): Promise<void> => {
      await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
      await writeFile(path.join(root, rel), data);
    };
    await put('a.com/@v/v1.0.0.zip', 'zip');
    await put('a.com/@v/list', 'v1.0.0\n');
    for (const name of ['db', 'modules', 'vulns']) {
      await put(`vulndb/index/${name}.json`, '{}');
      await put(`vulndb/index/${name}.json.gz`, 'gz');
    }
    await put('vulndb/ID/GO-2024-0001.json', '{}');
    await put('vulndb/ID/GO-2024-0001.json.gz', 'gz');
    await put('index.html', '<!doctype html>');
    await put('_catalog/a.com.html', '<!doctype html>');
    await put('_catalog/catalog.css', 'body{}');
    await put('_catalog/index.jsonl', '{}\n');
    await put('vulndb/notes.txt', 'not served');
  });
  after(() => rm(root, { recursive: true, force: true }));
  const scratch = new Scratch();
  after(() => scratch.dispose());

  it('sends vulndb entries with the module files, its indexes after the lists (db last), the catalog last, with nginx headers', async () => {
    const store = memoryStore();
    const tree = openLocalTree(root);
    assert.deepEqual(await tree.skipped(), ['vulndb/notes.txt']);
    const o = await publishToS3(
      {
        location: { kind: 's3', bucket: 'b', prefix: 'p' },
        store,
        tree,
        scratch,
        dryRun: false,
        delete: false,
        deleteAfterMs: 0,
        concurrency: 1,
        listMaxAge: 120,
        now: () => 1000,
      },
      silentLogger,
    );
    assert.equal(o.ok, true);
    assert.equal(o.sent, 14);
    assert.deepEqual(
      store.log.filter((l) => l.startsWith('PUT') && !l.includes('/.gomirror/')).map((l) => l.slice('PUT p/'.length)),
      [
        'a.com/@v/v1.0.0.zip application/zip | public, max-age=31536000, immutable',
        'vulndb/ID/GO-2024-0001.json application/json | public, max-age=3600',
        'vulndb/ID/GO-2024-0001.json.gz application/gzip | public, max-age=3600',
        'a.com/@v/list text/plain; charset=utf-8 | public, max-age=120',
        'vulndb/index/vulns.json application/json | public, max-age=120',
        'vulndb/index/vulns.json.gz application/gzip | public, max-age=120',
        'vulndb/index/modules.json application/json | public, max-age=120',
        'vulndb/index/modules.json.gz application/gzip | public, max-age=120',
        'vulndb/index/db.json application/json | public, max-age=120',
        'vulndb/index/db.json.gz application/gzip | public, max-age=120',
        '_catalog/a.com.html text/html; charset=utf-8 | public, max-age=60',
        '_catalog/catalog.css text/css | public, max-age=60',
        '_catalog/index.jsonl text/plain; charset=utf-8 | public, max-age=60',
        'index.html text/html; charset=utf-8 | public, max-age=60',
      ],
    );
  });
});
