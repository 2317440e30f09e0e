/**
 * Crash safety of the tree's record of hashes: a sync killed with SIGKILL at
 * random moments never leaves a `list` naming a version whose hashes are not
 * recorded (fsynced) in `.gomirror/go.sum`. While such a window is open, the
 * "a recorded hash never changes" protection does not cover that version.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { unescapePath } from '../../src/module/index.js';
import { describeCli, runCli, spawnCli } from '../helpers/cli.js';
import { mulberry32, startFixtureServer } from '../helpers/fixture-server.js';
import { basicSpec, buildUpstream, type Upstream } from '../helpers/fixture-upstream.js';
import { treeFiles } from '../helpers/tree.js';
import { waitFor } from '../helpers/wait.js';

const KILLS = 8;

describe('gomirror sync killed at random moments', () => {
  let upstream: Upstream;
  let work: string;
  before(async () => {
    const spec = basicSpec();
    // Many small modules, so lists are rewritten all through the run.
    for (let i = 0; i < 12; i++) {
      spec.modules.push({ path: `example.com/many/m${i}`, versions: ['v1.0.0', 'v1.1.0'].map((version) => ({ version, sizeBytes: 20_000 })) });
    }
    upstream = await buildUpstream(spec);
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-e2e-crash-'));
  });
  after(async () => {
    await upstream?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it(`after each of ${KILLS} kills, every version a list names has its hashes in .gomirror/go.sum`, async () => {
    const server = await startFixtureServer({ root: upstream.dir, faults: [{ match: /\.(zip|info)$/, fault: { kind: 'delay', ms: 150, at: 'body' } }] });
    try {
      const goSum = path.join(work, 'all.sum');
      await writeFile(goSum, upstream.goSum);
      const tree = path.join(work, 'tree');
      const args = ['sync', '--upstream', server.url, '--gosum', goSum, '--out', tree, '--concurrency', '4'];
      const random = mulberry32(7);
      let listedSeen = 0;
      for (let kill = 0; kill < KILLS; kill++) {
        const run = spawnCli(args);
        await waitFor(() => readFile(path.join(tree, '.gomirror/lock'), 'utf8').then((t) => t.includes(`"pid":${run.child.pid},`), () => false));
        // Kill at a point of progress, not of time (a loaded machine starts slowly):
        // once this run has asked for its 1st to 24th zip, when modules are completing
        // and their lists being written.
        const zips = (): number => server.requests.filter((r) => r.path.endsWith('.zip')).length;
        const seen = zips();
        const at = 1 + Math.floor(random() * 24);
        await waitFor(async () => zips() - seen >= at || run.child.exitCode !== null, 60_000);
        run.child.kill('SIGKILL');
        const r = await run.done;
        const listed = await listedVersions(tree);
        const recorded = await readFile(path.join(tree, '.gomirror/go.sum'), 'utf8').catch(() => '');
        const have = new Set(recorded.split('\n').map((l) => l.split(' ').slice(0, 2).join(' ')));
        for (const mv of listed) {
          assert.ok(have.has(mv), `kill ${kill} (exit ${r.code}): ${mv} is listed but its zip hash is not recorded`);
          assert.ok(have.has(`${mv}/go.mod`), `kill ${kill}: ${mv} is listed but its go.mod hash is not recorded`);
          // ...and it is the genuine one.
          assert.ok(recorded.includes(`${mv} ${upstream.hashes.get(mv)}\n`), `kill ${kill}: ${mv} recorded hash`);
        }
        listedSeen = Math.max(listedSeen, listed.length);
      }
      assert.ok(listedSeen > 0, 'the kills landed after some lists were written');
      const done = await runCli(args);
      assert.equal(done.code, 0, describeCli(done));
      const v = await runCli(['verify', '--root', tree]);
      assert.equal(v.code, 0, describeCli(v));
    } finally {
      await server.close();
    }
  });
});

/** `module version` for every version named in any @v/list of the tree. */
async function listedVersions(tree: string): Promise<string[]> {
  const out: string[] = [];
  for (const f of await treeFiles(tree).catch(() => [] as string[])) {
    if (!f.endsWith('/@v/list')) continue;
    const module = unescapePath(f.slice(0, -'/@v/list'.length));
    const text = await readFile(path.join(tree, f), 'utf8').catch(() => '');
    for (const v of text.split('\n').filter(Boolean)) out.push(`${module} ${v}`);
  }
  return out;
}
