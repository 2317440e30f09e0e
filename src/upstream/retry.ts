/**
 * Retry policy for upstream requests (pure). 404/410 are normal GOPROXY answers
 * and TLS failures are configuration problems: neither is ever retried.
 */

export interface RetryOptions {
  /** Retries after the first attempt. */
  retries: number;
  /** First backoff in ms; doubles each attempt. */
  baseDelayMs: number;
  /**
   * Cap on one backoff, and on a Retry-After we are willing to honour: a
   * server asking for a longer wait is taken at its word and not asked again
   * in this run (as got does), rather than hammered early.
   */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { retries: 4, baseDelayMs: 200, maxDelayMs: 15_000 };

/** What went wrong with one attempt, as far as the retry policy cares. */
export type AttemptFailure =
  | { kind: 'status'; status: number; retryAfter?: string | null }
  | { kind: 'network'; code?: string }
  | { kind: 'short-body' }
  | { kind: 'timeout' }
  | { kind: 'too-slow' };

const TLS_CODES = /^(ERR_TLS_|CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|ERR_SSL_)/;

/** Whether a failure is worth another attempt. */
export function isRetryable(f: AttemptFailure): boolean {
  switch (f.kind) {
    case 'status':
      return f.status >= 500 || f.status === 429 || f.status === 408;
    case 'network':
      // DNS saying "no such host" does not change within a retry's backoff.
      return !(f.code && (TLS_CODES.test(f.code) || f.code === 'ENOTFOUND'));
    case 'short-body':
    case 'timeout':
    case 'too-slow':
      return true;
  }
}

/**
 * Delay before retry number `attempt` (1-based), or null to give up.
 * Exponential backoff with full jitter; a Retry-After (seconds or HTTP date)
 * is honoured when it is at most maxDelayMs, and a longer one gives up.
 */
export function computeRetryDelay(
  attempt: number,
  failure: AttemptFailure,
  options: RetryOptions,
  now: number = Date.now(),
  random: () => number = Math.random,
): number | null {
  if (attempt > options.retries || !isRetryable(failure)) return null;
  const backoff = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.round(backoff / 2 + random() * (backoff / 2));
  const ra = retryAfterMs(failure, now);
  if (ra !== null) return ra > options.maxDelayMs ? null : ra;
  return jittered;
}

/** The wait a status failure's Retry-After asks for (ms, never negative), or null without one. */
export function retryAfterMs(failure: AttemptFailure, now: number = Date.now()): number | null {
  if (failure.kind !== 'status' || !failure.retryAfter) return null;
  const ra = parseRetryAfter(failure.retryAfter, now);
  return ra === null ? null : Math.max(ra, 0);
}

/** Parses a Retry-After header into milliseconds from now. */
export function parseRetryAfter(value: string, now: number): number | null {
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : t - now;
}
