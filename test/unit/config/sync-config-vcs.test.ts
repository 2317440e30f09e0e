import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSyncConfig } from '../../../src/config/sync-config.js';
import { parseManifest } from '../../../src/manifest/index.js';

const base = { out: '/t', gosum: ['/x/go.sum'] };
const withKeys = (keys: Record<string, unknown>) =>
  parseManifest(JSON.stringify({ ...keys, modules: [{ path: 'example.com/m', versions: ['main'] }] }), '/tmp/m.json');

describe('buildSyncConfig: private, noproxy, nosumdb as the go command defaults them', () => {
  it('GONOPROXY and GONOSUMDB default to GOPRIVATE; each set explicitly wins', () => {
    const c = buildSyncConfig(base, undefined, { GOPRIVATE: 'corp.example,*.internal' });
    assert.deepEqual([c.private, c.noproxy, c.nosumdb], [['corp.example', '*.internal'], ['corp.example', '*.internal'], ['corp.example', '*.internal']]);
    const d = buildSyncConfig(base, undefined, { GOPRIVATE: 'corp.example', GONOPROXY: 'np.example', GONOSUMDB: 'ns.example' });
    assert.deepEqual([d.private, d.noproxy, d.nosumdb], [['corp.example'], ['np.example'], ['ns.example']]);
  });
  it('the manifest over the environment, flags over the manifest; nosumdb follows the manifest private', () => {
    const m = withKeys({ private: ['m.example'] });
    const c = buildSyncConfig(base, m, { GOPRIVATE: 'env.example' });
    assert.deepEqual([c.private, c.noproxy, c.nosumdb], [['m.example'], ['m.example'], ['m.example']]);
    const f = buildSyncConfig({ ...base, private: 'flag.example', noproxy: 'np.flag' }, withKeys({ private: 'm.example', noproxy: 'np.m' }), {});
    assert.deepEqual([f.private, f.noproxy, f.nosumdb], [['flag.example'], ['np.flag'], ['flag.example']]);
    const n = buildSyncConfig(base, withKeys({ private: 'm.example', nosumdb: [] }), {});
    assert.deepEqual(n.nosumdb, []);
  });
  it('needs version control (and so the go command) for direct in upstream or any noproxy pattern', () => {
    assert.equal(buildSyncConfig(base, undefined, {}).vcs, false);
    assert.equal(buildSyncConfig({ ...base, upstream: 'https://p.example,direct' }, undefined, {}).vcs, true);
    assert.equal(buildSyncConfig({ ...base, upstream: 'direct' }, undefined, {}).vcs, true);
    assert.equal(buildSyncConfig(base, undefined, { GOPRIVATE: 'corp.example' }).vcs, true);
    assert.equal(buildSyncConfig(base, undefined, { GOPRIVATE: 'corp.example', GONOPROXY: 'none' }).vcs, true);
    assert.equal(buildSyncConfig({ ...base, go: '/opt/go/bin/go' }, undefined, {}).go, '/opt/go/bin/go');
  });
  it('--vcs-concurrency: 4 by default, 1 to 64', () => {
    assert.equal(buildSyncConfig(base, undefined, {}).vcsConcurrency, 4);
    assert.equal(buildSyncConfig({ ...base, vcsConcurrency: 9 }, undefined, {}).vcsConcurrency, 9);
    assert.throws(() => buildSyncConfig({ ...base, vcsConcurrency: 0 }, undefined, {}), /^Error: --vcs-concurrency|--vcs-concurrency/);
  });
  it('a manifest with a branch query parses (the upstream resolves it)', () => {
    assert.deepEqual(withKeys({}).modules[0]?.queries[0]?.query, { kind: 'revision', revision: 'main' });
  });
});
