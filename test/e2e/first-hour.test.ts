/**
 * What a new operator meets first (issue #19): a sync without network leaves
 * no empty lists, a sync under umask 077 still writes a tree nginx can read,
 * SIGTERM leaves a log line, a report and metrics, and an unreachable upstream
 * is named in the metrics as E_NETWORK.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { describeCli, runCli, spawnCli, type CliResult } from '../helpers/cli.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { BASIC, type Upstream } from '../helpers/fixture-upstream.js';
import { REPO_ROOT } from '../helpers/go-tools.js';
import { serveBasicUpstream, type ServedBasic } from '../helpers/served-basic.js';
import { treeFiles } from '../helpers/tree.js';

const MODULES = [
  { path: BASIC.alpha, versions: ['latest'] },
  { path: BASIC.toml, versions: ['all'] },
  { path: BASIC.yaml, versions: ['all'] },
];

/** A port nothing listens on: a server bound and closed at once. */
async function deadPort(): Promise<number> {
  const s = await startFixtureServer({ root: tmpdir() });
  const port = s.port;
  await s.close();
  return port;
}

describe('first hour: sync without network, umask, signals', () => {
  let served: ServedBasic | undefined;
  let upstream: Upstream;
  let server: FixtureServer;
  let work: string;

  before(async () => {
    served = await serveBasicUpstream('gomirror-first-hour-');
    ({ upstream, server, work } = served);
  });
  after(() => served?.close());

  it('an unreachable upstream writes no empty lists, and metrics and report say E_NETWORK', async () => {
    const tree = path.join(work, 'offline');
    const manifest = path.join(work, 'offline.json');
    const upstreamUrl = `http://127.0.0.1:${await deadPort()}`;
    await writeFile(manifest, JSON.stringify({ upstream: upstreamUrl, deps: false, modules: MODULES }));
    const prom = path.join(work, 'offline.prom');
    const report = path.join(work, 'offline.report.json');
    const r = await runCli(['sync', '--manifest', manifest, '--out', tree, '--retries', '0', '--metrics', prom, '--report', report]);
    assert.equal(r.code, 1, describeCli(r));
    // The catalog's pages are there to say the sync failed; no module file may be.
    const files = (await treeFiles(tree)).filter((f) => !f.startsWith('.gomirror/') && !f.startsWith('_catalog/') && f !== 'index.html');
    assert.deepEqual(files, [], `a module with no version mirrored gets no files: ${files.join(', ')}`);
    assert.match(await readFile(path.join(tree, 'index.html'), 'utf8'), /E_NETWORK|fail/i, 'the front page says the last sync failed');
    const metrics = await readFile(prom, 'utf8');
    assert.match(metrics, /^gomirror_sync_fatal\{root="[^"]+",code="E_NETWORK"\} 1$/m, metrics);
    assert.match(r.stderr, /unreachable/, describeCli(r));
    const rep = JSON.parse(await readFile(report, 'utf8')) as { ok: boolean; fatal?: { code: string } };
    assert.equal(rep.fatal?.code, 'E_NETWORK');
    // verify must not call the tree good either: it holds no versions and says so.
    const v = await runCli(['verify', '--root', tree]);
    assert.doesNotMatch(v.stdout, /tree OK: [1-9]/);
  });

  it('a module that failed for another reason is not a network failure: fatal stays empty', async () => {
    const tree = path.join(work, 'missing');
    const manifest = path.join(work, 'missing.json');
    await writeFile(manifest, JSON.stringify({ upstream: server.url, deps: false, modules: [{ path: 'example.com/nosuch', versions: ['latest'] }] }));
    const prom = path.join(work, 'missing.prom');
    const r = await runCli(['sync', '--manifest', manifest, '--out', tree, '--metrics', prom]);
    assert.equal(r.code, 1, describeCli(r));
    assert.match(await readFile(prom, 'utf8'), /^gomirror_sync_fatal\{root="[^"]+",code=""\} 0$/m);
    assert.equal(existsSync(path.join(tree, 'example.com/nosuch/@v/list')), false);
  });

  it('under umask 077, sync still writes files 0644 and directories 0755', async () => {
    const tree = path.join(work, 'umask');
    const manifest = path.join(work, 'umask.json');
    await writeFile(manifest, JSON.stringify({ upstream: server.url, deps: false, modules: MODULES }));
    const bin = path.join(REPO_ROOT, 'bin/gomirror.js');
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('sh', ['-c', 'umask 077 && exec "$0" "$@"', process.execPath, bin, 'sync', '--manifest', manifest, '--out', tree], {
        env: { ...process.env, GOPROXY: '', GOSUMDB: 'off' },
        stdio: 'ignore',
      });
      child.on('error', reject);
      child.on('close', resolve);
    });
    assert.equal(code, 0);
    const entries = await readdir(tree, { recursive: true, withFileTypes: true });
    let files = 0;
    for (const e of entries) {
      const p = path.join(e.parentPath, e.name);
      if (p.includes(`${path.sep}.gomirror`)) continue;
      const mode = (await stat(p)).mode & 0o777;
      if (e.isDirectory()) assert.equal(mode.toString(8), '755', p);
      else {
        files++;
        assert.equal(mode.toString(8), '644', p);
      }
    }
    assert.ok(files >= 10, `only ${files} files`);
    assert.equal(((await stat(tree)).mode & 0o777).toString(8), '755');
  });

  it('SIGTERM: logs it, writes the report and metrics with E_INTERRUPTED, releases the lock, exits 143', async () => {
    const slow = await startFixtureServer({ root: upstream.dir, faults: [{ match: /\.zip$/, fault: { kind: 'delay', ms: 60_000 } }] });
    try {
      const tree = path.join(work, 'sigterm');
      const manifest = path.join(work, 'sigterm.json');
      await writeFile(manifest, JSON.stringify({ upstream: slow.url, deps: false, modules: MODULES }));
      const prom = path.join(work, 'sigterm.prom');
      const report = path.join(work, 'sigterm.report.json');
      const { child, done } = spawnCli(['sync', '--manifest', manifest, '--out', tree, '--metrics', prom, '--report', report]);
      // Wait until the run is downloading zips (the slow part).
      while (!slow.requests.some((r) => r.path.endsWith('.zip'))) await new Promise((res) => setTimeout(res, 50));
      assert.ok(existsSync(path.join(tree, '.gomirror/lock')));
      child.kill('SIGTERM');
      const r: CliResult = await done;
      assert.equal(r.code, 143, describeCli(r));
      assert.match(r.stderr, /interrupted by SIGTERM/, describeCli(r));
      assert.match(await readFile(prom, 'utf8'), /^gomirror_sync_fatal\{root="[^"]+",code="E_INTERRUPTED"\} 1$/m);
      assert.match(await readFile(prom, 'utf8'), /^gomirror_sync_success\{root="[^"]+"\} 0$/m);
      const rep = JSON.parse(await readFile(report, 'utf8')) as { ok: boolean; fatal?: { code: string } };
      assert.equal(rep.ok, false);
      assert.equal(rep.fatal?.code, 'E_INTERRUPTED');
      assert.equal(existsSync(path.join(tree, '.gomirror/lock')), false, 'the lock is released');
    } finally {
      await slow.close();
    }
  });

  it('--help documents verify --sumdb, bundle export --force, SIGTERM and doctor reading go env', async () => {
    const help = async (...args: string[]): Promise<string> => (await runCli([...args, '--help'])).stdout.replace(/\s+/g, ' ');
    assert.match(await help('verify'), /--sumdb .*the key sync recorded/);
    assert.match(await help('bundle', 'export'), /--force .*Replace a bundle already at --out/);
    assert.match(await help('sync'), /SIGTERM .*E_INTERRUPTED.*exits 143/);
    assert.match(await help('doctor'), /go env -w/);
  });
});
