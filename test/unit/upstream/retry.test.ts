import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeRetryDelay, isRetryable, parseRetryAfter, type RetryOptions } from '../../../src/upstream/retry.js';

const opts: RetryOptions = { retries: 3, baseDelayMs: 100, maxDelayMs: 1000 };

describe('retry policy', () => {
  it('retries 5xx, 429, resets, short bodies, timeouts and too-slow bodies', () => {
    assert.equal(isRetryable({ kind: 'too-slow' }), true);
    assert.equal(isRetryable({ kind: 'status', status: 503 }), true);
    assert.equal(isRetryable({ kind: 'status', status: 429 }), true);
    assert.equal(isRetryable({ kind: 'network', code: 'ECONNRESET' }), true);
    assert.equal(isRetryable({ kind: 'short-body' }), true);
    assert.equal(isRetryable({ kind: 'timeout' }), true);
  });
  it('never retries 404/410, 4xx or TLS failures', () => {
    for (const status of [400, 401, 403, 404, 410]) assert.equal(isRetryable({ kind: 'status', status }), false, String(status));
    assert.equal(isRetryable({ kind: 'network', code: 'ERR_TLS_CERT_ALTNAME_INVALID' }), false);
    assert.equal(isRetryable({ kind: 'network', code: 'CERT_HAS_EXPIRED' }), false);
    assert.equal(isRetryable({ kind: 'network', code: 'ENOTFOUND' }), false, 'DNS: no such host');
    assert.equal(isRetryable({ kind: 'network', code: 'EAI_AGAIN' }), true, 'DNS: try again');
    assert.equal(isRetryable({ kind: 'network', code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }), false);
  });
  it('backs off exponentially with jitter, capped, and gives up', () => {
    const f = { kind: 'network' as const };
    assert.equal(computeRetryDelay(1, f, opts, 0, () => 0), 50);
    assert.equal(computeRetryDelay(1, f, opts, 0, () => 1), 100);
    assert.equal(computeRetryDelay(2, f, opts, 0, () => 1), 200);
    assert.equal(computeRetryDelay(3, f, opts, 0, () => 1), 400);
    assert.equal(computeRetryDelay(4, f, opts, 0, () => 1), null);
    assert.equal(computeRetryDelay(3, f, { ...opts, baseDelayMs: 800 }, 0, () => 1), 1000);
  });
  it('honours Retry-After in seconds and as a date up to the cap, and gives up beyond it', () => {
    assert.equal(computeRetryDelay(1, { kind: 'status', status: 503, retryAfter: '0' }, opts, 0, () => 1), 0);
    assert.equal(computeRetryDelay(1, { kind: 'status', status: 429, retryAfter: '1' }, { ...opts, maxDelayMs: 5000 }, 0, () => 1), 1000);
    assert.equal(computeRetryDelay(1, { kind: 'status', status: 429, retryAfter: '1' }, opts, 0, () => 1), 1000);
    assert.equal(computeRetryDelay(1, { kind: 'status', status: 429, retryAfter: '120' }, opts, 0, () => 1), null);
    assert.equal(computeRetryDelay(1, { kind: 'status', status: 503, retryAfter: 'Thu, 01 Jan 2026 01:00:00 GMT' }, opts, Date.parse('2026-01-01T00:00:00Z')), null);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:02 GMT', now), 2000);
    assert.equal(parseRetryAfter('soon', now), null);
  });
});
