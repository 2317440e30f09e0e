/**
 * Scale at CI size: a generated upstream of about 5,000 module versions
 * (golang.org/x/mod zips of ~1 KB, served over HTTP on 127.0.0.1) is synced
 * with `all` queries, synced again (a no-op), and verified, each run as a
 * child process whose JavaScript heap is capped low (--max-old-space-size).
 * Memory that grows with the number of versions (a graph per named version
 * kept to the end, every version queued at once, the hash record rewritten
 * whole per module) runs out of that heap; flat memory does not. The test
 * asserts success and counts, never time.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { formatGoSum, parseGoSum } from '../../src/gosum/index.js';
import { unescapePath } from '../../src/module/index.js';
import { describeCli, runCli } from '../helpers/cli.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { buildBenchUpstream, type Upstream } from '../helpers/fixture-upstream.js';

const VERSIONS = 5000;
/**
 * MB of old-space heap each command gets. At 5,000 versions the code before
 * issue 17 needs well over this for a no-op sync (one module graph per named
 * version, all alive at once); the flat-memory code needs a fraction.
 */
const HEAP_MB = 48;

describe(`scale: ${VERSIONS} module versions in a ${HEAP_MB} MB heap`, { timeout: 600_000 }, () => {
  let work: string;
  let upstream: Upstream;
  let server: FixtureServer;
  let manifest: string;
  let tree: string;
  /** Module path → versions its upstream list names (what `all` selects). */
  let listed: Map<string, number>;
  let total: number;
  const env = { NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}` };

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-scale-'));
    upstream = await buildBenchUpstream(VERSIONS, { dir: path.join(work, 'upstream'), small: true });
    server = await startFixtureServer({ root: upstream.dir });
    listed = await listedVersions(upstream.dir);
    total = [...listed.values()].reduce((a, b) => a + b, 0);
    tree = path.join(work, 'tree');
    manifest = path.join(work, 'mirror.json');
    await writeFile(
      manifest,
      JSON.stringify({ upstream: server.url, sumdb: 'off', modules: [...listed.keys()].map((p) => ({ path: p, versions: ['all'] })) }),
    );
  });
  after(async () => {
    await server?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('syncs every listed version, then re-syncs with nothing to fetch, with the report complete', async () => {
    assert.ok(total > VERSIONS * 0.9, `the upstream lists ${total} versions`);
    const report = path.join(work, 'full.json');
    const full = await runCli(['sync', '--manifest', manifest, '--out', tree, '--report', report, '--log-format', 'json'], { env });
    assert.equal(full.code, 0, describeCli(full));
    const r = JSON.parse(await readFile(report, 'utf8')) as { summary: { fetched: number; failed: number; modules: number }; modules: { versions: unknown[] }[] };
    assert.deepEqual([r.summary.fetched, r.summary.failed, r.summary.modules], [total, 0, listed.size]);
    assert.equal(r.modules.reduce((n, m) => n + m.versions.length, 0), total, 'a report row for every version');
    const text = await readFile(path.join(tree, '.gomirror/go.sum'), 'utf8');
    const sums = text.trimEnd().split('\n');
    assert.deepEqual([...sums].sort(), upstream.goSum.trimEnd().split('\n').filter((l) => isListed(l)).sort(), 'every hash recorded');
    assert.equal(formatGoSum(parseGoSum(text, 'go.sum')), text, 'in go.sum order after the run');

    const noopReport = path.join(work, 'noop.json');
    const noop = await runCli(['sync', '--manifest', manifest, '--out', tree, '--report', noopReport, '--log-format', 'json'], { env });
    assert.equal(noop.code, 0, describeCli(noop));
    const n = JSON.parse(await readFile(noopReport, 'utf8')) as { summary: { fetched: number; present: number; failed: number } };
    assert.deepEqual([n.summary.fetched, n.summary.present, n.summary.failed], [0, total, 0]);
  });

  it('verifies the whole tree', async () => {
    const v = await runCli(['verify', '--root', tree], { env });
    assert.equal(v.code, 0, describeCli(v));
    assert.match(v.stdout + v.stderr, new RegExp(`tree OK: ${total} versions of ${listed.size} modules`));
  });

  /** A go.sum line of a listed version (pseudo-versions are never listed, so `all` leaves them out). */
  function isListed(line: string): boolean {
    const [mod, ver] = line.split(' ') as [string, string];
    return /^v\d+\.\d+\.\d+(-rc\.1)?(\/go\.mod)?$/.test(ver) && listed.has(mod);
  }
});

/** Module path → number of versions in its upstream `@v/list`; modules listing none are left out. */
async function listedVersions(root: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      if (e.name !== '@v') {
        await walk(path.join(dir, e.name), rel ? `${rel}/${e.name}` : e.name);
        continue;
      }
      const n = (await readFile(path.join(dir, '@v/list'), 'utf8')).split('\n').filter(Boolean).length;
      if (n > 0) out.set(unescapePath(rel), n);
    }
  };
  await walk(root, '');
  return out;
}
