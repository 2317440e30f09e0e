/**
 * A static GOPROXY server for tests: serves a directory the way a proxy does
 * (percent-decoded paths, 404 for anything missing, Go's content types,
 * Content-Length, keep-alive) on 127.0.0.1, with injectable, reproducible
 * faults: error statuses, connection resets, short bodies, delays and basic
 * auth. With `tls: true` it serves HTTPS with a throw-away self-signed
 * certificate, since the go command sends .netrc credentials only over https.
 *
 *     const server = await startFixtureServer({ root: upstream.dir });
 *     server.setFaults([{ match: /\.zip$/, first: 2, fault: { kind: 'status', status: 503, retryAfter: 1 } }]);
 *     // GOPROXY=server.url ... ; inspect server.requests
 *     await server.close();
 */
import { execFile } from 'node:child_process';
import { createReadStream, rmSync } from 'node:fs';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

import { requireCommand } from './go-tools.js';

/** What a fault does to the response. */
export type Fault =
  /** Answer this status instead: 5xx, 429 (with retryAfter), or a 404/410 override. */
  | { kind: 'status'; status: number; retryAfter?: number | string; body?: string }
  /** TCP reset (RST) after part of the status line (`headers`) or after the headers and half the body (`body`). */
  | { kind: 'reset'; at: 'headers' | 'body' }
  /** Send the true Content-Length but only `sendBytes` (default: half) of the body, then close the connection. */
  | { kind: 'truncate'; sendBytes?: number }
  /** Wait `ms` before the headers (default) or after half the body, then finish normally. */
  | { kind: 'delay'; ms: number; at?: 'headers' | 'body' }
  /** Require these basic-auth credentials; other requests get 401 with WWW-Authenticate. */
  | { kind: 'auth'; username: string; password: string }
  /** Send the body `bytes` at a time, one write every `everyMs` (never silent long, always slow); stops when the client goes away. */
  | { kind: 'trickle'; bytes: number; everyMs: number }
  /** Answer `status` (default 302) with this Location. */
  | { kind: 'redirect'; location: string; status?: number };

/**
 * When a fault fires. Every rule sees every request: it counts the requests
 * whose decoded path matches `match` and fires for the first `first` of them,
 * each with `probability` (seeded PRNG). If several non-auth rules fire, the
 * first one in the list applies; auth rules are checked before it.
 */
export interface FaultRule {
  fault: Fault;
  /** Tested against the percent-decoded path, e.g. `/example.com/!burnt!sushi/toml/@v/list`. Default: all. */
  match?: RegExp;
  /** Fire only for the first N matching requests. Default: all of them. */
  first?: number;
  /** Chance (0–1) of firing for a matching request. Default: 1. */
  probability?: number;
}

/** One request the server received, in arrival order. */
export interface RequestLog {
  method: string;
  /** Percent-decoded path (`!` escapes stay, `%21` does not). */
  path: string;
  /** The raw request target as sent, e.g. `/example.com/%21burnt%21sushi/...`. */
  rawUrl: string;
  headers: IncomingHttpHeaders;
  /** Status sent (or begun); 0 when the connection was reset before a status line. */
  status: number;
  /** The fault that changed this response, if any. */
  fault?: Fault['kind'];
}

/** Options for startFixtureServer(). */
export interface FixtureServerOptions {
  /** Directory served at `/` (a GOPROXY tree, e.g. Upstream.dir). */
  root: string;
  faults?: FaultRule[];
  /** PRNG seed for probabilistic faults. Default 1. */
  seed?: number;
  /** Serve HTTPS with a self-signed certificate for 127.0.0.1 (see FixtureServer.caFile). */
  tls?: boolean;
}

/** A running fixture server. */
export interface FixtureServer {
  /** `http://127.0.0.1:<port>` (`https://` with tls), usable as a GOPROXY entry. */
  url: string;
  port: number;
  /**
   * With tls: the certificate's PEM file and text. Trust it in the go command
   * with `SSL_CERT_FILE=<caFile>` and in undici with `connect: { ca }`.
   */
  caFile?: string;
  ca?: string;
  /** Every request so far; tests may read or clear it (`requests.length = 0`). */
  requests: RequestLog[];
  /** Replaces the fault rules and restarts their counters. */
  setFaults(faults: FaultRule[]): void;
  /** Stops listening, cancels pending delays and destroys open sockets. Idempotent. */
  close(): Promise<void>;
}

interface RuleState {
  rule: FaultRule;
  seen: number;
}

/** Starts a fixture server on 127.0.0.1 with a free port. */
export async function startFixtureServer(opts: FixtureServerOptions): Promise<FixtureServer> {
  const root = path.resolve(opts.root);
  const random = mulberry32(opts.seed ?? 1);
  const requests: RequestLog[] = [];
  const sockets = new Set<Socket>();
  // TLS sockets cannot send a RST themselves; find their TCP socket by port.
  const tcpByPort = new Map<number | undefined, Socket>();
  const resetSocket = (socket: Socket | null): void => {
    if (!socket) return;
    const tcp = opts.tls ? tcpByPort.get(socket.remotePort) : socket;
    (tcp ?? socket).resetAndDestroy();
  };
  const timers = new Set<NodeJS.Timeout>();
  let rules: RuleState[] = [];
  const setFaults = (faults: FaultRule[]): void => {
    rules = faults.map((rule) => ({ rule, seen: 0 }));
  };
  setFaults(opts.faults ?? []);

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const chooseFaults = (reqPath: string): Fault[] =>
    rules
      .filter((state) => {
        const { match, first, probability = 1 } = state.rule;
        if (match && !match.test(reqPath)) return false;
        state.seen++;
        if (first !== undefined && state.seen > first) return false;
        return probability >= 1 || random() < probability;
      })
      .map((state) => state.rule.fault);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const rawUrl = req.url ?? '/';
    const reqPath = decodePath(rawUrl);
    const entry: RequestLog = { method: req.method ?? '', path: reqPath ?? rawUrl, rawUrl, headers: req.headers, status: 0 };
    requests.push(entry);
    const fired = chooseFaults(entry.path);
    const auth = fired.find((f): f is Extract<Fault, { kind: 'auth' }> => f.kind === 'auth' && !hasCredentials(req, f));
    if (auth) {
      entry.fault = 'auth';
      res.setHeader('WWW-Authenticate', 'Basic realm="fixture"');
      return sendText(res, entry, 401, 'unauthorized\n');
    }
    const fault = fired.find((f) => f.kind !== 'auth');
    if (fault) entry.fault = fault.kind;

    if (fault?.kind === 'delay' && fault.at !== 'body') await sleep(fault.ms);
    if (fault?.kind === 'status') {
      if (fault.retryAfter !== undefined) res.setHeader('Retry-After', String(fault.retryAfter));
      return sendText(res, entry, fault.status, fault.body ?? `fixture fault: status ${fault.status}\n`);
    }
    if (fault?.kind === 'reset' && fault.at === 'headers') {
      // Half a status line, flushed, then RST: the client has no complete response.
      const socket = res.socket;
      if (socket) socket.write('HTTP/1.1 200 OK\r\nContent-Le', () => void sleep(20).then(() => resetSocket(socket)));
      return;
    }
    if (fault?.kind === 'redirect') {
      res.setHeader('Location', fault.location);
      return sendText(res, entry, fault.status ?? 302, 'moved\n');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendText(res, entry, 405, 'method not allowed\n');
    }
    const file = reqPath === undefined ? undefined : await findFile(root, reqPath);
    if (!file) return sendText(res, entry, 404, `not found: ${entry.path}\n`);

    entry.status = 200;
    res.writeHead(200, { 'Content-Type': contentType(reqPath ?? ''), 'Content-Length': file.size });
    if (req.method === 'HEAD') return void res.end();
    const half = Math.floor(file.size / 2);
    switch (fault?.kind) {
      case 'truncate': {
        const sent = Math.min(fault.sendBytes ?? half, Math.max(file.size - 1, 0));
        await sendRange(res, file.path, 0, sent);
        res.socket?.end();
        return;
      }
      case 'reset': {
        await sendRange(res, file.path, 0, half);
        // Let the headers and first bytes reach the client before the RST.
        await sleep(20);
        resetSocket(res.socket);
        return;
      }
      case 'trickle': {
        const data = await readFile(file.path);
        for (let off = 0; off < data.length && !res.destroyed; off += fault.bytes) {
          res.write(data.subarray(off, off + fault.bytes));
          await sleep(fault.everyMs);
        }
        return void res.end();
      }
      case 'delay': {
        if (fault.at === 'body') {
          await sendRange(res, file.path, 0, half);
          await sleep(fault.ms);
          await sendRange(res, file.path, half, file.size);
          return void res.end();
        }
      }
    }
    await sendRange(res, file.path, 0, file.size);
    res.end();
  };

  const listener: RequestListener = (req, res) => {
    handle(req, res).catch(() => res.destroy());
  };
  const cert = opts.tls ? await selfSignedCert() : undefined;
  const server = cert ? createHttpsServer({ key: cert.key, cert: cert.cert }, listener) : createServer(listener);
  server.keepAliveTimeout = 5000;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    tcpByPort.set(socket.remotePort, socket);
    socket.on('close', () => {
      sockets.delete(socket);
      if (tcpByPort.get(socket.remotePort) === socket) tcpByPort.delete(socket.remotePort);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  // A test that forgets close() must not keep the process alive.
  server.unref();
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
    return closing;
  };
  const url = `${cert ? 'https' : 'http'}://127.0.0.1:${port}`;
  return { url, port, requests, setFaults, close, caFile: cert?.file, ca: cert?.cert };
}

/** Percent-decodes a request target's path; undefined if malformed or escaping the root. */
function decodePath(rawUrl: string): string | undefined {
  const pathname = rawUrl.split('?')[0] ?? '';
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return undefined;
  if (decoded.split('/').some((seg) => seg === '..' || seg === '.')) return undefined;
  return decoded;
}

async function findFile(root: string, reqPath: string): Promise<{ path: string; size: number } | undefined> {
  const file = path.join(root, reqPath);
  try {
    const st = await stat(file);
    return st.isFile() ? { path: file, size: st.size } : undefined;
  } catch {
    return undefined;
  }
}

/** Go's suggested content types (goproxy-protocol.md §2); the client ignores them on success. */
export function contentType(reqPath: string): string {
  if (reqPath.endsWith('/@v/list') || reqPath.endsWith('.mod')) return 'text/plain; charset=utf-8';
  if (reqPath.endsWith('.info') || reqPath.endsWith('/@latest')) return 'application/json';
  if (reqPath.endsWith('.zip')) return 'application/zip';
  if (/\/tile\/\d+\/\d+\//.test(reqPath)) return 'application/octet-stream';
  return 'text/plain; charset=utf-8';
}

function sendText(res: ServerResponse, entry: RequestLog, status: number, body: string): void {
  entry.status = status;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(entry.method === 'HEAD' ? undefined : body);
}

function hasCredentials(req: IncomingMessage, f: { username: string; password: string }): boolean {
  const expected = `Basic ${Buffer.from(`${f.username}:${f.password}`).toString('base64')}`;
  return req.headers.authorization === expected;
}

/** Streams bytes [start, end) of a file into the response without ending it. */
function sendRange(res: ServerResponse, file: string, start: number, end: number): Promise<void> {
  if (end <= start) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const stream = createReadStream(file, { start, end: end - 1 });
    stream.on('error', reject);
    res.once('close', () => {
      stream.destroy();
      resolve();
    });
    stream.on('end', resolve);
    stream.pipe(res, { end: false });
  });
}

/** mulberry32: a tiny seeded PRNG, so probabilistic faults replay identically. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let certPromise: Promise<{ key: string; cert: string; file: string }> | undefined;

/** One self-signed certificate for IP 127.0.0.1 per process, removed on exit. */
function selfSignedCert(): Promise<{ key: string; cert: string; file: string }> {
  certPromise ??= (async () => {
    await requireCommand('openssl', 'openssl');
    const dir = await mkdtemp(path.join(tmpdir(), 'gomirror-cert-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const [keyFile, file] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', file,
    ]);
    return { key: await readFile(keyFile, 'utf8'), cert: await readFile(file, 'utf8'), file };
  })();
  return certPromise;
}
