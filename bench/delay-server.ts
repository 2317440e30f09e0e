/**
 * The benchmark's "across the internet" upstream: test/fixtures/delayserve,
 * a Go static server that answers every request after a fixed delay.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { goTool } from '../test/helpers/go-tools.js';
import type { StaticNginx } from './static-nginx.js';

export async function startDelayServer(root: string, delayMs: number): Promise<StaticNginx> {
  const bin = await goTool('delayserve');
  const child = spawn(bin, ['-root', root, '-delay', `${delayMs}ms`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (l) => resolve(l.trim()));
    child.once('exit', (code) => reject(new Error(`delayserve exited ${code} before listening`)));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
