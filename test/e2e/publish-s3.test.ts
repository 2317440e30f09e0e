/**
 * End to end: gomirror publish to an S3-compatible server (s3rver, started
 * here on 127.0.0.1 behind a relay that records every request). A tree synced
 * with the checksum database mirror goes up; then, with the upstream and the
 * database stopped, the real go command with GOPROXY=<s3rver>/<bucket>/<prefix>
 * and GOSUMDB on tidies and builds a project straight from the bucket. Every
 * object's Content-Type and Cache-Control match what nginx, serving the same
 * tree with the emitted config, sends. Incremental publishes are counted on
 * the server side; a reader polling the bucket during a publish never sees a
 * listed version whose files are missing.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { escapeVersion } from '../../src/module/index.js';
import { acquireTreeLock } from '../../src/tree/lock.js';
import { SERVED_KINDS, servedKind } from '../../src/tree/serve-rules.js';
import { describeCli, runCli, spawnCli, type CliResult } from '../helpers/cli.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { startFixtureSumdb, type FixtureSumdb } from '../helpers/fixture-sumdb.js';
import { vulnDbFiles, writeVulnDb } from '../helpers/fixture-vulndb.js';
import { BASIC, BASIC_PSEUDO, basicSpec, buildUpstream, nameSource, type Upstream } from '../helpers/fixture-upstream.js';
import { assertGoOk, goEnv, makeConsumerProject, runGo } from '../helpers/go-client.js';
import { startRsyncDaemon } from '../helpers/rsync-daemon.js';
import { S3RVER_CREDENTIALS, startS3Server, type S3Request, type S3Server } from '../helpers/s3-server.js';
import { treeFiles } from '../helpers/tree.js';
import { curl, freePort, requireNginxTools, type RunningNginx, serveWithNginx } from './nginx-support.js';

const BUCKET = 'goproxy';
const PREFIX = 'mirror/go';
const BIG = 'example.com/big';
const LATER = 'example.com/later';
const NAME = 'sum.fixture.example';
const MiB = 2 ** 20;
const STATE = `${PREFIX}/.gomirror/published.json.gz`;

const PHASE1 = [
  { path: BASIC.alpha, versions: ['v1.0.0', 'v1.1.0'] },
  { path: BASIC.toml, versions: ['all'] },
  { path: BASIC.yaml, versions: ['all'] },
  { path: BASIC.legacy, versions: ['all'] },
  { path: BASIC.pseudoOnly, versions: ['latest'] },
  { path: BASIC.app, versions: ['latest'] },
  { path: BIG, versions: ['v1.0.0'] },
];
const PHASE2 = [...PHASE1.filter((m) => m.path !== BASIC.alpha), { path: BASIC.alpha, versions: ['all'] }, { path: LATER, versions: ['all'] }];

const writes = (rs: readonly S3Request[]): S3Request[] => rs.filter((r) => r.method === 'PUT' || r.method === 'POST' || r.method === 'DELETE');
/** Objects created: a single PUT, or a multipart upload's completing POST. */
const created = (rs: readonly S3Request[]): string[] =>
  rs.filter((r) => r.status === 200 && ((r.method === 'PUT' && !has(r, 'partNumber')) || (r.method === 'POST' && has(r, 'uploadId')))).map((r) => r.key);
const has = (r: S3Request, param: string): boolean => new URLSearchParams(r.query).has(param);

describe('gomirror publish to S3, end to end', () => {
  let upstream: Upstream;
  let work: string;
  let tree: string;
  let s3: S3Server;
  let proxy: FixtureServer | undefined;
  let db: FixtureSumdb | undefined;
  let nginx: RunningNginx | undefined;
  let nginxUrl: string;
  let awsEnv: NodeJS.ProcessEnv;

  const ok = (r: CliResult): CliResult => {
    assert.equal(r.code, 0, describeCli(r));
    return r;
  };
  const publish = (args: string[], env: NodeJS.ProcessEnv = awsEnv): Promise<CliResult> => runCli(['publish', '--root', tree, ...args], { env });
  const sync = async (modules: unknown[]): Promise<void> => {
    const manifest = path.join(work, `manifest-${Date.now()}.json`);
    // With a vulnerability database, so vulndb/ goes up too (sync writes the catalog anyway).
    await writeFile(manifest, JSON.stringify({ upstream: proxy?.url, deps: false, vulndb: `${proxy?.url}/vulndb`, modules }));
    ok(await runCli(['sync', '--manifest', manifest, '--out', tree, '--sumdb', db?.gosumdb ?? 'off']));
  };
  /** Served files of the tree (what nginx would serve), with their bytes' sha256. */
  const served = async (): Promise<Map<string, string>> => {
    const out = new Map<string, string>();
    for (const f of await treeFiles(tree)) {
      if (servedKind(f)) out.set(f, createHash('sha256').update(await readFile(path.join(tree, f))).digest('hex'));
    }
    return out;
  };
  const assertBucketHoldsTree = async (prefix: string): Promise<void> => {
    const files = await served();
    const keys = (await s3.keys(`${prefix}/`)).filter((k) => !k.startsWith(`${prefix}/.gomirror/`));
    assert.deepEqual(keys, [...files.keys()].map((f) => `${prefix}/${f}`).sort());
    for (const [f, sha] of files) {
      const got = await s3.get(`${prefix}/${f}`);
      assert.equal(got.status, 200, f);
      assert.equal(createHash('sha256').update(got.body).digest('hex'), sha, `${f} differs in the bucket`);
    }
  };

  before(async () => {
    await requireNginxTools();
    const spec = basicSpec();
    spec.modules.push(
      // Larger than one multipart part (8 MiB): goes up in parts.
      { path: BIG, versions: [{ version: 'v1.0.0', files: { 'big.go': nameSource('big', BIG) }, sizeBytes: 9 * MiB }] },
      { path: LATER, versions: [{ version: 'v1.0.0', files: { 'x.go': nameSource('later', LATER) } }] },
    );
    upstream = await buildUpstream(spec);
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-e2e-s3-'));
    tree = path.join(work, 'tree');
    await mkdir(tree);
    s3 = await startS3Server(BUCKET);
    // Nothing from the developer's own AWS setup, and no instance-metadata lookups.
    awsEnv = {
      ...S3RVER_CREDENTIALS,
      AWS_ENDPOINT_URL_S3: s3.relayUrl,
      AWS_ENDPOINT_URL: undefined,
      AWS_PROFILE: undefined,
      AWS_REGION: undefined,
      AWS_DEFAULT_REGION: undefined,
      AWS_CONFIG_FILE: path.join(work, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(work, 'no-aws-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    // Served like another mirror: the database under <upstream>/vulndb; it names no mirrored module.
    await writeVulnDb(
      path.join(upstream.dir, 'vulndb'),
      vulnDbFiles([{ id: 'GO-2024-0001', modified: '2024-03-01T00:00:00Z', affected: [{ module: 'example.com/elsewhere', ranges: [[{ introduced: '0' }]] }] }]),
    );
    proxy = await startFixtureServer({ root: upstream.dir });
    db = await startFixtureSumdb({ goSum: upstream.goSum, name: NAME, fillers: 1000 });
    await sync(PHASE1);

    ({ url: nginxUrl, nginx } = await serveWithNginx(path.join(work, 'nginx'), tree, [work, tree]));
  });
  after(async () => {
    await nginx?.stop();
    await db?.close();
    await proxy?.close();
    await s3?.close();
    await upstream?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('publishes the tree with its sumdb mirror; a go client with GOSUMDB on builds straight from the bucket', async () => {
    const stray = path.join(tree, 'example.com/alpha/@v/v9.9.9.zip.tmp-4242-abc123');
    await writeFile(stray, 'half a download');
    const report = path.join(work, 'report.json');
    const first = s3.requests.length;
    try {
      const r = ok(await publish(['--to', `s3://${BUCKET}/${PREFIX}/`, '--report', report]));
      assert.match(r.stdout, /published to 1 of 1 destinations/);
    } finally {
      await rm(stray);
    }
    await assertBucketHoldsTree(PREFIX);
    const reqs = s3.requests.slice(first);
    const bigZip = `${PREFIX}/example.com/big/@v/v1.0.0.zip`;
    assert.ok(reqs.some((q) => q.method === 'POST' && q.key === bigZip && has(q, 'uploads')), 'the 9 MiB zip went up in parts');
    assert.ok(reqs.filter((q) => q.method === 'PUT' && q.key === bigZip && has(q, 'partNumber')).length >= 2);
    assert.equal((await s3.get(STATE)).status, 200, 'the published-state record is in the bucket');
    const rep = JSON.parse(await readFile(report, 'utf8')) as { ok: boolean; targets: { destination: string; ok: boolean; sent: number }[] };
    assert.equal(rep.ok, true);
    assert.deepEqual(rep.targets.map((t) => [t.destination, t.ok, t.sent]), [[`s3://${BUCKET}/${PREFIX}`, true, (await served()).size]]);

    // GOSUMDB names no URL: the go command can reach the database only through the bucket.
    const vkey = db?.vkey as string;
    const env = await goEnv({ goproxy: `${s3.url}/${BUCKET}/${PREFIX},off`, gosumdb: vkey });
    try {
      const project = path.join(env.home, 'consumer');
      await makeConsumerProject(project, [
        { path: BASIC.app, version: 'v1.0.0' },
        { path: BASIC.pseudoOnly, version: BASIC_PSEUDO.pseudoOnly },
      ]);
      assertGoOk(await runGo(['mod', 'tidy'], { cwd: project, env: env.env }));
      assertGoOk(await runGo(['build', './...'], { cwd: project, env: env.env }));
      const sum = await readFile(path.join(project, 'go.sum'), 'utf8');
      for (const line of sum.trim().split('\n')) {
        const [m, v, h] = line.split(' ');
        assert.equal(upstream.hashes.get(`${m} ${v}`), h, line);
      }
      // The go command used the bucket's checksum database mirror, not a direct connection.
      const cache = await treeFiles(path.join(env.env.GOMODCACHE as string, 'cache', 'download', 'sumdb'));
      assert.ok(cache.some((f) => f.startsWith(`${NAME}/lookup/`)), cache.join('\n'));
      const list = assertGoOk(await runGo(['list', '-m', '-versions', BASIC.toml], { cwd: project, env: env.env }));
      assert.match(list.stdout, /v1\.0\.0-RC1 v1\.0\.0 v1\.2\.3/);
    } finally {
      await env.cleanup();
    }
  });

  it('every kind of object carries the Content-Type and Cache-Control nginx sends for it', async () => {
    const seen = new Set<string>();
    const keys = (await s3.keys(`${PREFIX}/`)).filter((k) => !k.startsWith(`${PREFIX}/.gomirror/`));
    for (const key of keys) {
      const rel = key.slice(PREFIX.length + 1);
      const kind = servedKind(rel);
      assert.ok(kind, `${rel} is in the bucket but nginx would not serve it`);
      seen.add(kind.name);
      const fromS3 = await s3.get(key);
      const fromNginx = await curl(`${nginxUrl}/${rel}`);
      assert.equal(fromNginx.status, 200, rel);
      assert.equal(fromS3.headers.get('content-type'), fromNginx.headers['content-type'], `Content-Type of ${rel}`);
      assert.equal(fromS3.headers.get('cache-control'), fromNginx.headers['cache-control'], `Cache-Control of ${rel}`);
    }
    // Every kind but data tiles, which the go command never fetches and so no tree mirrors.
    assert.deepEqual(
      [...seen].sort(),
      SERVED_KINDS.map((k) => k.name).filter((n) => !n.startsWith('sumdb-data')).sort(),
      'the tree has every kind of file',
    );
    // And in plain words, for the kinds the go command reads most.
    const head = async (rel: string): Promise<[string | null, string | null]> => {
      const h = (await s3.get(`${PREFIX}/${rel}`)).headers;
      return [h.get('content-type'), h.get('cache-control')];
    };
    assert.deepEqual(await head('example.com/alpha/@v/v1.0.0.zip'), ['application/zip', 'public, max-age=31536000, immutable']);
    assert.deepEqual(await head('example.com/alpha/@v/v1.0.0.info'), ['application/json', 'public, max-age=31536000, immutable']);
    assert.deepEqual(await head('example.com/alpha/@v/v1.0.0.mod'), ['text/plain; charset=utf-8', 'public, max-age=31536000, immutable']);
    assert.deepEqual(await head('example.com/alpha/@v/list'), ['text/plain; charset=utf-8', 'public, max-age=300']);
    assert.deepEqual(await head('example.com/pseudoonly/@latest'), ['application/json', 'public, max-age=300']);
    assert.deepEqual(await head(`sumdb/${NAME}/supported`), ['text/plain; charset=utf-8', 'public, max-age=300']);
    // govulncheck gunzips the .gz itself: no Content-Encoding from the bucket or from nginx.
    assert.deepEqual(await head('vulndb/index/db.json.gz'), ['application/gzip', 'public, max-age=300']);
    assert.deepEqual(await head('vulndb/ID/GO-2024-0001.json.gz'), ['application/gzip', 'public, max-age=3600']);
    assert.equal((await s3.get(`${PREFIX}/vulndb/ID/GO-2024-0001.json.gz`)).headers.get('content-encoding'), null);
    assert.equal((await curl(`${nginxUrl}/vulndb/ID/GO-2024-0001.json.gz`, { headers: { 'Accept-Encoding': 'gzip' } })).headers['content-encoding'], undefined);
    assert.deepEqual(await head('index.html'), ['text/html; charset=utf-8', 'public, max-age=60']);
  });

  it('a second publish of an unchanged tree sends nothing and reads only the record', async () => {
    const first = s3.requests.length;
    const r = ok(await publish(['--to', `s3://${BUCKET}/${PREFIX}`]));
    assert.match(r.stdout, new RegExp(`s3://${BUCKET}/${PREFIX}: send 0 files, delete 0, ${(await served()).size} unchanged`));
    const reqs = s3.requests.slice(first);
    assert.deepEqual(reqs.map((q) => `${q.method} ${q.key}`), [`GET ${STATE}`]);
  });

  it('after a sync adds versions, only those and the changed lists go up, lists after the files; a polling reader never sees a listed version incomplete', async () => {
    const before = await served();
    await sync(PHASE2);
    const afterSync = await served();
    const changed = [...afterSync].filter(([f, sha]) => before.get(f) !== sha).map(([f]) => f).sort();
    assert.ok(changed.includes(`example.com/later/@v/v1.0.0.zip`) && changed.includes('example.com/alpha/@v/list'), changed.join('\n'));

    // A dry run says exactly that, and changes nothing.
    const firstDry = s3.requests.length;
    const dry = ok(await publish(['--to', `s3://${BUCKET}/${PREFIX}`, '--dry-run']));
    assert.deepEqual(
      dry.stdout.split('\n').filter((l) => / upload /.test(l)).map((l) => l.split(' upload ')[1]).sort(),
      changed,
    );
    assert.deepEqual(writes(s3.requests.slice(firstDry)), []);

    // Slowed down on the server side, so the reader gets a good number of looks.
    s3.slowWrites(150);
    const first = s3.requests.length;
    const run = spawnCli(['publish', '--root', tree, '--to', `s3://${BUCKET}/${PREFIX}`, '--concurrency', '2'], { env: awsEnv });
    let finished = false;
    const done = run.done.finally(() => (finished = true));
    /** One look as a go client takes it: each list read, then each version it names checked. Objects are only added, so one seen stays. */
    const present = new Set<string>();
    const look = async (): Promise<{ versions: number; missing: string[] }> => {
      const missing: string[] = [];
      let versions = 0;
      const lists = (await s3.keys(`${PREFIX}/`)).filter((k) => k.endsWith('/@v/list'));
      for (const list of lists) {
        const got = await s3.get(list);
        // s3rver (unlike S3) overwrites an object in two steps; a GET in between fails. No client reads a list then.
        if (got.status !== 200) continue;
        const text = got.body.toString('utf8');
        for (const v of text.split('\n').filter((l) => l !== '')) {
          versions++;
          for (const ext of ['info', 'mod', 'zip']) {
            const file = `${list.slice(0, -'list'.length)}${escapeVersion(v)}.${ext}`;
            if (present.has(file)) continue;
            if ((await s3.head(file)) === 200) present.add(file);
            else missing.push(`${list} names ${v}, ${file} is missing`);
          }
        }
      }
      return { versions, missing };
    };
    const looks: Awaited<ReturnType<typeof look>>[] = [];
    // Bounded: the publish takes a few seconds; 2000 looks is far more than it needs.
    // s3rver (unlike S3) may also close a connection in the middle of a body while a PUT replaces the file it
    // streams; such a look saw nothing and is taken again.
    const socketClosed = (e: unknown): undefined => {
      if (e instanceof TypeError && (e.cause as { code?: string } | undefined)?.code === 'UND_ERR_SOCKET') return undefined;
      throw e;
    };
    while (!finished && looks.length < 2000) {
      const l = await look().catch(socketClosed);
      if (l) looks.push(l);
    }
    const r = ok(await done);
    s3.slowWrites(0);
    assert.deepEqual(looks.flatMap((l) => l.missing), []);
    assert.ok(looks.length >= 5, `only ${looks.length} looks during the publish`);
    const final = await look();
    assert.deepEqual(final.missing, []);
    assert.ok(final.versions > (looks[0]?.versions ?? 0), 'the new versions were listed at the end, not at the start');

    const reqs = s3.requests.slice(first);
    const up = created(reqs).filter((k) => k !== STATE).map((k) => k.slice(PREFIX.length + 1));
    assert.deepEqual([...up].sort(), changed, describeCli(r));
    // Order on the server: version files, then tiles, then lookups and latest, then lists, supported last.
    const rank = (f: string): number => {
      const k = servedKind(f)?.name ?? '';
      if (k === 'info' || k === 'mod' || k === 'zip') return 0;
      if (k.startsWith('sumdb-data') || k.startsWith('sumdb-tile')) return 1;
      if (k === 'sumdb-lookup' || f.endsWith('/latest')) return 2;
      if (k === 'list' || k === 'latest') return 3;
      return 4;
    };
    const ranks = up.map(rank);
    assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b), up.join('\n'));
    await assertBucketHoldsTree(PREFIX);
  });

  it('throttling is retried; a file that keeps failing stops its target before any list names it', async () => {
    // A fresh prefix, so everything goes up.
    s3.failNext(3, (m, k) => m === 'PUT' && k.startsWith('retry/'));
    const first = s3.requests.length;
    ok(await publish(['--to', `s3://${BUCKET}/retry`]));
    const slowDowns = s3.requests.slice(first).filter((q) => q.status === 503);
    assert.equal(slowDowns.length, 3);
    await assertBucketHoldsTree('retry');

    const doomed = 'stuck/example.com/alpha/@v/v1.1.0.zip';
    s3.failNext(1000, (m, k) => m === 'PUT' && k === doomed, 500, 'InternalError');
    const r = await publish(['--to', `s3://${BUCKET}/stuck`]);
    assert.equal(r.code, 1, describeCli(r));
    assert.match(r.stderr, /publish to s3:\/\/goproxy\/stuck failed in the modules phase: s3:\/\/goproxy: PUT stuck\/example\.com\/alpha\/@v\/v1\.1\.0\.zip failed/);
    assert.match(r.stderr, /InternalError/);
    assert.match(r.stdout, /published to 0 of 1 destinations/);
    const keys = await s3.keys('stuck/');
    assert.ok(keys.some((k) => k.endsWith('.info')), 'other module files went up');
    assert.deepEqual(keys.filter((k) => k.endsWith('/list') || k.endsWith('/@latest') || k.endsWith('/supported')), []);
    assert.equal(s3.requests.slice(first).filter((q) => q.key === doomed).length >= 6, true, 'the SDK retried it');

    // The next run sends only what is missing: what the failed run did not finish.
    const madeIt = new Set(created(s3.requests.slice(first)).filter((k) => k.startsWith('stuck/') && !k.includes('/.gomirror/')));
    s3.clearFaults();
    const again = s3.requests.length;
    ok(await publish(['--to', `s3://${BUCKET}/stuck`]));
    const sent = created(s3.requests.slice(again)).filter((k) => !k.includes('/.gomirror/'));
    assert.ok(madeIt.size > 1 && sent.includes(doomed));
    assert.deepEqual(sent.sort(), [...(await served()).keys()].map((f) => `stuck/${f}`).filter((k) => !madeIt.has(k)).sort());
    await assertBucketHoldsTree('stuck');
  });

  it('fans out to a bucket, an rsync daemon and a directory at once; a failing target does not stop them, exit 1', async () => {
    const daemon = await startRsyncDaemon(work);
    try {
      const dir = path.join(work, 'dir-dest');
      const r = await publish([
        '--to', `s3://${BUCKET}/fan`,
        '--to', daemon.url,
        '--to', dir,
        '--to', 's3://no-such-bucket/x',
      ]);
      assert.equal(r.code, 1, describeCli(r));
      assert.match(r.stdout, /published to 3 of 4 destinations/);
      assert.match(r.stdout, /s3:\/\/goproxy\/fan: send \d+ files/);
      assert.match(r.stdout, /s3:\/\/no-such-bucket\/x: failed \(E_S3\)/);
      assert.match(r.stderr, /NoSuchBucket/);
      assert.match(r.stderr, /hint: Create the bucket first/);
      await assertBucketHoldsTree('fan');
      const files = await served();
      for (const dest of [daemon.dest, dir]) {
        for (const [f, sha] of files) {
          assert.equal(createHash('sha256').update(await readFile(path.join(dest, f))).digest('hex'), sha, `${dest}/${f}`);
        }
      }
    } finally {
      await daemon.stop();
    }
  });

  it('credentials from a profile; removed files leave the bucket only after --delete-after and once no list names them', async () => {
    const credentials = path.join(work, 'aws-credentials');
    await writeFile(credentials, `[mirror]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n`);
    const profileEnv = { ...awsEnv, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_PROFILE: 'mirror', AWS_SHARED_CREDENTIALS_FILE: credentials };
    const manifest = path.join(work, 'prune.json');
    await writeFile(manifest, JSON.stringify({ upstream: proxy?.url, deps: false, modules: PHASE2.map((m) => (m.path === BASIC.alpha ? { ...m, versions: ['v1.1.0'] } : m)) }));
    ok(await runCli(['prune', '--root', tree, '--manifest', manifest, '--grace', '0']));
    const gone = `${PREFIX}/example.com/alpha/@v/v1.0.0.zip`;

    const r1 = ok(await publish(['--to', `s3://${BUCKET}/${PREFIX}`, '--delete'], profileEnv));
    assert.match(r1.stdout, /send [1-9]\d* files, delete 0/, 'the new alpha list');
    assert.equal((await s3.get(gone)).status, 200, 'kept for --delete-after');
    assert.doesNotMatch((await s3.get(`${PREFIX}/example.com/alpha/@v/list`)).body.toString(), /v1\.0\.0\n/);

    const first = s3.requests.length;
    const r2 = ok(await publish(['--to', `s3://${BUCKET}/${PREFIX}`, '--delete', '--delete-after', '0']));
    assert.match(r2.stdout, /send 0 files, delete [1-9]\d*/);
    assert.equal((await s3.get(gone)).status, 404);
    assert.ok(writes(s3.requests.slice(first)).some((q) => q.method === 'POST' && has(q, 'delete')));
    await assertBucketHoldsTree(PREFIX);
  });

  it('refuses bad input before anything changes in the bucket', async () => {
    const before = await s3.keys();
    const first = s3.requests.length;
    const never = path.join(work, 'never');
    const noCreds = { ...awsEnv, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined };
    const cases: [string[], NodeJS.ProcessEnv, number, RegExp][] = [
      [['--to', 's3://', '--to', never], awsEnv, 2, /--to s3:\/\/: no bucket named/],
      [['--to', 's3:///prefix'], awsEnv, 2, /no bucket named/],
      [['--to', 'ftp://host/tree', '--to', never], awsEnv, 2, /--to ftp:\/\/host\/tree: unknown scheme ftp:\/\//],
      [['--to', never, '--to', `s3://${BUCKET}/${PREFIX}`], noCreds, 2, /s3:\/\/goproxy: no AWS credentials found/],
      [['--to', `s3://${BUCKET}/${PREFIX}`, '--endpoint', 'not a url'], awsEnv, 2, /--endpoint: "not a url" is not a URL/],
      [['--to', `s3://${BUCKET}/${PREFIX}`], { ...awsEnv, AWS_ACCESS_KEY_ID: 'WRONG' }, 1, /InvalidAccessKeyId/],
      [['--to', `s3://${BUCKET}/${PREFIX}`, '--endpoint', `http://127.0.0.1:${await freePort()}`], awsEnv, 1, /ECONNREFUSED[\s\S]*hint: Check that the endpoint/],
    ];
    for (const [args, env, code, message] of cases) {
      const r = await publish(args, env);
      assert.equal(r.code, code, describeCli(r));
      assert.match(r.stderr, message, describeCli(r));
      assert.doesNotMatch(r.stderr + r.stdout, /S3RVER|WRONG/, 'no credential in the output');
    }
    await assert.rejects(readFile(never), { code: 'ENOENT' });
    assert.deepEqual(writes(s3.requests.slice(first)), []);
    assert.deepEqual(await s3.keys(), before);
  });

  it('publish and sync do not run on the same tree at once', async () => {
    const lock = await acquireTreeLock(tree, { command: 'sync', releaseOnExit: false });
    try {
      const first = s3.requests.length;
      const r = await publish(['--to', `s3://${BUCKET}/${PREFIX}`]);
      assert.equal(r.code, 3, describeCli(r));
      assert.match(r.stderr, /another gomirror run holds the lock: sync/);
      assert.deepEqual(s3.requests.slice(first), []);
    } finally {
      await lock.release();
    }
  });
});
