/**
 * The plan cache (.gomirror/plan-cache.jsonl, issue 17): a re-sync with the
 * same closure inputs takes the plan from it instead of reading every go.mod;
 * other inputs, a torn or edited file, or a closure with a problem never
 * reuse it. Runs the CLI against the deps fixture upstream (golang.org/x/mod
 * built, over HTTP). A cached entry is edited (same key, valid line) so that
 * whether the file was used shows in the dry-run report's rows.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { describeCli, runCli } from '../helpers/cli.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { buildUpstream, type Upstream } from '../helpers/fixture-upstream.js';
import { depsSpec, M } from './deps-fixture.js';

interface Row {
  path: string;
  /** A real run's versions, a dry run's plan. */
  versions: { version: string; source: string; from: string }[];
  plan?: { version: string; source: string; from: string }[];
}

describe('sync plan cache', { timeout: 300_000 }, () => {
  let work: string;
  let upstream: Upstream;
  let server: FixtureServer;
  let tree: string;
  let cache: string;
  const manifestOf = async (name: string, modules: { path: string; versions: string[] }[]): Promise<string> => {
    const file = path.join(work, name);
    await writeFile(file, JSON.stringify({ upstream: server.url, sumdb: 'off', deps: true, modules }));
    return file;
  };
  const sync = async (manifest: string, report: string, extra: string[] = []): Promise<{ rows: Row[]; stderr: string }> => {
    const r = await runCli(['sync', '--manifest', manifest, '--out', tree, '--report', path.join(work, report), '--log-format', 'json', ...extra]);
    assert.equal(r.code, 0, describeCli(r));
    const rep = JSON.parse(await readFile(path.join(work, report), 'utf8')) as { modules: Row[] };
    return { rows: rep.modules, stderr: r.stderr };
  };
  const plan = (rows: Row[]): string[] => rows.flatMap((m) => (m.plan ?? m.versions).map((v) => `${m.path}@${v.version} ${v.source} ${v.from}`)).sort();

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-plan-cache-'));
    upstream = await buildUpstream(depsSpec());
    server = await startFixtureServer({ root: upstream.dir });
    tree = path.join(work, 'tree');
    cache = path.join(tree, '.gomirror', 'plan-cache.jsonl');
  });
  after(async () => {
    await server?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('is written by a clean closure and gives the same plan; an edited entry shows it is read; other inputs or a torn file are not used', async () => {
    const one = await manifestOf('one.json', [{ path: M.app, versions: ['v1.0.0'] }]);
    const first = await sync(one, 'first.json');
    assert.ok((await stat(cache)).size > 0, 'written after a closure without problems');
    const deps = plan(first.rows).filter((l) => / dependency /.test(l));
    assert.ok(deps.length > 0, 'the fixture has dependencies');
    const text = await readFile(cache, 'utf8');

    // Same inputs: the dry run's plan is the first run's, and the closure read nothing.
    const again = await sync(one, 'again.json', ['--dry-run']);
    assert.deepEqual(plan(again.rows), plan(first.rows));
    assert.equal(await readFile(cache, 'utf8'), text, 'a dry run writes nothing');

    // An edited entry (still well formed, same key) shows in the plan: the file is what was used.
    const lines = text.trimEnd().split('\n');
    const at = lines.findIndex((l) => l.startsWith('[') && l.includes('"dependency"'));
    const entry = JSON.parse(lines[at] as string) as string[];
    lines[at] = JSON.stringify([...entry.slice(0, 4), 'edited@v9.9.9']);
    await writeFile(cache, lines.join('\n') + '\n');
    const edited = await sync(one, 'edited.json', ['--dry-run']);
    assert.ok(plan(edited.rows).includes(`${entry[0]}@${entry[1]} dependency edited@v9.9.9`), 'the cached plan was used');

    // Other inputs (another root): the closure runs, the edited file is not used.
    const two = await manifestOf('two.json', [{ path: M.app, versions: ['v1.0.0'] }, { path: M.shared, versions: ['v1.1.0'] }]);
    const other = await sync(two, 'other.json', ['--dry-run']);
    assert.ok(!plan(other.rows).some((l) => l.includes('edited@v9.9.9')));
    assert.ok(plan(other.rows).includes(`${M.shared}@v1.1.0 root two.json: modules[1]`), 'the new root is planned');

    // A torn file (the end line cut off) is ignored, and a real sync writes it again whole.
    await truncate(cache, Buffer.byteLength(lines.slice(0, -1).join('\n')) - 3);
    const torn = await sync(one, 'torn.json', ['--dry-run']);
    assert.deepEqual(plan(torn.rows), plan(first.rows));
    await sync(one, 'rewrite.json');
    assert.equal(await readFile(cache, 'utf8'), text, 'rewritten as the first run wrote it');
  });

  it('is removed by a closure with a problem and not written from it', async () => {
    assert.ok((await stat(cache)).size > 0);
    // A go.mod in the tree the closure cannot parse; another manifest, so the closure runs.
    const bad = path.join(tree, ...M.shared.split('/'), '@v', 'v1.1.0.mod');
    const good = await readFile(bad);
    await writeFile(bad, 'module (((\n');
    try {
      const two = await manifestOf('two-bad.json', [{ path: M.app, versions: ['v1.0.0'] }, { path: M.shared, versions: ['v1.1.0'] }]);
      const r = await runCli(['sync', '--manifest', two, '--out', tree, '--log-format', 'json']);
      assert.match(r.stderr, /go\.mod/);
      await assert.rejects(stat(cache), { code: 'ENOENT' }, 'a closure with a problem leaves no plan cache');
    } finally {
      await writeFile(bad, good);
    }
  });
});
