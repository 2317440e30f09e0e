/**
 * The command-line contract (cli.md) as users and cron meet it: help for
 * every flag, exit code 2 with the place named for bad input (and the tree
 * untouched), structured JSON logs and the JSON report.
 */
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { describeCli, runCli } from '../helpers/cli.js';
import type { FixtureServer } from '../helpers/fixture-server.js';
import { BASIC } from '../helpers/fixture-upstream.js';
import { serveBasicUpstream, type ServedBasic } from '../helpers/served-basic.js';
import { treeFiles } from '../helpers/tree.js';

describe('gomirror command line', () => {
  let served: ServedBasic | undefined;
  let server: FixtureServer;
  let work: string;
  before(async () => {
    served = await serveBasicUpstream('gomirror-cli-');
    ({ server, work } = served);
  });
  after(() => served?.close());

  it('documents every sync flag in --help', async () => {
    const r = await runCli(['sync', '--help']);
    assert.equal(r.code, 0, describeCli(r));
    for (const flag of ['--manifest', '--gomod', '--gosum', '--out', '--upstream', '--sumdb', '--concurrency', '--retries', '--dry-run', '--report', '--metrics', '--log-format', '--private', '--noproxy', '--go', '--vcs-concurrency']) {
      assert.ok(r.stdout.includes(flag), `${flag} missing from sync --help`);
    }
  });

  it('exits 2 for an unknown flag or command', async () => {
    assert.equal((await runCli(['sync', '--out', work, '--bogus'])).code, 2);
    assert.equal((await runCli(['synk'])).code, 2);
    assert.equal((await runCli([])).code, 2);
    const group = await runCli(['bundle']);
    assert.equal(group.code, 2, describeCli(group));
    assert.match(group.stderr, /^error: Name a subcommand: export or import\n/, describeCli(group));
  });

  it('does no work on a usage error: the command does not run', async () => {
    const conf = path.join(work, 'bogus-nginx.conf');
    const r = await runCli(['nginx', '--root', work, '--out', conf, '--bogus']);
    assert.equal(r.code, 2, describeCli(r));
    assert.match(r.stderr, /Unknown argument: bogus/);
    assert.equal(r.stdout, '', describeCli(r));
    await assert.rejects(stat(conf), { code: 'ENOENT' }, 'nginx must not have written --out');
  });

  it('rejects a bad manifest before any work, naming the place, and leaves the tree as it was', async () => {
    const tree = path.join(work, 'tree');
    const good = path.join(work, 'good.json');
    await writeFile(good, JSON.stringify({ upstream: server.url, deps: false, modules: [{ path: BASIC.alpha, versions: ['v1.0.0'] }] }));
    assert.equal((await runCli(['sync', '--manifest', good, '--out', tree])).code, 0);
    const before = await treeFiles(tree);
    const requests = server.requests.length;

    const cases: [unknown, RegExp][] = [
      [{ modules: [{ path: BASIC.alpha, versions: ['v1.0.0'] }, { path: 'Example.com/x' }] }, /bad\.json: modules\[1\]\.path: malformed module path "Example\.com\/x"/],
      [{ modules: [{ path: BASIC.alpha, versions: ['v1.0.0', 'v1.2.3.4'] }] }, /bad\.json: modules\[0\]\.versions\[1\]: /],
      [{ modules: [{ path: 'example.com/m/v2', versions: ['v1.0.0'] }] }, /bad\.json: modules\[0\]\.versions\[0\]: .*v1\.0\.0/],
      [{ modules: [], upstream: 'ftp://nope' }, /upstream/],
      [{ modulez: [] }, /bad\.json: modulez: unknown key \(did you mean "modules"\?\)/],
    ];
    const bad = path.join(work, 'bad.json');
    for (const [manifest, message] of cases) {
      await writeFile(bad, JSON.stringify({ upstream: server.url, ...(manifest as object) }));
      const r = await runCli(['sync', '--manifest', bad, '--out', tree]);
      assert.equal(r.code, 2, describeCli(r));
      assert.match(r.stderr, message, describeCli(r));
    }
    await writeFile(bad, '{"modules": [}');
    const syntax = await runCli(['sync', '--manifest', bad, '--out', tree]);
    assert.equal(syntax.code, 2);
    assert.match(syntax.stderr, /bad\.json: invalid JSON: .*line 1, column 14/);
    assert.equal((await runCli(['sync', '--manifest', path.join(work, 'missing.json'), '--out', tree])).code, 2);

    assert.deepEqual(await treeFiles(tree), before, 'the tree must be untouched');
    assert.equal(server.requests.length, requests, 'no network access for bad input');
  });

  it('logs JSON lines with --log-format json and writes a per-module JSON report', async () => {
    const tree = path.join(work, 'json-tree');
    const manifest = path.join(work, 'json.json');
    const report = path.join(work, 'report.json');
    await writeFile(
      manifest,
      JSON.stringify({ upstream: server.url, deps: false, modules: [{ path: BASIC.toml, versions: ['all'] }, { path: 'example.com/absent', versions: ['latest'] }] }),
    );
    const r = await runCli(['sync', '--manifest', manifest, '--out', tree, '--log-format', 'json', '--report', report]);
    assert.equal(r.code, 1, describeCli(r));
    const lines = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as { level: string; msg: string; code?: string; module?: string });
    assert.ok(lines.every((l) => typeof l.level === 'string' && typeof l.msg === 'string'));
    const failure = lines.find((l) => l.level === 'error' && l.module === 'example.com/absent');
    assert.equal(failure?.code, 'E_NOT_FOUND', describeCli(r));
    const result = JSON.parse(r.stdout.trim()) as { ok: boolean; summary: { fetched: number } };
    assert.equal(result.ok, false);
    assert.equal(result.summary.fetched, 3);
    const rep = JSON.parse(await readFile(report, 'utf8')) as {
      modules: { path: string; ok: boolean; fetched: number; errors: { code: string }[] }[];
    };
    assert.deepEqual(
      rep.modules.map((m) => [m.path, m.ok, m.fetched, m.errors.map((e) => e.code)]),
      [
        [BASIC.toml, true, 3, []],
        ['example.com/absent', false, 0, ['E_NOT_FOUND']],
      ],
    );
  });

  it('--dry-run resolves and lists what it would fetch, and writes nothing', async () => {
    const tree = path.join(work, 'dry-tree');
    const manifest = path.join(work, 'dry.json');
    await writeFile(manifest, JSON.stringify({ upstream: server.url, deps: false, modules: [{ path: BASIC.alpha, versions: ['latest', 'v1.0.0'] }] }));
    const r = await runCli(['sync', '--manifest', manifest, '--out', tree, '--dry-run']);
    assert.equal(r.code, 0, describeCli(r));
    assert.match(r.stdout, /example\.com\/alpha@v1\.1\.0/);
    assert.match(r.stdout, /example\.com\/alpha@v1\.0\.0/);
    await assert.rejects(readFile(path.join(tree, 'example.com/alpha/@v/list')), { code: 'ENOENT' });
  });
});
