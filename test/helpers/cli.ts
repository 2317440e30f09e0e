/**
 * Runs the built gomirror CLI (bin/gomirror.js → dist/) as a child process,
 * the way users and cron run it. `npm test` builds dist/ first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './go-tools.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  command: string;
}

const BIN = path.join(REPO_ROOT, 'bin/gomirror.js');

function ensureBuilt(): void {
  if (!existsSync(path.join(REPO_ROOT, 'dist/cli/main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
  }
}

/** Starts `gomirror <args>`; the caller may kill it. */
export function spawnCli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): { child: ChildProcess; done: Promise<CliResult> } {
  ensureBuilt();
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    // GOSUMDB=off unless a test says otherwise (--sumdb, the manifest or opts.env):
    // the default, sum.golang.org, is not reachable from the tests.
    env: { ...process.env, GOPROXY: '', GOSUMDB: 'off', GONOSUMDB: '', GOPRIVATE: '', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (b: Buffer) => out.push(b));
  child.stderr?.on('data', (b: Buffer) => err.push(b));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        command: `gomirror ${args.join(' ')}`,
      }),
    );
  });
  return { child, done };
}

/** Runs `gomirror <args>` to completion; never rejects on a non-zero exit. */
export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  return spawnCli(args, opts).done;
}

/** The command, exit code and full output, for assertion messages. */
export function describeCli(r: CliResult): string {
  return `${r.command} exited ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}
