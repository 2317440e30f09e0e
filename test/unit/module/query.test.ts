import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { goModProbe, parseVersionQuery, selectVersions, type VersionQuery } from '../../../src/module/index.js';

describe('parseVersionQuery accepts', () => {
  const cases: Array<[string, VersionQuery]> = [
    ['latest', { kind: 'latest' }],
    ['  latest ', { kind: 'latest' }],
    ['all', { kind: 'all' }],
    ['v1', { kind: 'prefix', prefix: 'v1' }],
    ['v0', { kind: 'prefix', prefix: 'v0' }],
    ['v1.2', { kind: 'prefix', prefix: 'v1.2' }],
    ['v1.2.3', { kind: 'exact', version: 'v1.2.3' }],
    ['v1.3.0-rc.1', { kind: 'exact', version: 'v1.3.0-rc.1' }],
    ['v1.0.0-RC1', { kind: 'exact', version: 'v1.0.0-RC1' }],
    ['v0.0.0-20200102150405-abcdef123456', { kind: 'exact', version: 'v0.0.0-20200102150405-abcdef123456' }],
    ['v14.2.0+incompatible', { kind: 'exact', version: 'v14.2.0+incompatible' }],
    ['>=v1.2', { kind: 'range', constraints: [{ op: '>=', version: 'v1.2.0' }] }],
    ['<v2', { kind: 'range', constraints: [{ op: '<', version: 'v2.0.0' }] }],
    ['<=v1.2.3', { kind: 'range', constraints: [{ op: '<=', version: 'v1.2.3' }] }],
    ['>v1.0.0+meta', { kind: 'range', constraints: [{ op: '>', version: 'v1.0.0' }] }],
    [
      '>=v1.2.0 <v2.0.0',
      { kind: 'range', constraints: [{ op: '>=', version: 'v1.2.0' }, { op: '<', version: 'v2.0.0' }] },
    ],
    [
      '>=v1.0.0   <=v1.0.0',
      { kind: 'range', constraints: [{ op: '>=', version: 'v1.0.0' }, { op: '<=', version: 'v1.0.0' }] },
    ],
    ['>v1.0.0-rc.1 <v1.0.0', { kind: 'range', constraints: [{ op: '>', version: 'v1.0.0-rc.1' }, { op: '<', version: 'v1.0.0' }] }],
  ];
  for (const [query, want] of cases) {
    it(JSON.stringify(query), () => assert.deepEqual(parseVersionQuery(query), want));
  }
});

describe('parseVersionQuery: branches and commits are revisions the upstream resolves', () => {
  for (const q of ['master', 'main', 'abc123def456', '4c6c4a2', '1234567', 'release/1.x', 'feature-x']) {
    it(q, () => assert.deepEqual(parseVersionQuery(q), { kind: 'revision', revision: q }));
  }
  it('selectVersions never picks a revision from a list', () => {
    assert.deepEqual(selectVersions('example.com/m', { kind: 'revision', revision: 'main' }, ['v1.0.0']), []);
  });
});

describe('parseVersionQuery refuses', () => {
  const buildList = (q: string): string => `"${q}" depends on a build list, which a mirror does not have`;
  const junk = 'not a version, a query or a branch or commit name';
  const cases: Array<[string, string]> = [
    ['', 'empty query'],
    ['   ', 'empty query'],
    ['v1.2.3+meta', 'not a canonical version (did you mean v1.2.3?)'],
    ['v1.02.3', 'not a canonical version (did you mean v1.2.3?)'],
    ['1.2.3', 'not a canonical version (did you mean v1.2.3?)'],
    ['v01', 'not a canonical version (did you mean v1?)'],
    ['1.2', 'not a canonical version (did you mean v1.2?)'],
    ['v1.0.0 v2.0.0', 'not a semantic version'],
    ['v1.2.3.4', 'not a semantic version'],
    ['main branch', junk],
    ['feature/..x', junk],
    ['-rf', junk],
    ['main.lock', junk],
    ['upgrade', buildList('upgrade')],
    ['patch', buildList('patch')],
    ['none', buildList('none')],
    ['>=', '"" in ">=" is not a semantic version'],
    ['>=v1.2.x', '"v1.2.x" in ">=v1.2.x" is not a semantic version'],
    ['>=1.2.0', '"1.2.0" in ">=1.2.0" is not a semantic version (did you mean >=v1.2.0?)'],
    ['<v1.2 >=v1.0.0 latest', '"latest" is not a comparison like >=v1.2.0'],
    ['<=v1.2', 'ambiguous semantic version "v1.2" in "<=v1.2"'],
    ['>v1', 'ambiguous semantic version "v1" in ">v1"'],
    ['>v2.0.0 <v1.0.0', 'no version can satisfy all of these comparisons'],
    ['>=v1.0.0 <v1.0.0', 'no version can satisfy all of these comparisons'],
    ['>v1.0.0 <=v1.0.0', 'no version can satisfy all of these comparisons'],
    ['>=v1.5.0 <v2 <v1.4.0', 'no version can satisfy all of these comparisons'],
  ];
  for (const [query, problem] of cases) {
    it(JSON.stringify(query), () => {
      assert.throws(
        () => parseVersionQuery(query),
        (err: unknown) => {
          assert.ok(err instanceof Error);
          assert.deepEqual(
            { name: err.name, code: (err as { code?: string }).code, message: err.message },
            { name: 'InvalidModuleError', code: 'E_QUERY', message: `invalid version query ${JSON.stringify(query)}: ${problem}` },
          );
          assert.match((err as { hint?: string }).hint ?? '', /latest, all, a prefix \(v1, v1\.2\)/);
          return true;
        },
      );
    });
  }
});

// An upstream list for example.com/m with the junk a real one can carry:
// pseudo-versions, a v2 line without +incompatible, non-canonical lines,
// timestamps, duplicates and blank lines.
const list = [
  'v0.1.0',
  'v1.0.0',
  'v1.1.0-rc.1',
  '  v1.1.0  ',
  'v1.2.0-beta',
  'v1.2.0 2020-01-02T15:04:05Z',
  'v1.2.0',
  'v1.2.1',
  'v1.3.0-rc.1',
  'v2.0.0+incompatible',
  'v2.1.0+incompatible',
  'v3.0.0-pre+incompatible',
  'v0.0.0-20200102150405-abcdef123456',
  'v1.2.2-0.20200102150405-abcdef123456',
  'v2.0.0',
  'v1.0.0+incompatible',
  'v1.4',
  'v1.5.0+meta',
  'garbage',
  '',
];

const m = 'example.com/m';
const all = [
  'v0.1.0',
  'v1.0.0',
  'v1.1.0-rc.1',
  'v1.1.0',
  'v1.2.0-beta',
  'v1.2.0',
  'v1.2.1',
  'v1.3.0-rc.1',
  'v2.0.0+incompatible',
  'v2.1.0+incompatible',
  'v3.0.0-pre+incompatible',
];

describe('selectVersions', () => {
  const cases: Array<[string, string, string, readonly string[], string[]]> = [
    ['latest is the highest compatible release', m, 'latest', list, ['v1.2.1']],
    ['latest falls back to the highest pre-release', m, 'latest', ['v0.9.0-beta', 'v1.0.0-rc.2', 'v1.0.0-rc.10'], ['v1.0.0-rc.10']],
    ['latest prefers a compatible pre-release to +incompatible', m, 'latest', ['v1.0.0-rc.1', 'v2.0.0+incompatible'], ['v1.0.0-rc.1']],
    [
      'latest takes +incompatible when nothing else exists',
      m,
      'latest',
      ['v2.0.0+incompatible', 'v3.0.0+incompatible', 'v4.0.0-rc.1+incompatible'],
      ['v3.0.0+incompatible'],
    ],
    ['latest ignores pseudo-versions', m, 'latest', ['v0.0.0-20200102150405-abcdef123456'], []],
    ['latest of an empty list', m, 'latest', [], []],
    ['latest drops majors that do not fit /v2', 'example.com/m/v2', 'latest', ['v1.5.0', 'v2.0.0', 'v2.1.0-rc.1', 'v3.0.0'], ['v2.0.0']],
    ['latest for gopkg.in', 'gopkg.in/yaml.v2', 'latest', ['v1.0.0', 'v2.4.0', 'v2.10.0', 'v3.0.1'], ['v2.10.0']],
    ['prefix v1', m, 'v1', list, ['v1.2.1']],
    ['prefix v1.2', m, 'v1.2', list, ['v1.2.1']],
    ['prefix v1.1', m, 'v1.1', list, ['v1.1.0']],
    ['prefix v1.3 skips v1.3.0-rc.1, which is below v1.3.0', m, 'v1.3', list, []],
    ['prefix with only a pre-release', m, 'v1.3', ['v1.3.0-rc.1', 'v1.3.1-rc.1'], ['v1.3.1-rc.1']],
    ['prefix of a non-canonical line only', m, 'v1.4', list, []],
    ['prefix v1.5 does not take v1.5.0+meta', m, 'v1.5', list, []],
    ['prefix v0', m, 'v0', list, ['v0.1.0']],
    ['prefix v2 finds +incompatible', m, 'v2', list, ['v2.1.0+incompatible']],
    ['prefix v3 skips v3.0.0-pre+incompatible, which is below v3.0.0', m, 'v3', list, []],
    ['prefix v3 finds an +incompatible pre-release', m, 'v3', ['v3.0.1-pre+incompatible'], ['v3.0.1-pre+incompatible']],
    ['prefix ignores pre-releases below it', m, 'v1.2', ['v1.2.0-rc.1', 'v1.1.9'], []],
    ['prefix takes pre-releases above it', m, 'v1.2', ['v1.2.0-rc.1', 'v1.2.1-rc.1'], ['v1.2.1-rc.1']],
    ['prefix v1 does not match v10', m, 'v1', ['v1.0.0', 'v10.0.0+incompatible'], ['v1.0.0']],
    ['prefix v2 for /v2', 'example.com/m/v2', 'v2', ['v1.9.0', 'v2.0.0', 'v2.0.1'], ['v2.0.1']],
    ['range, pre-releases inside it included', m, '>=v1.1.0 <v1.3.0', list, ['v1.1.0', 'v1.2.0-beta', 'v1.2.0', 'v1.2.1', 'v1.3.0-rc.1']],
    ['range below a shorthand', m, '<v1', list, ['v0.1.0']],
    ['range inclusive upper bound', m, '<=v1.0.0', list, ['v0.1.0', 'v1.0.0']],
    ['range open above: +incompatible dropped, the last compatible version has a go.mod', m, '>v1.2.0', list, ['v1.2.1', 'v1.3.0-rc.1']],
    ['range naming a major the path lacks: +incompatible included', m, '>=v1.2.1 <v3.0.0', list, ['v1.2.1', 'v1.3.0-rc.1', 'v2.0.0+incompatible', 'v2.1.0+incompatible', 'v3.0.0-pre+incompatible']],
    ['range with a shorthand lower bound', m, '>=v1.2 <v2', list, ['v1.2.0', 'v1.2.1', 'v1.3.0-rc.1']],
    ['range that nothing listed satisfies', m, '>=v5.0.0', list, []],
    ['all', m, 'all', list, all],
    ['all for /v2 drops v1 and +incompatible lines', 'example.com/m/v2', 'all', ['v2.1.0', 'v1.0.0', 'v2.0.0+incompatible', 'v2.0.0'], ['v2.0.0', 'v2.1.0']],
    ['exact, listed', m, 'v1.2.0', list, ['v1.2.0']],
    ['exact, not listed', m, 'v1.9.9', list, ['v1.9.9']],
    ['exact pseudo-version', m, 'v0.0.0-20200102150405-abcdef123456', [], ['v0.0.0-20200102150405-abcdef123456']],
    ['exact +incompatible', m, 'v5.0.0+incompatible', list, ['v5.0.0+incompatible']],
    ['exact v0 pseudo-version for gopkg.in .v1', 'gopkg.in/check.v1', 'v0.0.0-20161208181325-20d25e280405', [], ['v0.0.0-20161208181325-20d25e280405']],
  ];
  for (const [name, path, query, available, want] of cases) {
    it(`${name}: ${path}@${query}`, () => assert.deepEqual(selectVersions(path, parseVersionQuery(query), available), want));
  }

  // Go: modload filterVersions; +incompatible counts when the highest compatible match has no go.mod.
  it('takes +incompatible versions when the version goModProbe names has no go.mod', () => {
    const noGoMod = { hasGoMod: (v: string) => v !== 'v1.3.0-rc.1' };
    assert.equal(goModProbe(m, parseVersionQuery('latest'), list), 'v1.3.0-rc.1');
    assert.equal(goModProbe(m, parseVersionQuery('v2'), list), undefined);
    assert.equal(goModProbe(m, parseVersionQuery('>=v1.0.0 <v1.2.0'), list), undefined);
    assert.deepEqual(selectVersions(m, parseVersionQuery('latest'), list, noGoMod), ['v2.1.0+incompatible']);
    assert.deepEqual(selectVersions(m, parseVersionQuery('>v1.2.1'), list, noGoMod), ['v1.3.0-rc.1', 'v2.0.0+incompatible', 'v2.1.0+incompatible', 'v3.0.0-pre+incompatible']);
    assert.deepEqual(selectVersions(m, parseVersionQuery('latest'), list, { ...noGoMod, allowed: (v) => !v.startsWith('v2.1.') }), ['v2.0.0+incompatible']);
  });

  const errors: Array<[string, string, string, RegExp]> = [
    ['E_MODULE_PATH', 'Example.com/m', 'latest', /^malformed module path "Example.com\/m"/],
    ['E_VERSION', m, 'v2.0.0', /should be v0 or v1, not v2 \(use example\.com\/m\/v2, or v2\.0\.0\+incompatible\)$/],
    ['E_VERSION', 'example.com/m/v2', 'v1.0.0', /should be v2, not v1/],
    ['E_QUERY', 'example.com/m/v2', 'v1', /^version query "v1" can never match module example\.com\/m\/v2: its versions are v2$/],
    ['E_QUERY', 'gopkg.in/yaml.v1-unstable', 'v2.1', /its versions are v1$/],
  ];
  for (const [code, path, query, message] of errors) {
    it(`refuses ${path}@${query} with ${code}`, () => {
      assert.throws(() => selectVersions(path, parseVersionQuery(query), list), { code, message });
    });
  }
});
