/**
 * Runs a command to completion, timing it and sampling its peak RSS (VmHWM)
 * from /proc every 20 ms. Shared by bench.ts and toolchain-memory.ts; its own
 * file because both of those run main() when imported.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export interface Sampled {
  code: number | null;
  seconds: number;
  peakMb: number;
  /** The tail of stderr. */
  stderr: string;
}

export function runSampled(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; stderrTail?: number } = {}): Promise<Sampled> {
  const tail = opts.stderrTail ?? 4000;
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let peakKb = 0;
    child.stderr.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-tail);
    });
    const sample = setInterval(() => {
      void readFile(`/proc/${child.pid}/status`, 'utf8')
        .then((s) => {
          const m = /VmHWM:\s+(\d+) kB/.exec(s);
          if (m) peakKb = Math.max(peakKb, Number(m[1]));
        })
        .catch(() => undefined);
    }, 20);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(sample);
      resolve({ code, seconds: Number(process.hrtime.bigint() - start) / 1e9, peakMb: peakKb / 1024, stderr });
    });
  });
}
