/**
 * The catalog travels and follows the tree: a bundle carries it, import
 * regenerates it for the merged tree (feed in the far side's arrival order),
 * and prune takes pruned modules out of it. Real CLI, x/mod-built upstream.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { CAT, catalogSpec } from '../helpers/catalog-fixture.js';
import { describeCli, runCli, type CliResult } from '../helpers/cli.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { buildUpstream, type Upstream } from '../helpers/fixture-upstream.js';

let upstream: Upstream;
let server: FixtureServer;
let work: string;

const ok = (r: CliResult): CliResult => {
  assert.equal(r.code, 0, describeCli(r));
  return r;
};
const feed = async (root: string): Promise<string[]> =>
  (await readFile(path.join(root, '_catalog/index.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => { const o = JSON.parse(l) as { Path: string; Version: string }; return `${o.Path}@${o.Version}`; });
const exists = (file: string): Promise<boolean> => readFile(file).then(() => true, () => false);

before(async () => {
  upstream = await buildUpstream(catalogSpec());
  server = await startFixtureServer({ root: upstream.dir });
  work = await mkdtemp(path.join(tmpdir(), 'gomirror-catalog-carry-'));
});
after(async () => {
  await server?.close();
  await upstream?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the catalog across bundles and prune', () => {
  test('a bundle carries the catalog; import regenerates it for the merged tree', async () => {
    const src = path.join(work, 'src');
    const sums = upstream.goSum.split('\n').filter(Boolean);
    // The far side already holds lib; the bundle brings everything.
    await writeFile(path.join(work, 'lib.sum'), sums.filter((l) => l.startsWith(`${CAT.lib} `)).join('\n') + '\n');
    await writeFile(path.join(work, 'all.sum'), upstream.goSum);
    const dst = path.join(work, 'dst');
    ok(await runCli(['sync', '--upstream', server.url, '--gosum', path.join(work, 'lib.sum'), '--no-deps', '--out', dst]));
    assert.deepEqual((await feed(dst)).sort(), [`${CAT.lib}@v1.0.0`, `${CAT.lib}@v1.1.0`, `${CAT.lib}@v1.2.0`]);
    ok(await runCli(['sync', '--upstream', server.url, '--gosum', path.join(work, 'all.sum'), '--no-deps', '--out', src]));

    ok(await runCli(['bundle', 'export', '--root', src, '--out', path.join(work, 'b.tar')]));
    const index = JSON.parse(await readFile(path.join(work, 'b.index.json'), 'utf8')) as { files: { path: string }[] };
    const carried = index.files.map((f) => f.path);
    for (const f of ['index.html', '_catalog/index.jsonl', '_catalog/modules.json', '_catalog/m/example.com/lib/@index.html']) {
      assert.ok(carried.includes(f), `${f} not in the bundle`);
    }
    assert.equal(carried.some((f) => f.startsWith('.gomirror')), false);

    const imp = ok(await runCli(['bundle', 'import', '--root', dst, path.join(work, 'b.tar')]));
    assert.match(imp.stdout + imp.stderr, /catalog: 9 modules, 12 versions/, describeCli(imp));
    assert.ok(await exists(path.join(dst, '_catalog/m/example.com/!old/@index.html')));
    // The far side's feed: what it had first, then what the bundle brought.
    const lines = await feed(dst);
    assert.equal(lines.length, 11);
    assert.deepEqual(lines.slice(0, 3).sort(), [`${CAT.lib}@v1.0.0`, `${CAT.lib}@v1.1.0`, `${CAT.lib}@v1.2.0`]);
    assert.match(await readFile(path.join(dst, 'index.html'), 'utf8'), /id="stat-modules">9</);
    const verify = await runCli(['verify', '--root', dst]);
    assert.equal(verify.code, 0, describeCli(verify));
    assert.doesNotMatch(verify.stdout + verify.stderr, /unexpected file/);
  });

  test('prune takes pruned modules out of the pages, the search index and the feed', async () => {
    const src = path.join(work, 'src');
    const manifest = path.join(work, 'keep.json');
    await writeFile(manifest, JSON.stringify({ deps: false, modules: [{ path: CAT.lib, versions: ['v1.2.0'] }, { path: CAT.dep, versions: ['latest'] }] }));
    const r = ok(await runCli(['prune', '--root', src, '--manifest', manifest, '--grace', '0']));
    assert.match(r.stdout + r.stderr, /catalog: 2 modules/, describeCli(r));
    assert.deepEqual((await feed(src)).sort(), [`${CAT.dep}@v1.0.0`, `${CAT.lib}@v1.2.0`]);
    assert.equal(await exists(path.join(src, '_catalog/m/example.com/!old/@index.html')), false);
    const search = JSON.parse(await readFile(path.join(src, '_catalog/modules.json'), 'utf8')) as { modules: [string][] };
    assert.deepEqual(search.modules.map((m) => m[0]), [CAT.dep, CAT.lib]);
  });
});
