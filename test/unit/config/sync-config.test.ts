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

describe('buildSyncConfig: the vulnerability database', () => {
  const withVulndb = (extra: Record<string, unknown>) =>
    parseManifest(JSON.stringify({ modules: [{ path: 'example.com/m' }], ...extra }), '/tmp/m.json');

  it('is off by default, with the allow policy', () => {
    const c = buildSyncConfig({ out: '/t' }, manifest, {});
    assert.equal(c.vulndb, undefined);
    assert.equal(c.vulnerable, 'allow');
    assert.equal(c.allowRollback, false);
  });

  it('takes the manifest, then the flags; trailing slashes go', () => {
    const m = withVulndb({ vulndb: 'https://vuln.go.dev/', vulnerable: 'warn' });
    assert.equal(buildSyncConfig({ out: '/t' }, m, {}).vulndb, 'https://vuln.go.dev');
    assert.equal(buildSyncConfig({ out: '/t' }, m, {}).vulnerable, 'warn');
    const c = buildSyncConfig({ out: '/t', vulndb: 'file:///srv/vulndb', vulnerable: 'refuse-latest', allowRollback: true }, m, {});
    assert.deepEqual([c.vulndb, c.vulnerable, c.allowRollback], ['file:///srv/vulndb', 'refuse-latest', true]);
    assert.equal(buildSyncConfig({ out: '/t', vulndb: 'off' }, m, {}).vulndb, undefined);
  });

  it('rejects what is not a database URL or a policy, naming the place (exit 2)', () => {
    const bad: [Parameters<typeof buildSyncConfig>[0], unknown, string][] = [
      [{ out: '/t', vulndb: 'vuln.go.dev' }, manifest, '--vulndb: "vuln.go.dev" is not a URL'],
      [{ out: '/t', vulndb: 'ftp://x/db' }, manifest, '--vulndb: "ftp://x/db" must be an http://, https:// or file:// URL'],
      [{ out: '/t' }, withVulndb({ vulndb: 'https://u:secret@vuln.example/db?x=1' }), 'manifest vulndb: "https://***@vuln.example/db?x=1" must not have a query or fragment'],
      [{ out: '/t', vulnerable: 'deny' }, manifest, '--vulnerable: must be allow, warn, refuse-latest, not "deny"'],
    ];
    for (const [flags, m, message] of bad) {
      assert.throws(() => buildSyncConfig(flags, m as typeof manifest, {}), (e: Error & { code?: string }) => e.code === 'E_USAGE' && e.message === message);
    }
  });
});
