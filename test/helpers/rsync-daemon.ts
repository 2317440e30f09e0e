/** An rsync daemon for tests, on 127.0.0.1 only. */
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { freePort } from '../e2e/nginx-support.js';
import { requireCommand } from './go-tools.js';

/** An rsync daemon on 127.0.0.1:port with one writable module `mirror`; stops when stop() is called or this process dies. */
export async function startRsyncDaemon(
  dir: string,
  opts: { auth?: { user: string; password: string } } = {},
): Promise<{ url: string; dest: string; stop(): Promise<void> }> {
  await requireCommand('rsync', 'rsync');
  const dest = path.join(dir, 'daemon-dest');
  await mkdir(dest, { recursive: true });
  const port = await freePort();
  const conf = path.join(dir, 'rsyncd.conf');
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  let auth = '';
  if (opts.auth) {
    // The secrets file as docs/air-gap.md describes it: user:password lines, mode 600.
    const secrets = path.join(dir, 'rsyncd.secrets');
    await writeFile(secrets, `${opts.auth.user}:${opts.auth.password}\n`, { mode: 0o600 });
    auth = `  auth users = ${opts.auth.user}\n  secrets file = ${secrets}\n`;
  }
  await writeFile(
    conf,
    `use chroot = no\nuid = ${uid}\ngid = ${gid}\nlog file = ${path.join(dir, 'rsyncd.log')}\n\n[mirror]\n  path = ${dest}\n  read only = no\n${auth}`,
  );
  const script = `rsync --daemon --no-detach --config='${conf}' --port=${port} --address=127.0.0.1 & n=$!; trap 'kill $n' TERM; read _; kill $n; wait $n`;
  const child = spawn('sh', ['-c', script], { stdio: ['pipe', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const stop = async (): Promise<void> => {
    child.stdin.end();
    await exited;
  };
  for (let delay = 20, waited = 0; ; waited += delay, delay = Math.min(delay * 2, 400)) {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) break;
    if (waited > 10_000 || child.exitCode !== null) {
      await stop();
      throw new Error(`rsync daemon did not start: ${await readFile(path.join(dir, 'rsyncd.log'), 'utf8').catch(() => '')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  return { url: `rsync://127.0.0.1:${port}/mirror/tree`, dest: path.join(dest, 'tree'), stop };
}
