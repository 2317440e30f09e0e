/**
 * The go.mod files a query reads to decide (retractions, whether
 * +incompatible versions count) are checked like every other download: a
 * tampered .mod upstream must not steer `latest` to another version.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { describeCli, runCli } from '../helpers/cli.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { startFixtureSumdb, type FixtureSumdb } from '../helpers/fixture-sumdb.js';
import { buildUpstream, type Upstream } from '../helpers/fixture-upstream.js';

const M = 'example.com/steer';

describe('a tampered go.mod cannot steer latest', () => {
  let upstream: Upstream;
  let server: FixtureServer;
  let db: FixtureSumdb;
  let work: string;

  before(async () => {
    upstream = await buildUpstream({
      modules: [{ path: M, versions: ['v1.0.0', 'v1.1.0', 'v1.2.0'].map((version) => ({ version, files: { 'steer.go': 'package steer\n' } })) }],
    });
    // Genuine hashes go to the checksum database; then upstream's v1.2.0.mod
    // claims v1.2.0 is retracted, which would make latest v1.1.0.
    db = await startFixtureSumdb({ goSum: upstream.goSum, fillers: 50 });
    await writeFile(path.join(upstream.dir, M, '@v/v1.2.0.mod'), `module ${M}\n\ngo 1.17\n\nretract v1.2.0\n`);
    server = await startFixtureServer({ root: upstream.dir });
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-steer-'));
  });
  after(async () => {
    await server?.close();
    await db?.close();
    await upstream?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const versionsIn = async (tree: string): Promise<string[]> =>
    (await readdir(path.join(tree, M, '@v')).catch(() => [] as string[])).filter((f) => f.endsWith('.info')).map((f) => f.slice(0, -5));

  const sync = async (name: string, extra: string[]): Promise<{ tree: string; r: Awaited<ReturnType<typeof runCli>> }> => {
    const tree = path.join(work, name);
    const manifest = path.join(work, `${name}.json`);
    await writeFile(manifest, JSON.stringify({ upstream: server.url, deps: false, modules: [{ path: M, versions: ['latest'] }] }));
    return { tree, r: await runCli(['sync', '--manifest', manifest, '--out', tree, '--concurrency', '2', ...extra]) };
  };

  it('the checksum database refuses the .mod that holds the retractions', async () => {
    const { tree, r } = await sync('sumdb', ['--sumdb', db.gosumdb]);
    assert.equal(r.code, 1, describeCli(r));
    assert.match(r.stderr + r.stdout, /SECURITY ERROR: checksum mismatch for example\.com\/steer@v1\.2\.0 \(\.mod\)/, describeCli(r));
    assert.deepEqual(await versionsIn(tree), [], 'latest must not fall back to v1.1.0');
  });

  it('a go.sum input refuses it too', async () => {
    const goSum = path.join(work, 'go.sum');
    const line = upstream.goSum.split('\n').find((l) => l.startsWith(`${M} v1.2.0/go.mod `));
    assert.ok(line);
    await writeFile(goSum, `${line}\n`);
    const { tree, r } = await sync('gosum', ['--sumdb', 'off', '--gosum', goSum]);
    assert.equal(r.code, 1, describeCli(r));
    assert.match(r.stderr + r.stdout, /SECURITY ERROR: checksum mismatch for example\.com\/steer@v1\.2\.0 \(\.mod\)/, describeCli(r));
    assert.equal((await versionsIn(tree)).includes('v1.1.0'), false, describeCli(r));
  });
});
