/**
 * Running the real nginx for the e2e tests: throw-away TLS and htpasswd files
 * made with openssl, `nginx -t`, a standalone nginx on 127.0.0.1 as an
 * unprivileged user, and curl. Every nginx started here stops when its test
 * calls stop(), and also by itself when the test process dies (its watchdog
 * shell sees stdin close).
 */
import { execFile, spawn } from 'node:child_process';
import { chmod, chown, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

import { generateNginxConfig, type NginxOptions } from '../../src/nginx/index.js';
import { requireCommand } from '../helpers/go-tools.js';

const run = promisify(execFile);

/** nobody:nogroup on Debian: who nginx runs as when the tests run as root. */
const UNPRIVILEGED = 65534;
const isRoot = (): boolean => process.getuid?.() === 0;

/** Fails with the install command when nginx, openssl or curl are missing. */
export async function requireNginxTools(): Promise<void> {
  await requireCommand('nginx', 'nginx');
  await requireCommand('openssl', 'openssl');
  await requireCommand('curl', 'curl');
}

/** A self-signed certificate for 127.0.0.1 and localhost: `<dir>/cert.pem`, `<dir>/key.pem`. */
export async function makeTlsCert(dir: string): Promise<{ cert: string; key: string }> {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ]);
  return { cert, key };
}

/** Writes an htpasswd file with one user, hashed by `openssl passwd -apr1`. */
export async function makeHtpasswd(file: string, user: string, password: string): Promise<void> {
  const { stdout } = await run('openssl', ['passwd', '-apr1', password]);
  await writeFile(file, `${user}:${stdout.trim()}\n`);
}

/** A port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Lets nginx's user traverse and read `open` (directories made by mkdtemp are
 * private) and, when the tests run as root, own everything in `owned`: its
 * prefix, and key files that openssl wrote for root only.
 */
export async function shareWithNginx(owned: string, ...open: string[]): Promise<void> {
  for (const dir of open) await chmod(dir, 0o755);
  if (!isRoot()) return;
  const own = async (dir: string): Promise<void> => {
    await chown(dir, UNPRIVILEGED, UNPRIVILEGED);
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.isDirectory()) await own(path.join(dir, e.name));
      else await chown(path.join(dir, e.name), UNPRIVILEGED, UNPRIVILEGED);
    }
  };
  await own(owned);
}

/** The command line that runs nginx as the unprivileged user when we are root. */
function nginxArgv(args: string[]): [string, string[]] {
  if (!isRoot()) return ['nginx', args];
  const id = String(UNPRIVILEGED);
  return ['setpriv', [`--reuid=${id}`, `--regid=${id}`, '--clear-groups', 'nginx', ...args]];
}

/** Runs `nginx -t -p prefix -c conf`; returns its exit code and output (nginx -t writes to stderr). */
export async function testNginxConfig(prefix: string, conf: string): Promise<{ code: number; output: string }> {
  const [cmd, argv] = nginxArgv(['-t', '-q', '-p', prefix, '-c', conf]);
  try {
    const { stdout, stderr } = await run(cmd, argv);
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, output: `${e.stdout ?? ''}${e.stderr ?? String(err)}` };
  }
}

/**
 * Makes `prefix` and writes into it a standalone nginx.conf serving `root` on
 * a free 127.0.0.1 port, then shares `prefix` and `open` with nginx's user.
 */
export async function writeStandaloneNginx(
  prefix: string,
  root: string,
  open: string[],
  options: Omit<NginxOptions, 'root' | 'standalone' | 'listen'> = {},
): Promise<{ conf: string; url: string }> {
  await mkdir(prefix, { recursive: true });
  const port = await freePort();
  const conf = path.join(prefix, 'nginx.conf');
  await generateNginxConfig({ root, standalone: true, listen: `127.0.0.1:${port}`, ...options }, conf);
  await shareWithNginx(prefix, ...open);
  return { conf, url: `http://127.0.0.1:${port}` };
}

/** writeStandaloneNginx, then startNginx on it. */
export async function serveWithNginx(
  prefix: string,
  root: string,
  open: string[],
  options: Omit<NginxOptions, 'root' | 'standalone' | 'listen'> = {},
): Promise<{ url: string; nginx: RunningNginx }> {
  const { conf, url } = await writeStandaloneNginx(prefix, root, open, options);
  return { url, nginx: await startNginx(prefix, conf, `${url}/`) };
}

/** A running nginx. */
export interface RunningNginx {
  /** Stops nginx (fast shutdown) and waits for it. Idempotent. */
  stop(): Promise<void>;
  /** The error log and nginx's own output, for failure messages. */
  describe(): Promise<string>;
}

/**
 * Starts `nginx -p prefix -c conf` in the foreground and waits until it answers
 * on `probeUrl`. The watchdog shell stops nginx when its stdin closes, which
 * also happens when the test process dies.
 */
export async function startNginx(prefix: string, conf: string, probeUrl: string): Promise<RunningNginx> {
  const [cmd, argv] = nginxArgv(['-p', prefix, '-c', conf, '-g', 'daemon off;']);
  const quoted = [cmd, ...argv].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const script = `${quoted} & n=$!; trap 'kill -TERM $n' TERM; read _; kill -TERM $n; wait $n`;
  const child = spawn('sh', ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  let stopped = false;
  const nginx: RunningNginx = {
    async stop() {
      if (!stopped) {
        stopped = true;
        child.stdin.end();
      }
      await exited;
    },
    async describe() {
      const log = await readFile(path.join(prefix, 'error.log'), 'utf8').catch(() => '(no error.log)');
      return `nginx output:\n${output}\nerror.log:\n${log}`;
    },
  };
  // Ready when it answers anything at all; back off from 20 ms, give up after about 10 s.
  for (let delay = 20, waited = 0; ; waited += delay, delay = Math.min(delay * 2, 500)) {
    if (child.exitCode !== null) break;
    const r = await curl(probeUrl).catch(() => undefined);
    if (r && r.status > 0) return nginx;
    if (waited > 10_000) break;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  const why = await nginx.describe();
  await nginx.stop();
  throw new Error(`nginx did not start on ${probeUrl}\n${why}`);
}

/** One curl response. */
export interface CurlResponse {
  status: number;
  /** Lower-case names; the last value wins. */
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Runs curl once (no retries, no redirects followed). `cacert` trusts a
 * self-signed server; `user` is USER:PASSWORD for basic auth.
 */
export async function curl(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; cacert?: string; user?: string } = {},
): Promise<CurlResponse> {
  const args = ['-s', '-i', '--max-time', '10', '--path-as-is'];
  if (opts.method === 'HEAD') args.push('-I');
  else if (opts.method) args.push('-X', opts.method);
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push('-H', `${k}: ${v}`);
  if (opts.cacert) args.push('--cacert', opts.cacert);
  if (opts.user) args.push('-u', opts.user);
  const { stdout } = await run('curl', [...args, url], { encoding: 'buffer', maxBuffer: 64 << 20 });
  const split = stdout.indexOf('\r\n\r\n');
  const head = stdout.subarray(0, split < 0 ? stdout.length : split).toString('latin1');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1] ?? 0), headers, body: split < 0 ? Buffer.alloc(0) : stdout.subarray(split + 4) };
}
