/**
 * The upstream client never reports a failure as E_INTERNAL: a local disk
 * error while a download is written is E_FS, anything else unexpected from
 * the transport is E_NETWORK, each naming what was being fetched.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createUpstreamClient } from '../../../src/upstream/client.js';
import type { Transport } from '../../../src/upstream/transport.js';

function failingTransport(err: unknown): Transport {
  return {
    getBuffer: () => Promise.reject(err),
    getToFile: () => Promise.reject(err),
    stats: { requests: 0, retries: 0, bytes: 0 },
    close: async () => undefined,
  };
}

describe('upstream client errors', () => {
  it('a disk error while writing a download is E_FS, naming the module version', async () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write', errno: -28 });
    const client = createUpstreamClient({ entries: [{ kind: 'url', url: 'https://proxy.example', fallBackOnAnyError: false }], transport: failingTransport(enospc) });
    await assert.rejects(client.zip('example.com/m', 'v1.0.0', '/tmp/nowhere.zip'), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'E_FS');
      assert.match(err.message, /example\.com\/m@v1\.0\.0.*ENOSPC/);
      return true;
    });
  });

  it('an unexpected error from the transport is E_NETWORK, not E_INTERNAL', async () => {
    const client = createUpstreamClient({
      entries: [{ kind: 'url', url: 'https://proxy.example', fallBackOnAnyError: false }],
      transport: failingTransport(new TypeError('fetch failed')),
    });
    await assert.rejects(client.mod('example.com/m', 'v1.0.0'), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'E_NETWORK');
      assert.match(err.message, /example\.com\/m@v1\.0\.0/);
      return true;
    });
  });
});
