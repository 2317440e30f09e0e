import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { isPseudoVersion, pseudoVersionBase, pseudoVersionRev, pseudoVersionTime } from '../../../src/module/index.js';

const time = new Date(Date.UTC(2006, 0, 2, 15, 4, 5));

// [pseudo-version, the version it is based on], after x/mod's pseudoTests:
// form 1 (vX.0.0-), form 2 (after a pre-release), form 3 (after a release).
const pseudoTable: Array<[string, string]> = [
  ['v0.0.0-20060102150405-hash', ''],
  ['v1.0.0-20060102150405-hash', ''],
  ['v2.0.0-20060102150405-abcdef123456', ''],
  ['v0.0.1-0.20060102150405-hash', 'v0.0.0'],
  ['v1.2.4-0.20060102150405-hash', 'v1.2.3'],
  ['v1.2.10-0.20060102150405-hash', 'v1.2.9'],
  ['v1.2.100000000000000000-0.20060102150405-hash', 'v1.2.99999999999999999'],
  ['v1.2.3-pre.0.20060102150405-hash', 'v1.2.3-pre'],
  ['v1.3.0-pre.0.20060102150405-hash', 'v1.3.0-pre'],
  ['v1.3.0-rc.1.0.20060102150405-hash', 'v1.3.0-rc.1'],
  ['v0.0.0--.0.20060102150405-hash', 'v0.0.0--'],
  ['v1.0.1-0.20060102150405-hash+metadata', 'v1.0.0+metadata'],
  ['v2.0.1-0.20060102150405-hash+incompatible', 'v2.0.0+incompatible'],
  ['v2.3.0-pre.0.20060102150405-hash+incompatible', 'v2.3.0-pre+incompatible'],
];

describe('pseudo-versions of all three forms', () => {
  for (const [v, base] of pseudoTable) {
    it(v, () => {
      assert.equal(isPseudoVersion(v), true);
      assert.deepEqual(pseudoVersionTime(v), time);
      assert.equal(pseudoVersionRev(v), v.includes('abcdef123456') ? 'abcdef123456' : 'hash');
      assert.equal(pseudoVersionBase(v), base);
      if (base !== '') assert.equal(isPseudoVersion(base), false);
    });
  }
});

describe('not pseudo-versions', () => {
  const cases = [
    'v0.0.0',
    'v1.2.3',
    'v1.2.3-pre',
    'v1.2.3-0.pre',
    'v0.0.0-2006010215040-hash',
    'v0.0.0-200601021504050-hash',
    'v0.0.0-20060102150405',
    'v0.0.0-20060102150405-',
    'v0.0.0-20060102150405-ab_cd',
    'v1.2.3-20060102150405-hash',
    'v1.2.3-1.20060102150405-hash',
    'v0.0.0-20060102150405-hash+',
    'v0.0-20060102150405-hash',
    '0.0.0-20060102150405-hash',
    '---',
  ];
  for (const v of cases) {
    it(v, () => {
      assert.equal(isPseudoVersion(v), false);
      assert.throws(() => pseudoVersionTime(v), {
        code: 'E_VERSION',
        message: `pseudo-version ${JSON.stringify(v)} invalid: syntax error`,
      });
      assert.throws(() => pseudoVersionRev(v), { code: 'E_VERSION' });
      assert.throws(() => pseudoVersionBase(v), { code: 'E_VERSION' });
    });
  }
});

describe('pseudoVersionTime', () => {
  it('reads years before 100 literally', () => {
    assert.equal(pseudoVersionTime('v0.0.0-00010101000000-000000000000').toISOString(), '0001-01-01T00:00:00.000Z');
  });

  it('accepts 29 February in a leap year', () => {
    assert.equal(pseudoVersionTime('v0.0.0-20200229235959-abcdef123456').toISOString(), '2020-02-29T23:59:59.000Z');
  });

  for (const timestamp of ['20190229000000', '20061302150405', '20060100150405', '20060102240000', '20060102156000', '20060102150460']) {
    it(`rejects ${timestamp}`, () => {
      const v = `v0.0.0-${timestamp}-abcdef123456`;
      assert.equal(isPseudoVersion(v), true);
      assert.throws(() => pseudoVersionTime(v), {
        code: 'E_VERSION',
        message: `pseudo-version "${v}" invalid: malformed time "${timestamp}"`,
      });
    });
  }
});

describe('pseudoVersionBase rejects impossible pseudo-versions', () => {
  const cases: Array<[string, string]> = [
    ['v0.0.0-0.20060102150405-hash', 'version before v0.0.0 would have negative patch number'],
    ['v0.1.0-0.20060102150405-hash', 'version before v0.1.0 would have negative patch number'],
    ['v1.0.0-0.20060102150405-hash', 'version before v1.0.0 would have negative patch number'],
    ['v0.0.0-20060102150405-hash+incompatible', 'lacks base version, but has build metadata "+incompatible"'],
    ['v0.0.0-20060102150405-hash+metadata', 'lacks base version, but has build metadata "+metadata"'],
  ];
  for (const [v, problem] of cases) {
    it(v, () => {
      assert.throws(() => pseudoVersionBase(v), { code: 'E_VERSION', message: `pseudo-version "${v}" invalid: ${problem}` });
    });
  }
});
