import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { buildSyncConfig } from '../../../src/config/sync-config.js';
import { parseManifest } from '../../../src/manifest/index.js';

const FILE = '/etc/gomirror/mirror.json';
const parse = (obj: unknown): ReturnType<typeof parseManifest> => parseManifest(JSON.stringify(obj), FILE);

function rejects(fn: () => unknown, code: string, message: string): void {
  assert.throws(fn, (err: Error & { code?: string }) => {
    assert.equal(err.code, code);
    assert.equal(err.message, message);
    return true;
  });
}

describe('manifest "toolchains"', () => {
  it('reads versions and platforms, naming each query\'s place', () => {
    const m = parse({ toolchains: { versions: ['go1.23.4', 'go1.22', 'latest', 'go1.24rc1'], platforms: ['linux-amd64', 'darwin-arm64', 'windows-amd64'] } });
    assert.deepEqual(
      m.toolchains?.queries.map((q) => [q.text, q.query, q.where]),
      [
        ['go1.23.4', { kind: 'exact', go: '1.23.4' }, 'mirror.json: toolchains.versions[0]'],
        ['go1.22', { kind: 'lang', lang: '1.22' }, 'mirror.json: toolchains.versions[1]'],
        ['latest', { kind: 'latest' }, 'mirror.json: toolchains.versions[2]'],
        ['go1.24rc1', { kind: 'exact', go: '1.24rc1' }, 'mirror.json: toolchains.versions[3]'],
      ],
    );
    assert.deepEqual(m.toolchains?.platforms, ['linux-amd64', 'darwin-arm64', 'windows-amd64']);
  });
  it('refuses bad versions, platforms and keys with their place (exit 2 codes)', () => {
    rejects(() => parse({ toolchains: { versions: ['go1.22', 'go1.x'] } }), 'E_QUERY', 'mirror.json: toolchains.versions[1]: invalid toolchain version "go1.x"');
    rejects(() => parse({ toolchains: { versions: ['latest'], platforms: ['linux/amd64'] } }), 'E_MANIFEST', 'mirror.json: toolchains.platforms[0]: invalid platform "linux/amd64"');
    rejects(() => parse({ toolchains: { version: ['latest'] } }), 'E_MANIFEST', 'mirror.json: toolchains.version: unknown key (did you mean "versions"?)');
    rejects(() => parse({ toolchains: ['go1.22'] }), 'E_MANIFEST', 'mirror.json: toolchains: must be an object like {"versions": ["go1.23.4", "latest"], "platforms": ["linux-amd64"]}');
    rejects(() => parse({ toolchain: {} }), 'E_MANIFEST', 'mirror.json: toolchain: unknown key (did you mean "toolchains"?)');
  });
});

describe('sync config: toolchains', () => {
  const manifest = parse({ toolchains: { versions: ['go1.22'], platforms: ['windows-amd64'] } });
  it('a manifest with only toolchains is something to mirror; platforms always hold linux-amd64', () => {
    const c = buildSyncConfig({ out: '/t' }, manifest, {}, 'darwin-arm64');
    assert.deepEqual(c.toolchains.queries.map((q) => q.text), ['go1.22']);
    assert.deepEqual(c.toolchains.platforms, ['linux-amd64', 'windows-amd64']);
  });
  it('defaults to linux-amd64 and the host', () => {
    assert.deepEqual(buildSyncConfig({ out: '/t', gosum: ['/x'] }, undefined, {}, 'darwin-arm64').toolchains.platforms, ['darwin-arm64', 'linux-amd64']);
  });
  it('--toolchains and --platforms override the manifest (comma-separated or repeated)', () => {
    const c = buildSyncConfig({ out: '/t', toolchains: ['go1.23.4,latest', 'go1.21'], platforms: ['darwin-arm64,linux-arm64'] }, manifest, {}, 'linux-amd64');
    assert.deepEqual(c.toolchains.queries.map((q) => [q.text, q.where]), [
      ['go1.23.4', '--toolchains[0]'],
      ['latest', '--toolchains[1]'],
      ['go1.21', '--toolchains[2]'],
    ]);
    assert.deepEqual(c.toolchains.platforms, ['darwin-arm64', 'linux-amd64', 'linux-arm64']);
  });
  it('bad flags are usage errors', () => {
    rejects(() => buildSyncConfig({ out: '/t', toolchains: ['go1.22', 'v1.2.3'] }, undefined, {}), 'E_USAGE', '--toolchains[1]: invalid toolchain version "v1.2.3"');
    rejects(() => buildSyncConfig({ out: '/t', toolchains: ['latest'], platforms: ['amd64'] }, undefined, {}), 'E_USAGE', '--platforms: invalid platform "amd64"');
  });
});
