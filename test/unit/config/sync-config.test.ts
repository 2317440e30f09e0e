import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSyncConfig } from '../../../src/config/sync-config.js';
import { parseManifest } from '../../../src/manifest/index.js';

const manifest = parseManifest(
  JSON.stringify({ upstream: 'https://manifest.example', modules: [{ path: 'example.com/m', versions: ['latest'] }] }),
  '/tmp/m.json',
);

describe('buildSyncConfig', () => {
  it('uses the go default when nothing else says', () => {
    const c = buildSyncConfig({ out: '/t', gosum: ['/x/go.sum'] }, undefined, {});
    assert.equal(c.upstreamText, 'https://proxy.golang.org');
    assert.equal(c.sumdb, 'sum.golang.org');
    assert.equal(c.concurrency, 16);
  });
  it('takes $GOPROXY and $GOSUMDB over defaults, the manifest over env, flags over all', () => {
    const env = { GOPROXY: 'https://env.example,direct', GOSUMDB: 'off', GOPRIVATE: 'corp.example/*,b.example' };
    const fromEnv = buildSyncConfig({ out: '/t', gosum: ['/x'] }, undefined, env);
    assert.equal(fromEnv.upstreamText, 'https://env.example,direct');
    assert.equal(fromEnv.sumdb, 'off');
    assert.deepEqual(fromEnv.nosumdb, ['corp.example/*', 'b.example']);
    assert.equal(buildSyncConfig({ out: '/t' }, manifest, env).upstreamText, 'https://manifest.example');
    assert.equal(buildSyncConfig({ out: '/t', upstream: 'https://flag.example' }, manifest, env).upstreamText, 'https://flag.example');
  });
  it('rejects bad flags with exit-2 codes naming the flag', () => {
    const bad: [Parameters<typeof buildSyncConfig>[0], RegExp][] = [
      [{ out: '/t', concurrency: 0 }, /^--concurrency/],
      [{ out: '/t', logFormat: 'xml' }, /^--log-format/],
      [{ out: '/t', upstream: 'ftp://x' }, /^--upstream/],
      [{}, /^--out is required/],
    ];
    for (const [flags, re] of bad) {
      assert.throws(() => buildSyncConfig(flags, manifest, {}), (e: Error & { code?: string }) => re.test(e.message) && /^E_(USAGE|UPSTREAM_SPEC)$/.test(e.code ?? ''));
    }
  });
  it('refuses a run with nothing to mirror', () => {
    assert.throws(() => buildSyncConfig({ out: '/t' }, undefined, {}), /nothing to mirror/);
  });
});
