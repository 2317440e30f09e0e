/**
 * Mirroring a v1-schema vulnerability database written by the test, served by
 * a real HTTP server on 127.0.0.1 and as file://: what lands in the tree,
 * which requests an incremental run makes, and the databases that are refused
 * (the tree's copy then stays exactly as it was).
 */
import assert from 'node:assert/strict';
import { readdir, readFile, rm, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { after, before, beforeEach, describe, it } from 'node:test';

import { createTransport, type Transport } from '../../src/upstream/transport.js';
import { createVulnDbSource, createVulnDbStore, mirrorVulnDb, verifyVulnDbCopy, type VulnDbMirrorResult } from '../../src/vulndb/index.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { vulnDbFiles, writeVulnDb, type TestVuln } from '../helpers/fixture-vulndb.js';

const M = 'example.com/vulnerable';
const VULNS: TestVuln[] = [
  {
    id: 'GO-2024-0001',
    modified: '2024-03-01T00:00:00Z',
    aliases: ['CVE-2024-1111', 'GHSA-aaaa-bbbb-cccc'],
    affected: [{ module: M, ranges: [[{ introduced: '0' }, { fixed: '1.1.0' }, { introduced: '1.2.0' }, { fixed: '1.2.1' }]] }],
  },
  { id: 'GO-2024-0002', modified: '2024-04-01T00:00:00Z', affected: [{ module: M, ranges: [[{ introduced: '1.3.0' }]] }] },
  { id: 'GO-2024-0003', modified: '2024-02-01T00:00:00Z', affected: [{ module: 'example.com/other', ranges: [[{ introduced: '0' }, { fixed: '0.2.0' }]] }] },
];

/** Every file under dir, by slash path, with its bytes. */
async function snapshot(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])) {
    if (e.isDirectory()) continue;
    const abs = path.join(e.parentPath, e.name);
    out.set(path.relative(dir, abs).split(path.sep).join('/'), await readFile(abs));
  }
  return out;
}

describe('vulndb mirror over HTTP', () => {
  let work: string;
  let server: FixtureServer;
  let transport: Transport;
  let src: string;
  let tree: string;
  const mirror = (opts: { allowRollback?: boolean } = {}): Promise<VulnDbMirrorResult> =>
    mirrorVulnDb({ source: createVulnDbSource(`${server.url}/db`, transport), store: createVulnDbStore(tree), ...opts });
  const paths = (): string[] => server.requests.map((r) => r.path).sort();

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-vulndb-'));
    server = await startFixtureServer({ root: work });
    transport = createTransport({ concurrency: 4, retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } });
  });
  after(async () => {
    await transport.close();
    await server.close();
    await rm(work, { recursive: true, force: true });
  });
  beforeEach(async () => {
    src = path.join(work, 'db');
    tree = path.join(work, 'tree');
    await rm(src, { recursive: true, force: true });
    await rm(tree, { recursive: true, force: true });
    await writeVulnDb(src, vulnDbFiles(VULNS));
    server.requests.length = 0;
  });

  it('first run: every file as .json and .json.gz, the .gz gunzipping to the source bytes, indexes last', async () => {
    const r = await mirror();
    assert.deepEqual(r, { modified: '2024-04-01T00:00:00Z', changed: true, entries: 3, fetched: 3 });
    const source = vulnDbFiles(VULNS);
    const copy = await snapshot(path.join(tree, 'vulndb'));
    assert.deepEqual([...copy.keys()].sort(), [...source.keys()].flatMap((k) => [k, `${k}.gz`]).sort());
    for (const [rel, bytes] of source) {
      assert.ok(copy.get(rel)?.equals(bytes), rel);
      assert.ok(gunzipSync(copy.get(`${rel}.gz`) as Buffer).equals(bytes), `${rel}.gz`);
    }
    // The plain files only: gzip is gomirror's job, so a .json-only source works too.
    assert.deepEqual(paths(), ['/db/ID/GO-2024-0001.json', '/db/ID/GO-2024-0002.json', '/db/ID/GO-2024-0003.json', '/db/index/db.json', '/db/index/modules.json', '/db/index/vulns.json']);
    assert.deepEqual(await verifyVulnDbCopy(tree), []);
  });

  it('publish order: entries, then index/vulns, index/modules, and index/db last; each .gz before its .json', async () => {
    const store = createVulnDbStore(tree);
    const writes: string[] = [];
    await mirrorVulnDb({
      source: createVulnDbSource(`${server.url}/db`, transport),
      store: { ...store, write: async (rel, data) => (writes.push(rel), store.write(rel, data)) },
      concurrency: 1,
    });
    assert.deepEqual(writes, [
      ...['GO-2024-0001', 'GO-2024-0002', 'GO-2024-0003'].flatMap((id) => [`ID/${id}.json.gz`, `ID/${id}.json`]),
      'index/vulns.json.gz',
      'index/vulns.json',
      'index/modules.json.gz',
      'index/modules.json',
      'index/db.json.gz',
      'index/db.json',
    ]);
  });

  it('second run with db.json unchanged asks for db.json only', async () => {
    await mirror();
    server.requests.length = 0;
    const r = await mirror();
    assert.deepEqual(r, { modified: '2024-04-01T00:00:00Z', changed: false, entries: 3, fetched: 0 });
    assert.deepEqual(paths(), ['/db/index/db.json']);
  });

  it('an update fetches the indexes and only the changed and new entries', async () => {
    await mirror();
    const updated: TestVuln[] = [
      ...VULNS.filter((v) => v.id !== 'GO-2024-0002'),
      { ...(VULNS[1] as TestVuln), modified: '2024-05-01T00:00:00Z', affected: [{ module: M, ranges: [[{ introduced: '1.3.0' }, { fixed: '1.3.2' }]] }] },
      { id: 'GO-2024-0004', modified: '2024-05-02T00:00:00Z', affected: [{ module: M, ranges: [[{ introduced: '0' }]] }] },
    ];
    await writeVulnDb(src, vulnDbFiles(updated));
    server.requests.length = 0;
    const r = await mirror();
    assert.deepEqual(r, { modified: '2024-05-02T00:00:00Z', changed: true, entries: 4, fetched: 2 });
    assert.deepEqual(paths(), ['/db/ID/GO-2024-0002.json', '/db/ID/GO-2024-0004.json', '/db/index/db.json', '/db/index/modules.json', '/db/index/vulns.json']);
    const copy = await snapshot(path.join(tree, 'vulndb'));
    for (const [rel, bytes] of vulnDbFiles(updated)) assert.ok(copy.get(rel)?.equals(bytes), rel);
    assert.deepEqual(await verifyVulnDbCopy(tree), []);
  });

  const refusals: [name: string, code: string, message: RegExp, change: (files: Map<string, Buffer>) => void][] = [
    [
      'an entry that modules.json names is missing',
      'E_VULNDB',
      /refused: ID\/GO-2024-0009\.json: missing, but index\/modules\.json names GO-2024-0009/,
      (files) => {
        const modules = JSON.parse((files.get('index/modules.json') as Buffer).toString()) as { vulns: unknown[] }[];
        modules[0]?.vulns.push({ id: 'GO-2024-0009', modified: '2024-04-01T00:00:00Z' });
        files.set('index/modules.json', Buffer.from(JSON.stringify(modules)));
        files.set('index/db.json', Buffer.from('{"modified":"2024-04-02T00:00:00Z"}'));
      },
    ],
    [
      "an entry's id is not the one its name says",
      'E_VULNDB',
      /refused: ID\/GO-2024-0002\.json: its id is "GO-2024-0001", but the file is named for GO-2024-0002/,
      (files) => {
        // GO-2024-0002 is revised, but its file holds GO-2024-0001's entry.
        const revised = vulnDbFiles(VULNS.map((v) => (v.id === 'GO-2024-0002' ? { ...v, modified: '2024-06-01T00:00:00Z' } : v)));
        for (const [k, v] of revised) files.set(k, v);
        const other = JSON.parse((files.get('ID/GO-2024-0001.json') as Buffer).toString()) as Record<string, unknown>;
        files.set('ID/GO-2024-0002.json', Buffer.from(JSON.stringify({ ...other, modified: '2024-06-01T00:00:00Z' })));
      },
    ],
    [
      "db.json's modified went backwards (rollback)",
      'E_VULNDB_ROLLBACK',
      /older than the copy in the tree \(2024-04-01T00:00:00Z\)/,
      (files) => files.set('index/db.json', Buffer.from('{"modified":"2024-03-15T00:00:00Z"}')),
    ],
    [
      'db.json is older than an entry',
      'E_VULNDB',
      /index\/db\.json: modified 2024-04-02T00:00:00Z is older than GO-2024-0005/,
      (files) => {
        const updated = vulnDbFiles([...VULNS, { id: 'GO-2024-0005', modified: '2024-04-03T00:00:00Z', affected: [] }], { dbModified: '2024-04-02T00:00:00Z' });
        for (const [k, v] of updated) files.set(k, v);
      },
    ],
  ];
  for (const [name, code, message, change] of refusals) {
    it(`refused, tree unchanged: ${name}`, async () => {
      await mirror();
      const before = await snapshot(tree);
      const files = vulnDbFiles(VULNS);
      change(files);
      await rm(src, { recursive: true, force: true });
      await writeVulnDb(src, files);
      await assert.rejects(mirror(), (e: Error & { code?: string }) => {
        assert.equal(e.code, code);
        assert.match(e.message, message);
        return true;
      });
      assert.deepEqual(await snapshot(tree), before);
    });
  }

  it('--allow-rollback publishes an older database', async () => {
    await mirror();
    const older = VULNS.slice(0, 1);
    await rm(src, { recursive: true, force: true });
    await writeVulnDb(src, vulnDbFiles(older));
    await assert.rejects(mirror(), { code: 'E_VULNDB_ROLLBACK' });
    const r = await mirror({ allowRollback: true });
    assert.equal(r.rolledBackFrom, '2024-04-01T00:00:00Z');
    assert.equal(r.modified, '2024-03-01T00:00:00Z');
    assert.ok((await readFile(path.join(tree, 'vulndb/index/db.json'))).equals(vulnDbFiles(older).get('index/db.json') as Buffer));
  });

  it('a file:// copy with only the plain .json files', async () => {
    const plain = path.join(work, 'plain');
    await rm(plain, { recursive: true, force: true });
    await writeVulnDb(plain, vulnDbFiles(VULNS), { gz: false });
    const r = await mirrorVulnDb({ source: createVulnDbSource(pathToFileURL(plain).href, transport), store: createVulnDbStore(tree) });
    assert.equal(r.fetched, 3);
    const copy = await snapshot(path.join(tree, 'vulndb'));
    for (const [rel, bytes] of vulnDbFiles(VULNS)) {
      assert.ok(copy.get(rel)?.equals(bytes), rel);
      assert.ok(gunzipSync(copy.get(`${rel}.gz`) as Buffer).equals(bytes), `${rel}.gz`);
    }
    // Incremental from a file:// source too.
    await writeFile(path.join(plain, 'ID', 'GO-2024-0003.json'), 'not read: db.json is unchanged');
    assert.equal((await mirrorVulnDb({ source: createVulnDbSource(pathToFileURL(plain).href, transport), store: createVulnDbStore(tree) })).changed, false);
  });

  it('verify names a damaged copy', async () => {
    await mirror();
    await writeFile(path.join(tree, 'vulndb/ID/GO-2024-0001.json.gz'), 'not gzip');
    await rm(path.join(tree, 'vulndb/ID/GO-2024-0003.json'));
    assert.deepEqual(
      (await verifyVulnDbCopy(tree)).map((p) => `${p.file}: ${p.message}`),
      [
        'vulndb/ID/GO-2024-0001.json.gz: is not the gzip of ID/GO-2024-0001.json',
        'vulndb/ID/GO-2024-0003.json: missing beside ID/GO-2024-0003.json.gz',
        'vulndb/ID/GO-2024-0003.json: missing, but index/vulns.json names GO-2024-0003',
      ],
    );
  });
});
