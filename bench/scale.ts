/**
 * `npm run bench:scale`: how gomirror's tree-walking commands scale with the
 * number of module versions. For a baseline size (BENCH_SCALE_BASE, default
 * 10,000) and the scale size (BENCH_SCALE, default 100,000) it builds an
 * upstream of that many versions with ~1 KB zips (test/fixtures/mkupstream
 * -gen-bench N -small, golang.org/x/mod), serves it with nginx on 127.0.0.1,
 * and runs every command of bench/scale-commands.ts against it as a child
 * process under GNU time, recording wall time and peak RSS. It prints a
 * table, then the ratios time-per-version at scale ÷ at baseline and the
 * goals of issue 17 (peak RSS <= 200 MB; ratio <= 1.2; no-op re-sync of 100k
 * under 15 s).
 *
 * Environment: BENCH_SCALE (100000), BENCH_SCALE_BASE (10000; 0 skips the
 * baseline), BENCH_SCALE_ONLY (comma-separated command names to time;
 * `sync full` always runs, every other command needs its tree),
 * BENCH_SCALE_NODE_OPTIONS (NODE_OPTIONS for gomirror, e.g.
 * `--heapsnapshot-near-heap-limit=1 --max-old-space-size=150`),
 * BENCH_SCALE_CACHE (a directory where upstreams are kept and reused between
 * runs), BENCH_DIR (where the work directory goes; about 15 MB per 1,000
 * versions for each copy of the tree), BENCH_SCALE_KEEP=1 (keep it),
 * BENCH_BIN (the gomirror to run; default this checkout's).
 *
 * Exits 1 when a command fails or peaks over 200 MB of RSS: memory does not
 * depend on how busy the machine is, so CI enforces it (.ci/run runs this at
 * 20,000 versions); times and ratios are printed, never enforced.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { escapePath } from '../src/module/index.js';
import { goTool, REPO_ROOT, requireCommand } from '../test/helpers/go-tools.js';
import { SCALE_COMMANDS, type ScaleContext } from './scale-commands.js';
import { startStaticNginx } from './static-nginx.js';

const SCALE = Number(process.env.BENCH_SCALE ?? 100_000);
const BASE = Number(process.env.BENCH_SCALE_BASE ?? 10_000);
const ONLY = process.env.BENCH_SCALE_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
// BENCH_BIN: another build's bin/gomirror.js (e.g. a snapshot, so rebuilding this checkout does not change a long run).
const BIN = process.env.BENCH_BIN ?? path.join(REPO_ROOT, 'bin/gomirror.js');
// BENCH_SCALE_KEEP=1 keeps the work directory (trees, reports) for later runs by hand.
const KEEP = process.env.BENCH_SCALE_KEEP === '1';
const RSS_GOAL_MB = 200;
const RATIO_GOAL = 1.2;

interface Row {
  command: string;
  versions: number;
  seconds: number;
  peakMb: number;
  code: number | null;
}

async function main(): Promise<void> {
  await requireCommand('go', 'golang-go');
  if (!existsSync('/usr/bin/time')) throw new Error('GNU time is not installed: run `apt-get install -y time`');
  if (!existsSync(path.join(REPO_ROOT, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  if (ONLY) {
    const unknown = ONLY.filter((n) => !SCALE_COMMANDS.some((c) => c.name === n));
    if (unknown.length) throw new Error(`BENCH_SCALE_ONLY: unknown command(s) ${unknown.join(', ')}; known: ${SCALE_COMMANDS.map((c) => c.name).join(', ')}`);
  }
  const work = await mkdtemp(path.join(process.env.BENCH_DIR ?? tmpdir(), 'gomirror-scale-'));
  const rows: Row[] = [];
  try {
    const sizes = BASE > 0 && BASE < SCALE ? [BASE, SCALE] : [SCALE];
    for (const n of sizes) rows.push(...(await runSize(n, path.join(work, String(n)))));
  } finally {
    if (KEEP) log(`kept ${work}`);
    else await rm(work, { recursive: true, force: true });
  }
  printTable(rows);
  const misses = rows.filter((r) => r.code !== 0 || !(r.peakMb <= RSS_GOAL_MB));
  for (const r of misses) {
    const why = r.code !== 0 ? `exited ${r.code}` : Number.isNaN(r.peakMb) ? 'no peak RSS measured (GNU time wrote none)' : `peak RSS ${r.peakMb.toFixed(0)} MB, over ${RSS_GOAL_MB} MB`;
    log(`${r.versions}: ${r.command}: ${why}`);
  }
  if (misses.length > 0) process.exitCode = 1;
}

async function runSize(n: number, work: string): Promise<Row[]> {
  await mkdir(work, { recursive: true });
  const upstreamDir = await upstreamFor(n, work);
  const modules = await listedVersions(upstreamDir);
  const versions = [...modules.values()].reduce((a, b) => a + b, 0);
  log(`${n}: upstream of ${modules.size} modules, ${versions} listed versions`);
  const nginx = await startStaticNginx(upstreamDir, path.join(work, 'nginx'));
  const rows: Row[] = [];
  try {
    const ctx: ScaleContext = { versions, work, tree: path.join(work, 'tree'), manifest: path.join(work, 'manifest.json'), upstream: nginx.url };
    const manifest = { upstream: nginx.url, sumdb: 'off', deps: true, modules: [...modules.keys()].map((p) => ({ path: p, versions: ['all'] })) };
    await writeFile(ctx.manifest, JSON.stringify(manifest));
    for (const cmd of SCALE_COMMANDS) {
      if (ONLY && cmd.name !== 'sync full' && !ONLY.includes(cmd.name)) continue;
      const extra = cmd.setup ? await cmd.setup(ctx) : undefined;
      try {
        const r = await timed([...cmd.args(ctx), ...(extra?.args ?? [])], extra?.env ?? {}, path.join(work, `${cmd.name.replace(/\W+/g, '-')}.stderr`));
        rows.push({ command: cmd.name, versions, ...r });
        log(`${n}: ${cmd.name}: ${r.code === 0 ? '' : `EXIT ${r.code}, `}${r.seconds.toFixed(2)} s, ${r.peakMb.toFixed(0)} MB`);
        if (r.code !== 0) log(`  stderr tail: ${(await readFile(path.join(work, `${cmd.name.replace(/\W+/g, '-')}.stderr`), 'utf8')).slice(-1500)}`);
      } finally {
        await extra?.stop();
      }
    }
  } finally {
    await nginx.stop();
  }
  return rows;
}

/** Builds (or, with BENCH_SCALE_CACHE, reuses) the upstream of n versions. */
async function upstreamFor(n: number, work: string): Promise<string> {
  const cache = process.env.BENCH_SCALE_CACHE;
  const dir = cache ? path.join(cache, `upstream-${n}-small`) : path.join(work, 'upstream');
  if (cache && existsSync(path.join(dir, '.complete'))) {
    log(`${n}: reusing ${dir}`);
    return dir;
  }
  await rm(dir, { recursive: true, force: true });
  log(`${n}: building an upstream of ${n} module versions with golang.org/x/mod ...`);
  const start = Date.now();
  const r = spawnSync(await goTool('mkupstream'), ['-gen-bench', String(n), '-small', '-out', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`mkupstream -gen-bench ${n} exited ${r.status}`);
  await writeFile(path.join(dir, '.complete'), '');
  log(`${n}: built in ${((Date.now() - start) / 1000).toFixed(1)} s`);
  return dir;
}

/** Module path → number of versions its @v/list names (what `all` selects), read from the upstream tree; modules listing none are left out. */
async function listedVersions(upstreamDir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      if (e.name === '@v') {
        const list = await readFile(path.join(dir, '@v', 'list'), 'utf8');
        const n = list.split('\n').filter(Boolean).length;
        // A module with only pseudo-versions lists nothing: `all` would match nothing (an error).
        if (n > 0) out.set(rel, n);
      } else {
        await walk(path.join(dir, e.name), rel ? `${rel}/${e.name}` : e.name);
      }
    }
  };
  await walk(upstreamDir, '');
  // Directory names are escaped paths; the manifest wants module paths.
  return new Map([...out].map(([esc, c]) => [unescapePath(esc), c]));
}

function unescapePath(esc: string): string {
  const p = esc.replace(/!([a-z])/g, (_, c: string) => c.toUpperCase());
  if (escapePath(p) !== esc) throw new Error(`cannot unescape module path ${esc}`);
  return p;
}

/** Runs gomirror under GNU time: wall seconds and peak RSS (max resident set size of the process tree's largest). */
async function timed(args: string[], env: NodeJS.ProcessEnv, stderrFile: string): Promise<{ seconds: number; peakMb: number; code: number | null }> {
  spawnSync('sync');
  const rssFile = `${stderrFile}.rss`;
  const nodeOptions = process.env.BENCH_SCALE_NODE_OPTIONS;
  const start = process.hrtime.bigint();
  const errOut = createWriteStream(stderrFile);
  await new Promise<void>((resolve) => errOut.on('open', () => resolve()));
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '%M', '-o', rssFile, process.execPath, BIN, ...args], {
      cwd: path.dirname(stderrFile),
      env: { ...process.env, GOPROXY: '', GOSUMDB: 'off', GONOSUMDB: '', GOPRIVATE: '', ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}), ...env },
      stdio: ['ignore', 'ignore', errOut],
    });
    child.on('error', reject);
    child.on('close', resolve);
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  errOut.close();
  const kb = Number(/(\d+)\s*$/.exec(await readFile(rssFile, 'utf8'))?.[1] ?? NaN);
  return { seconds, peakMb: kb / 1024, code };
}

function printTable(rows: Row[]): void {
  const sizes = [...new Set(rows.map((r) => r.versions))];
  const head = ['command', ...sizes.flatMap((v) => [`${v} versions: s`, 'µs/version', 'peak MB']), ...(sizes.length === 2 ? ['ratio'] : [])];
  const lines: string[][] = [head];
  for (const name of [...new Set(rows.map((r) => r.command))]) {
    const cells = [name];
    const per: number[] = [];
    for (const v of sizes) {
      const r = rows.find((x) => x.command === name && x.versions === v);
      if (!r) {
        cells.push('-', '-', '-');
        continue;
      }
      per.push(r.seconds / v);
      const fail = r.code === 0 ? '' : ` (exit ${r.code})`;
      cells.push(r.seconds.toFixed(2) + fail, ((r.seconds / v) * 1e6).toFixed(0), r.peakMb.toFixed(0) + (r.peakMb > RSS_GOAL_MB ? ' !' : ''));
    }
    if (sizes.length === 2) cells.push(per.length === 2 ? (per[1]! / per[0]!).toFixed(2) + (per[1]! / per[0]! > RATIO_GOAL ? ' !' : '') : '-');
    lines.push(cells);
  }
  const widths = head.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
  console.log(`\ngomirror scale benchmark (goals: peak RSS <= ${RSS_GOAL_MB} MB, time/version ratio <= ${RATIO_GOAL}; "!" misses)`);
  for (const l of lines) console.log('  ' + l.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  const noop = rows.find((r) => r.command === 'sync no-op' && r.versions === sizes[sizes.length - 1]);
  if (noop) console.log(`  no-op re-sync of ${noop.versions} versions: ${noop.seconds.toFixed(2)} s (goal < 15 s at 100,000)`);
}

function log(msg: string): void {
  console.error(`bench:scale: ${msg}`);
}

await main();
