/**
 * End to end: mirror what a project needs. For each fixture project the real
 * go command tidies it online against the fixture upstream; gomirror syncs
 * from its go.mod/go.sum (and, separately, from a manifest naming only its
 * roots); the upstream stops; then in a fresh go environment with GOPROXY set
 * to the tree alone, `go mod tidy` leaves go.mod and go.sum unchanged and
 * `go build`, `go test` and `go list -m all` succeed.
 */
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { describeCli, runCli } from '../helpers/cli.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { buildUpstream, type Upstream } from '../helpers/fixture-upstream.js';
import { assertGoOk, goEnv, runGo } from '../helpers/go-client.js';
import { treeFiles } from '../helpers/tree.js';
import { depsSpec, M, nameSourceFor, projectSources, PSEUDO } from './deps-fixture.js';

interface Project {
  name: string;
  /** Files of the project before `go mod tidy`, by slash path. */
  files: Record<string, string>;
  /** Module directories (slash paths; '.' for the root) to tidy, build and test. */
  modules: string[];
  /** The go.work file, for a workspace. */
  work?: string;
  /** The manifest modules that name only the project's roots, when that can describe it (no main-module directives). */
  roots?: { path: string; versions: string[] }[];
  /** Also sync from go.mod alone (always so for projects without `roots`). */
  gomodOnly?: boolean;
}

/** The trees each project is checked against offline. */
const variantsOf = (p: Project): string[] => ['gomod', ...(p.roots ? ['manifest'] : []), ...(p.gomodOnly || !p.roots ? ['gomod-only'] : [])];

const PROJECTS: Project[] = [
  {
    name: 'p1: go 1.17 project over a pruned root (diamond, MVS, /v2, +incompatible, tidy -compat=1.16)',
    files: { 'go.mod': `module example.com/p1\n\ngo 1.17\n\nrequire ${M.app} v1.0.0\n`, ...projectSources([M.app]) },
    modules: ['.'],
    roots: [{ path: M.app, versions: ['v1.0.0'] }],
    gomodOnly: true,
  },
  {
    name: 'p2: go 1.16 project (unpruned): pseudo-version, go 1.16 chain, .mod-only version, cycle, no go.mod',
    files: {
      'go.mod': `module example.com/p2\n\ngo 1.16\n\nrequire (\n\t${M.pseudo} ${PSEUDO}\n\t${M.modonly} v1.1.0\n\t${M.cycA} v1.0.0\n\t${M.legacy} v1.0.0\n)\n`,
      ...projectSources([M.pseudo, M.modonly, M.cycA, M.legacy]),
    },
    modules: ['.'],
    roots: [
      { path: M.pseudo, versions: [PSEUDO] },
      { path: M.modonly, versions: ['v1.1.0'] },
      { path: M.cycA, versions: ['v1.0.0'] },
      { path: M.legacy, versions: ['v1.0.0'] },
    ],
  },
  {
    name: 'p3: go 1.18 project with replace, exclude, a retracted latest and a local directory',
    files: {
      'go.mod':
        `module example.com/p3\n\ngo 1.18\n\nrequire (\n\t${M.left} v1.0.0\n\t${M.right} v1.0.0\n\texample.com/localdep v0.0.0\n)\n\n` +
        `exclude ${M.shared} v1.2.0\n\nreplace ${M.left} => ${M.leftFork} v1.0.1\n\nreplace example.com/localdep => ./localdep\n`,
      ...projectSources([M.left, M.right, 'example.com/localdep', M.retracted]),
      'localdep/go.mod': `module example.com/localdep\n\ngo 1.18\n\nrequire ${M.testdep} v1.0.0\n`,
      'localdep/localdep.go': nameSourceFor('localdep', 'example.com/localdep', [M.testdep]),
    },
    modules: ['.'],
  },
  {
    name: 'p4: a go.work workspace of two modules',
    files: {
      'go.work': 'go 1.18\n\nuse (\n\t./one\n\t./two\n)\n',
      'one/go.mod': `module example.com/ws/one\n\ngo 1.18\n\nrequire ${M.shared} v1.1.0\n`,
      'one/one.go': nameSourceFor('one', 'example.com/ws/one', [M.shared]),
      'two/go.mod':
        `module example.com/ws/two\n\ngo 1.18\n\nrequire (\n\t${M.right} v1.0.0\n\texample.com/ws/one v0.0.0-00010101000000-000000000000\n)\n\n` +
        'replace example.com/ws/one => ../one\n',
      ...prefixed('two', projectSources(['example.com/ws/one', M.right])),
    },
    modules: ['one', 'two'],
    work: 'go.work',
  },
];

function prefixed(dir: string, files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([k, v]) => [`${dir}/${k}`, v]));
}

async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), text);
  }
}

/** go.mod and go.sum of every module of a project, by slash path. */
async function modFiles(dir: string, p: Project): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const m of p.modules) {
    for (const f of ['go.mod', 'go.sum']) {
      const rel = path.posix.join(m, f);
      out[rel] = await readFile(path.join(dir, rel), 'utf8').catch(() => '<missing>');
    }
  }
  return out;
}

describe('gomirror sync mirrors what projects need, end to end', () => {
  let upstream: Upstream;
  let server: FixtureServer;
  let work: string;
  /** Per project: the tidied project dir, and the trees synced for it. */
  const state = new Map<string, { dir: string; tidy: Record<string, string>; trees: Record<string, string> }>();

  before(async () => {
    upstream = await buildUpstream(depsSpec());
    server = await startFixtureServer({ root: upstream.dir });
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-e2e-deps-'));
  });
  after(async () => {
    await server?.close();
    await upstream?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  for (const p of PROJECTS) {
    it(`online: ${p.name}: tidy with the real go command, then sync into trees: ${variantsOf(p).join(', ')}`, async () => {
      const key = p.name.slice(0, 2);
      const dir = path.join(work, key, 'project');
      await writeFiles(dir, p.files);
      const env = await goEnv({ goproxy: server.url, gosumdb: 'off', extra: { GOWORK: 'off' } });
      try {
        for (const m of p.modules) assertGoOk(await runGo(['mod', 'tidy'], { cwd: path.join(dir, m), env: env.env }));
      } finally {
        await env.cleanup();
      }
      const trees: Record<string, string> = {};
      const gomods = p.work ? [p.work] : p.modules.map((m) => path.posix.join(m, 'go.mod'));
      const args = [...gomods.flatMap((f) => ['--gomod', path.join(dir, f)]), ...p.modules.flatMap((m) => ['--gosum', path.join(dir, m, 'go.sum')])];
      trees.gomod = path.join(work, key, 'tree-gomod');
      const report = path.join(work, key, 'report.json');
      const r = await runCli(['sync', ...args, '--out', trees.gomod, '--upstream', server.url, '--report', report]);
      assert.equal(r.code, 0, describeCli(r));
      const rep = JSON.parse(await readFile(report, 'utf8')) as { summary: { bySource: Record<string, number>; versions: number } };
      const { root = 0, gosum = 0, dependency = 0 } = rep.summary.bySource;
      assert.ok(root > 0 && root + gosum + dependency === rep.summary.versions, describeCli(r));
      if (p.roots) {
        trees.manifest = path.join(work, key, 'tree-manifest');
        const manifest = path.join(work, key, 'roots.json');
        await writeFile(manifest, JSON.stringify({ upstream: server.url, modules: p.roots }));
        const m = await runCli(['sync', '--manifest', manifest, '--out', trees.manifest]);
        assert.equal(m.code, 0, describeCli(m));
        assert.match(m.stdout, /added by dependency following/, describeCli(m));
      }
      if (variantsOf(p).includes('gomod-only')) {
        // Without go.sum, everything beyond the direct requirements comes from walking the graph.
        trees['gomod-only'] = path.join(work, key, 'tree-gomod-only');
        const g = await runCli(['sync', ...gomods.flatMap((f) => ['--gomod', path.join(dir, f)]), '--out', trees['gomod-only'], '--upstream', server.url]);
        assert.equal(g.code, 0, describeCli(g));
      }
      state.set(key, { dir, tidy: await modFiles(dir, p), trees });
    });
  }

  it('--dry-run shows the plan (counts, sources, what requires what) and writes nothing', async () => {
    const s = state.get('p1');
    assert.ok(s, 'the online step failed');
    const tree = path.join(work, 'p1', 'tree-dry');
    const r = await runCli(['sync', '--gomod', path.join(s.dir, 'go.mod'), '--out', tree, '--upstream', server.url, '--dry-run']);
    assert.equal(r.code, 0, describeCli(r));
    assert.match(r.stdout, /^dry run: \d+ module versions of \d+ modules \(6 root, 0 go\.sum, \d+ dependency\), \d+ with zips, \d+ \.mod only; \d+ to download \(zip sizes unknown until downloaded; [\d.]+ (B|KiB) of go\.mod files read to plan\), 0 errors$/m);
    assert.match(r.stdout, new RegExp(`^would fetch ${M.shared}@v1\\.1\\.0 \\(\\.info and \\.mod only\\) \\[required by ${M.left}@v1\\.0\\.0\\]$`, 'm'));
    assert.match(r.stdout, new RegExp(`^would fetch ${M.app}@v1\\.0\\.0 \\[named: ${s.dir}/go\\.mod\\]$`, 'm'));
    await assert.rejects(readFile(path.join(tree, 'example.com/app/@v/list')), { code: 'ENOENT' });
  });

  it('a later run that needs the zip of a .mod-only version adds it', async () => {
    const tree = state.get('p1')?.trees['gomod-only'] as string;
    assert.ok(!(await treeFiles(tree)).includes('example.com/shared/@v/v1.1.0.zip'));
    const manifest = path.join(work, 'p1', 'shared.json');
    await writeFile(manifest, JSON.stringify({ upstream: server.url, modules: [{ path: M.shared, versions: ['v1.1.0'] }] }));
    const r = await runCli(['sync', '--manifest', manifest, '--out', tree]);
    assert.equal(r.code, 0, describeCli(r));
    assert.match(r.stdout, /^1 fetched, /, describeCli(r));
    assert.ok((await treeFiles(tree)).includes('example.com/shared/@v/v1.1.0.zip'));
    assert.equal(await readFile(path.join(tree, 'example.com/shared/@v/list'), 'utf8'), 'v1.1.0\nv1.2.0\n');
  });

  it('a go.mod whose hash disagrees with go.sum stops that version: SECURITY ERROR, nothing written', async () => {
    const s = state.get('p1');
    assert.ok(s, 'the online step failed');
    const bad = path.join(work, 'p1', 'bad.sum');
    const line = `${M.shared} v1.1.0/go.mod `;
    const forged = 'h1:' + Buffer.alloc(32, 7).toString('base64');
    await writeFile(bad, (s.tidy['go.sum'] as string).split('\n').map((l) => (l.startsWith(line) ? line + forged : l)).join('\n'));
    const tree = path.join(work, 'p1', 'tree-bad');
    const r = await runCli(['sync', '--gomod', path.join(s.dir, 'go.mod'), '--gosum', bad, '--out', tree, '--upstream', server.url]);
    assert.equal(r.code, 1, describeCli(r));
    assert.match(r.stderr, /SECURITY ERROR: checksum mismatch for example\.com\/shared@v1\.1\.0 \(\.mod\)/);
    const files = await treeFiles(tree);
    assert.ok(!files.some((f) => f.startsWith('example.com/shared/@v/v1.1.0')), files.join('\n'));
    assert.ok(files.includes('example.com/shared/@v/v1.2.0.zip'), 'the other versions are mirrored');
  });

  it('a manifest asking for latest gets the newest version its author did not retract', async () => {
    const tree = path.join(work, 'retracted-tree');
    const manifest = path.join(work, 'retracted.json');
    await writeFile(manifest, JSON.stringify({ upstream: server.url, modules: [{ path: M.retracted, versions: ['latest', 'v1'] }] }));
    const r = await runCli(['sync', '--manifest', manifest, '--out', tree]);
    assert.equal(r.code, 0, describeCli(r));
    assert.equal(await readFile(path.join(tree, 'example.com/retracted/@v/list'), 'utf8'), 'v1.0.0\n');
  });

  it('the upstream goes away', async () => {
    await server.close();
  });

  for (const p of PROJECTS) {
    for (const variant of variantsOf(p)) {
      it(`offline from the ${variant} tree: ${p.name}: tidy leaves go.mod/go.sum unchanged; build, test, list -m all`, async () => {
        const s = state.get(p.name.slice(0, 2));
        assert.ok(s, 'the online step failed');
        const tree = s.trees[variant] as string;
        const env = await goEnv({ goproxy: `file://${tree}`, gosumdb: 'off', extra: { GOWORK: 'off' } });
        try {
          const dir = path.join(env.home, 'project');
          await cp(s.dir, dir, { recursive: true });
          const go = async (args: string[], cwd: string, extra: Record<string, string> = {}): Promise<string> =>
            assertGoOk(await runGo(args, { cwd, env: { ...env.env, ...extra } })).stdout;
          for (const m of p.modules) {
            const cwd = path.join(dir, m);
            await go(['mod', 'tidy'], cwd);
            assert.deepEqual(await modFiles(dir, { ...p, modules: [m] }), pick(s.tidy, m), `go mod tidy changed ${m}/go.mod or go.sum`);
            await go(['build', './...'], cwd);
            await go(['test', '-vet=off', './...'], cwd);
            const list = await go(['list', '-m', 'all'], cwd);
            assert.ok(list.split('\n').length > 2, list);
          }
          if (p.work) {
            // Workspace mode refuses -mod=mod.
            const ws = { GOWORK: path.join(dir, p.work), GOFLAGS: '-modcacherw' };
            await go(['build', 'example.com/ws/one/...', 'example.com/ws/two/...'], dir, ws);
            await go(['list', '-m', 'all'], dir, ws);
          }
          assert.deepEqual(await modFiles(dir, p), s.tidy, 'go.mod/go.sum changed');
        } finally {
          await env.cleanup();
        }
      });
    }
  }

  it('p1 tree: versions MVS did not pick are there as .info + .mod only, and list names only complete versions', async () => {
    const files = await treeFiles(state.get('p1')?.trees.gomod as string);
    assert.ok(files.includes('example.com/shared/@v/v1.1.0.mod'));
    assert.ok(files.includes('example.com/shared/@v/v1.1.0.info'));
    assert.ok(!files.includes('example.com/shared/@v/v1.1.0.zip'));
    assert.equal(await readFile(path.join(state.get('p1')?.trees.gomod as string, 'example.com/shared/@v/list'), 'utf8'), 'v1.2.0\n');
  });

  it('p2 tree: a version published only as go.mod is mirrored as such; the cycle resolves to the newer cyca', async () => {
    for (const variant of ['gomod', 'manifest']) {
      const tree = state.get('p2')?.trees[variant] as string;
      const files = await treeFiles(tree);
      assert.ok(files.includes('example.com/modonly/@v/v1.0.0.mod'), variant);
      assert.ok(!files.includes('example.com/modonly/@v/v1.0.0.zip'), variant);
      assert.ok(files.includes('example.com/cyca/@v/v1.1.0.zip'), variant);
      assert.equal(await readFile(path.join(tree, 'example.com/modonly/@v/list'), 'utf8'), 'v1.1.0\n');
      // gomirror verify accepts .mod-only versions as complete.
      const v = await runCli(['verify', '--root', tree]);
      assert.equal(v.code, 0, describeCli(v));
    }
  });

  it('p3 tree: the fork replaces left, the excluded version and the retracted ones are not mirrored', async () => {
    const files = await treeFiles(state.get('p3')?.trees.gomod as string);
    assert.ok(files.includes('example.com/leftfork/@v/v1.0.1.zip'));
    assert.ok(!files.some((f) => f.startsWith('example.com/left/')), 'left itself is replaced');
    assert.ok(!files.some((f) => f.startsWith('example.com/shared/@v/v1.2.0')), 'shared v1.2.0 is excluded');
    assert.deepEqual(files.filter((f) => f.startsWith('example.com/retracted/')), [
      'example.com/retracted/@v/list',
      'example.com/retracted/@v/v1.0.0.info',
      'example.com/retracted/@v/v1.0.0.mod',
      'example.com/retracted/@v/v1.0.0.zip',
    ]);
  });
});

function pick(files: Record<string, string>, dir: string): Record<string, string> {
  return Object.fromEntries(Object.entries(files).filter(([k]) => path.posix.dirname(k) === dir || (dir === '.' && !k.includes('/'))));
}
