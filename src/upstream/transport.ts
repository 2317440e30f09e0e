import { open } from 'node:fs/promises';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Agent, Dispatcher } from 'undici';
import { GomirrorError } from '../errors.js';
import { asShortBody, classify, contentLength, describe, ShortBodyError, StatusError, toGomirrorError, tooLarge, TooSlowError } from './http-errors.js';
import { FileSink, type Sender } from './file-sink.js';
import { copyLocal, readLocal } from './local-files.js';
import { basicAuthFor, type NetrcEntry } from './netrc.js';
import { redactUrl } from './proxy-list.js';
import { computeRetryDelay, DEFAULT_RETRY, type RetryOptions } from './retry.js';

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
  /**
   * The slowest average rate a body may arrive at once graceMs have passed
   * since its headers, so an upstream trickling a byte a second (never
   * silent long enough for bodyIdleTimeoutMs) cannot hold a run forever.
   * A slower attempt fails with E_TOO_SLOW (and is retried). Default
   * 1024 bytes/s after 60 s.
   */
  minRate?: { bytesPerSecond: number; graceMs: number };
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
    (client ??= import('./undici.js').then((u) => {
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
  const minRate = options.minRate ?? { bytesPerSecond: 1024, graceMs: 60_000 };

  const maxFails = options.maxConsecutiveFailures ?? 3;
  const failsByOrigin = new Map<string, number>();

  async function withRetries<T>(url: string, attempt: (u: URL) => Promise<T>): Promise<T> {
    // Parsed once for the origin and every attempt.
    const u = new URL(url);
    const origin = u.origin;
    if ((failsByOrigin.get(origin) ?? 0) >= maxFails) {
      throw new GomirrorError('E_NETWORK', `${redactUrl(url)}: skipped, ${redactUrl(origin)} failed ${maxFails} times in a row in this run`, {
        hint: 'Check that the host is reachable from here (DNS, firewall, proxy settings), then run again',
      });
    }
    for (let n = 1; ; n++) {
      stats.requests++;
      try {
        const result = await attempt(u);
        failsByOrigin.set(origin, 0);
        return result;
      } catch (err) {
        const failure = classify(err);
        const delay = failure ? computeRetryDelay(n, failure, retry) : null;
        if (delay === null) {
          if (failure?.kind === 'network' || failure?.kind === 'timeout') {
            failsByOrigin.set(origin, (failsByOrigin.get(origin) ?? 0) + 1);
          }
          throw toGomirrorError(err, url, retry.maxDelayMs);
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
  async function fetchInto(u: URL, url: string, maxBytes: number, sink: BodySink): Promise<number> {
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
      let started = 0;
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
          started = performance.now();
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
            const elapsed = performance.now() - started;
            if (elapsed > minRate.graceMs && size < (minRate.bytesPerSecond * elapsed) / 1000 && (declared === null || size < declared)) {
              throw new TooSlowError(size, elapsed, minRate.bytesPerSecond);
            }
            sink.chunk(chunk, controller);
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
          // The sink's own failure (a disk error) is what stopped the body.
          fail(sink.failure?.() ?? (status === 200 ? asShortBody(err, size, declared) : err));
        },
      };
      dispatcher.dispatch({ origin: u.origin, path: `${u.pathname}${u.search}`, method: 'GET', headers }, handler);
    });
  }

  return {
    stats,
    async getBuffer(url, maxBytes) {
      if (url.startsWith('file:')) return readLocal(url, maxBytes);
      return withRetries(url, async (u) => {
        const chunks: Buffer[] = [];
        const size = await fetchInto(u, url, maxBytes, {
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
      const sink = new FileSink(fh);
      try {
        return await withRetries(url, async (u) => {
          // Every attempt starts the file over, so nothing of a longer failed
          // one is left at the end.
          await sink.reset();
          const size = await fetchInto(u, url, maxBytes, {
            start: () => undefined,
            chunk: (c, sender) => sink.push(c, sender),
            failure: () => sink.failure,
          });
          await sink.flush();
          stats.bytes += size;
          return { size };
        });
      } finally {
        // A failed attempt may still have writes in flight.
        await sink.flush().catch(() => undefined);
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
  chunk(chunk: Buffer, sender: Sender): void;
  /** The sink's own error (it aborted the transfer), if any. */
  failure?(): unknown;
}
