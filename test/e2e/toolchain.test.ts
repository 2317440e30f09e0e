/**
 * End to end, Go toolchains: gomirror mirrors golang.org/toolchain from a
 * fixture proxy (toolchains in a real release's layout, built by
 * test/fixtures/mktoolchain with golang.org/x/mod) while verifying them with
 * a fixture checksum database, although `nosumdb` names them; nginx serves
 * the tree with the emitted config; then a fresh Go 1.22 client with
 * GOTOOLCHAIN=auto, GOPROXY=<mirror>,off and GOSUMDB on switches to the
 * mirrored toolchain for a project whose go.mod asks for it, and fails
 * cleanly on the mirror's 404 for one the mirror does not hold.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { describeCli, runCli } from '../helpers/cli.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { startFixtureSumdb, type FixtureSumdb } from '../helpers/fixture-sumdb.js';
import { dlVersion, writeToolchains, type ToolchainSpec } from '../helpers/fixture-toolchains.js';
import { describeGoResult, goEnv, type GoEnv, type GoResult } from '../helpers/go-client.js';
import { curl, requireNginxTools, type RunningNginx, shareWithNginx, startNginx, writeStandaloneNginx } from './nginx-support.js';
import { spawn } from 'node:child_process';

/** The switching client: Debian bookworm-backports' golang-1.22-go (bash .ci/run installs it). */
const GO122 = '/usr/lib/go-1.22/bin/go';
const NAME = 'sum.fixture.example';
const BOTH = ['linux-amd64', 'darwin-arm64'];

// go1.23.5 exists for linux-amd64 only: `latest` must not pick it, and no list may offer it.
const UPSTREAM: ToolchainSpec[] = [
  ...['1.22.8', '1.22.9', '1.23.4', '1.24rc1'].flatMap((go) => BOTH.map((platform) => ({ go, platform }))),
  { go: '1.23.5', platform: 'linux-amd64' },
];

function runGo122(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<GoResult> {
  const command = `(cd ${cwd} && ${GO122} ${args.join(' ')})`;
  return new Promise((resolve, reject) => {
    const child = spawn(GO122, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, command });
    });
  });
}

describe('toolchains: mirror golang.org/toolchain, a Go 1.22 client switches through the mirror', () => {
  let work: string;
  let upstreamDir: string;
  let tree: string;
  let prefix: string;
  let proxy: FixtureServer | undefined;
  let db: FixtureSumdb | undefined;
  let nginx: RunningNginx | undefined;
  let mirrorUrl: string;
  let project: string;
  const clients: GoEnv[] = [];

  const client = async (): Promise<GoEnv> => {
    const env = await goEnv({ goproxy: `${mirrorUrl},off`, gosumdb: db?.vkey ?? 'off', extra: { GOTOOLCHAIN: 'auto', PATH: '/usr/bin:/bin' } });
    clients.push(env);
    return env;
  };

  before(async () => {
    if (!existsSync(GO122)) throw new Error(`${GO122} is missing: run bash .ci/run (installs golang-1.22-go from bookworm-backports)`);
    await requireNginxTools();
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-e2e-toolchain-'));
    upstreamDir = path.join(work, 'upstream');
    tree = path.join(work, 'tree');
    await mkdir(tree, { recursive: true });
    const goSum = await writeToolchains(upstreamDir, UPSTREAM);
    proxy = await startFixtureServer({ root: upstreamDir });
    db = await startFixtureSumdb({ goSum, name: NAME, fillers: 600 });
    project = path.join(work, 'project');
    await mkdir(project);
    await writeFile(path.join(project, 'go.mod'), 'module example.com/project\n\ngo 1.23.4\n');
    prefix = path.join(work, 'nginx');
    mirrorUrl = (await writeStandaloneNginx(prefix, tree, [work, tree])).url;
  });
  after(async () => {
    await nginx?.stop();
    await db?.close();
    await proxy?.close();
    for (const c of clients) await c.cleanup();
    await rm(work, { recursive: true, force: true });
  });

  const manifest = async (): Promise<string> => {
    const file = path.join(work, 'mirror.json');
    await writeFile(
      file,
      JSON.stringify({
        upstream: proxy?.url,
        sumdb: db?.gosumdb,
        // Go checks toolchains with the database even when GONOSUMDB names them.
        nosumdb: ['golang.org/*'],
        toolchains: { versions: ['go1.22', 'latest'], platforms: ['darwin-arm64'] },
        gomod: [path.join(project, 'go.mod')],
      }),
    );
    return file;
  };

  it('--dry-run shows each toolchain and the project line or query that asked for it', async () => {
    const r = await runCli(['sync', '--manifest', await manifest(), '--out', tree, '--dry-run']);
    assert.equal(r.code, 0, describeCli(r));
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('would fetch golang.org/toolchain@'));
    const gomod = path.join(project, 'go.mod');
    const latest = `mirror.json: toolchains.versions[1] (latest = go1.23.4); ${gomod}:3: go 1.23.4 (go1.23.4)`;
    assert.deepEqual(lines.sort(), [
      `would fetch golang.org/toolchain@${dlVersion('1.22.9', 'darwin-arm64')} [named: mirror.json: toolchains.versions[0] (go1.22 = go1.22.9)]`,
      `would fetch golang.org/toolchain@${dlVersion('1.22.9', 'linux-amd64')} [named: mirror.json: toolchains.versions[0] (go1.22 = go1.22.9)]`,
      `would fetch golang.org/toolchain@${dlVersion('1.23.4', 'darwin-arm64')} [named: ${latest}]`,
      `would fetch golang.org/toolchain@${dlVersion('1.23.4', 'linux-amd64')} [named: ${latest}]`,
    ].sort(), describeCli(r));
    assert.equal(existsSync(path.join(tree, 'golang.org')), false, 'a dry run writes nothing');
  });

  it('mirrors the toolchains, verified with the checksum database, and lists only Go versions complete on every platform', async () => {
    const r = await runCli(['sync', '--manifest', await manifest(), '--out', tree, '--concurrency', '4']);
    assert.equal(r.code, 0, describeCli(r));
    const list = await readFile(path.join(tree, 'golang.org/toolchain/@v/list'), 'utf8');
    assert.deepEqual(list.trim().split('\n').sort(), ['1.22.9', '1.23.4'].flatMap((go) => BOTH.map((p) => dlVersion(go, p))).sort());
    for (const v of list.trim().split('\n')) {
      assert.ok(existsSync(path.join(tree, 'sumdb', NAME, 'lookup', `golang.org/toolchain@${v}`)), `lookup of ${v} published`);
    }
    assert.match(r.stderr + r.stdout, /sumdb sum\.fixture\.example: 4 versions verified, 0 skipped/, describeCli(r));
  });

  it('a Go version the upstream lacks for one platform is never listed, and verify accepts the tree', async () => {
    const r = await runCli(['sync', '--out', tree, '--upstream', proxy?.url ?? '', '--sumdb', db?.gosumdb ?? '', '--toolchains', 'go1.23.5', '--platforms', 'darwin-arm64']);
    assert.equal(r.code, 1, describeCli(r));
    assert.ok(r.stderr.includes(`golang.org/toolchain/@v/${dlVersion('1.23.5', 'darwin-arm64')}.mod: not found (HTTP 404)`), describeCli(r));
    assert.ok(existsSync(path.join(tree, 'golang.org/toolchain/@v', `${dlVersion('1.23.5', 'linux-amd64')}.zip`)), 'the linux-amd64 file is mirrored');
    const list = await readFile(path.join(tree, 'golang.org/toolchain/@v/list'), 'utf8');
    assert.doesNotMatch(list, /1\.23\.5/, list);
    const v = await runCli(['verify', '--root', tree]);
    assert.equal(v.code, 0, describeCli(v));
  });

  it('prune keeps the toolchains the manifest and the project ask for, resolved against the tree', async () => {
    const r = await runCli(['prune', '--manifest', await manifest(), '--root', tree, '--dry-run']);
    assert.equal(r.code, 0, describeCli(r));
    const removed = r.stdout.split('\n').filter((l) => l.startsWith('would remove golang.org/'));
    assert.deepEqual(removed.map((l) => l.replace(/ \(.*\)$/, '')), [`would remove golang.org/toolchain@${dlVersion('1.23.5', 'linux-amd64')}`], describeCli(r));
  });

  it('bundles carry the toolchains and their checksum database records', async () => {
    const bundle = path.join(work, 'tc.tar');
    const e = await runCli(['bundle', 'export', '--root', tree, '--out', bundle]);
    assert.equal(e.code, 0, describeCli(e));
    const far = path.join(work, 'far');
    const i = await runCli(['bundle', 'import', '--root', far, bundle]);
    assert.equal(i.code, 0, describeCli(i));
    for (const rel of ['golang.org/toolchain/@v/list', `golang.org/toolchain/@v/${dlVersion('1.23.4', 'darwin-arm64')}.zip`, `sumdb/${NAME}/lookup/golang.org/toolchain@${dlVersion('1.23.4', 'linux-amd64')}`]) {
      assert.deepEqual(await readFile(path.join(far, rel)), await readFile(path.join(tree, rel)), rel);
    }
    const v = await runCli(['verify', '--root', far, '--sumdb', db?.vkey ?? '']);
    assert.equal(v.code, 0, describeCli(v));
  });

  it('a Go 1.22 client with GOTOOLCHAIN=auto switches to the mirrored toolchain the project asks for', async () => {
    await shareWithNginx(prefix, work, tree);
    nginx = await startNginx(prefix, path.join(prefix, 'nginx.conf'), `${mirrorUrl}/`);
    // The proxy and the database are gone: only nginx serves the tree.
    await proxy?.close();
    proxy = undefined;
    const env = await client();
    const r = await runGo122(['version'], project, env.env);
    assert.equal(r.code, 0, describeGoResult(r));
    assert.equal(r.stdout, 'go version go1.23.4 linux/amd64\n', describeGoResult(r));
    assert.match(r.stderr, /go: downloading go1\.23\.4 \(linux\/amd64\)/, describeGoResult(r));
    const zip = await curl(`${mirrorUrl}/golang.org/toolchain/@v/${dlVersion('1.23.4', 'darwin-arm64')}.zip`, { method: 'HEAD' });
    assert.equal(zip.status, 200);
    assert.match(zip.headers['cache-control'] ?? '', /immutable/, JSON.stringify(zip.headers));
  });

  it('doctor says whether the mirror holds the toolchain the project makes the local go switch to', async () => {
    const env = { PATH: `${path.dirname(GO122)}:${process.env.PATH ?? '/usr/bin:/bin'}`, GOTOOLCHAIN: 'auto', GOPROXY: `${mirrorUrl},off`, GOSUMDB: db?.vkey ?? '', GOFLAGS: '', GOENV: 'off' };
    const check = async (dir: string, go: string): Promise<{ code: number | null; status?: string; detail?: string }> => {
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'go.mod'), `module example.com/doc\n\ngo ${go}\n`);
      const r = await runCli(['doctor', '--proxy', mirrorUrl, '--log-format', 'json'], { env, cwd: dir });
      const report = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as { checks: { id: string; status: string; detail: string }[] };
      const c = report.checks.find((x) => x.id === 'toolchain');
      return { code: r.code, ...(c ? { status: c.status, detail: c.detail } : {}) };
    };
    const held = await check(path.join(work, 'doctor-held'), '1.23.4');
    assert.equal(held.status, 'ok', held.detail);
    assert.match(held.detail ?? '', /go\.mod:3 \(go 1\.23\.4\) makes go1\.22\.\d+ switch to go1\.23\.4: the mirror holds golang\.org\/toolchain@v0\.0\.1-go1\.23\.4\.linux-amd64/);
    assert.equal(held.code, 0);
    const missing = await check(path.join(work, 'doctor-missing'), '1.23.9');
    assert.equal(missing.status, 'fail', missing.detail);
    assert.match(missing.detail ?? '', /does not hold golang\.org\/toolchain@v0\.0\.1-go1\.23\.9\.linux-amd64 \(HTTP 404\)/);
    assert.equal(missing.code, 1);
  });

  it('a project line reaches a held toolchain by its exact version, listed or not', async () => {
    // go1.23.5 is held for linux-amd64 only: out of the list (no `go get go@1.23` picks it) but downloadable by name.
    const other = path.join(work, 'project-1.23.5');
    await mkdir(other);
    await writeFile(path.join(other, 'go.mod'), 'module example.com/other\n\ngo 1.23.5\n');
    const r = await runGo122(['version'], other, (await client()).env);
    assert.equal(r.code, 0, describeGoResult(r));
    assert.equal(r.stdout, 'go version go1.23.5 linux/amd64\n', describeGoResult(r));
  });

  it('fails cleanly, on the mirror\'s 404, for a toolchain the mirror does not hold', async () => {
    const other = path.join(work, 'project-1.23.9');
    await mkdir(other);
    await writeFile(path.join(other, 'go.mod'), 'module example.com/other\n\ngo 1.23.9\n');
    const env = await client();
    const r = await runGo122(['version'], other, env.env);
    assert.notEqual(r.code, 0, describeGoResult(r));
    assert.doesNotMatch(r.stdout, /go version/, describeGoResult(r));
    assert.match(r.stderr, /go: download go1\.23\.9 for linux\/amd64: toolchain not available/, describeGoResult(r));
    const log = (await readFile(path.join(prefix, 'access.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { uri: string; status: number });
    const asked = log.filter((e) => e.uri.startsWith(`/golang.org/toolchain/@v/${dlVersion('1.23.9', 'linux-amd64')}.`));
    assert.ok(asked.length > 0 && asked.every((e) => e.status === 404), JSON.stringify(log));
  });
});
