import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseManifest } from '../../../src/manifest/index.js';

const FILE = '/etc/gomirror/mirror.json';
const parse = (obj: unknown): ReturnType<typeof parseManifest> => parseManifest(JSON.stringify(obj), FILE);

function rejects(obj: unknown, code: string, message: string | RegExp): void {
  assert.throws(
    () => (typeof obj === 'string' ? parseManifest(obj, FILE) : parse(obj)),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, code);
      if (typeof message === 'string') assert.equal(err.message, message);
      else assert.match(err.message, message);
      return true;
    },
  );
}

describe('parseManifest', () => {
  it('accepts the documented shape and resolves paths relative to the manifest', () => {
    const m = parse({
      upstream: 'https://proxy.golang.org',
      sumdb: 'sum.golang.org',
      nosumdb: ['git.corp.example.com/*'],
      deps: false,
      modules: [
        { path: 'github.com/spf13/cobra', versions: ['v1.9.1', 'latest'] },
        { path: 'golang.org/x/text', versions: ['>=v0.20.0'] },
        { path: 'github.com/BurntSushi/toml' },
      ],
      gomod: ['../service/go.mod'],
      gosum: '../service/go.sum',
    });
    assert.equal(m.deps, false);
    assert.deepEqual(m.gomod, [path.resolve('/etc/service/go.mod')]);
    assert.deepEqual(m.gosum, [path.resolve('/etc/service/go.sum')]);
    assert.equal(m.modules.length, 3);
    assert.deepEqual(m.modules[0]?.queries.map((q) => q.query.kind), ['exact', 'latest']);
    assert.equal(m.modules[1]?.queries[0]?.query.kind, 'range');
    assert.deepEqual(m.modules[2]?.queries.map((q) => q.text), ['latest']);
    assert.equal(m.modules[0]?.queries[1]?.where, 'mirror.json: modules[0].versions[1]');
  });

  it('names the location of an invalid module path', () => {
    rejects({ modules: [{ path: 'github.com/a/b' }, { path: 'Example.com/x', versions: ['latest'] }] }, 'E_MODULE_PATH', /^mirror\.json: modules\[1\]\.path: .*Example\.com\/x/);
  });
  it('names the location of an invalid version', () => {
    rejects({ modules: [{ path: 'example.com/m', versions: ['v1.0.0', 'v2.0.0'] }] }, 'E_VERSION', /^mirror\.json: modules\[0\]\.versions\[1\]: /);
    rejects({ modules: [{ path: 'example.com/m/v2', versions: ['v1.0.0'] }] }, 'E_VERSION', /^mirror\.json: modules\[0\]\.versions\[0\]: /);
    rejects({ modules: [{ path: 'example.com/m', versions: ['upgrade'] }] }, 'E_QUERY', /^mirror\.json: modules\[0\]\.versions\[0\]: /);
  });
  it('accepts +incompatible and pseudo-versions', () => {
    const m = parse({
      modules: [
        { path: 'example.com/m', versions: ['v2.3.0+incompatible', 'v0.0.0-20240102030405-abcdefabcdef'] },
        { path: 'gopkg.in/yaml.v2', versions: ['v2.4.0'] },
      ],
    });
    assert.equal(m.modules[0]?.queries.length, 2);
  });
  it('rejects unknown keys with a suggestion', () => {
    rejects({ upstrem: 'x', modules: [] }, 'E_MANIFEST', /^mirror\.json: upstrem: unknown key \(did you mean "upstream"\?\)$/);
    rejects({ modules: [{ path: 'example.com/m', version: ['v1.0.0'] }] }, 'E_MANIFEST', /modules\[0\]\.version: unknown key \(did you mean "versions"\?\)/);
  });
  it('rejects wrong types', () => {
    rejects({ deps: 'yes' }, 'E_MANIFEST', 'mirror.json: deps: must be true or false, not "yes"');
    rejects({ modules: {} }, 'E_MANIFEST', /modules: must be a list/);
    rejects({ modules: [{ path: 'example.com/m', versions: [] }] }, 'E_MANIFEST', /versions: must be a non-empty list/);
    rejects({ modules: [{ versions: ['latest'] }] }, 'E_MANIFEST', /modules\[0\]: missing "path"/);
    rejects([], 'E_MANIFEST', /must be a JSON object/);
  });
  it('reports the line and column of a JSON syntax error', () => {
    rejects('{\n  "modules": [\n    {"path": "a.example/b",}\n  ]\n}', 'E_MANIFEST', /^mirror\.json: invalid JSON: .*line 3, column \d+/);
  });
});

describe('findJsonErrorOffset', () => {
  it('points at the first bad character', async () => {
    const { findJsonErrorOffset } = await import('../../../src/manifest/json-error.js');
    const cases: [string, number | undefined][] = [
      ['{"a": [1, 2, {"b": null}], "c": "x\\u00e9"}', undefined],
      ['{"modules": [}', 13],
      ['{"a": 1,}', 8],
      ['{"a" 1}', 5],
      ['[1, 2', 5],
      ['{"a": tru}', 6],
      ['{"a": "x\ny"}', 8],
      ['{} x', 3],
      ['-', 0],
    ];
    for (const [text, want] of cases) assert.equal(findJsonErrorOffset(text), want, text);
  });
});

describe('parseManifest: vulndb and vulnerable', () => {
  it('accepts them', () => {
    const m = parse({ vulndb: 'https://vuln.go.dev', vulnerable: 'refuse-latest', modules: [] });
    assert.equal(m.vulndb, 'https://vuln.go.dev');
    assert.equal(m.vulnerable, 'refuse-latest');
  });
  it('rejects a policy it does not know, and suggests the key for a typo', () => {
    rejects({ vulnerable: 'block' }, 'E_MANIFEST', 'mirror.json: vulnerable: must be "allow", "warn", "refuse-latest", not "block"');
    rejects({ vulndbb: 'https://vuln.go.dev' }, 'E_MANIFEST', /^mirror\.json: vulndbb: unknown key \(did you mean "vulndb"\?\)/);
    rejects({ vulndb: '' }, 'E_MANIFEST', 'mirror.json: vulndb: must be a non-empty string, not ""');
  });
});
