/**
 * Data from an upstream is never input: a go.mod on the upstream that
 * requires a malformed module path fails that dependency (exit 1); the run
 * goes on, mirrors everything else, and writes its report and hashes.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { describeCli, runCli } from '../helpers/cli.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { buildUpstream, type Upstream } from '../helpers/fixture-upstream.js';

const APP = 'example.com/app';
const GOOD = 'example.com/good';
const OTHER = 'example.com/other';

describe('an upstream go.mod with a malformed require', () => {
  let upstream: Upstream;
  let server: FixtureServer;
  let work: string;
  before(async () => {
    upstream = await buildUpstream({
      modules: [
        {
          path: APP,
          versions: [
            {
              version: 'v1.0.0',
              gomod: `module ${APP}\n\ngo 1.17\n\nrequire (\n\t${GOOD} v1.0.0\n\texample.com/bad./path v1.0.0\n\t"example.com/with space" v1.0.0\n)\n`,
            },
          ],
        },
        { path: GOOD, versions: [{ version: 'v1.0.0' }] },
        { path: OTHER, versions: [{ version: 'v1.0.0' }, { version: 'v1.1.0', sizeBytes: 200_000 }] },
      ],
    });
    server = await startFixtureServer({ root: upstream.dir });
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-e2e-badreq-'));
  });
  after(async () => {
    await server?.close();
    await upstream?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('fails only the bad requirements (exit 1); everything else is mirrored, with report and go.sum', async () => {
    const manifest = path.join(work, 'mirror.json');
    await writeFile(
      manifest,
      JSON.stringify({ upstream: server.url, deps: true, modules: [{ path: APP, versions: ['v1.0.0'] }, { path: OTHER, versions: ['all'] }] }),
    );
    const tree = path.join(work, 'tree');
    const report = path.join(work, 'report.json');
    const r = await runCli(['sync', '--manifest', manifest, '--out', tree, '--report', report]);
    assert.equal(r.code, 1, describeCli(r));
    assert.match(r.stderr, /example\.com\/app@v1\.0\.0: go\.mod requires a malformed module path "example\.com\/bad\.\/path"/, describeCli(r));
    assert.match(r.stderr, /"example\.com\/with space"/, describeCli(r));
    assert.doesNotMatch(r.stderr, /UND_ERR|E_INTERNAL/, describeCli(r));
    const rep = JSON.parse(await readFile(report, 'utf8')) as { ok: boolean; summary: { fetched: number; failed: number } };
    assert.equal(rep.ok, false);
    assert.equal(rep.summary.fetched, 4, describeCli(r));
    const sums = await readFile(path.join(tree, '.gomirror/go.sum'), 'utf8');
    for (const mv of [`${APP} v1.0.0`, `${GOOD} v1.0.0`, `${OTHER} v1.0.0`, `${OTHER} v1.1.0`]) {
      assert.ok(sums.includes(`${mv} ${upstream.hashes.get(mv)}\n`), `${mv} recorded`);
    }
    assert.equal(await readFile(path.join(tree, `${OTHER}/@v/list`), 'utf8'), 'v1.0.0\nv1.1.0\n');
    assert.equal(await readFile(path.join(tree, `${GOOD}/@v/list`), 'utf8'), 'v1.0.0\n');
  });
});
