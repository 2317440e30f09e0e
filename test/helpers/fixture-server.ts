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
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import * as path from 'node:path';

import { createFaultRules, type Fault, type FaultRule } from './fixture-faults.js';
import { selfSignedCert } from './fixture-tls.js';

export { type Fault, type FaultRule, mulberry32 } from './fixture-faults.js';

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
  /**
   * How the response ended, once it has: `finished` when every byte was
   * handed to the socket, `cut` when the connection closed first (a client
   * that gave up, a reset or truncation fault, close()).
   */
  end?: 'finished' | 'cut';
}

/** Options for startFixtureServer(). */
export interface FixtureServerOptions {
  /** Directory served at `/` (a GOPROXY tree, e.g. Upstream.dir). */
  root: string;
  faults?: FaultRule[];
  /** PRNG seed for probabilistic faults. Default 1. */
  seed?: number | undefined;
  /** Serve HTTPS with a self-signed certificate for 127.0.0.1 (see FixtureServer.caFile). */
  tls?: boolean;
  /**
   * How a delay fault waits (default: a timer, cancelled by close()). Tests
   * of the delay itself pass a wait they end, to assert what happens before
   * and after it rather than how long it took.
   */
  sleep?: (ms: number) => Promise<void>;
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
  caFile?: string | undefined;
  ca?: string | undefined;
  /** Every request so far; tests may read or clear it (`requests.length = 0`). */
  requests: RequestLog[];
  /** Replaces the fault rules and restarts their counters. */
  setFaults(faults: FaultRule[]): void;
  /** Stops listening, cancels pending delays and destroys open sockets; resolves once they have closed. Idempotent. */
  close(): Promise<void>;
}

/** Starts a fixture server on 127.0.0.1 with a free port. */
export async function startFixtureServer(opts: FixtureServerOptions): Promise<FixtureServer> {
  const root = path.resolve(opts.root);
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
  const faults = createFaultRules(opts.faults ?? [], opts.seed ?? 1);

  const timer = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });
  const delay = opts.sleep ?? timer;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const rawUrl = req.url ?? '/';
    const reqPath = decodePath(rawUrl);
    const entry: RequestLog = { method: req.method ?? '', path: reqPath ?? rawUrl, rawUrl, headers: req.headers, status: 0 };
    requests.push(entry);
    // A response still waiting on a delay hears of its socket's end only from the socket.
    const socket = req.socket;
    const ended = (): void => {
      socket.off('close', ended);
      entry.end ??= res.writableFinished ? 'finished' : 'cut';
    };
    res.once('close', ended);
    socket.once('close', ended);
    const fired = faults.choose(entry.path);
    const auth = fired.find((f): f is Extract<Fault, { kind: 'auth' }> => f.kind === 'auth' && !hasCredentials(req, f));
    if (auth) {
      entry.fault = 'auth';
      res.setHeader('WWW-Authenticate', 'Basic realm="fixture"');
      return sendText(res, entry, 401, 'unauthorized\n');
    }
    const fault = fired.find((f) => f.kind !== 'auth');
    if (fault) entry.fault = fault.kind;

    if (fault?.kind === 'delay' && fault.at !== 'body') await delay(fault.ms);
    if (fault?.kind === 'status') {
      if (fault.retryAfter !== undefined) res.setHeader('Retry-After', String(fault.retryAfter));
      return sendText(res, entry, fault.status, fault.body ?? `fixture fault: status ${fault.status}\n`);
    }
    if (fault?.kind === 'reset' && fault.at === 'headers') {
      // Half a status line, flushed, then RST: the client has no complete response.
      const socket = res.socket;
      if (socket) socket.write('HTTP/1.1 200 OK\r\nContent-Le', () => void timer(20).then(() => resetSocket(socket)));
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
        await timer(20);
        resetSocket(res.socket);
        return;
      }
      case 'trickle': {
        const data = await readFile(file.path);
        for (let off = 0; off < data.length && !res.destroyed; off += fault.bytes) {
          res.write(data.subarray(off, off + fault.bytes));
          await timer(fault.everyMs);
        }
        return void res.end();
      }
      case 'delay': {
        if (fault.at === 'body') {
          await sendRange(res, file.path, 0, half);
          await delay(fault.ms);
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
      // The server's close event comes before its sockets' own: wait for
      // those too, so every request's log entry says how it ended.
      const socketsClosed = [...sockets].map((socket) => new Promise((closed) => socket.once('close', closed)));
      server.close(() => void Promise.all(socketsClosed).then(() => resolve()));
      for (const socket of sockets) socket.destroy();
    });
    return closing;
  };
  const url = `${cert ? 'https' : 'http'}://127.0.0.1:${port}`;
  return { url, port, requests, setFaults: faults.set, close, caFile: cert?.file, ca: cert?.cert };
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
