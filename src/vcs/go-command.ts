import { spawn } from 'node:child_process';
import { GomirrorError } from '../errors.js';

/** How one go command is run: which binary, where, with what environment. */
export interface GoRunner {
  readonly goBin: string;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

export interface GoResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Counts go invocations by subcommand, for the log and for tests ("no process per file"). */
export interface GoStats {
  runs: number;
  downloads: number;
  lists: number;
}

/** Runs `go args...` to completion; never rejects on a non-zero exit (the JSON says what failed). */
export function runGo(runner: GoRunner, args: readonly string[]): Promise<GoResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(runner.goBin, args, { cwd: runner.cwd, env: runner.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) =>
      reject(new GomirrorError('E_VCS', `cannot run ${runner.goBin}: ${e.message}`, { hint: 'Install Go or name it with --go PATH', cause: e })),
    );
    child.on('close', (code, signal) =>
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
  });
}

/**
 * Splits the go command's `-json` output, a stream of indented JSON objects
 * one after another (not an array), into the objects.
 */
export function parseJsonStream(text: string): Record<string, unknown>[] {
  const objects: Record<string, unknown>[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth === 0 && start >= 0) {
        objects.push(JSON.parse(text.slice(start, i + 1)) as Record<string, unknown>);
        start = -1;
      }
    }
  }
  return objects;
}
