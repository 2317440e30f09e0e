/**
 * End to end, with GOSUMDB on: gomirror syncs from a fixture proxy while
 * verifying every version against a fixture checksum database (golang.org/x/mod's
 * own server, a few thousand records, handing out notes of a growing tree);
 * then, with the proxy and the database stopped and only nginx serving the
 * tree, the real go command resolves, verifies and builds against the
 * mirrored database. Also: a client that kept its sumdb cache after a later
 * sync grew the tree, a zip that differs from the database, a forked tree,
 * and a second gomirror reading the first tree's database through `supported`.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { verifySumdbMirror } from '../../src/sumdb/mirror/verify-mirror.js';
import { describeCli, runCli, type CliResult } from '../helpers/cli.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { startFixtureSumdb, type FixtureSumdb } from '../helpers/fixture-sumdb.js';
import { BASIC, BASIC_PSEUDO, basicRequires, basicSpec, buildUpstream, nameSource, type Upstream } from '../helpers/fixture-upstream.js';
import { assertGoOk, goEnv, makeConsumerProject, runGo, type GoEnv } from '../helpers/go-client.js';
import { treeFiles } from '../helpers/tree.js';
import { curl, requireNginxTools, type RunningNginx, serveWithNginx } from './nginx-support.js';

const LATER = 'example.com/later';
const EVIL = 'example.com/evil';
const UNPUB = 'example.com/unpublished';
const NAME = 'sum.fixture.example';
const GROW_EVERY = 7;

const version = (modPath: string, v: string, text: string): { version: string; files: Record<string, string> } => ({
  version: v,
  files: { 'x.go': nameSource(modPath.split('/').at(-1) as string, text) },
});

const PHASE1 = [
  { path: BASIC.alpha, versions: ['all'] },
  { path: BASIC.alphaV2, versions: ['all'] },
  { path: BASIC.toml, versions: ['all'] },
  { path: BASIC.yaml, versions: ['all'] },
  { path: BASIC.legacy, versions: ['all'] },
  { path: BASIC.pseudoOnly, versions: ['latest'] },
  { path: BASIC.app, versions: ['latest'] },
];

describe('checksum database: verify while syncing, serve a static mirror', () => {
  let upstream: Upstream;
  let twin: Upstream;
  let dbGoSum: string;
  let work: string;
  let tree: string;
  let proxy: FixtureServer | undefined;
  let db: FixtureSumdb | undefined;
  let nginx: RunningNginx | undefined;
  let mirrorUrl: string;
  let skey: string;
  let vkey: string;
  let keptClient: GoEnv | undefined;

  /** Starts the proxy and the database; `minSize` continues the earlier history. */
  const startServers = async (opts: { minSize?: number; fork?: boolean; goSum?: string } = {}): Promise<void> => {
    await stopServers();
    proxy = await startFixtureServer({ root: upstream.dir });
    db = await startFixtureSumdb({
      goSum: opts.goSum ?? dbGoSum,
      name: NAME,
      growEvery: GROW_EVERY,
      ...(skey ? { skey } : {}),
      ...(opts.minSize ? { minSize: opts.minSize } : {}),
      ...(opts.fork ? { fork: true } : {}),
    });
    skey = db.skey;
    vkey = db.vkey;
  };
  const stopServers = async (): Promise<number> => {
    const size = db ? (await db.stats()).size : 0;
    await db?.close();
    await proxy?.close();
    db = undefined;
    proxy = undefined;
    return size;
  };
  const sync = async (modules: unknown[], extra: string[] = []): Promise<CliResult> => {
    const manifest = path.join(work, `manifest-${Date.now()}.json`);
    await writeFile(manifest, JSON.stringify({ upstream: proxy?.url, deps: false, modules }));
    return runCli(['sync', '--manifest', manifest, '--out', tree, '--sumdb', db?.gosumdb ?? 'off', '--concurrency', '4', ...extra]);
  };
  /** A go client that reaches nothing but nginx, with GOSUMDB=<name>+<key> (no URL). */
  const mirrorClient = (): Promise<GoEnv> => goEnv({ goproxy: mirrorUrl, gosumdb: vkey });
  const tidyAndBuild = async (env: GoEnv, dir: string, requires: { path: string; version: string }[]): Promise<void> => {
    const project = path.join(env.home, dir);
    await makeConsumerProject(project, requires);
    assertGoOk(await runGo(['mod', 'tidy'], { cwd: project, env: env.env }));
    assertGoOk(await runGo(['build', './...'], { cwd: project, env: env.env }));
    // Every go.sum line the client accepted is the one the database holds.
    const sum = await readFile(path.join(project, 'go.sum'), 'utf8');
    for (const line of sum.trim().split('\n')) {
      const [m, v, h] = line.split(' ');
      assert.equal(upstream.hashes.get(`${m} ${v}`), h, line);
    }
  };
  const snapshot = async (filter: (f: string) => boolean): Promise<Map<string, string>> => {
    const out = new Map<string, string>();
    for (const f of (await treeFiles(tree)).filter(filter)) {
      out.set(f, createHash('sha256').update(await readFile(path.join(tree, f))).digest('hex'));
    }
    return out;
  };

  before(async () => {
    await requireNginxTools();
    const spec = basicSpec();
    spec.modules.push(
      { path: LATER, versions: [version(LATER, 'v1.0.0', `${LATER}@v1.0.0`)] },
      { path: EVIL, versions: [version(EVIL, 'v1.0.0', 'what the proxy serves')] },
      { path: UNPUB, versions: [version(UNPUB, 'v1.0.0', `${UNPUB}@v1.0.0`)] },
    );
    upstream = await buildUpstream(spec);
    twin = await buildUpstream({ modules: [{ path: EVIL, versions: [version(EVIL, 'v1.0.0', 'what the database knows')] }] });
    dbGoSum = upstream.goSum
      .split('\n')
      .filter((l) => !l.startsWith(`${EVIL} `))
      .concat(twin.goSum.split('\n'))
      .join('\n');
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-e2e-sumdb-'));
    tree = path.join(work, 'tree');
    await mkdir(tree);
    ({ url: mirrorUrl, nginx } = await serveWithNginx(path.join(work, 'nginx'), tree, [work, tree]));
  });
  after(async () => {
    await stopServers();
    await nginx?.stop();
    await keptClient?.cleanup();
    await upstream?.cleanup();
    await twin?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('verifies every version with the database and mirrors lookups, tiles and supported', async () => {
    await startServers();
    const r = await sync(PHASE1);
    assert.equal(r.code, 0, describeCli(r));
    assert.match(r.stdout, /15 fetched, 0 already present, 0 failed/, describeCli(r));
    assert.match(r.stderr, /sumdb sum\.fixture\.example: 15 versions verified/, describeCli(r));
    const files = await treeFiles(tree);
    const lookups = files.filter((f) => f.startsWith(`sumdb/${NAME}/lookup/`));
    assert.equal(lookups.length, 15);
    assert.ok(lookups.includes(`sumdb/${NAME}/lookup/example.com/!burnt!sushi/toml@v1.0.0-!r!c1`), lookups.join('\n'));
    assert.ok(lookups.includes(`sumdb/${NAME}/lookup/example.com/legacy@v2.0.0+incompatible`));
    assert.ok(files.includes(`sumdb/${NAME}/supported`) && files.includes(`sumdb/${NAME}/latest`));
    // Lookups are stored exactly as the database sent them.
    const got = await fetch(`${db?.url}/lookup/gopkg.in/yaml.v2@v2.4.0`);
    const stored = await readFile(path.join(tree, `sumdb/${NAME}/lookup/gopkg.in/yaml.v2@v2.4.0`));
    assert.equal(stored.toString().split('\n\n')[0], (await got.text()).split('\n\n')[0]);
    // A few thousand records: level-1 tiles, full level-0 tiles and partial ones.
    const tiles = files.filter((f) => f.startsWith(`sumdb/${NAME}/tile/`));
    assert.ok(tiles.some((f) => /tile\/8\/1\/000\.p\/\d+$/.test(f)), tiles.join('\n'));
    assert.ok(tiles.some((f) => /tile\/8\/0\/\d{3}$/.test(f)), tiles.join('\n'));
    assert.ok(tiles.some((f) => /tile\/8\/0\/\d{3}\.p\/\d+$/.test(f)), tiles.join('\n'));
    assert.deepEqual(await verifySumdbMirror(tree, { sumdb: vkey }), []);
  });

  it('a fresh go client, reaching only nginx, tidies and builds with GOSUMDB on', async () => {
    await stopServers();
    keptClient = await mirrorClient();
    await tidyAndBuild(keptClient, 'one', basicRequires());
    const latest = await readFile(path.join(keptClient.home, 'go/pkg/sumdb', NAME, 'latest'), 'utf8');
    assert.match(latest, /^go\.sum database tree\n\d+\n/);
    // nginx: lookups and full tiles never change; partial tiles, latest and supported may.
    const files = await treeFiles(tree);
    const full = files.find((f) => /\/tile\/8\/0\/\d{3}$/.test(f)) as string;
    const partial = files.find((f) => /\/tile\/8\/0\/\d{3}\.p\/\d+$/.test(f)) as string;
    for (const [file, cache] of [
      [`sumdb/${NAME}/lookup/gopkg.in/yaml.v2@v2.4.0`, /immutable/],
      [full, /immutable/],
      [partial, /^public, max-age=300$/],
      [`sumdb/${NAME}/supported`, /^public, max-age=300$/],
    ] as const) {
      const res = await curl(`${mirrorUrl}/${file.replaceAll('!', '%21')}`);
      assert.equal(res.status, 200, file);
      assert.match(res.headers['cache-control'] ?? '', cache, file);
      assert.ok(res.body.equals(await readFile(path.join(tree, file))), file);
    }
    assert.equal((await curl(`${mirrorUrl}/.gomirror/sumdb/${NAME}/latest`)).status, 404);
  });

  it('a later sync grows the tree; a client that kept its sumdb cache and a fresh one both still work', async () => {
    const before = (await readFile(path.join(tree, '.gomirror/sumdb', NAME, 'latest'), 'utf8')).split('\n')[1];
    await startServers({ minSize: Number(before) });
    await db?.grow(300);
    const r = await sync([...PHASE1, { path: LATER, versions: ['v1.0.0'] }]);
    assert.equal(r.code, 0, describeCli(r));
    assert.match(r.stdout, /1 fetched, 15 already present, 0 failed/, describeCli(r));
    const stats = await db?.stats();
    assert.equal(stats?.lookups, 1, 'present versions are verified from the mirror, not looked up again');
    const after = (await readFile(path.join(tree, '.gomirror/sumdb', NAME, 'latest'), 'utf8')).split('\n')[1];
    assert.ok(Number(after) > Number(before) + 300, `tree head ${before} → ${after}`);
    await stopServers();
    assert.deepEqual(await verifySumdbMirror(tree, { sumdb: vkey }), []);

    const kept = keptClient as GoEnv;
    await tidyAndBuild(kept, 'two', [...basicRequires(), { path: LATER, version: 'v1.0.0' }]);
    const latest = (await readFile(path.join(kept.home, 'go/pkg/sumdb', NAME, 'latest'), 'utf8')).split('\n')[1];
    assert.equal(latest, after, 'the kept client moved to the newest tree');
    const fresh = await mirrorClient();
    try {
      await tidyAndBuild(fresh, 'three', [...basicRequires(), { path: LATER, version: 'v1.0.0' }]);
    } finally {
      await fresh.cleanup();
    }
  });

  it('a second gomirror reads the first tree as its proxy and database (through supported)', async () => {
    const second = path.join(work, 'second');
    const manifest = path.join(work, 'second.json');
    await writeFile(manifest, JSON.stringify({ deps: false, modules: [{ path: BASIC.toml, versions: ['all'] }, { path: LATER, versions: ['all'] }] }));
    const r = await runCli(['sync', '--manifest', manifest, '--out', second, '--upstream', `file://${tree}`, '--sumdb', vkey]);
    assert.equal(r.code, 0, describeCli(r));
    assert.match(r.stderr, /4 versions verified/, describeCli(r));
    assert.deepEqual(await verifySumdbMirror(second, { sumdb: vkey }), []);
  });

  it('refuses a zip whose bytes differ from the database, writing nothing of it', async () => {
    // The database part may move on (its newer note is genuine); modules and their records may not.
    // The catalog, the kept reports and the plan cache (this run's closure) describe every run, this one too.
    const outsideSumdb = (f: string): boolean =>
      !f.startsWith('sumdb/') && !f.startsWith('.gomirror/sumdb/') && !f.startsWith('.gomirror/reports/') && !f.startsWith('.gomirror/catalog') &&
      f !== '.gomirror/plan-cache.jsonl' && !f.startsWith('_catalog/') && f !== 'index.html';
    const before = await snapshot(outsideSumdb);
    await startServers({ minSize: Number((await readFile(path.join(tree, '.gomirror/sumdb', NAME, 'latest'), 'utf8')).split('\n')[1]) });
    const r = await sync([{ path: EVIL, versions: ['v1.0.0'] }, { path: BASIC.yaml, versions: ['all'] }]);
    await stopServers();
    assert.equal(r.code, 1, describeCli(r));
    assert.match(r.stderr, /SECURITY ERROR: checksum mismatch for example\.com\/evil@v1\.0\.0 \(\.zip\)/, describeCli(r));
    assert.match(r.stderr, new RegExp(`${twin.hashes.get(`${EVIL} v1.0.0`)?.replace(/[+/]/g, '\\$&')}`), 'names the database hash');
    assert.match(r.stdout, /0 fetched, 2 already present, 1 failed/, describeCli(r));
    const files = await treeFiles(tree);
    assert.deepEqual(files.filter((f) => f.includes('example.com/evil')), []);
    assert.deepEqual(await snapshot(outsideSumdb), before, 'the rest of the tree is untouched');
    assert.equal(files.some((f) => f.includes('lookup/example.com/evil')), false);
  });

  it('lists nothing new when publishing the database mirror fails; the next run lists it', async () => {
    const head = (await readFile(path.join(tree, '.gomirror/sumdb', NAME, 'latest'), 'utf8')).split('\n')[1];
    await startServers({ minSize: Number(head) });
    // A directory where the new lookup must go: publishing fails on the local disk.
    const lookup = path.join(tree, `sumdb/${NAME}/lookup/${UNPUB}@v1.0.0`);
    await mkdir(lookup, { recursive: true });
    const r = await sync([{ path: UNPUB, versions: ['v1.0.0'] }]);
    assert.equal(r.code, 1, describeCli(r));
    assert.match(r.stderr, /sumdb sum\.fixture\.example: nothing published/, describeCli(r));
    assert.match(r.stderr, /lists not updated/, describeCli(r));
    const files = await treeFiles(tree);
    assert.equal(files.includes(`${UNPUB}/@v/list`), false, 'no list offers a version a GOSUMDB client cannot verify');
    assert.ok(files.includes(`${UNPUB}/@v/v1.0.0.zip`), 'the verified files are kept');
    await rm(lookup, { recursive: true });
    const again = await sync([{ path: UNPUB, versions: ['v1.0.0'] }]);
    await stopServers();
    assert.equal(again.code, 0, describeCli(again));
    assert.equal(await readFile(path.join(tree, `${UNPUB}/@v/list`), 'utf8'), 'v1.0.0\n');
    assert.deepEqual(await verifySumdbMirror(tree, { sumdb: vkey }), []);
  });

  it('refuses a forked tree head signed with the same key', async () => {
    const state = path.join(tree, '.gomirror/sumdb', NAME, 'latest');
    const head = await readFile(state, 'utf8');
    const mirrorBefore = await snapshot((f) => f.startsWith('sumdb/'));
    await startServers({ minSize: Number(head.split('\n')[1]) + 100, fork: true });
    const r = await sync([{ path: BASIC.alpha, versions: [BASIC_PSEUDO.alpha] }]);
    await stopServers();
    assert.equal(r.code, 1, describeCli(r));
    assert.match(r.stderr, /SECURITY ERROR: checksum database sum\.fixture\.example misbehaved/, describeCli(r));
    assert.match(r.stderr, /a fork or a rollback/);
    assert.equal(await readFile(state, 'utf8'), head, 'the verified head stays');
    assert.deepEqual(await snapshot((f) => f.startsWith('sumdb/')), mirrorBefore, 'nothing of the forked database is published');
    assert.equal((await treeFiles(tree)).some((f) => f.includes(BASIC_PSEUDO.alpha)), false);
    const client = await mirrorClient();
    try {
      await tidyAndBuild(client, 'after-fork', basicRequires());
    } catch (err) {
      assert.fail(`the mirror must still serve the genuine tree: ${(err as Error).message}`);
    } finally {
      await client.cleanup();
    }
  });
});
