/**
 * A no-op re-sync in flat memory (issue 17): a tree of 20,000 module versions
 * written straight to disk (with its hash record), served as its own
 * upstream, re-synced with `all` queries and deps followed. The first re-sync
 * walks the dependency closure and keeps its plan; the second, with V8's old
 * space capped, takes the plan from .gomirror/plan-cache.jsonl instead of
 * reading 20,000 go.mod files into one closure. The code before needed more
 * than this heap for the no-op (it died of heap exhaustion here).
 *
 * Both runs, and a first sync that stages its downloads in worker threads,
 * keep V8's young generation near its starting size (a probe preloaded into
 * the gomirror process records its largest size): reading the manifest, or
 * a worker starting (Node sets V8's flags again then), grew it to 32 MB of
 * RSS in the code before.
 *
 * A no-op with no plan cache, over a tree whose go.mod files require each
 * other, walks the closure (20,000 go.mod files) in a heap the code before
 * did not fit it in (it died of heap exhaustion at 28 MB; it needs 30 MB):
 * go.mod summaries and plan entries live on the version table's objects, a
 * graph keeps one node per version, and the plan's entry objects are made
 * only once the graphs are let go. (Passes at 26 MB.)
 *
 * And a sync of one module into a tree whose hash record holds 150,000
 * versions (21 MB of go.sum), in a heap the record's text does not fit in
 * beside its entries: the record is read a piece at a time (the code before
 * read it whole, and died here).
 */
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { describeCli, runCli } from '../helpers/cli.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { writeFlatTree } from '../helpers/flat-tree.js';
import { buildUpstream } from '../helpers/fixture-upstream.js';
import { YOUNG_MB, youngProbe } from '../helpers/young-probe.js';
import { scaleSpec } from '../helpers/scale-tree.js';

const MODULES = 2000;
const PER_MODULE = 10;
const VERSIONS = MODULES * PER_MODULE;
/** Old space for the capped no-op (MB). */
const HEAP_MB = 28;

/**
 * The flat tree written into `work`/upstream and copied to `work`/tree with
 * both hashes of every version recorded (a re-sync finds everything present
 * and re-hashes nothing), served as its own upstream; the manifest queries
 * `all` of every module with deps followed.
 */
async function presentTree(work: string, options: { requires?: number } = {}): Promise<{ tree: string; server: FixtureServer; manifest: string }> {
  const upstream = path.join(work, 'upstream');
  await writeFlatTree(upstream, MODULES, PER_MODULE, options);
  const tree = path.join(work, 'tree');
  await cp(upstream, tree, { recursive: true });
  const lines: string[] = [];
  for (let j = 0; j < MODULES; j++) {
    for (let i = 0; i < PER_MODULE; i++) {
      const h = (n: number): string => 'h1:' + Buffer.alloc(32, (j * PER_MODULE + i + n) % 256).toString('base64');
      lines.push(`flat.example.com/m${j} v1.0.${i} ${h(0)}`, `flat.example.com/m${j} v1.0.${i}/go.mod ${h(1)}`);
    }
  }
  await mkdir(path.join(tree, '.gomirror'), { recursive: true });
  await writeFile(path.join(tree, '.gomirror', 'go.sum'), lines.join('\n') + '\n');
  const server = await startFixtureServer({ root: upstream });
  const manifest = path.join(work, 'mirror.json');
  const modules = Array.from({ length: MODULES }, (_, j) => ({ path: `flat.example.com/m${j}`, versions: ['all'] }));
  await writeFile(manifest, JSON.stringify({ upstream: server.url, sumdb: 'off', deps: true, modules }));
  return { tree, server, manifest };
}

describe(`sync no-op of ${VERSIONS} versions in a ${HEAP_MB} MB heap`, { timeout: 600_000 }, () => {
  let work: string;
  let tree: string;
  let server: FixtureServer;
  let manifest: string;

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-scale-sync-'));
    ({ tree, server, manifest } = await presentTree(work));
  });
  after(async () => {
    await server?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('re-syncs with nothing to fetch, the capped run from the cached plan, with the same report', async () => {
    const summaries = [];
    const probe = await youngProbe(work, 'no-op');
    for (const [name, env] of [
      ['first', probe.env],
      ['capped', { NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}` }],
    ] as const) {
      const report = path.join(work, `${name}.json`);
      const r = await runCli(['sync', '--manifest', manifest, '--out', tree, '--report', report, '--log-format', 'json'], { env });
      assert.equal(r.code, 0, `${name}: ${describeCli(r)}`);
      assert.match(r.stderr, new RegExp(`dependency closure: ${VERSIONS} go.mod files read, 0 versions added`));
      const rep = JSON.parse(await readFile(report, 'utf8')) as { summary: Record<string, unknown>; modules: { versions: unknown[] }[] };
      assert.equal(rep.modules.length, MODULES);
      assert.equal(rep.modules.reduce((n, m) => n + m.versions.length, 0), VERSIONS, 'a row for every version');
      summaries.push(rep.summary);
    }
    const [first, capped] = summaries as [Record<string, unknown>, Record<string, unknown>];
    assert.deepEqual([first.fetched, first.present, first.failed, first.modules], [0, VERSIONS, 0, MODULES]);
    assert.deepEqual(capped, first, 'the cached plan gives the same summary');
    const young = await probe.read();
    assert.ok(young <= YOUNG_MB, `the closure walk's young generation grew to ${young} MB`);
  });
});

describe('a first sync keeps the young generation small while workers stage its downloads', { timeout: 300_000 }, () => {
  let work: string;
  let server: FixtureServer;
  const [modules, perModule] = [40, 5];

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-scale-young-'));
    const upstream = await buildUpstream(scaleSpec(modules, perModule), path.join(work, 'upstream'));
    server = await startFixtureServer({ root: upstream.dir });
  });
  after(async () => {
    await server?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('fetches every version with the young generation at most its limit', async () => {
    const spec = scaleSpec(modules, perModule);
    const manifest = path.join(work, 'mirror.json');
    await writeFile(manifest, JSON.stringify({ upstream: server.url, sumdb: 'off', modules: spec.modules.map((m) => ({ path: m.path, versions: ['all'] })) }));
    const probe = await youngProbe(work, 'full');
    const report = path.join(work, 'report.json');
    const r = await runCli(['sync', '--manifest', manifest, '--out', path.join(work, 'tree'), '--report', report, '--log-format', 'json'], { env: probe.env });
    assert.equal(r.code, 0, describeCli(r));
    const rep = JSON.parse(await readFile(report, 'utf8')) as { summary: Record<string, unknown> };
    assert.deepEqual([rep.summary.fetched, rep.summary.failed], [modules * perModule, 0]);
    const young = await probe.read();
    assert.ok(young <= YOUNG_MB, `the first sync's young generation grew to ${young} MB`);
  });
});

/** Old space for the no-op that walks the closure (MB). */
const WALK_HEAP_MB = 28;

describe(`sync no-op that walks the closure of ${VERSIONS} versions in a ${WALK_HEAP_MB} MB heap`, { timeout: 600_000 }, () => {
  let work: string;
  let tree: string;
  let server: FixtureServer;
  let manifest: string;

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-scale-walk-'));
    // Every go.mod requires the same version of the two modules before it: the closure walks real requirements.
    ({ tree, server, manifest } = await presentTree(work, { requires: 2 }));
  });
  after(async () => {
    await server?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('reads every go.mod with no plan cache, finds nothing to fetch, and keeps the plan for the next run', async () => {
    const cache = path.join(tree, '.gomirror', 'plan-cache.jsonl');
    await assert.rejects(readFile(cache), 'no plan cache before the run: it walks the closure');
    const report = path.join(work, 'report.json');
    const r = await runCli(['sync', '--manifest', manifest, '--out', tree, '--report', report, '--log-format', 'json'], {
      env: { NODE_OPTIONS: `--max-old-space-size=${WALK_HEAP_MB}` },
    });
    assert.equal(r.code, 0, describeCli(r));
    // Every version is a root and also required by the two modules after it: nothing is added by requirements.
    assert.match(r.stderr, new RegExp(`dependency closure: ${VERSIONS} go.mod files read, 0 versions added`));
    const rep = JSON.parse(await readFile(report, 'utf8')) as { summary: Record<string, unknown>; modules: { versions: unknown[] }[] };
    assert.deepEqual([rep.summary.fetched, rep.summary.present, rep.summary.failed, rep.summary.modules], [0, VERSIONS, 0, MODULES]);
    assert.equal(rep.modules.reduce((n, m) => n + m.versions.length, 0), VERSIONS, 'a row for every version');
    const lines = (await readFile(cache, 'utf8')).trimEnd().split('\n');
    assert.equal(lines.length, VERSIONS + 2, 'the plan cache has an entry for every version');
  });
});

const RECORD_VERSIONS = 150_000;
/** Old space for the sync over the large record (MB): its entries fit, its whole text beside them does not. */
const RECORD_HEAP_MB = 34;

describe(`sync over a hash record of ${RECORD_VERSIONS} versions in a ${RECORD_HEAP_MB} MB heap`, { timeout: 300_000 }, () => {
  let work: string;
  let server: FixtureServer;

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-scale-record-'));
    await writeFlatTree(path.join(work, 'upstream'), 1, 1);
    server = await startFixtureServer({ root: path.join(work, 'upstream') });
  });
  after(async () => {
    await server?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('opens the record a piece at a time: the sync succeeds and leaves the record as it was', async () => {
    const tree = path.join(work, 'tree');
    await cp(path.join(work, 'upstream'), tree, { recursive: true });
    await mkdir(path.join(tree, '.gomirror'), { recursive: true });
    const h = (n: number): string => 'h1:' + Buffer.alloc(32, n % 256).toString('base64');
    // Versions of modules the manifest does not name, then the one it names (in the tree already: nothing to fetch), in go.sum order.
    const chunks: string[] = [];
    let lines: string[] = [];
    for (let n = 0; n < RECORD_VERSIONS; n++) {
      const [j, i] = [Math.floor(n / 10), n % 10];
      lines.push(`a.example/m${String(j).padStart(5, '0')} v1.0.${i} ${h(n)}`, `a.example/m${String(j).padStart(5, '0')} v1.0.${i}/go.mod ${h(n + 1)}`);
      if (lines.length >= 10_000) {
        chunks.push(lines.join('\n') + '\n');
        lines = [];
      }
    }
    lines.push(`flat.example.com/m0 v1.0.0 ${h(1)}`, `flat.example.com/m0 v1.0.0/go.mod ${h(2)}`);
    chunks.push(lines.join('\n') + '\n');
    const record = chunks.join('');
    await writeFile(path.join(tree, '.gomirror', 'go.sum'), record);
    const manifest = path.join(work, 'mirror.json');
    await writeFile(manifest, JSON.stringify({ upstream: server.url, sumdb: 'off', deps: true, modules: [{ path: 'flat.example.com/m0', versions: ['all'] }] }));
    const report = path.join(work, 'report.json');
    const r = await runCli(['sync', '--manifest', manifest, '--out', tree, '--report', report, '--log-format', 'json'], {
      env: { NODE_OPTIONS: `--max-old-space-size=${RECORD_HEAP_MB}` },
    });
    assert.equal(r.code, 0, describeCli(r));
    const rep = JSON.parse(await readFile(report, 'utf8')) as { summary: Record<string, unknown> };
    assert.deepEqual([rep.summary.fetched, rep.summary.present, rep.summary.failed], [0, 1, 0]);
    assert.equal(await readFile(path.join(tree, '.gomirror', 'go.sum'), 'utf8'), record, 'the record is as it was');
  });
});
