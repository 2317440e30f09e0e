/**
 * Unattended runs, as cron or a systemd timer starts them: an upstream that
 * fails one request in five, runs killed with SIGKILL mid-download, two runs
 * at once, the report and metrics a person reads in the morning, and logs
 * that never carry a secret.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { escapeVersion } from '../../src/module/index.js';
import { parseGoSum } from '../../src/gosum/go-sum.js';
import { describeCli, runCli, spawnCli, type CliResult } from '../helpers/cli.js';
import { mulberry32, startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { basicSpec, buildUpstream, type Upstream, type UpstreamSpec } from '../helpers/fixture-upstream.js';
import { treeFiles } from '../helpers/tree.js';
import { waitFor } from '../helpers/wait.js';

/** basicSpec() plus a few 100 KB versions, so a download takes long enough to be interrupted. */
function cronSpec(): UpstreamSpec {
  const big = { path: 'example.com/big', versions: ['v1.0.0', 'v1.1.0', 'v1.2.0', 'v1.3.0'].map((version) => ({ version, sizeBytes: 100_000 })) };
  return { modules: [...basicSpec().modules, big] };
}

describe('gomirror sync from cron', () => {
  let upstream: Upstream;
  let work: string;
  let goSum: string;
  let n = 0;
  before(async () => {
    upstream = await buildUpstream(cronSpec());
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-e2e-cron-'));
    goSum = path.join(work, 'all.sum');
    await writeFile(goSum, upstream.goSum);
  });
  after(async () => {
    await upstream?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });
  const freshDir = (name: string): string => path.join(work, `${name}-${n++}`);
  const sync = (server: FixtureServer, tree: string, extra: string[] = []): string[] => [
    'sync', '--upstream', server.url, '--gosum', goSum, '--out', tree, ...extra,
  ];

  it('completes through 10% 5xx, 5% resets and 5% truncated bodies; every file verifies; report and metrics count the retries', async () => {
    const server = await startFixtureServer({
      root: upstream.dir,
      seed: 11,
      faults: [
        { probability: 0.1, fault: { kind: 'status', status: 503 } },
        { probability: 0.05, fault: { kind: 'reset', at: 'body' } },
        { probability: 0.05, fault: { kind: 'truncate' } },
      ],
    });
    try {
      const tree = freshDir('faults');
      const [report, metrics] = [path.join(work, 'faults.json'), path.join(work, 'faults.prom')];
      const r = await runCli(sync(server, tree, ['--retries', '10', '--concurrency', '4', '--report', report, '--metrics', metrics]));
      assert.equal(r.code, 0, describeCli(r));
      const rep = JSON.parse(await readFile(report, 'utf8')) as {
        ok: boolean;
        summary: { fetched: number; failed: number; retries: number; requests: number };
        modules: { path: string; retries: number; seconds: number; bytes: number }[];
      };
      assert.equal(rep.ok, true);
      assert.equal(rep.summary.fetched, 20);
      // Each fault that really broke a response cost exactly one retry.
      const sizes = new Map<string, number>();
      for (const f of await treeFiles(upstream.dir)) sizes.set(`/${f}`, (await stat(path.join(upstream.dir, f))).size);
      const broken = server.requests.filter(
        (q) => q.fault === 'status' || ((q.fault === 'reset' || q.fault === 'truncate') && q.status === 200 && (sizes.get(q.path) ?? 0) > 0),
      ).length;
      assert.ok(broken >= 5, `only ${broken} faults fired`);
      assert.equal(rep.summary.retries, broken, describeCli(r));
      assert.equal(rep.summary.requests, server.requests.length);
      assert.equal(rep.modules.reduce((s, m) => s + m.retries, 0), broken, 'per-module retries add up');
      assert.ok(rep.modules.every((m) => m.seconds > 0));

      const prom = await readFile(metrics, 'utf8');
      const root = `root="${tree}"`;
      assert.match(prom, new RegExp(`^gomirror_sync_success\\{${escape(root)}\\} 1$`, 'm'));
      assert.match(prom, new RegExp(`^gomirror_sync_retries\\{${escape(root)}\\} ${broken}$`, 'm'));
      assert.match(prom, new RegExp(`^gomirror_sync_versions\\{${escape(root)},status="fetched"\\} 20$`, 'm'));
      const lastSuccess = Number(/^gomirror_sync_last_success_timestamp_seconds\{[^}]*\} (\S+)$/m.exec(prom)?.[1]);
      assert.ok(Math.abs(lastSuccess - Date.now() / 1000) < 60, `last success ${lastSuccess}`);

      const v = await runCli(['verify', '--root', tree]);
      assert.equal(v.code, 0, describeCli(v));
      assert.match(v.stdout, /^tree OK: 20 versions of 8 modules/m);

      // The next night the upstream is down: failure shows in the metrics, the last success stays.
      await server.close();
      const manifest = path.join(work, 'latest.json');
      await writeFile(manifest, JSON.stringify({ upstream: server.url, deps: false, modules: [{ path: 'example.com/big', versions: ['latest'] }] }));
      const down = await runCli(['sync', '--manifest', manifest, '--out', tree, '--retries', '0', '--metrics', metrics]);
      assert.equal(down.code, 1, describeCli(down));
      const after = await readFile(metrics, 'utf8');
      assert.match(after, new RegExp(`^gomirror_sync_success\\{${escape(root)}\\} 0$`, 'm'));
      assert.equal(Number(/^gomirror_sync_last_success_timestamp_seconds\{[^}]*\} (\S+)$/m.exec(after)?.[1]), lastSuccess);
    } finally {
      await server.close();
    }
  });

  it('survives SIGKILL at random moments: no partial file is ever visible, and the next run completes', async () => {
    const server = await startFixtureServer({
      root: upstream.dir,
      // Every .zip and .info stalls halfway, so a kill while one is served lands mid-download.
      faults: [{ match: /\.(zip|info)$/, fault: { kind: 'delay', ms: 300, at: 'body' } }],
    });
    const versionFileRequests = () => server.requests.filter((q) => /\.(zip|info)$/.test(q.path)).length;
    try {
      const tree = freshDir('kill');
      const random = mulberry32(5);
      let tookOver = 0;
      const versionFilesSeen = new Set<string>();
      for (let kill = 0; kill < 5; kill++) {
        const run = spawnCli(sync(server, tree, ['--concurrency', '1']));
        // Once it holds the lock, while the 3rd or 4th .zip or .info it asks
        // for is being served (picked at random). One version at a time asks
        // for at most two, so at least one version is in place by then, and
        // five runs cannot get through the 20 versions' 20 .info files.
        await waitFor(() => readFile(path.join(tree, '.gomirror/lock'), 'utf8').then((t) => t.includes(`"pid":${run.child.pid},`), () => false));
        const target = versionFileRequests() + 3 + Math.floor(random() * 2);
        await waitFor(async () => versionFileRequests() >= target);
        run.child.kill('SIGKILL');
        const r = await run.done;
        assert.equal(r.code, null, `run ${kill} finished before the kill:\n${describeCli(r)}`);
        if (/took over a stale lock/.test(r.stderr)) tookOver++;
        await assertNoPartialFile(tree, upstream);
        for (const f of await treeFiles(tree)) if (/\.(info|mod|zip)$/.test(f)) versionFilesSeen.add(f);
      }
      const done = await runCli(sync(server, tree));
      assert.equal(done.code, 0, describeCli(done));
      assert.match(done.stderr, /took over a stale lock: sync \(pid \d+ on .*\): pid \d+ is not running/);
      assert.equal(tookOver, 4, 'every run after a kill takes over the dead run\'s lock');
      assert.ok(versionFilesSeen.size > 0 && versionFilesSeen.size < 60, `the kills landed mid-run (${versionFilesSeen.size} files were there)`);
      assert.match(done.stdout, /0 failed \(20 versions of 8 modules/);
      const files = await treeFiles(tree);
      assert.deepEqual(files.filter((f) => f.includes('.tmp-')), []);
      assert.equal(files.includes('.gomirror/lock'), false, 'the lock is released');
      const v = await runCli(['verify', '--root', tree]);
      assert.equal(v.code, 0, describeCli(v));
    } finally {
      await server.close();
    }
  });

  it('a second run while one is in progress exits 3 at once, naming the holder', async () => {
    const server = await startFixtureServer({ root: upstream.dir, faults: [{ match: /\.zip$/, fault: { kind: 'delay', ms: 250 } }] });
    try {
      const tree = freshDir('overlap');
      const first = spawnCli(sync(server, tree, ['--concurrency', '1']));
      await waitFor(() => stat(path.join(tree, '.gomirror/lock')).then(() => true, () => false));
      const second = await runCli(sync(server, tree));
      assert.equal(second.code, 3, describeCli(second));
      assert.equal(first.child.exitCode, null, 'exits at once: the first run is still going');
      assert.match(second.stderr, new RegExp(`another gomirror run holds the lock: sync \\(pid ${first.child.pid} on `));
      assert.match(second.stderr, /hint: Wait for it to finish/);
      const repair = await runCli(['verify', '--root', tree, '--repair']);
      assert.equal(repair.code, 3, describeCli(repair));
      const prune = await runCli(['prune', '--root', tree, '--gosum', goSum]);
      assert.equal(prune.code, 3, describeCli(prune));
      const readOnly = await runCli(['verify', '--root', tree]);
      assert.match(readOnly.stderr, new RegExp(`warn: a sync run \\(pid ${first.child.pid} on .*\\) holds the lock`));
      const r = await first.done;
      assert.equal(r.code, 0, describeCli(r));
      assert.equal((await runCli(sync(server, tree))).code, 0, 'the lock is free again');
    } finally {
      await server.close();
    }
  });

  it('SIGTERM and SIGINT (systemd stop, Ctrl-C) release the lock before the run dies; the next run sweeps what they left', async () => {
    const server = await startFixtureServer({ root: upstream.dir, faults: [{ match: /\.zip$/, fault: { kind: 'delay', ms: 500 } }] });
    try {
      const tree = freshDir('term');
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        const run = spawnCli(sync(server, tree, ['--concurrency', '1']));
        await waitFor(() => readFile(path.join(tree, '.gomirror/lock'), 'utf8').then((t) => t.includes(`"pid":${run.child.pid},`), () => false));
        run.child.kill(signal);
        const r = await run.done;
        // Once the run has set up its handler it logs the signal, writes its report
        // and exits 128 + n (143, 130); a signal that lands before that kills it outright.
        if (r.code === null) assert.equal(run.child.signalCode, signal, 'dies of the signal it got');
        else assert.equal(r.code, signal === 'SIGTERM' ? 143 : 130, describeCli(r));
        await assert.rejects(stat(path.join(tree, '.gomirror/lock')), /ENOENT/);
        // A run that got its handler in leaves the mark that makes the next run sweep its temp files.
        if (r.code !== null) await stat(path.join(tree, '.gomirror/unclean'));
      }
      const done = await runCli(sync(server, tree));
      assert.equal(done.code, 0, describeCli(done));
      const files = await treeFiles(tree);
      assert.deepEqual(files.filter((f) => f.includes('.tmp-') || f === '.gomirror/unclean'), [], 'the stopped runs\' temp files are swept');
    } finally {
      await server.close();
    }
  });

  it('logs plain lines without a terminal, JSON lines with --log-format json, and never a credential', async () => {
    const secret = 'hunter2-s3cret';
    const server = await startFixtureServer({ root: upstream.dir, tls: true, faults: [{ fault: { kind: 'auth', username: 'ci', password: 'right-one' } }] });
    try {
      const netrc = path.join(work, 'netrc');
      await writeFile(netrc, `machine 127.0.0.1 login ci password ${secret}\n`, { mode: 0o600 });
      const env = { NETRC: netrc, SSL_CERT_FILE: server.caFile ?? '' };
      const results: CliResult[] = [];
      for (const format of ['text', 'json']) {
        results.push(await runCli(sync(server, freshDir('auth'), ['--retries', '0', '--log-format', format]), { env }));
      }
      // Credentials in the URL itself, and in the proxy variables the HTTP agent reads.
      results.push(await runCli(['sync', '--out', freshDir('url'), '--gosum', goSum, '--upstream', `https://ci:${secret}@127.0.0.1:1`]));
      results.push(
        await runCli(sync(server, freshDir('proxy'), ['--retries', '0', '--log-format', 'json']), {
          env: { ...env, HTTPS_PROXY: `http://ci:${secret}@127.0.0.1:9`, NO_PROXY: '' },
        }),
      );
      const basic = Buffer.from(`ci:${secret}`).toString('base64');
      for (const r of results) {
        assert.notEqual(r.code, 0, describeCli(r));
        const all = r.stdout + r.stderr;
        assert.equal(all.includes(secret) || all.includes(basic), false, describeCli(r));
      }
      const [text, json, url] = results as [CliResult, CliResult, CliResult];
      assert.match(text.stderr, /HTTP 401/);
      assert.equal(text.stderr.includes('\r') || text.stderr.includes('\x1b['), false, 'no status line without a terminal');
      for (const line of json.stderr.trim().split('\n')) {
        const rec = JSON.parse(line) as { level?: string; msg?: string; time?: string };
        assert.ok(rec.level && rec.msg && rec.time, line);
      }
      assert.match(url.stderr, /carries credentials/);
      assert.match(url.stderr, /\*\*\*@127\.0\.0\.1/);
    } finally {
      await server.close();
    }
  });
});

/** Every version file visible in the tree is whole (byte-identical to the upstream), and every list names only complete versions. */
async function assertNoPartialFile(tree: string, upstream: Upstream): Promise<void> {
  const files = await treeFiles(tree).catch(() => [] as string[]);
  for (const f of files) {
    if (f.includes('.tmp-') || f.startsWith('.gomirror/')) continue;
    const ours = await readFile(path.join(tree, f));
    if (f.endsWith('/@v/list')) {
      const dir = f.slice(0, -'list'.length);
      for (const v of ours.toString().split('\n').filter(Boolean)) {
        for (const ext of ['info', 'mod', 'zip']) assert.ok(files.includes(`${dir}${escapeVersion(v)}.${ext}`), `${f} names ${v}, but its .${ext} is missing`);
      }
      continue;
    }
    if (f.endsWith('/@latest')) {
      const v = (JSON.parse(ours.toString()) as { Version: string }).Version;
      assert.ok(files.includes(`${f.slice(0, -'@latest'.length)}@v/${escapeVersion(v)}.info`), `${f} names ${v}, which is not complete`);
      continue;
    }
    assert.ok(ours.equals(await readFile(path.join(upstream.dir, f))), `${f} is visible but differs from the upstream (partial?)`);
  }
  const sums = await readFile(path.join(tree, '.gomirror/go.sum'), 'utf8').catch(() => '');
  for (const line of parseGoSum(sums, 'go.sum')) {
    assert.equal(upstream.hashes.get(`${line.path} ${line.version}${line.goMod ? '/go.mod' : ''}`), line.hash);
  }
  const names = await readdir(tree).catch(() => [] as string[]);
  assert.ok(names.every((n) => !n.includes('.tmp-')));
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
