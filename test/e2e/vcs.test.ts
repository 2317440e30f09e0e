/**
 * End to end: modules straight from version control (`direct`). Real git
 * repositories built at test time (helpers/git-repos.ts), reached through a
 * test GIT_CONFIG_GLOBAL insteadOf rule. The truth is the go command itself:
 * `go list -m` and `go mod download -json` with GOPROXY=direct in a fresh
 * cache of the test's own. Then nginx serves the tree and a fresh go client
 * with GOPROXY=<mirror>,off tidies and builds a project that needs public and
 * private modules, with no version control reachable.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import yauzl from 'yauzl';
import { generateNginxConfig } from '../../src/nginx/index.js';
import { describeCli, runCli } from '../helpers/cli.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { BASIC, basicSpec, buildUpstream, type Upstream } from '../helpers/fixture-upstream.js';
import { buildGitHost, GIT, HOST, type GitHost } from '../helpers/git-repos.js';
import { assertGoOk, goEnv, runGo, type GoEnv } from '../helpers/go-client.js';
import { serveGitHttps } from '../helpers/git-https.js';
import { freePort, requireNginxTools, shareWithNginx, startNginx } from './nginx-support.js';

let host: GitHost;
let upstream: Upstream;
let server: FixtureServer;
let work: string;

before(async () => {
  host = await buildGitHost();
  upstream = await buildUpstream(basicSpec());
  server = await startFixtureServer({ root: upstream.dir });
  work = await mkdtemp(path.join(tmpdir(), 'gomirror-vcs-'));
});

after(async () => {
  await server?.close();
  await upstream?.cleanup();
  await host?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

/** A go environment that reaches the test git host directly (the truth). */
async function truthEnv(goproxy = 'direct', extra: Record<string, string> = host.env): Promise<GoEnv> {
  return goEnv({ goproxy, gosumdb: 'off', goprivate: HOST, gonosumdb: HOST, extra: { ...extra } });
}

/** The files of one version in a tree. */
async function versionFiles(tree: string, module: string, version: string): Promise<{ info: Buffer; mod: Buffer; zip?: Buffer }> {
  const dir = path.join(tree, module, '@v');
  const zipFile = path.join(dir, `${version}.zip`);
  return {
    info: await readFile(path.join(dir, `${version}.info`)),
    mod: await readFile(path.join(dir, `${version}.mod`)),
    ...(existsSync(zipFile) ? { zip: await readFile(zipFile) } : {}),
  };
}

/** Versions with a .info file in the tree, per module. */
async function treeVersions(tree: string, module: string): Promise<string[]> {
  const names = await readdir(path.join(tree, module, '@v')).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.info')).map((n) => n.slice(0, -5)).sort();
}

function zipNames(data: Buffer): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(data, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('no zip'));
      const names: string[] = [];
      zip.on('entry', (e: yauzl.Entry) => {
        names.push(e.fileName);
        zip.readEntry();
      });
      zip.on('end', () => resolve(names.sort()));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Every JSON object in `go ... -json` output (a stream of objects, not an array). */
function jsonObjects(text: string): Record<string, unknown>[] {
  return text
    .split(/\n(?=\{)/)
    .filter((s) => s.trim() !== '')
    .map((s) => JSON.parse(s) as Record<string, unknown>);
}

/** Compares every version of the tree with `go mod download -json` of the same version (one go run). */
async function assertSameAsGo(tree: string, modules: string[], extra: Record<string, string> = host.env): Promise<number> {
  const env = await truthEnv('direct', extra);
  try {
    const wanted: string[] = [];
    for (const m of modules) for (const v of await treeVersions(tree, m)) wanted.push(`${m}@${v}`);
    const r = await runGo(['mod', 'download', '-json', ...wanted], { cwd: env.home, env: env.env });
    assertGoOk(r);
    const sums = await readFile(path.join(tree, '.gomirror/go.sum'), 'utf8');
    const objects = jsonObjects(r.stdout);
    assert.equal(objects.length, wanted.length);
    for (const o of objects) {
      const id = `${String(o.Path)}@${String(o.Version)}`;
      const mine = await versionFiles(tree, String(o.Path), String(o.Version));
      assert.equal(mine.info.toString(), (await readFile(String(o.Info))).toString(), `${id}: .info`);
      assert.equal(mine.mod.toString(), (await readFile(String(o.GoMod))).toString(), `${id}: .mod`);
      assert.ok(mine.zip, `${id}: the tree has its zip`);
      assert.equal(sha256(mine.zip), sha256(await readFile(String(o.Zip))), `${id}: zip bytes`);
      assert.ok(sums.includes(`${String(o.Path)} ${String(o.Version)} ${String(o.Sum)}\n`), `${id}: recorded zip h1 is go's ${String(o.Sum)}`);
      assert.ok(sums.includes(`${String(o.Path)} ${String(o.Version)}/go.mod ${String(o.GoModSum)}\n`), `${id}: recorded go.mod h1`);
    }
    return objects.length;
  } finally {
    await env.cleanup();
  }
}

describe('direct: modules from version control through the go command', () => {
  const tree = (): string => path.join(work, 'queries');
  const QUERIES: Record<string, string[]> = {
    [GIT.lib]: ['v1.0.0', 'latest', 'v1', 'v1.0', '>=v1.0.0 <v1.1.0', 'all', 'main', 'feature'],
    [GIT.sub]: ['v1.2.3', 'latest'],
    [GIT.libV2]: ['latest'],
    [GIT.old]: ['all'],
    [GIT.util]: ['latest'],
  };

  it('resolves every query form as go list -m does, and writes the files go mod download writes', async () => {
    const commitQuery = host.commits.c4?.slice(0, 7) as string;
    const manifest = {
      upstream: 'direct',
      deps: false,
      modules: Object.entries(QUERIES).map(([p, versions]) => ({ path: p, versions: p === GIT.lib ? [...versions, commitQuery] : versions })),
    };
    const file = path.join(work, 'queries.json');
    await writeFile(file, JSON.stringify(manifest));
    const report = path.join(work, 'queries-report.json');
    const r = await runCli(['sync', '--manifest', file, '--out', tree(), '--report', report, '--log-format', 'json'], {
      env: { ...host.env, GOPRIVATE: HOST },
    });
    assert.equal(r.code, 0, describeCli(r));

    // The truth: what the go command resolves each query to.
    const env = await truthEnv();
    const expected = new Map<string, Set<string>>();
    try {
      for (const m of manifest.modules) {
        const set = new Set<string>();
        for (const q of m.versions) {
          if (q === 'all') {
            const o = JSON.parse(assertGoOk(await runGo(['list', '-m', '-json', '-versions', m.path], { cwd: env.home, env: env.env })).stdout) as { Versions: string[] };
            for (const v of o.Versions) set.add(v);
          } else if (q.startsWith('>=')) {
            // go list takes one version for a range query: the lowest match; a mirror takes them all.
            set.add('v1.0.0');
          } else {
            const o = JSON.parse(assertGoOk(await runGo(['list', '-m', '-json', `${m.path}@${q}`], { cwd: env.home, env: env.env })).stdout) as { Version: string };
            set.add(o.Version);
          }
        }
        expected.set(m.path, set);
      }
    } finally {
      await env.cleanup();
    }
    for (const [m, set] of expected) assert.deepEqual(await treeVersions(tree(), m), [...set].sort(), `${m}: versions in the tree`);
    // The range is the whole range (v1.0.0 only: v1.1.0 is excluded by <v1.1.0), a pseudo-version per branch and commit.
    const libVersions = await treeVersions(tree(), GIT.lib);
    assert.equal(libVersions.filter((v) => /-0\.2024\d+-[0-9a-f]{12}$/.test(v)).length, 2, libVersions.join(' '));
    assert.ok(libVersions.some((v) => v.endsWith(host.commits.c4?.slice(0, 12) as string)), 'the commit query is the feature branch head');
    assert.deepEqual(await treeVersions(tree(), GIT.old), ['v1.0.0', 'v2.0.0+incompatible']);

    const compared = await assertSameAsGo(tree(), Object.keys(QUERIES));
    assert.equal(compared, [...expected.values()].reduce((n, s) => n + s.size, 0));

    // @v/list is the go command's own list for a module mirrored with "all".
    const list = (await readFile(path.join(tree(), GIT.lib, '@v/list'), 'utf8')).trim().split('\n');
    assert.deepEqual(list, ['v1.0.0', 'v1.1.0']);

    // Zip contents, independently of the go command: export-ignore, vendor quirk, nested and sub modules left out.
    // export-ignore does NOT drop secret.txt: the go command writes `* -export-subst -export-ignore`
    // into the repository's info/attributes before git archive (ensureGitAttributes, golang/go#27153),
    // so that a revision's zip hash does not depend on git versions or attributes.
    const libZip = (await versionFiles(tree(), GIT.lib, 'v1.0.0')).zip as Buffer;
    assert.deepEqual(
      await zipNames(libZip),
      ['.gitattributes', 'LICENSE', 'go.mod', 'lib.go', 'secret.txt', 'vendor/modules.txt'].map((f) => `${GIT.lib}@v1.0.0/${f}`).sort(),
    );
    const subZip = (await versionFiles(tree(), GIT.sub, 'v1.2.3')).zip as Buffer;
    assert.deepEqual(await zipNames(subZip), ['LICENSE', 'go.mod', 'sub.go'].map((f) => `${GIT.sub}@v1.2.3/${f}`).sort());
    // The submodule of util v1.0.1 (latest) is not in its zip.
    const utilZip = (await versionFiles(tree(), GIT.util, 'v1.0.1')).zip as Buffer;
    assert.deepEqual(await zipNames(utilZip), ['.gitmodules', 'go.mod', 'util.go'].map((f) => `${GIT.util}@v1.0.1/${f}`).sort());
    const oldMod = (await versionFiles(tree(), GIT.old, 'v2.0.0+incompatible')).mod.toString();
    assert.equal(oldMod, `module ${GIT.old}\n`, 'a repository without go.mod gets the synthesized one');

    // The report says what the branch and commit became.
    const rep = JSON.parse(await readFile(report, 'utf8')) as { modules: { path: string; resolved?: string[] }[] };
    const resolved = rep.modules.find((m) => m.path === GIT.lib)?.resolved ?? [];
    assert.equal(resolved.length, 3, resolved.join('\n'));
    assert.ok(resolved.some((n) => n.includes(`${GIT.lib}@main is v1.1.1-0.`) && n.includes('pseudo-version')), resolved.join('\n'));

    // Many versions per go command: fewer go mod download runs than versions, let alone files.
    const vcsLine = r.stdout
      .concat(r.stderr)
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { goDownloads?: number; goRuns?: number })
      .find((l) => l.goDownloads !== undefined);
    assert.ok(vcsLine, 'the run logs its go commands');
    assert.ok((vcsLine.goDownloads as number) < compared, `${vcsLine.goDownloads} go mod download runs for ${compared} versions`);
  });

  it('a second run with exact versions on disk does no version control work at all', async () => {
    const manifest = {
      upstream: 'direct',
      deps: false,
      modules: [
        { path: GIT.lib, versions: ['v1.0.0', 'v1.1.0'] },
        { path: GIT.sub, versions: ['v1.2.3'] },
        { path: GIT.old, versions: ['v2.0.0+incompatible'] },
      ],
    };
    const file = path.join(work, 'again.json');
    await writeFile(file, JSON.stringify(manifest));
    // No insteadOf rule: the host does not resolve, so any git access would fail the run.
    const r = await runCli(['sync', '--manifest', file, '--out', tree(), '--log-format', 'json'], {
      env: { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
    });
    assert.equal(r.code, 0, describeCli(r));
    assert.ok(!r.stdout.includes('goRuns') && !r.stderr.includes('goRuns'), describeCli(r));
    assert.match(r.stdout, /"fetched":0,"present":4,"failed":0/);
  });

  it('a dry run resolves through version control but writes nothing, not even its go cache', async () => {
    const out = path.join(work, 'dry');
    const r = await runCli(['sync', '--upstream', 'direct', '--out', out, '--dry-run', '--manifest', await manifestFor(GIT.lib, 'main')], { env: { ...host.env } });
    assert.equal(r.code, 0, describeCli(r));
    assert.match(r.stdout, new RegExp(`would fetch ${GIT.lib}@v1\\.1\\.1-0\\.20240302100000-${host.commits.c3?.slice(0, 12)}`));
    assert.equal(existsSync(out), false);
  });

  it('repository not found, unknown tag and a mismatched module path fail that version only (exit 1), naming module and query', async () => {
    const out = path.join(work, 'errors');
    const manifest = {
      upstream: 'direct',
      deps: false,
      modules: [
        { path: GIT.util, versions: ['v1.0.0'] },
        { path: GIT.lib, versions: ['v1.9.9'] },
        { path: GIT.wrong, versions: ['v1.0.0'] },
        { path: `${HOST}/team/nope.git`, versions: ['v1.0.0'] },
        { path: GIT.lib, versions: ['no-such-branch'] },
      ],
    };
    const file = path.join(work, 'errors.json');
    await writeFile(file, JSON.stringify(manifest));
    const r = await runCli(['sync', '--manifest', file, '--out', out], { env: { ...host.env } });
    assert.equal(r.code, 1, describeCli(r));
    const text = r.stdout + r.stderr;
    assert.match(text, new RegExp(`${GIT.lib}@v1\\.9\\.9: from version control: .*unknown revision v1\\.9\\.9`));
    assert.match(text, new RegExp(`${GIT.wrong}@v1\\.0\\.0: from version control: go\\.mod declares its path as "example\\.com/elsewhere"`));
    assert.match(text, new RegExp(`${HOST}/team/nope\\.git@v1\\.0\\.0: from version control`));
    assert.match(text, new RegExp(`${GIT.lib}@no-such-branch: from version control`));
    assert.deepEqual(await treeVersions(out, GIT.util), ['v1.0.0']);
    assert.deepEqual(await treeVersions(out, GIT.lib), []);
    assert.deepEqual(await treeVersions(out, GIT.wrong), []);
    assert.equal(existsSync(path.join(out, GIT.lib, '@v', 'v1.9.9.mod')), false);
  });

  it('a run that needs the go command and cannot find it stops before any work (exit 2)', async () => {
    const out = path.join(work, 'nogo');
    const r = await runCli(['sync', '--upstream', 'direct', '--go', path.join(work, 'no-such-go'), '--out', out, '--gosum', '/dev/null'], {
      env: { ...host.env },
    });
    assert.equal(r.code, 2, describeCli(r));
    assert.match(r.stderr, /--go: .*no-such-go is not a working go command/);
    assert.equal(existsSync(out), false);
    // GOPRIVATE alone (no "direct" in upstream) needs it too: those modules never go to a proxy.
    const r2 = await runCli(['sync', '--upstream', server.url, '--out', out, '--gosum', '/dev/null'], {
      env: { ...host.env, GOPRIVATE: HOST, PATH: path.join(work, 'empty-path') },
    });
    assert.equal(r2.code, 2, describeCli(r2));
    assert.match(r2.stderr, /\$PATH: no go command found/);
  });
});

describe('direct: over https with go-import discovery, git smart HTTP, .netrc and a company CA', () => {
  it('mirrors what go mod download yields, the credentials never shown', async () => {
    const srv = await serveGitHttps(host.root, HOST, 'ci', 'T0ken-s3cret');
    try {
      const out = path.join(work, 'https');
      const manifest = path.join(work, 'https.json');
      await writeFile(manifest, JSON.stringify({ upstream: 'direct', deps: false, modules: [{ path: GIT.web, versions: ['v1.0.0', 'latest', 'main'] }] }));
      const r = await runCli(['sync', '--manifest', manifest, '--out', out], { env: { ...srv.env, GOPRIVATE: HOST } });
      assert.equal(r.code, 0, describeCli(r));
      const versions = await treeVersions(out, GIT.web);
      assert.equal(versions.length, 2, versions.join(' '));
      assert.equal(versions[0], 'v1.0.0');
      assert.match(versions[1] as string, /^v1\.0\.1-0\.20240502100000-[0-9a-f]{12}$/);
      assert.equal(await assertSameAsGo(out, [GIT.web], srv.env), 2);
      assert.ok(srv.requests.includes(`GET /team/web?go-get=1`), srv.requests.join('\n'));
      assert.ok(srv.requests.some((q) => q.startsWith('POST /team/web.git/git-upload-pack')), srv.requests.join('\n'));
      assert.ok(!(r.stdout + r.stderr).includes('T0ken-s3cret'));

      // Again: latest and main ask for the current refs (git protocol v2's ls-refs is a POST
      // too), but the repository is in .gomirror/vcs already: fewer git requests, nothing downloaded.
      assert.ok(existsSync(path.join(out, '.gomirror/vcs/modcache/cache/vcs')), 'the repository cache is kept');
      const firstPosts = srv.requests.filter((q) => q.startsWith('POST')).length;
      const before = srv.requests.length;
      const again = await runCli(['sync', '--manifest', manifest, '--out', out, '--log-format', 'json'], { env: { ...srv.env, GOPRIVATE: HOST } });
      assert.equal(again.code, 0, describeCli(again));
      assert.match(again.stdout, /"fetched":0,"present":2,"failed":0/);
      const second = srv.requests.slice(before);
      assert.ok(second.some((q) => q.startsWith('GET /team/web.git/info/refs')), second.join('\n'));
      const secondPosts = second.filter((q) => q.startsWith('POST')).length;
      assert.ok(secondPosts < firstPosts, `${secondPosts} git-upload-pack requests on the second run, ${firstPosts} on the first`);
    } finally {
      await srv.close();
    }
  });

  it('refused credentials fail the version at once (no prompt), name module and query, and show no secret', async () => {
    const srv = await serveGitHttps(host.root, HOST, 'ci', 'T0ken-s3cret', 'wr0ng-Pa55');
    try {
      const out = path.join(work, 'https-denied');
      const r = await runCli(['sync', '--upstream', 'direct', '--out', out, '--gosum', '/dev/null', '--manifest', await manifestFor(GIT.web, 'v1.0.0')], {
        env: { ...srv.env, GOPRIVATE: HOST },
      });
      assert.equal(r.code, 1, describeCli(r));
      assert.match(r.stdout + r.stderr, new RegExp(`${GIT.web}@v1\\.0\\.0: from version control: `));
      assert.ok(!(r.stdout + r.stderr).includes('wr0ng-Pa55'));
      assert.deepEqual(await treeVersions(out, GIT.web), []);
    } finally {
      await srv.close();
    }
  });
});

async function manifestFor(module: string, version: string): Promise<string> {
  const file = path.join(work, `m-${createHash('sha256').update(module + version).digest('hex').slice(0, 8)}.json`);
  await writeFile(file, JSON.stringify({ deps: false, modules: [{ path: module, versions: [version] }] }));
  return file;
}

describe('direct: a project mixing public and private modules builds offline from the mirror', () => {
  it('tidy online, sync (proxy then direct on 404), serve with nginx, tidy and build with GOPROXY=<mirror>,off', async () => {
    await requireNginxTools();
    const project = path.join(work, 'project');
    await mkdir(project, { recursive: true });
    const requires: [string, string][] = [
      [GIT.lib, 'v1.1.0'],
      [GIT.sub, 'v1.2.3'],
      [GIT.libV2, 'v2.0.0'],
      [GIT.old, 'v2.0.0+incompatible'],
      [BASIC.app, 'v1.0.0'],
    ];
    await writeFile(
      path.join(project, 'go.mod'),
      `module example.com/consumer\n\ngo 1.17\n\nrequire (\n${requires.map(([p, v]) => `\t${p} ${v}\n`).join('')})\n`,
    );
    const imports = requires.map(([p], i) => `\tm${i} ${JSON.stringify(p)}\n`).join('');
    const calls = requires.map((_, i) => `\tfmt.Println(m${i}.Name())\n`).join('');
    await writeFile(path.join(project, 'main.go'), `package main\n\nimport (\n\t"fmt"\n\n${imports})\n\nfunc main() {\n${calls}}\n`);

    // Online, as a developer would: public modules from the proxy, private ones from git.
    const online = await truthEnv(server.url);
    try {
      assertGoOk(await runGo(['mod', 'tidy'], { cwd: project, env: online.env }));
    } finally {
      await online.cleanup();
    }
    const goMod = await readFile(path.join(project, 'go.mod'), 'utf8');
    const goSum = await readFile(path.join(project, 'go.sum'), 'utf8');
    assert.match(goSum, new RegExp(`${GIT.util} v1\\.0\\.0 h1:`), 'the closure runs through a private module into another');

    // The mirror: nothing names the private modules but the project; they are not on the proxy (404), so "direct".
    const tree = path.join(work, 'mirror');
    const manifest = path.join(work, 'mixed.json');
    await writeFile(manifest, JSON.stringify({ nosumdb: [HOST] }));
    const r = await runCli(
      ['sync', '--manifest', manifest, '--gomod', path.join(project, 'go.mod'), '--gosum', path.join(project, 'go.sum'), '--out', tree, '--upstream', `${server.url},direct`],
      { env: { ...host.env } },
    );
    assert.equal(r.code, 0, describeCli(r));

    const prefix = path.join(work, 'nginx');
    await mkdir(prefix, { recursive: true });
    const port = await freePort();
    const conf = path.join(prefix, 'nginx.conf');
    await generateNginxConfig({ root: tree, standalone: true, listen: `127.0.0.1:${port}` }, conf);
    await chmod(work, 0o755);
    await shareWithNginx(prefix, work, tree);
    const nginx = await startNginx(prefix, conf, `http://127.0.0.1:${port}/`);
    const client = await goEnv({
      goproxy: `http://127.0.0.1:${port},off`,
      gosumdb: 'off',
      gonosumdb: HOST,
      // No insteadOf rule: git.corp.example.com is unreachable.
      extra: { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
    });
    try {
      const offline = path.join(work, 'project-offline');
      await mkdir(offline);
      for (const f of ['go.mod', 'go.sum', 'main.go']) await writeFile(path.join(offline, f), await readFile(path.join(project, f)));
      assertGoOk(await runGo(['mod', 'tidy'], { cwd: offline, env: client.env }));
      assert.equal(await readFile(path.join(offline, 'go.mod'), 'utf8'), goMod);
      assert.equal(await readFile(path.join(offline, 'go.sum'), 'utf8'), goSum);
      assertGoOk(await runGo(['build', '-o', 'consumer', '.'], { cwd: offline, env: client.env }));
      const out = assertGoOk(await runGo(['run', '.'], { cwd: offline, env: client.env })).stdout;
      assert.match(out, new RegExp(`${GIT.lib}@v1\\.1\\.0`));
      assert.match(out, new RegExp(`${GIT.sub}@v1\\.2\\.3`));
      assert.match(out, new RegExp(`${GIT.libV2}@v2\\.0\\.0`));
      assert.match(out, new RegExp(`${GIT.old}@v2\\.0\\.0`));
      assert.match(out, /app\(/);
    } finally {
      await client.cleanup();
      await nginx.stop();
    }
  });
});
