/**
 * How the transport tells failures apart: which ones a retry may cure, and
 * the typed GomirrorError each becomes for the caller (E_NOT_FOUND, E_HTTP,
 * E_SHORT_BODY, E_NETWORK, E_FS).
 */
import { GomirrorError } from '../errors.js';
import { redactUrl } from './proxy-list.js';
import { isRetryable, retryAfterMs, type AttemptFailure } from './retry.js';

export class StatusError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfter: string | null,
  ) {
    super(`HTTP ${status}`);
  }
}

export class ShortBodyError extends Error {
  constructor(
    readonly got: number,
    readonly want: number,
  ) {
    super(`body ended after ${got} of ${want} bytes`);
  }
}

/** A body arriving slower than the transport's minimum rate (a trickling upstream). */
export class TooSlowError extends Error {
  constructor(
    readonly got: number,
    readonly elapsedMs: number,
    readonly minBytesPerSecond: number,
  ) {
    super(`${got} bytes in ${(elapsedMs / 1000).toFixed(1)} s, below the minimum of ${minBytesPerSecond} bytes/s`);
  }
}

/**
 * A connection that dies after the headers is a short body: the server
 * promised more bytes than arrived. That is retried like any short body.
 */
export function asShortBody(err: unknown, got: number, declared: number | null): unknown {
  if (err instanceof GomirrorError || declared === null || got >= declared) return err;
  const code = errCode(err);
  if (code === 'ENOSPC' || code === 'EACCES' || code === 'EROFS') return err;
  if (ownCode(err) === 'UND_ERR_BODY_TIMEOUT') return err;
  return new ShortBodyError(got, declared);
}

export function contentLength(v: string | string[] | undefined): number | null {
  if (typeof v !== 'string' || !/^\d+$/.test(v)) return null;
  return Number(v);
}

export function tooLarge(url: string, maxBytes: number): GomirrorError {
  return new GomirrorError('E_TOO_LARGE', `${redactUrl(url)}: response larger than ${maxBytes} bytes`);
}

/** The error's own code (undici's UND_ERR_*), ignoring any cause. */
export function ownCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isRedirectLoop(err: unknown): boolean {
  return ownCode(err) === 'UND_ERR_INVALID_ARG' && /redirect loop/i.test((err as Error).message);
}

export function errCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  // undici wraps socket errors; the useful code may sit on the cause.
  if (typeof e?.cause?.code === 'string') return e.cause.code;
  return typeof e?.code === 'string' ? e.code : undefined;
}

/** undici refuses to follow a redirect to a scheme other than http(s) (file://, ftp://). */
function isBadRedirectScheme(err: unknown): boolean {
  return ownCode(err) === 'UND_ERR_INVALID_ARG' && /URL protocol/i.test((err as Error).message);
}

/** Whether err (or any cause of it) is DNS saying the host does not exist. */
export function isUnresolvedHost(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, n = 0; e && n < 5; e = e.cause as typeof e, n++) {
    if (e.code === 'ENOTFOUND') return true;
  }
  return false;
}

export function classify(err: unknown): AttemptFailure | null {
  if (err instanceof GomirrorError) return null;
  // Asking again gets the same redirect.
  if (isBadRedirectScheme(err)) return null;
  if (err instanceof StatusError) {
    if (err.status === 404 || err.status === 410) return null;
    return { kind: 'status', status: err.status, retryAfter: err.retryAfter };
  }
  if (err instanceof ShortBodyError) return { kind: 'short-body' };
  if (err instanceof TooSlowError) return { kind: 'too-slow' };
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

export function describe(err: unknown): string {
  if (err instanceof StatusError) return `HTTP ${err.status}`;
  const code = errCode(err);
  return code ? `${code}: ${(err as Error).message}` : (err as Error).message;
}

export function toGomirrorError(err: unknown, url: string, maxDelayMs?: number): GomirrorError {
  if (err instanceof GomirrorError) return err;
  const where = redactUrl(url);
  if (err instanceof StatusError && maxDelayMs !== undefined) {
    const wait = retryAfterMs({ kind: 'status', status: err.status, retryAfter: err.retryAfter });
    if (wait !== null && wait > maxDelayMs && isRetryable({ kind: 'status', status: err.status })) {
      return new GomirrorError(
        'E_HTTP',
        `${where}: HTTP ${err.status}, and the server asks to wait ${Math.ceil(wait / 1000)} s (Retry-After), longer than gomirror waits (${maxDelayMs / 1000} s)`,
        { hint: 'Not retried in this run: run again after that time (the finished versions are kept)' },
      );
    }
  }
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
  if (err instanceof TooSlowError) {
    return new GomirrorError('E_TOO_SLOW', `${where}: too slow: ${err.message}`, {
      cause: err,
      hint: 'The upstream sends the body too slowly to finish (gomirror retried); check the upstream and the network path, then run again',
    });
  }
  if (isBadRedirectScheme(err)) {
    return new GomirrorError('E_HTTP', `${where}: the server redirects to a URL that is not http:// or https://`, {
      cause: err,
      hint: 'Redirects are followed only to http and https (as by the go command); check the upstream URL and the server behind it',
    });
  }
  if (isUnresolvedHost(err)) {
    return new GomirrorError('E_NETWORK', `${where}: cannot resolve host ${new URL(url).hostname} (DNS: no such host)`, {
      cause: err,
      hint: 'Check the host name, and that this machine can resolve it (DNS, /etc/hosts, proxy settings)',
    });
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
