/**
 * End to end: `gomirror prune` on a tree that nginx serves while real go
 * clients download from it. The manifest stops naming the newest alpha, so
 * a client that read the old list just before the prune still asks for it:
 * lists are rewritten first and files go only after the grace period, so no
 * client sees an error.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { describeCli, runCli, spawnCli } from '../helpers/cli.js';
import { BASIC, BASIC_PSEUDO, basicSpec, buildUpstream, type Upstream } from '../helpers/fixture-upstream.js';
import { describeGoResult, goEnv, runGo, type GoResult } from '../helpers/go-client.js';
import { treeFiles } from '../helpers/tree.js';
import { requireNginxTools, type RunningNginx, serveWithNginx } from './nginx-support.js';

/** What the clients download, before, during and after the prune. */
const CLIENT_QUERIES = [`${BASIC.alpha}@latest`, `${BASIC.alpha}@v1.0.0`, `${BASIC.toml}@latest`, `${BASIC.yaml}@v2.4.0`, `${BASIC.pseudoOnly}@latest`];

describe('gomirror prune, end to end', () => {
  let upstream: Upstream;
  let work: string;
  let tree: string;
  let nginx: RunningNginx | undefined;
  let base: string;
  let manifest: string;

  before(async () => {
    await requireNginxTools();
    upstream = await buildUpstream(basicSpec());
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-e2e-prune-'));
    tree = path.join(work, 'tree');
    const sum = path.join(work, 'all.sum');
    await writeFile(sum, upstream.goSum);
    const r = await runCli(['sync', '--upstream', `file://${upstream.dir}`, '--gosum', sum, '--out', tree]);
    assert.equal(r.code, 0, describeCli(r));
    manifest = path.join(work, 'mirror.json');
    await writeFile(
      manifest,
      JSON.stringify({
        deps: false,
        modules: [
          { path: BASIC.alpha, versions: ['v1.0.0'] },
          { path: BASIC.toml, versions: ['latest'] },
          { path: BASIC.yaml, versions: ['v2.4.0'] },
          { path: BASIC.pseudoOnly, versions: ['latest'] },
        ],
      }),
    );
    ({ url: base, nginx } = await serveWithNginx(path.join(work, 'prefix'), tree, [work, tree]));
  });
  after(async () => {
    await nginx?.stop();
    await upstream?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** One go client with an empty module cache: every file comes from nginx. */
  async function download(): Promise<{ result: GoResult; versions: Record<string, string> }> {
    const env = await goEnv({ goproxy: base, gosumdb: 'off' });
    try {
      const result = await runGo(['mod', 'download', '-json', ...CLIENT_QUERIES], { cwd: env.home, env: env.env, timeoutMs: 60_000 });
      const versions: Record<string, string> = {};
      for (const m of result.stdout.matchAll(/"Path": "([^"]+)",\s*"Version": "([^"]+)"/g)) versions[`${m[1]}`] = versions[`${m[1]}`] ? `${versions[`${m[1]}`]} ${m[2]}` : `${m[2]}`;
      return { result, versions };
    } finally {
      await env.cleanup();
    }
  }

  it('a dry run names what would go and changes nothing', async () => {
    const before = await treeFiles(tree);
    const r = await runCli(['prune', '--root', tree, '--manifest', manifest, '--dry-run']);
    assert.equal(r.code, 0, describeCli(r));
    assert.match(r.stdout, /^would remove example\.com\/alpha@v1\.1\.0 \(/m);
    assert.match(r.stdout, /^would remove 12 versions of 6 modules .*; kept 4$/m);
    assert.deepEqual(await treeFiles(tree), before);
  });

  it('prunes while go clients download through nginx, and none of them fails', async () => {
    const first = await download();
    assert.equal(first.result.code, 0, describeGoResult(first.result));
    assert.match(first.versions[BASIC.alpha] ?? '', /v1\.1\.0/, 'before the prune alpha@latest is v1.1.0');

    const prune = spawnCli(['prune', '--root', tree, '--manifest', manifest, '--grace', '3']);
    let pruned = false;
    const done = prune.done.finally(() => (pruned = true));
    const during: GoResult[] = [];
    while (!pruned) during.push((await download()).result);
    const r = await done;
    assert.equal(r.code, 0, describeCli(r));
    assert.match(r.stdout, /^removed 12 versions of 6 modules .*; kept 4$/m);
    assert.ok(during.length >= 2, `only ${during.length} client runs overlapped the prune`);
    for (const g of during) assert.equal(g.code, 0, describeGoResult(g));

    const afterwards = await download();
    assert.equal(afterwards.result.code, 0, describeGoResult(afterwards.result));
    assert.equal(afterwards.versions[BASIC.alpha], 'v1.0.0 v1.0.0', 'alpha@latest is now the only alpha left');

    // What was removed is gone from the server, the lists and the recorded sums.
    const get = async (p: string): Promise<{ status: number; text: string }> => {
      const res = await fetch(`${base}/${p}`);
      return { status: res.status, text: await res.text() };
    };
    assert.deepEqual(await get('example.com/alpha/@v/list'), { status: 200, text: 'v1.0.0\n' });
    assert.equal((await get('example.com/alpha/@v/v1.1.0.zip')).status, 404);
    assert.equal((await get('example.com/app/@v/list')).status, 404);
    const sums = await readFile(path.join(tree, '.gomirror/go.sum'), 'utf8');
    assert.equal(sums.includes(`${BASIC.alpha} v1.1.0 `), false);
    assert.equal(sums.includes(`${BASIC.alpha} ${BASIC_PSEUDO.alpha}`), false);
    assert.equal(sums.trim().split('\n').length, 8);
    const files = await treeFiles(tree);
    assert.equal(files.some((f) => f.startsWith('example.com/app/') || f.startsWith('example.com/legacy/')), false);
    const v = await runCli(['verify', '--root', tree]);
    assert.equal(v.code, 0, describeCli(v));
    assert.match(v.stdout, /^tree OK: 4 versions of 4 modules/m);
  });
});
