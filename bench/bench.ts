/**
 * `npm run bench`: gomirror sync against `go mod download` and a raw parallel
 * fetch (`curl --parallel`) of the same files from the same local upstream,
 * side by side in one run, several rounds, medians and ratios printed. A
 * fourth contender, the undici floor (bench/undici-floor.mjs), downloads the
 * same files with Node.js and undici and writes them, with none of
 * gomirror's work: the fastest gomirror could be on this machine.
 *
 * The upstream is a generated GOPROXY tree (test/fixtures/mkupstream, zips
 * from golang.org/x/mod) served by nginx on 127.0.0.1, so the server is not
 * the bottleneck of any contender. A second scenario is what users live
 * with: the same tree served by test/fixtures/delayserve, which answers every
 * request after BENCH_DELAY_MS (default 20 ms; 0 skips it), like a proxy
 * across the internet. Also measured: a no-op re-sync, and the
 * peak memory of gomirror mirroring one 300 MB zip.
 *
 * Every contender writes into a fresh directory, and nothing is deleted until
 * the end: on ext4 the inode allocator skips inodes freed in the last ~30
 * seconds, so deleting one contender's output right before the next makes
 * the next one's file creations several times slower, and the results say
 * more about the order of the contenders than about them.
 *
 * Environment: BENCH_VERSIONS (default 640), BENCH_ROUNDS (default 3),
 * BENCH_BIG_MB (default 300; 0 skips the memory run), BENCH_CONCURRENCY (16),
 * BENCH_DELAY_MS (20), BENCH_BIN (the gomirror to run; default this checkout's),
 * BENCH_BASE_BIN (another gomirror, e.g. main's build, run in the same rounds),
 * BENCH_DIR (where the work directory goes; default the system temp dir;
 * about 0.5 GB per round).
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { escapePath, escapeVersion } from '../src/module/index.js';
import { buildBenchUpstream, buildUpstream } from '../test/helpers/fixture-upstream.js';
import { REPO_ROOT, requireCommand } from '../test/helpers/go-tools.js';
import { startDelayServer } from './delay-server.js';
import { runSampled } from './run-sampled.js';
import { startStaticNginx } from './static-nginx.js';

const VERSIONS = Number(process.env.BENCH_VERSIONS ?? 640);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BIG_MB = Number(process.env.BENCH_BIG_MB ?? 300);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const DELAY_MS = Number(process.env.BENCH_DELAY_MS ?? 20);
// BENCH_BIN: another build's bin/gomirror.js (e.g. a copy of main's, for a before/after table).
const BIN = process.env.BENCH_BIN ?? path.join(REPO_ROOT, 'bin/gomirror.js');
// BENCH_BASE_BIN: a second gomirror run as one more contender in the same rounds (before/after on one machine state).
const BASE_BIN = process.env.BENCH_BASE_BIN;
// The floor: Node.js and undici downloading the same files and writing them, with none of gomirror's work.
const FLOOR = path.join(REPO_ROOT, 'bench/undici-floor.mjs');

interface Timed {
  seconds: number;
  peakRssMb: number;
}

interface Scenario {
  name: string;
  /** Median seconds per contender. */
  med: Record<string, number>;
}

async function main(): Promise<void> {
  await requireCommand('go', 'golang-go');
  await requireCommand('curl', 'curl');
  const work = await mkdtemp(path.join(process.env.BENCH_DIR ?? tmpdir(), 'gomirror-bench-'));
  try {
    log(`building a ${VERSIONS}-version upstream with golang.org/x/mod ...`);
    const upstream = await buildBenchUpstream(VERSIONS, { dir: path.join(work, 'upstream') });
    const versions = [...upstream.hashes.keys()].filter((k) => !k.endsWith('/go.mod')).map((k) => k.split(' ') as [string, string]);
    const totalBytes = await sumZipBytes(upstream.dir, versions);
    log(`upstream: ${versions.length} module versions, ${(totalBytes / 1048576).toFixed(1)} MiB of zips`);

    const scenarios: Scenario[] = [];
    const nginx = await startStaticNginx(upstream.dir, path.join(work, 'nginx'));
    try {
      scenarios.push(await runScenario('loopback', nginx.url, path.join(work, 'loopback'), versions));
    } finally {
      await nginx.stop();
    }
    if (DELAY_MS > 0) {
      const slow = await startDelayServer(upstream.dir, DELAY_MS);
      try {
        scenarios.push(await runScenario(`${DELAY_MS} ms`, slow.url, path.join(work, 'delay'), versions));
      } finally {
        await slow.stop();
      }
    }

    let peak: Timed | undefined;
    if (BIG_MB > 0) {
      log(`building a module with one ${BIG_MB} MB zip ...`);
      const big = await buildUpstream(
        { modules: [{ path: 'big.example.com/blob', versions: [{ version: 'v1.0.0', sizeBytes: BIG_MB * 1_000_000 }] }] },
        path.join(work, 'big-upstream'),
      );
      const bigNginx = await startStaticNginx(big.dir, path.join(work, 'nginx-big'));
      try {
        const m = path.join(work, 'big.json');
        await writeFile(m, JSON.stringify({ upstream: bigNginx.url, sumdb: 'off', deps: false, modules: [{ path: 'big.example.com/blob', versions: ['v1.0.0'] }] }));
        peak = await timed(process.execPath, [BIN, 'sync', '--manifest', m, '--out', path.join(work, 'big-tree'), '--log-format', 'json'], {});
      } finally {
        await bigNginx.stop();
      }
    }

    const rows: [string, string][] = [
      ['versions mirrored', String(versions.length)],
      ['zip bytes', `${(totalBytes / 1048576).toFixed(1)} MiB`],
      ['rounds', String(ROUNDS)],
      ['concurrency (gomirror, curl)', String(CONCURRENCY)],
    ];
    for (const { name, med } of scenarios) {
      for (const [k, v] of Object.entries(med)) rows.push([`${name}: median ${k}`, `${v.toFixed(2)} s`]);
    }
    const [loop, delayed] = scenarios;
    const ratio = (a: number, b: number): string => (a / b).toFixed(3);
    rows.push([`loopback: gomirror / go mod download`, `${ratio(loop!.med.gomirror!, loop!.med['go mod download']!)}  (goal <= 1.0)`]);
    rows.push([`loopback: gomirror / curl --parallel`, ratio(loop!.med.gomirror!, loop!.med['curl --parallel']!)]);
    if (delayed) {
      rows.push([`${delayed.name}: gomirror / go mod download`, `${ratio(delayed.med.gomirror!, delayed.med['go mod download']!)}  (goal <= 0.15)`]);
      rows.push([`${delayed.name}: gomirror / curl --parallel`, `${ratio(delayed.med.gomirror!, delayed.med['curl --parallel']!)}  (goal <= 1.15)`]);
      rows.push([`${delayed.name}: no-op re-sync / full sync`, `${ratio(delayed.med['no-op re-sync']!, delayed.med.gomirror!)}  (goal <= 0.15)`]);
    }
    rows.push([`loopback: no-op re-sync / full sync`, ratio(loop!.med['no-op re-sync']!, loop!.med.gomirror!)]);
    // What the platform allows: the floor against the same references as the goals.
    for (const { name, med } of scenarios) {
      rows.push([`${name}: undici floor / go mod download`, ratio(med['undici floor']!, med['go mod download']!)]);
      rows.push([`${name}: undici floor / curl --parallel`, ratio(med['undici floor']!, med['curl --parallel']!)]);
      rows.push([`${name}: gomirror / undici floor`, ratio(med.gomirror!, med['undici floor']!)]);
    }
    if (BASE_BIN) {
      rows.push([`loopback: base gomirror / go mod download`, ratio(loop!.med['gomirror (base)']!, loop!.med['go mod download']!)]);
      if (delayed) {
        rows.push([`${delayed.name}: base gomirror / go mod download`, ratio(delayed.med['gomirror (base)']!, delayed.med['go mod download']!)]);
        rows.push([`${delayed.name}: base gomirror / curl --parallel`, ratio(delayed.med['gomirror (base)']!, delayed.med['curl --parallel']!)]);
        rows.push([`${delayed.name}: base no-op / base full sync`, ratio(delayed.med['no-op re-sync (base)']!, delayed.med['gomirror (base)']!)]);
      }
    }
    if (peak) rows.push([`peak RSS mirroring a ${BIG_MB} MB zip`, `${peak.peakRssMb.toFixed(0)} MB in ${peak.seconds.toFixed(2)} s  (goal <= 200 MB)`]);
    const width = Math.max(...rows.map(([k]) => k.length));
    console.log('\ngomirror benchmark');
    for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Runs every contender ROUNDS times against one upstream URL, each round
 * starting with a different contender, and returns the medians.
 */
async function runScenario(name: string, url: string, work: string, versions: [string, string][]): Promise<Scenario> {
  await mkdir(work, { recursive: true });
  log(`scenario ${name}: upstream ${url}`);
  const manifest = path.join(work, 'manifest.json');
  const byModule = new Map<string, string[]>();
  for (const [m, v] of versions) byModule.set(m, [...(byModule.get(m) ?? []), v]);
  await writeFile(manifest, JSON.stringify({ upstream: url, sumdb: 'off', deps: false, modules: [...byModule].map(([p, vs]) => ({ path: p, versions: vs })) }));
  const curlConfig = path.join(work, 'curl.cfg');

  const results: Record<string, number[]> = { gomirror: [], 'go mod download': [], 'curl --parallel': [], 'undici floor': [], 'no-op re-sync': [] };
  if (BASE_BIN) Object.assign(results, { 'gomirror (base)': [], 'no-op re-sync (base)': [] });
  for (let round = 1; round <= ROUNDS; round++) {
    const times: Record<string, number> = {};
    const contenders: Record<string, () => Promise<void>> = {
      gomirror: async () => {
        const out = path.join(work, `tree-${round}`);
        const g = await timed(process.execPath, [BIN, 'sync', '--manifest', manifest, '--out', out, '--concurrency', String(CONCURRENCY), '--log-format', 'json'], {});
        const noop = await timed(process.execPath, [BIN, 'sync', '--manifest', manifest, '--out', out, '--log-format', 'json'], {});
        times.gomirror = g.seconds;
        times['no-op re-sync'] = noop.seconds;
      },
      ...(BASE_BIN
        ? {
            'gomirror (base)': async () => {
              const out = path.join(work, `base-tree-${round}`);
              const g = await timed(process.execPath, [BASE_BIN, 'sync', '--manifest', manifest, '--out', out, '--concurrency', String(CONCURRENCY), '--log-format', 'json'], {});
              const noop = await timed(process.execPath, [BASE_BIN, 'sync', '--manifest', manifest, '--out', out, '--log-format', 'json'], {});
              times['gomirror (base)'] = g.seconds;
              times['no-op re-sync (base)'] = noop.seconds;
            },
          }
        : {}),
      'go mod download': async () => {
        // The go command with its default parallelism, as a developer runs it.
        const goHome = path.join(work, `go-${round}`);
        await mkdir(goHome, { recursive: true });
        const goEnv = {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: goHome,
          GOPATH: path.join(goHome, 'gopath'),
          GOMODCACHE: path.join(goHome, 'modcache'),
          GOCACHE: path.join(goHome, 'cache'),
          GOPROXY: url,
          GOSUMDB: 'off',
          GOFLAGS: '-mod=mod -modcacherw',
          GOTOOLCHAIN: 'local',
          GOENV: 'off',
          GO111MODULE: 'on',
        };
        const goArgs = ['mod', 'download', ...versions.map(([m, v]) => `${m}@${v}`)];
        times['go mod download'] = (await timed('go', goArgs, { cwd: goHome, env: goEnv })).seconds;
      },
      'curl --parallel': async () => {
        await writeCurlConfig(curlConfig, url, path.join(work, `raw-${round}`), versions);
        const args = ['--parallel', '--parallel-max', String(CONCURRENCY), '--fail', '--silent', '--show-error', '--create-dirs', '-K', curlConfig];
        times['curl --parallel'] = (await timed('curl', args, {})).seconds;
      },
      'undici floor': async () => {
        // The same files as curl, downloaded by Node.js and undici and written, nothing else (bench/undici-floor.mjs).
        const config = path.join(work, `floor-${round}.cfg`);
        await writeCurlConfig(config, url, path.join(work, `floor-${round}`), versions);
        times['undici floor'] = (await timed(process.execPath, [FLOOR, config, String(CONCURRENCY)], {})).seconds;
      },
    };
    const names = Object.keys(contenders);
    for (let i = 0; i < names.length; i++) await contenders[names[(i + round - 1) % names.length]!]!();
    for (const [k, v] of Object.entries(times)) results[k]!.push(v);
    log(`${name} round ${round}: ${Object.entries(times).map(([k, v]) => `${k} ${v.toFixed(2)}s`).join(', ')}`);
  }
  return { name, med: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)])) };
}

/**
 * Times a command and samples its peak RSS; a non-zero exit rejects. Dirty
 * pages of the previous contender are flushed first (`sync`), so no
 * contender pays for another's write-back. gomirror fsyncs what it writes
 * (a crash never leaves a half-written file); curl and go do not.
 */
async function timed(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv }): Promise<Timed> {
  spawnSync('sync');
  const r = await runSampled(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.slice(0, 4).join(' ')} ... exited ${r.code}\n${r.stderr}`);
  return { seconds: r.seconds, peakRssMb: r.peakMb };
}

async function writeCurlConfig(file: string, base: string, outDir: string, versions: [string, string][]): Promise<void> {
  const lines: string[] = [];
  for (const [m, v] of versions) {
    for (const ext of ['info', 'mod', 'zip']) {
      const rel = `${escapePath(m)}/@v/${escapeVersion(v)}.${ext}`;
      lines.push(`url = "${base}/${rel.replaceAll('!', '%21')}"`, `output = "${path.join(outDir, rel)}"`);
    }
  }
  await writeFile(file, lines.join('\n') + '\n');
}

async function sumZipBytes(dir: string, versions: [string, string][]): Promise<number> {
  const { stat } = await import('node:fs/promises');
  let n = 0;
  for (const [m, v] of versions) n += (await stat(path.join(dir, escapePath(m), '@v', `${escapeVersion(v)}.zip`))).size;
  return n;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function log(msg: string): void {
  console.error(`bench: ${msg}`);
}

await main();
