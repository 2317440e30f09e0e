/**
 * End to end: a v1-schema vulnerability database written by the test is
 * served beside a fixture upstream, mirrored by the real CLI (`sync
 * --vulndb`), served by a real nginx with the emitted config and read the way
 * govulncheck's HTTP client reads it; `audit` names exactly the affected
 * versions; `vulnerable: refuse-latest` keeps an affected latest version out;
 * verify, bundles and publish carry the copy. (Debian's govulncheck is a
 * 2023 snapshot that reads the old schema, so it cannot be the client here.)
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';

import { describeCli, runCli, type CliResult } from '../helpers/cli.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { buildUpstream, nameSource, type Upstream, type VersionSpec } from '../helpers/fixture-upstream.js';
import { goTool } from '../helpers/go-tools.js';
import { vulnDbFiles, writeVulnDb, type TestVuln } from '../helpers/fixture-vulndb.js';
import { curl, requireNginxTools, type RunningNginx, serveWithNginx } from './nginx-support.js';

const VULN = 'example.com/vuln';
const SAFE = 'example.com/safe';
const version = (m: string, v: string): VersionSpec => ({ version: v, files: { 'lib.go': nameSource('lib', `${m}@${v}`) } });

// v1.0.0: GO-0001 (fixed in v1.1.0); v1.1.0: GO-0002 (no fix); v1.2.0, the latest: GO-0001 (fixed in v1.3.0, not released) and GO-0002.
const VULNS: TestVuln[] = [
  {
    id: 'GO-2024-0001',
    modified: '2024-03-01T00:00:00Z',
    aliases: ['CVE-2024-1111', 'GHSA-aaaa-bbbb-cccc'],
    summary: 'Injection in example.com/vuln',
    affected: [{ module: VULN, ranges: [[{ introduced: '0' }, { fixed: '1.1.0' }, { introduced: '1.2.0' }, { fixed: '1.3.0' }]] }],
  },
  { id: 'GO-2024-0002', modified: '2024-04-01T00:00:00Z', summary: 'Panic, no fix yet', affected: [{ module: VULN, ranges: [[{ introduced: '1.1.0' }]] }] },
  // Not mirrored at all; and a safe module the database does not name.
  { id: 'GO-2024-0003', modified: '2024-02-01T00:00:00Z', affected: [{ module: 'example.com/elsewhere', ranges: [[{ introduced: '0' }]] }] },
];

/** Runs test/fixtures/vulnclient (govulncheck's way of reading a database); returns what it read, by endpoint file. */
async function readAsGovulncheck(url: string, out: string): Promise<Map<string, Buffer>> {
  await promisify(execFile)(await goTool('vulnclient'), [url, out]);
  const read = new Map<string, Buffer>();
  for (const e of await readdir(out, { recursive: true, withFileTypes: true })) {
    if (!e.isDirectory()) read.set(path.relative(out, path.join(e.parentPath, e.name)), await readFile(path.join(e.parentPath, e.name)));
  }
  return read;
}

const ok = (r: CliResult): CliResult => {
  assert.equal(r.code, 0, describeCli(r));
  return r;
};

describe('the vulnerability database behind the air gap', () => {
  let work: string;
  let upstream: Upstream;
  let server: FixtureServer;
  let tree: string;
  let nginx: RunningNginx | undefined;
  let http: string;
  const source = vulnDbFiles(VULNS);

  before(async () => {
    await requireNginxTools();
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-vulndb-e2e-'));
    upstream = await buildUpstream({
      modules: [
        { path: VULN, versions: ['v1.0.0', 'v1.1.0', 'v1.2.0'].map((v) => version(VULN, v)) },
        { path: SAFE, versions: [version(SAFE, 'v1.0.0')] },
      ],
    });
    // Served like another mirror: the database under <upstream>/vulndb.
    await writeVulnDb(path.join(upstream.dir, 'vulndb'), source);
    server = await startFixtureServer({ root: upstream.dir });
    tree = path.join(work, 'tree');
    const manifest = path.join(work, 'mirror.json');
    await writeFile(
      manifest,
      JSON.stringify({
        vulndb: `${server.url}/vulndb`,
        vulnerable: 'warn',
        modules: [
          { path: VULN, versions: ['all'] },
          { path: SAFE, versions: ['latest'] },
        ],
      }),
    );
    const r = ok(await runCli(['sync', '--manifest', manifest, '--upstream', server.url, '--out', tree, '--report', path.join(work, 'report.json')]));
    for (const v of ['v1.0.0', 'v1.1.0', 'v1.2.0']) assert.match(r.stderr, new RegExp(`warn: ${VULN}@${v.replace(/\./g, '\\.')} is affected by GO-2024-000`), describeCli(r));
  });
  after(async () => {
    await nginx?.stop();
    await server?.close();
    await upstream?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('sync reports and counts the affected versions it mirrors', async () => {
    const report = JSON.parse(await readFile(path.join(work, 'report.json'), 'utf8'));
    assert.equal(report.summary.vulnerable, 3);
    assert.equal(report.vulndb.modified, '2024-04-01T00:00:00Z');
    assert.equal(report.vulndb.fetched, 3);
    const vuln = report.modules.find((m: { path: string }) => m.path === VULN);
    assert.deepEqual(
      vuln.versions.map((v: { version: string; vulns?: string[] }) => [v.version, v.vulns]),
      [
        ['v1.0.0', ['GO-2024-0001']],
        ['v1.1.0', ['GO-2024-0002']],
        ['v1.2.0', ['GO-2024-0001', 'GO-2024-0002']],
      ],
    );
    assert.equal(report.modules.find((m: { path: string }) => m.path === SAFE).versions[0].vulns, undefined);
  });

  it('a second sync asks the database for index/db.json only', async () => {
    server.requests.length = 0;
    ok(await runCli(['sync', '--upstream', server.url, '--out', tree, '--gosum', await safeGoSum(), '--vulndb', `${server.url}/vulndb`]));
    assert.deepEqual(server.requests.filter((r) => r.path.startsWith('/vulndb/')).map((r) => r.path), ['/vulndb/index/db.json']);
  });

  async function safeGoSum(): Promise<string> {
    const f = path.join(work, 'safe.sum');
    await writeFile(f, upstream.goSum.split('\n').filter((l) => l.startsWith(`${SAFE} `)).join('\n') + '\n');
    return f;
  }

  it('audit names exactly the affected versions, with aliases, fixes and whether the mirror holds them', async () => {
    const r = ok(await runCli(['audit', '--root', tree, '--json']));
    assert.deepEqual(JSON.parse(r.stdout), [
      {
        module: VULN,
        version: 'v1.0.0',
        vulns: [{ id: 'GO-2024-0001', aliases: ['CVE-2024-1111', 'GHSA-aaaa-bbbb-cccc'], summary: 'Injection in example.com/vuln', fixed: 'v1.1.0', fixedInMirror: true }],
      },
      { module: VULN, version: 'v1.1.0', vulns: [{ id: 'GO-2024-0002', aliases: [], summary: 'Panic, no fix yet', fixed: null, fixedInMirror: false }] },
      {
        module: VULN,
        version: 'v1.2.0',
        vulns: [
          { id: 'GO-2024-0001', aliases: ['CVE-2024-1111', 'GHSA-aaaa-bbbb-cccc'], summary: 'Injection in example.com/vuln', fixed: 'v1.3.0', fixedInMirror: false },
          { id: 'GO-2024-0002', aliases: [], summary: 'Panic, no fix yet', fixed: null, fixedInMirror: false },
        ],
      },
    ]);
    const text = ok(await runCli(['audit', '--root', tree]));
    assert.match(text.stdout, /^example\.com\/vuln@v1\.0\.0: GO-2024-0001 \(CVE-2024-1111, GHSA-aaaa-bbbb-cccc\): Injection in example\.com\/vuln; fixed in v1\.1\.0, which the mirror holds$/m);
    assert.match(text.stdout, /^3 affected versions \(2 vulnerabilities\) among 3 versions of 1 modules/m);
    assert.deepEqual(JSON.parse(ok(await runCli(['audit', '--root', tree, '--json', '--module', SAFE])).stdout), []);
    const failing = await runCli(['audit', '--root', tree, '--fail', '--module', 'example.com/*']);
    assert.equal(failing.code, 1, describeCli(failing));
    assert.equal((await runCli(['audit', '--root', tree, '--fail', '--module', SAFE])).code, 0);
    const none = await runCli(['audit', '--root', path.join(work, 'no-such-tree-here')]);
    assert.equal(none.code, 2, describeCli(none));
  });

  it('nginx serves it as govulncheck reads it: HEAD 200, .json.gz never with Content-Encoding, plain .json for file://', async () => {
    ({ url: http, nginx } = await serveWithNginx(path.join(work, 'prefix'), tree, [work, tree], { listMaxAge: '2m' }));
    const why = async (): Promise<string> => (nginx ? nginx.describe() : '');

    // govulncheck's schema check.
    const head = await curl(`${http}/vulndb/index/modules.json.gz`, { method: 'HEAD' });
    assert.equal(head.status, 200, await why());
    for (const [rel, bytes] of source) {
      const gz = await curl(`${http}/vulndb/${rel}.gz`, { headers: { 'Accept-Encoding': 'gzip' } });
      assert.equal(gz.status, 200, `${rel}.gz ${await why()}`);
      assert.equal(gz.headers['content-encoding'], undefined, `${rel}.gz: ${JSON.stringify(gz.headers)}`);
      assert.equal(gz.headers['content-type'], 'application/gzip', rel);
      assert.ok(gunzipSync(gz.body).equals(bytes), `${rel}.gz gunzips to the source's bytes`);
      assert.match(gz.headers['cache-control'] ?? '', rel.startsWith('index/') ? /^public, max-age=120$/ : /^public, max-age=3600$/);
      const plain = await curl(`${http}/vulndb/${rel}`, { headers: { 'Accept-Encoding': 'gzip' } });
      assert.equal(plain.headers['content-type'], 'application/json', rel);
      assert.equal(plain.headers['content-encoding'], undefined, rel);
      assert.ok(plain.body.equals(bytes), rel);
      // The plain files in the tree are what a file:// reader opens.
      assert.ok((await readFile(path.join(tree, 'vulndb', rel))).equals(bytes), rel);
    }
    assert.equal((await curl(`${http}/vulndb/index/aliases.json`)).status, 404);

    // Read by a Go client as govulncheck reads it: over HTTP (.json.gz, gunzipped by the client) and as file://.
    const expected = new Map([...source].filter(([rel]) => rel !== 'index/vulns.json'));
    for (const [url, out] of [
      [`${http}/vulndb`, path.join(work, 'client-http')],
      [`file://${tree}/vulndb`, path.join(work, 'client-file')],
    ] as const) {
      const got = await readAsGovulncheck(url, out);
      assert.deepEqual([...got.keys()].sort(), [...expected.keys()].sort(), url);
      for (const [rel, bytes] of expected) assert.ok(got.get(rel)?.equals(bytes), `${url}: ${rel}`);
    }
  });

  it('the client check is real: a server that adds Content-Encoding to the .gz files breaks it', async () => {
    // What nginx would do with gzip_static or gzip on application/gzip: the Go client unzips once, then its own gunzip fails.
    const wrong = createServer((req, res) => {
      const file = path.join(tree, decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/'));
      readFile(file).then(
        (body) => {
          res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': body.length });
          res.end(req.method === 'HEAD' ? undefined : body);
        },
        () => {
          res.writeHead(404);
          res.end();
        },
      );
    });
    await new Promise<void>((resolve) => wrong.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(wrong.address() as AddressInfo).port}/vulndb`;
      await assert.rejects(readAsGovulncheck(url, path.join(work, 'client-wrong')), /gzip: invalid header/);
    } finally {
      await new Promise((resolve) => wrong.close(resolve));
    }
  });

  it('verify checks the copy and names a damaged file', async () => {
    ok(await runCli(['verify', '--root', tree]));
    const copy = path.join(work, 'damaged');
    ok(await runCli(['publish', '--root', tree, '--to', copy]));
    await writeFile(path.join(copy, 'vulndb/ID/GO-2024-0002.json.gz'), 'not gzip');
    const r = await runCli(['verify', '--root', copy]);
    assert.equal(r.code, 1, describeCli(r));
    assert.match(r.stdout + r.stderr, /vulndb\/ID\/GO-2024-0002\.json\.gz: is not the gzip of ID\/GO-2024-0002\.json/);
  });

  it('publish and a bundle carry vulndb/ byte for byte', async () => {
    const published = path.join(work, 'published');
    ok(await runCli(['publish', '--root', tree, '--to', published]));
    const bundle = path.join(work, 'b.tar');
    ok(await runCli(['bundle', 'export', '--root', tree, '--out', bundle]));
    const imported = path.join(work, 'imported');
    ok(await runCli(['bundle', 'import', '--root', imported, bundle]));
    const files = async (root: string): Promise<Map<string, Buffer>> => {
      const out = new Map<string, Buffer>();
      const dir = path.join(root, 'vulndb');
      for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
        if (!e.isDirectory()) out.set(path.relative(dir, path.join(e.parentPath, e.name)), await readFile(path.join(e.parentPath, e.name)));
      }
      return out;
    };
    const want = await files(tree);
    assert.equal(want.size, source.size * 2);
    for (const root of [published, imported]) {
      const got = await files(root);
      assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
      for (const [k, v] of want) assert.ok(got.get(k)?.equals(v), `${root}: ${k}`);
    }
    ok(await runCli(['verify', '--root', imported]));
    ok(await runCli(['audit', '--root', imported, '--module', VULN]));
  });

  it('refuse-latest: latest skips a version a fixed vulnerability affects; an exact version is still mirrored', async () => {
    const strict = path.join(work, 'strict');
    const manifest = path.join(work, 'strict.json');
    await writeFile(manifest, JSON.stringify({ vulndb: `${server.url}/vulndb`, vulnerable: 'refuse-latest', modules: [{ path: VULN, versions: ['latest', 'v1.0.0'] }] }));
    const metrics = path.join(work, 'strict.prom');
    const r = ok(await runCli(['sync', '--manifest', manifest, '--upstream', server.url, '--out', strict, '--report', path.join(work, 'strict.json.report'), '--metrics', metrics]));
    // v1.2.0 (latest) has GO-2024-0001, fixed in v1.3.0: skipped. v1.1.0 has only GO-2024-0002, which has no fix: taken.
    assert.equal((await readFile(path.join(strict, VULN, '@v/list'), 'utf8')), 'v1.0.0\nv1.1.0\n');
    assert.match(r.stderr, /skipped example\.com\/vuln@v1\.2\.0 for "latest": affected by GO-2024-0001/);
    const report = JSON.parse(await readFile(path.join(work, 'strict.json.report'), 'utf8'));
    assert.deepEqual(report.modules[0].skipped, [{ version: 'v1.2.0', query: 'latest', vulns: ['GO-2024-0001'] }]);
    assert.equal(report.summary.vulnerableSkipped, 1);
    assert.equal(report.summary.vulnerable, 2);
    const prom = await readFile(metrics, 'utf8');
    assert.match(prom, /^gomirror_sync_vulnerable_skipped\{root="[^"]+"\} 1$/m);
    assert.match(prom, /^gomirror_sync_vulnerable_versions\{root="[^"]+"\} 2$/m);
    // The same manifest with the default policy takes the latest version.
    const lax = path.join(work, 'lax');
    await writeFile(manifest, JSON.stringify({ vulndb: `${server.url}/vulndb`, modules: [{ path: VULN, versions: ['latest'] }] }));
    ok(await runCli(['sync', '--manifest', manifest, '--upstream', server.url, '--out', lax]));
    assert.equal(await readFile(path.join(lax, VULN, '@v/list'), 'utf8'), 'v1.2.0\n');
  });

  it('a refused database fails the sync (exit 1) and leaves the copy as it was; modules are still mirrored', async () => {
    const before = await readFile(path.join(tree, 'vulndb/index/db.json'));
    const older = path.join(work, 'older');
    await writeVulnDb(older, vulnDbFiles(VULNS.slice(0, 1)), { gz: false });
    const r = await runCli(['sync', '--upstream', server.url, '--out', tree, '--gosum', await safeGoSum(), '--vulndb', `file://${older}`]);
    assert.equal(r.code, 1, describeCli(r));
    assert.match(r.stderr, /E_VULNDB_ROLLBACK|older than the copy in the tree/);
    assert.ok((await readFile(path.join(tree, 'vulndb/index/db.json'))).equals(before));
    ok(await runCli(['sync', '--upstream', server.url, '--out', tree, '--gosum', await safeGoSum(), '--vulndb', `file://${older}`, '--allow-rollback']));
    assert.ok((await readFile(path.join(tree, 'vulndb/index/db.json'))).equals(vulnDbFiles(VULNS.slice(0, 1)).get('index/db.json') as Buffer));
  });
});
