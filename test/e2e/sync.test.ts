/**
 * End to end: gomirror sync against a fixture upstream built with
 * golang.org/x/mod (zip.Create, dirhash), served over HTTP with injected
 * faults; then the real go command downloads every mirrored version from the
 * tree with GOPROXY=file://<tree> and a go.sum holding the true hashes.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { describeCli, runCli } from '../helpers/cli.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { BASIC, BASIC_PSEUDO, basicRequires, basicSpec, buildUpstream, type Upstream } from '../helpers/fixture-upstream.js';
import { assertGoOk, goEnv, makeConsumerProject, runGo } from '../helpers/go-client.js';
import { treeFiles } from '../helpers/tree.js';

const MANIFEST_MODULES = [
  { path: BASIC.alpha, versions: ['latest', 'v1', '<v1.1.0', BASIC_PSEUDO.alpha] },
  { path: BASIC.alphaV2, versions: ['>=v2.0.0 <v2.1.0', 'v2.1'] },
  { path: BASIC.toml, versions: ['all'] },
  { path: BASIC.yaml, versions: ['<=v2.2.8', '>v2.2.8'] },
  { path: BASIC.legacy, versions: ['latest', 'v2.0.0+incompatible', 'v2'] },
  { path: BASIC.pseudoOnly, versions: ['latest'] },
  { path: BASIC.app, versions: ['latest'] },
];

/** What the manifest above must select, by the documented query semantics. */
const EXPECTED: Record<string, string[]> = {
  [BASIC.alpha]: ['v1.0.0', 'v1.1.0', BASIC_PSEUDO.alpha],
  [BASIC.alphaV2]: ['v2.0.0', 'v2.1.0'],
  [BASIC.toml]: ['v1.0.0-RC1', 'v1.0.0', 'v1.2.3'],
  [BASIC.yaml]: ['v2.2.8', 'v2.4.0'],
  // latest is v2.1.0+incompatible, as `go list -m` says: v1.0.0 has no go.mod (Go issue 34165).
  [BASIC.legacy]: ['v2.0.0+incompatible', 'v2.1.0+incompatible'],
  [BASIC.pseudoOnly]: [BASIC_PSEUDO.pseudoOnly],
  [BASIC.app]: ['v1.0.0'],
};

describe('gomirror sync, end to end', () => {
  let upstream: Upstream;
  let server: FixtureServer;
  let work: string;
  let tree: string;
  let manifest: string;

  before(async () => {
    upstream = await buildUpstream(basicSpec());
    server = await startFixtureServer({ root: upstream.dir, seed: 7 });
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-e2e-sync-'));
    tree = path.join(work, 'tree');
    manifest = path.join(work, 'mirror.json');
    await writeFile(manifest, JSON.stringify({ upstream: server.url, deps: false, modules: MANIFEST_MODULES }, null, 2));
  });
  after(async () => {
    await server?.close();
    await upstream?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('mirrors every query form through 5xx, resets, truncated bodies and delays', async () => {
    server.setFaults([
      { match: /\/@v\/list$/, first: 2, fault: { kind: 'status', status: 503, retryAfter: 0 } },
      { match: /\.zip$/, first: 2, fault: { kind: 'reset', at: 'body' } },
      { match: /\.zip$/, first: 4, fault: { kind: 'truncate' } },
      { match: /\.mod$/, first: 2, fault: { kind: 'status', status: 500 } },
      { match: /\.mod$/, first: 3, fault: { kind: 'reset', at: 'headers' } },
      { match: /\.info$/, first: 2, fault: { kind: 'delay', ms: 300, at: 'body' } },
      { match: /@latest$/, first: 1, fault: { kind: 'status', status: 429, retryAfter: 0 } },
    ]);
    const report = path.join(work, 'report.json');
    const r = await runCli(['sync', '--manifest', manifest, '--out', tree, '--report', report, '--concurrency', '4']);
    assert.equal(r.code, 0, describeCli(r));
    assert.match(r.stdout, /14 fetched, 0 already present, 0 failed/, describeCli(r));

    const rep = JSON.parse(await readFile(report, 'utf8')) as {
      ok: boolean;
      summary: { fetched: number; failed: number; retries: number };
      modules: { path: string; versions: { version: string; status: string }[] }[];
    };
    assert.equal(rep.ok, true);
    assert.equal(rep.summary.failed, 0);
    assert.ok(rep.summary.retries >= 10, `expected the faults to cost retries, report says ${rep.summary.retries}`);
    const faulted = server.requests.filter((q) => q.fault !== undefined).length;
    assert.ok(faulted >= 12, `only ${faulted} requests were faulted`);

    // Exactly the versions the queries select, no more.
    const selected = Object.fromEntries(rep.modules.map((m) => [m.path, m.versions.map((v) => v.version).sort()]));
    assert.deepEqual(selected, Object.fromEntries(Object.entries(EXPECTED).map(([k, v]) => [k, [...v].sort()])));
  });

  it('writes a tree byte-identical to the upstream for what it mirrored, with true hashes recorded', async () => {
    const files = await treeFiles(tree);
    for (const f of files.filter((f) => /\.(info|mod|zip)$/.test(f))) {
      const [ours, theirs] = await Promise.all([readFile(path.join(tree, f)), readFile(path.join(upstream.dir, f))]);
      assert.ok(ours.equals(theirs), `${f} differs from the upstream`);
    }
    assert.equal(files.filter((f) => f.endsWith('.zip')).length, 14);
    assert.equal(files.some((f) => f.includes('.tmp-')), false, 'no temp file may remain');
    // Case escaping, +incompatible and gopkg.in on disk.
    for (const f of [
      'example.com/!burnt!sushi/toml/@v/v1.0.0-!r!c1.zip',
      'example.com/legacy/@v/v2.0.0+incompatible.zip',
      'gopkg.in/yaml.v2/@v/v2.2.8.zip',
      'example.com/alpha/v2/@v/v2.0.0.zip',
    ]) {
      assert.ok(files.includes(f), `${f} missing`);
    }
    // list: tagged versions on disk, semver order, never a pseudo-version.
    assert.equal(await readFile(path.join(tree, 'example.com/alpha/@v/list'), 'utf8'), 'v1.0.0\nv1.1.0\n');
    assert.equal(await readFile(path.join(tree, 'example.com/!burnt!sushi/toml/@v/list'), 'utf8'), 'v1.0.0-RC1\nv1.0.0\nv1.2.3\n');
    assert.equal(await readFile(path.join(tree, 'example.com/pseudoonly/@v/list'), 'utf8'), '');
    // @latest only where there is no tagged version.
    const latest = JSON.parse(await readFile(path.join(tree, 'example.com/pseudoonly/@latest'), 'utf8')) as { Version: string };
    assert.equal(latest.Version, BASIC_PSEUDO.pseudoOnly);
    assert.equal(files.filter((f) => f.endsWith('@latest')).length, 1);
    // The recorded sums are the ones golang.org/x/mod/dirhash computed.
    const sums = (await readFile(path.join(tree, '.gomirror/go.sum'), 'utf8')).trim().split('\n');
    assert.equal(sums.length, 28);
    for (const line of sums) {
      const [mod, ver, hash] = line.split(' ');
      assert.equal(upstream.hashes.get(`${mod} ${ver}`), hash, line);
    }
  });

  it('the go command downloads every mirrored version from the tree and builds against it', async () => {
    const env = await goEnv({ goproxy: `file://${tree}`, gosumdb: 'off' });
    try {
      const project = path.join(env.home, 'consumer');
      await makeConsumerProject(project, basicRequires(), upstream.goSum);
      const all = Object.entries(EXPECTED).flatMap(([m, vs]) => vs.map((v) => `${m}@${v}`));
      assertGoOk(await runGo(['mod', 'download', '-json', ...all], { cwd: project, env: env.env }));
      assertGoOk(await runGo(['build', './...'], { cwd: project, env: env.env }));
      const versions = assertGoOk(await runGo(['list', '-m', '-versions', BASIC.alpha], { cwd: project, env: env.env }));
      assert.equal(versions.stdout.trim(), `${BASIC.alpha} v1.0.0 v1.1.0`);
      const got = assertGoOk(await runGo(['list', '-m', `${BASIC.pseudoOnly}@latest`], { cwd: project, env: env.env }));
      assert.equal(got.stdout.trim(), `${BASIC.pseudoOnly} ${BASIC_PSEUDO.pseudoOnly}`);
    } finally {
      await env.cleanup();
    }
  });

  it('a re-run with nothing new downloads nothing but the lists it must re-read', async () => {
    server.setFaults([]);
    server.requests.length = 0;
    const r = await runCli(['sync', '--manifest', manifest, '--out', tree]);
    assert.equal(r.code, 0, describeCli(r));
    assert.match(r.stdout, /0 fetched, 14 already present, 0 failed/);
    const fetched = server.requests.filter((q) => /\.(zip|mod|info)$/.test(q.path)).map((q) => q.path);
    // Only the go.mod that decides whether legacy's latest may be +incompatible
    // (v1.0.0's, not mirrored), which the go command reads as well.
    assert.deepEqual(fetched, ['/example.com/legacy/@v/v1.0.0.mod'], 'no mirrored version file may be downloaded again');
  });

  it('refuses an upstream whose bytes differ from the recorded hash, and writes nothing for it', async () => {
    const evil = await buildUpstream({
      modules: [
        {
          path: BASIC.alpha,
          versions: [{ version: 'v1.0.0', time: '2024-01-02T03:04:05Z', files: { 'alpha.go': 'package alpha\n\nfunc Name() string { return "evil" }\n' } }],
        },
      ],
    });
    const evilServer = await startFixtureServer({ root: evil.dir });
    try {
      const zip = path.join(tree, 'example.com/alpha/@v/v1.0.0.zip');
      const info = path.join(tree, 'example.com/alpha/@v/v1.0.0.info');
      await rm(zip);
      await rm(info);
      const m = path.join(work, 'evil.json');
      await writeFile(m, JSON.stringify({ upstream: evilServer.url, deps: false, modules: [{ path: BASIC.alpha, versions: ['v1.0.0', 'v1.1.0'] }] }));
      const r = await runCli(['sync', '--manifest', m, '--out', tree]);
      assert.equal(r.code, 1, describeCli(r));
      assert.match(r.stderr, /SECURITY ERROR: checksum mismatch for example\.com\/alpha@v1\.0\.0/);
      assert.match(r.stdout, /0 fetched, 1 already present, 1 failed/);
      const names = await readdir(path.dirname(zip));
      assert.equal(names.includes('v1.0.0.zip'), false, 'the tampered zip must not be written');
      assert.equal(names.some((n) => n.includes('.tmp-')), false);
      // The list no longer names the incomplete version; v1.1.0 is untouched.
      assert.equal(await readFile(path.join(tree, 'example.com/alpha/@v/list'), 'utf8'), 'v1.1.0\n');
      // Restore from the genuine upstream.
      const again = await runCli(['sync', '--manifest', manifest, '--out', tree]);
      assert.equal(again.code, 0, describeCli(again));
      assert.equal(await readFile(path.join(tree, 'example.com/alpha/@v/list'), 'utf8'), 'v1.0.0\nv1.1.0\n');
    } finally {
      await evilServer.close();
      await evil.cleanup();
    }
  });

  it('walks GOPROXY lists like the go command: "," passes only 404, "|" passes any error', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'gomirror-empty-'));
    const missing = await startFixtureServer({ root: empty });
    const broken = await startFixtureServer({ root: upstream.dir, faults: [{ fault: { kind: 'status', status: 500 } }] });
    const sync = async (up: string): Promise<Awaited<ReturnType<typeof runCli>>> => {
      const out = await mkdtemp(path.join(work, 'list-'));
      return runCli(['sync', '--out', out, '--retries', '1', '--upstream', up, '--gosum', await gosumFor(work, upstream, BASIC.yaml)]);
    };
    try {
      const fallsThrough = await sync(`${missing.url},${server.url}`);
      assert.equal(fallsThrough.code, 0, describeCli(fallsThrough));
      const stops = await sync(`${broken.url},${server.url}`);
      assert.equal(stops.code, 1, describeCli(stops));
      assert.match(stops.stderr, /HTTP 500/);
      const pipes = await sync(`${broken.url}|${server.url}`);
      assert.equal(pipes.code, 0, describeCli(pipes));
      const off = await sync(`off`);
      assert.equal(off.code, 1);
      assert.match(off.stderr, /GOPROXY=off/);
    } finally {
      await missing.close();
      await broken.close();
      await rm(empty, { recursive: true, force: true });
    }
  });
});

/** A go.sum holding the true lines of one module, from the fixture's hashes. */
async function gosumFor(work: string, upstream: Upstream, module: string): Promise<string> {
  const file = path.join(work, `${module.replaceAll('/', '_')}.sum`);
  const lines = upstream.goSum.split('\n').filter((l) => l.startsWith(`${module} `));
  await writeFile(file, lines.join('\n') + '\n');
  return file;
}
