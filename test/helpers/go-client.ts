/**
 * Runs the real go command as a GOPROXY client in a sealed environment: fresh
 * GOPATH, GOMODCACHE, GOCACHE and HOME per env, nothing inherited from the
 * developer's own go env, so a test sees only what our proxy served.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { requireCommand } from './go-tools.js';

/** Options for goEnv(). */
export interface GoEnvOptions {
  /** GOPROXY value, e.g. a fixture server URL or `file:///dir`. */
  goproxy: string;
  /**
   * GOSUMDB value. Left unset when omitted, so the go command uses its
   * default (sum.golang.org, found through the proxy's /sumdb/ or directly);
   * pass `'off'` explicitly to rely on go.sum alone.
   */
  gosumdb?: string;
  gonosumdb?: string;
  goprivate?: string;
  /**
   * Contents of `$HOME/.netrc` (also pointed to by NETRC). Note that the go
   * command sends netrc credentials only to https URLs.
   */
  netrc?: string | undefined;
  /** Extra variables, applied last (they override everything above). */
  extra?: Record<string, string>;
}

/** A sealed go environment; cleanup() removes its whole temp directory. */
export interface GoEnv {
  env: NodeJS.ProcessEnv;
  /** The temp HOME; GOPATH, GOMODCACHE and GOCACHE live under it. */
  home: string;
  cleanup(): Promise<void>;
}

/** The outcome of one go invocation. */
export interface GoResult {
  /** Exit code; null when killed by a signal (e.g. the timeout). */
  code: number | null;
  stdout: string;
  stderr: string;
  /** `go <args>` and the cwd, for failure messages. */
  command: string;
}

/**
 * Creates a temp HOME with fresh GOPATH (`home/go`), GOMODCACHE
 * (`home/go/pkg/mod`) and GOCACHE (`home/cache`), and an env that starts from
 * nothing but PATH, HOME and TMPDIR. Sets GOFLAGS=-mod=mod -modcacherw (so the
 * cache can be deleted), GOTOOLCHAIN=local, GOENV=off, GO111MODULE=on,
 * GONOPROXY= (empty), CGO_ENABLED=0, and the given GOPROXY/GOSUMDB/GONOSUMDB/GOPRIVATE.
 */
export async function goEnv(opts: GoEnvOptions): Promise<GoEnv> {
  const home = await mkdtemp(path.join(tmpdir(), 'gomirror-goenv-'));
  const gopath = path.join(home, 'go');
  const tmp = path.join(home, 'tmp');
  await mkdir(tmp);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    TMPDIR: tmp,
    GOPATH: gopath,
    GOMODCACHE: path.join(gopath, 'pkg', 'mod'),
    GOCACHE: path.join(home, 'cache'),
    GOFLAGS: '-mod=mod -modcacherw',
    GOTOOLCHAIN: 'local',
    GOENV: 'off',
    GO111MODULE: 'on',
    GOPROXY: opts.goproxy,
    GONOPROXY: '',
    CGO_ENABLED: '0',
  };
  if (opts.gosumdb !== undefined) env.GOSUMDB = opts.gosumdb;
  if (opts.gonosumdb !== undefined) env.GONOSUMDB = opts.gonosumdb;
  if (opts.goprivate !== undefined) env.GOPRIVATE = opts.goprivate;
  if (opts.netrc !== undefined) {
    const netrc = path.join(home, '.netrc');
    await writeFile(netrc, opts.netrc, { mode: 0o600 });
    env.NETRC = netrc;
  }
  Object.assign(env, opts.extra);
  return { env, home, cleanup: () => removeTree(home) };
}

/**
 * Runs `go <args>`; never rejects on a non-zero exit (inspect `code`), only
 * when go is not installed. Kills go after `timeoutMs` (default 120 s).
 */
export async function runGo(
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<GoResult> {
  await requireCommand('go', 'golang-go');
  const command = `(cd ${opts.cwd} && go ${args.join(' ')})`;
  return new Promise((resolve, reject) => {
    const child = spawn('go', args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), command });
    });
  });
}

/** Formats a GoResult for an assertion message: the command, exit code and full output. */
export function describeGoResult(r: GoResult): string {
  return `${r.command} exited ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}

/** Throws with describeGoResult() unless go exited 0; returns the result otherwise. */
export function assertGoOk(r: GoResult): GoResult {
  if (r.code !== 0) throw new Error(describeGoResult(r));
  return r;
}

/**
 * Writes a consumer module into `dir` (created if needed): go.mod
 * (`module example.com/consumer`, `go 1.17`, one require per entry), go.sum
 * when given, and main.go that imports each required module's root package
 * (aliased m0, m1, ...) and prints its `Name()`, so `go build` compiles every
 * one of them. Each module must export `func Name() string` (see nameSource()).
 */
export async function makeConsumerProject(
  dir: string,
  requires: { path: string; version: string }[],
  goSum?: string,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const reqLines = requires.map((r) => `\t${r.path} ${r.version}\n`).join('');
  const goMod = `module example.com/consumer\n\ngo 1.17\n` + (requires.length ? `\nrequire (\n${reqLines})\n` : '');
  const imports = requires.map((r, i) => `\tm${i} ${JSON.stringify(r.path)}\n`).join('');
  const calls = requires.map((_, i) => `\tfmt.Println(m${i}.Name())\n`).join('');
  const main = requires.length
    ? `package main\n\nimport (\n\t"fmt"\n\n${imports})\n\nfunc main() {\n${calls}}\n`
    : 'package main\n\nfunc main() {}\n';
  await writeFile(path.join(dir, 'go.mod'), goMod);
  await writeFile(path.join(dir, 'main.go'), main);
  if (goSum !== undefined) await writeFile(path.join(dir, 'go.sum'), goSum);
}

/**
 * Removes a tree even if the go command left read-only directories in it
 * (a module cache written without -modcacherw).
 */
async function removeTree(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true });
  } catch {
    await makeWritable(dir);
    await rm(dir, { recursive: true, force: true });
  }
}

async function makeWritable(dir: string): Promise<void> {
  await chmod(dir, 0o755).catch(() => undefined);
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (e.isDirectory()) await makeWritable(path.join(dir, e.name));
  }
}
