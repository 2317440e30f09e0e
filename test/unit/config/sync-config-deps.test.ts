/** sync config: --deps / --zips layering and validation. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSyncConfig } from '../../../src/config/sync-config.js';
import { parseManifest } from '../../../src/manifest/index.js';

const env = {};

describe('buildSyncConfig: deps and zips', () => {
  it('deps: flag over manifest over the default (true)', () => {
    const off = parseManifest(JSON.stringify({ deps: false, modules: [{ path: 'example.com/m' }] }), '/m/mirror.json');
    const on = parseManifest(JSON.stringify({ modules: [{ path: 'example.com/m' }] }), '/m/mirror.json');
    assert.equal(buildSyncConfig({ out: '/t' }, on, env).deps, true);
    assert.equal(buildSyncConfig({ out: '/t' }, off, env).deps, false);
    assert.equal(buildSyncConfig({ out: '/t', deps: true }, off, env).deps, true);
    assert.equal(buildSyncConfig({ out: '/t', deps: false }, on, env).deps, false);
  });

  it('zips: selected by default, all on request, anything else refused', () => {
    assert.equal(buildSyncConfig({ out: '/t', gomod: ['go.mod'] }, undefined, env).zips, 'selected');
    assert.equal(buildSyncConfig({ out: '/t', gomod: ['go.mod'], zips: 'all' }, undefined, env).zips, 'all');
    assert.throws(() => buildSyncConfig({ out: '/t', gomod: ['go.mod'], zips: 'some' }, undefined, env), {
      code: 'E_USAGE',
      message: '--zips: must be selected or all, not "some"',
    });
  });
});
