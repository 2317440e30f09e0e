import { createReadStream, createWriteStream, ftruncateSync, writeSync } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { createSecureContext, type SecureContext } from 'node:tls';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type { Agent, Dispatcher } from 'undici';
import { GomirrorError } from '../errors.js';
import { basicAuthFor, type NetrcEntry } from './netrc.js';
import { redactUrl } from './proxy-list.js';
import { computeRetryDelay, DEFAULT_RETRY, type AttemptFailure, type RetryOptions } from './retry.js';

/** Result of streaming a body to a file. */
export interface FileFetchResult {
  size: number;
}

/**
 * Fetches URLs (http, https, file). Errors are GomirrorErrors: E_NOT_FOUND for
 * 404/410 and missing files, E_HTTP for other statuses, E_NETWORK, E_SHORT_BODY,
 * E_TOO_LARGE. Transient failures are retried inside.
 */
export interface Transport {
  getBuffer(url: string, maxBytes: number): Promise<Buffer>;
  /**
   * Streams the body into `file` (created or truncated), counting and
   * limiting bytes as they go. Not fsynced: whoever renames the file into
   * place fsyncs it first, together with the version's other files. The
   * content is hashed where it is checked: per zip entry (h1) by the zip
   * check, so not twice here.
   */
  getToFile(url: string, file: string, maxBytes: number): Promise<FileFetchResult>;
  readonly stats: TransportStats;
  close(): Promise<void>;
}

export interface TransportStats {
  requests: number;
  retries: number;
  bytes: number;
}

export interface TransportOptions {
  concurrency: number;
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  /** Longest silence between two chunks of a body. */
  bodyIdleTimeoutMs?: number;
  retry?: RetryOptions;
  netrc?: Map<string, NetrcEntry>;
  /** Extra CA certificates (PEM) for https upstreams. */
  ca?: string | Buffer | (string | Buffer)[];
  env?: NodeJS.ProcessEnv;
  userAgent?: string;
  /**
   * Network failures in a row (after retries) after which an origin counts as
   * down for the rest of the run, so a dead upstream or an unreachable
   * checksum database costs a few timeouts, not one per module. Default 3.
   */
  maxConsecutiveFailures?: number;
  /** Called before each retry, for logs. */
  onRetry?: (url: string, attempt: number, delayMs: number, reason: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

/** Builds the one shared HTTP agent and the transport around it. */
export function createTransport(options: TransportOptions): Transport {
  const env = options.env ?? process.env;
  const useEnvProxy = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].some((k) => env[k]);
  // undici loads, and the CA bundle is parsed, on the first request: a sync
  // with nothing to download (the nightly common case) pays for neither.
  let client: Promise<{ dispatcher: Dispatcher }> | undefined;
  const timeout = options.connectTimeoutMs ?? 10_000;
  const secureContext = (): { secureContext?: SecureContext } => (options.ca ? { secureContext: createSecureContext({ ca: options.ca }) } : {});
  const connect = (): NonNullable<typeof client> =>
    (client ??= import('undici').then((u) => {
      // Keep-alive pool sized to the download concurrency: every in-flight request
      // gets a warm connection and no more sockets are opened than can be used.
      const agentOptions: Agent.Options = {
        connections: Math.max(options.concurrency, 1),
        pipelining: 1,
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 120_000,
        headersTimeout: options.headersTimeoutMs ?? 30_000,
        bodyTimeout: options.bodyIdleTimeoutMs ?? 30_000,
        connect: { timeout },
      };
      let base: Dispatcher;
      if (useEnvProxy) {
        base = new u.EnvHttpProxyAgent({ ...agentOptions, connect: { timeout, ...secureContext() } });
      } else {
        // One secure context for every connection (passing `ca` would parse the
        // whole CA bundle again for each TLS connection), made on the first
        // https connection: plain http never pays for it.
        const plain = u.buildConnector({ timeout });
        let tls: ReturnType<typeof u.buildConnector> | undefined;
        base = new u.Agent({
          ...agentOptions,
          connect: (opts, callback) =>
            opts.protocol === 'https:' ? (tls ??= u.buildConnector({ timeout, ...secureContext() }))(opts, callback) : plain(opts, callback),
        });
      }
      return { dispatcher: base.compose(u.interceptors.redirect({ maxRedirections: 10 })) };
    }));
  const retry = options.retry ?? DEFAULT_RETRY;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const stats: TransportStats = { requests: 0, retries: 0, bytes: 0 };
  const userAgent = options.userAgent ?? 'gomirror';

  const maxFails = options.maxConsecutiveFailures ?? 3;
  const failsByOrigin = new Map<string, number>();

  async function withRetries<T>(url: string, attempt: () => Promise<T>): Promise<T> {
    const origin = new URL(url).origin;
    if ((failsByOrigin.get(origin) ?? 0) >= maxFails) {
      throw new GomirrorError('E_NETWORK', `${redactUrl(url)}: skipped, ${redactUrl(origin)} failed ${maxFails} times in a row in this run`, {
        hint: 'Check that the host is reachable from here (DNS, firewall, proxy settings), then run again',
      });
    }
    for (let n = 1; ; n++) {
      stats.requests++;
      try {
        const result = await attempt();
        failsByOrigin.set(origin, 0);
        return result;
      } catch (err) {
        const failure = classify(err);
        const delay = failure ? computeRetryDelay(n, failure, retry) : null;
        if (delay === null) {
          if (failure?.kind === 'network' || failure?.kind === 'timeout') {
            failsByOrigin.set(origin, (failsByOrigin.get(origin) ?? 0) + 1);
          }
          throw toGomirrorError(err, url);
        }
        stats.retries++;
        options.onRetry?.(redactUrl(url), n, delay, describe(err));
        await sleep(delay);
      }
    }
  }

  /**
   * GETs `url`, handing the body of a 200 to `sink` chunk by chunk as it
   * arrives (undici's dispatch API: no stream objects per request). Any
   * other status becomes a StatusError once its body is drained, so the
   * connection stays reusable. Returns the body size.
   */
  async function fetchInto(url: string, maxBytes: number, sink: BodySink): Promise<number> {
    const u = new URL(url);
    const headers: Record<string, string> = { 'user-agent': userAgent, accept: '*/*' };
    // Go: .netrc credentials only ever go over https.
    if (u.protocol === 'https:' && options.netrc) {
      const auth = basicAuthFor(options.netrc, u.hostname);
      if (auth) headers.authorization = auth;
    }
    const { dispatcher } = await connect();
    return new Promise<number>((resolve, reject) => {
      let status = 0;
      let retryAfter: string | null = null;
      let declared: number | null = null;
      let size = 0;
      let settled = false;
      const fail = (err: unknown): void => {
        if (settled) return;
        settled = true;
        reject(err);
      };
      const handler: Dispatcher.DispatchHandler = {
        // Its presence tells undici this handler speaks the controller API.
        onRequestStart() {},
        onResponseStart(controller, statusCode, resHeaders) {
          status = statusCode;
          if (status !== 200) {
            const ra = resHeaders['retry-after'];
            retryAfter = typeof ra === 'string' ? ra : null;
            return;
          }
          declared = contentLength(resHeaders['content-length']);
          try {
            if (declared !== null && declared > maxBytes) throw tooLarge(url, maxBytes);
            sink.start();
          } catch (err) {
            fail(err);
            controller.abort(err as Error);
          }
        },
        onResponseData(controller, chunk) {
          if (status !== 200 || settled) return;
          size += chunk.length;
          try {
            if (size > maxBytes) throw tooLarge(url, maxBytes);
            sink.chunk(chunk);
          } catch (err) {
            fail(err);
            controller.abort(err as Error);
          }
        },
        onResponseEnd() {
          if (settled) return;
          if (status !== 200) return fail(new StatusError(status, retryAfter));
          if (declared !== null && size !== declared) return fail(new ShortBodyError(size, declared));
          settled = true;
          resolve(size);
        },
        onResponseError(_controller, err) {
          fail(status === 200 ? asShortBody(err, size, declared) : err);
        },
      };
      dispatcher.dispatch({ origin: u.origin, path: `${u.pathname}${u.search}`, method: 'GET', headers }, handler);
    });
  }

  return {
    stats,
    async getBuffer(url, maxBytes) {
      if (url.startsWith('file:')) return readLocal(url, maxBytes);
      return withRetries(url, async () => {
        const chunks: Buffer[] = [];
        const size = await fetchInto(url, maxBytes, {
          start: () => (chunks.length = 0),
          chunk: (c) => chunks.push(c),
        });
        stats.bytes += size;
        return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      });
    },
    async getToFile(url, file, maxBytes) {
      if (url.startsWith('file:')) return copyLocal(url, file, maxBytes);
      // Created off the main thread (a file creation can take a millisecond on
      // a busy file system), before the request, so it overlaps the round trip.
      const fh = await open(file, 'w', 0o644).catch((err: unknown) => {
        throw new GomirrorError('E_FS', `cannot create ${file}: ${(err as Error).message}`, { cause: err });
      });
      try {
        return await withRetries(url, async () => {
          // Chunks are written with plain synchronous calls, as curl does: a
          // chunk goes to the page cache in microseconds, less than a
          // thread-pool round trip. A new attempt starts the file over.
          let position = 0;
          const size = await fetchInto(url, maxBytes, {
            start: () => {
              if (position > 0) ftruncateSync(fh.fd, 0);
              position = 0;
            },
            chunk: (c) => {
              for (let off = 0; off < c.length; ) {
                const n = writeSync(fh.fd, c, off, c.length - off, position);
                off += n;
                position += n;
              }
            },
          });
          stats.bytes += size;
          return { size };
        });
      } finally {
        await fh.close();
      }
    },
    async close() {
      if (client) await (await client).dispatcher.close();
    },
  };
}

/** Where fetchInto puts a 200's body; start runs again for each new attempt. */
interface BodySink {
  start(): void;
  chunk(chunk: Buffer): void;
}

/** Counts and limits bytes on their way to disk. */
class ByteMeter extends Transform {
  size = 0;
  constructor(
    private readonly limit: number,
    private readonly onTooLarge: () => Error,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    this.size += chunk.length;
    if (this.size > this.limit) return cb(this.onTooLarge());
    cb(null, chunk);
  }
}

class StatusError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfter: string | null,
  ) {
    super(`HTTP ${status}`);
  }
}

class ShortBodyError extends Error {
  constructor(
    readonly got: number,
    readonly want: number,
  ) {
    super(`body ended after ${got} of ${want} bytes`);
  }
}

/**
 * A connection that dies after the headers is a short body: the server
 * promised more bytes than arrived. That is retried like any short body.
 */
function asShortBody(err: unknown, got: number, declared: number | null): unknown {
  if (err instanceof GomirrorError || declared === null || got >= declared) return err;
  const code = errCode(err);
  if (code === 'ENOSPC' || code === 'EACCES' || code === 'EROFS') return err;
  if (ownCode(err) === 'UND_ERR_BODY_TIMEOUT') return err;
  return new ShortBodyError(got, declared);
}

function contentLength(v: string | string[] | undefined): number | null {
  if (typeof v !== 'string' || !/^\d+$/.test(v)) return null;
  return Number(v);
}

function tooLarge(url: string, maxBytes: number): GomirrorError {
  return new GomirrorError('E_TOO_LARGE', `${redactUrl(url)}: response larger than ${maxBytes} bytes`);
}

/** The error's own code (undici's UND_ERR_*), ignoring any cause. */
function ownCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' ? code : undefined;
}

function isRedirectLoop(err: unknown): boolean {
  return ownCode(err) === 'UND_ERR_INVALID_ARG' && /redirect loop/i.test((err as Error).message);
}

function errCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  // undici wraps socket errors; the useful code may sit on the cause.
  if (typeof e?.cause?.code === 'string') return e.cause.code;
  return typeof e?.code === 'string' ? e.code : undefined;
}

function classify(err: unknown): AttemptFailure | null {
  if (err instanceof GomirrorError) return null;
  if (err instanceof StatusError) {
    if (err.status === 404 || err.status === 410) return null;
    return { kind: 'status', status: err.status, retryAfter: err.retryAfter };
  }
  if (err instanceof ShortBodyError) return { kind: 'short-body' };
  // undici refuses a redirect back to where it came from: asking again loops again.
  if (isRedirectLoop(err)) return null;
  if (ownCode(err) === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') return { kind: 'short-body' };
  if (
    // undici's own error codes (its classes would need undici loaded here).
    ['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'].includes(ownCode(err) ?? '')
  ) {
    return { kind: 'timeout' };
  }
  const code = errCode(err);
  if (code === 'ENOSPC' || code === 'EACCES' || code === 'EROFS' || code === 'EMFILE') return null;
  return { kind: 'network', ...(code ? { code } : {}) };
}

function describe(err: unknown): string {
  if (err instanceof StatusError) return `HTTP ${err.status}`;
  const code = errCode(err);
  return code ? `${code}: ${(err as Error).message}` : (err as Error).message;
}

function toGomirrorError(err: unknown, url: string): GomirrorError {
  if (err instanceof GomirrorError) return err;
  const where = redactUrl(url);
  if (err instanceof StatusError) {
    if (err.status === 404 || err.status === 410) {
      return new GomirrorError('E_NOT_FOUND', `${where}: not found (HTTP ${err.status})`);
    }
    return new GomirrorError('E_HTTP', `${where}: HTTP ${err.status}`, {
      hint: err.status === 401 || err.status === 403 ? 'Check the credentials for this host in ~/.netrc or $NETRC' : undefined,
    });
  }
  if (err instanceof ShortBodyError || ownCode(err) === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') {
    return new GomirrorError('E_SHORT_BODY', `${where}: ${(err as Error).message}`, { cause: err });
  }
  if (isRedirectLoop(err)) {
    return new GomirrorError('E_HTTP', `${where}: the server redirects in a loop`, {
      hint: 'Check the upstream URL in the manifest or GOPROXY; the server sends this request back to itself',
    });
  }
  const code = errCode(err);
  if (code === 'ENOSPC' || code === 'EACCES' || code === 'EROFS') {
    return new GomirrorError('E_FS', `writing ${where} to disk failed: ${(err as Error).message}`, { cause: err });
  }
  return new GomirrorError('E_NETWORK', `${where}: ${describe(err)}`, {
    cause: err,
    hint: 'Check that the upstream is reachable from this host (gomirror retried with backoff)',
  });
}

async function readLocal(url: string, maxBytes: number): Promise<Buffer> {
  const file = fileURLToPath(url);
  try {
    const st = await stat(file);
    if (st.size > maxBytes) throw tooLarge(url, maxBytes);
    return await readFile(file);
  } catch (err) {
    throw localError(err, url);
  }
}

async function copyLocal(url: string, dest: string, maxBytes: number): Promise<FileFetchResult> {
  const file = fileURLToPath(url);
  try {
    const meter = new ByteMeter(maxBytes, () => tooLarge(url, maxBytes));
    await pipeline(createReadStream(file), meter, createWriteStream(dest, { flags: 'w' }));
    return { size: meter.size };
  } catch (err) {
    throw localError(err, url);
  }
}

function localError(err: unknown, url: string): GomirrorError {
  if (err instanceof GomirrorError) return err;
  const code = errCode(err);
  // Go: a missing file:// file counts as 404, so a comma list falls through.
  if (code === 'ENOENT' || code === 'ENOTDIR') return new GomirrorError('E_NOT_FOUND', `${url}: not found`);
  return new GomirrorError('E_FS', `${url}: ${(err as Error).message}`, { cause: err });
}
