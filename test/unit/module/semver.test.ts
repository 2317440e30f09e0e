import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { canonicalSemver, canonicalVersion, compareSemver, isSemverPrefix, isValidSemver, semverBuild, semverMajor, semverMajorMinor, semverPrerelease, sortVersions } from '../../../src/module/index.js';

// [input, canonical ("" = invalid)], in increasing precedence for the valid
// ones, after x/mod's semver tests; neighbours with the same canonical form
// have equal precedence.
const table: Array<[string, string]> = [
  ['bad', ''],
  ['v1-alpha.beta.gamma', ''],
  ['v1-pre', ''],
  ['v1+meta', ''],
  ['v1-pre+meta', ''],
  ['v1.2-pre', ''],
  ['v1.2+meta', ''],
  ['v1.2-pre+meta', ''],
  ['1.2.3', ''],
  ['v1.2.3.4', ''],
  ['v01.2.3', ''],
  ['v1.02.3', ''],
  ['v1.2.03', ''],
  ['v1.2.3-01', ''],
  ['v1.2.3-', ''],
  ['v1.2.3-a..b', ''],
  ['v1.2.3+', ''],
  ['v1.2.3-a_b', ''],
  ['V1.2.3', ''],
  ['v1.0.0-alpha', 'v1.0.0-alpha'],
  ['v1.0.0-alpha.1', 'v1.0.0-alpha.1'],
  ['v1.0.0-alpha.beta', 'v1.0.0-alpha.beta'],
  ['v1.0.0-beta', 'v1.0.0-beta'],
  ['v1.0.0-beta.2', 'v1.0.0-beta.2'],
  ['v1.0.0-beta.11', 'v1.0.0-beta.11'],
  ['v1.0.0-rc.1', 'v1.0.0-rc.1'],
  ['v1', 'v1.0.0'],
  ['v1.0', 'v1.0.0'],
  ['v1.0.0', 'v1.0.0'],
  ['v1.2', 'v1.2.0'],
  ['v1.2.0', 'v1.2.0'],
  ['v1.2.3-456', 'v1.2.3-456'],
  ['v1.2.3-456.789', 'v1.2.3-456.789'],
  ['v1.2.3-456-789', 'v1.2.3-456-789'],
  ['v1.2.3-456a', 'v1.2.3-456a'],
  ['v1.2.3-pre', 'v1.2.3-pre'],
  ['v1.2.3-pre+meta', 'v1.2.3-pre'],
  ['v1.2.3-pre.1', 'v1.2.3-pre.1'],
  ['v1.2.3-zzz', 'v1.2.3-zzz'],
  ['v1.2.3', 'v1.2.3'],
  ['v1.2.3+meta', 'v1.2.3'],
  ['v1.2.3+meta-pre', 'v1.2.3'],
  ['v1.2.3+meta-pre.sha.256a', 'v1.2.3'],
  ['v1.2.3+incompatible', 'v1.2.3'],
  ['v1.10.0', 'v1.10.0'],
  ['v2.0.0-0', 'v2.0.0-0'],
  ['v2.0.0', 'v2.0.0'],
  ['v10.0.0', 'v10.0.0'],
  ['v99999999999999999999.0.0', 'v99999999999999999999.0.0'],
  ['v100000000000000000000.0.0', 'v100000000000000000000.0.0'],
];

describe('isValidSemver and canonicalSemver', () => {
  for (const [v, canonical] of table) {
    it(`${v} → ${JSON.stringify(canonical)}`, () => {
      assert.equal(isValidSemver(v), canonical !== '');
      assert.equal(canonicalSemver(v), canonical);
    });
  }
});

describe('canonicalVersion keeps +incompatible only', () => {
  const cases: Array<[string, string]> = [
    ['v2.0.0+incompatible', 'v2.0.0+incompatible'],
    ['v2.0.0-rc.1+incompatible', 'v2.0.0-rc.1+incompatible'],
    ['v2.0.0+incompatible.1', 'v2.0.0'],
    ['v2.0.0+meta', 'v2.0.0'],
    ['v2', 'v2.0.0'],
    ['v1.2.3', 'v1.2.3'],
    ['bad+incompatible', ''],
  ];
  for (const [v, want] of cases) {
    it(`${v} → ${JSON.stringify(want)}`, () => assert.equal(canonicalVersion(v), want));
  }
});

describe('semverMajor, semverMajorMinor, semverPrerelease, semverBuild', () => {
  const cases: Array<[string, string, string, string, string]> = [
    ['bad', '', '', '', ''],
    ['v1', 'v1', 'v1.0', '', ''],
    ['v1.2', 'v1', 'v1.2', '', ''],
    ['v1.2.3', 'v1', 'v1.2', '', ''],
    ['v2.10.3-pre.1+meta', 'v2', 'v2.10', '-pre.1', '+meta'],
    ['v0.0.0-20200102150405-abcdef123456', 'v0', 'v0.0', '-20200102150405-abcdef123456', ''],
    ['v14.2.0+incompatible', 'v14', 'v14.2', '', '+incompatible'],
    ['v1.2-pre', '', '', '', ''],
  ];
  for (const [v, major, majorMinor, pre, build] of cases) {
    it(v, () => {
      assert.equal(semverMajor(v), major);
      assert.equal(semverMajorMinor(v), majorMinor);
      assert.equal(semverPrerelease(v), pre);
      assert.equal(semverBuild(v), build);
    });
  }
});

describe('isSemverPrefix', () => {
  const cases: Array<[string, boolean]> = [
    ['v1', true],
    ['v1.2', true],
    ['v0', true],
    ['v1.2.3', false],
    ['v1.2.0', false],
    ['v1-pre', false],
    ['1.2', false],
    ['v01', false],
    ['latest', false],
  ];
  for (const [v, want] of cases) {
    it(`${v}: ${want}`, () => assert.equal(isSemverPrefix(v), want));
  }
});

describe('compareSemver', () => {
  it('orders the table as listed, equal canonical forms equal, invalid lowest', () => {
    for (const [i, [vi, ci]] of table.entries()) {
      for (const [j, [vj, cj]] of table.entries()) {
        const want = ci === cj ? 0 : i < j ? -1 : 1;
        assert.equal(compareSemver(vi, vj), want, `compareSemver(${vi}, ${vj})`);
      }
    }
  });

  const pairs: Array<[string, string, number]> = [
    ['v1.0.0-alpha', 'v1.0.0', -1],
    ['v1.0.0-1', 'v1.0.0-alpha', -1],
    ['v1.0.0-2', 'v1.0.0-10', -1],
    ['v1.0.0-a.2', 'v1.0.0-a.10', -1],
    ['v1.0.0-a', 'v1.0.0-a.0', -1],
    ['v1.0.0-A', 'v1.0.0-a', -1],
    ['v1.9.0', 'v1.10.0', -1],
    ['v2.0.0', 'v1.99.99', 1],
    ['v1.0.0+a', 'v1.0.0+b', 0],
    ['v1', 'v1.0.0', 0],
    ['bad', 'worse', 0],
  ];
  for (const [a, b, want] of pairs) {
    it(`${a} vs ${b}: ${want}`, () => {
      assert.equal(compareSemver(a, b), want);
      assert.equal(compareSemver(b, a), -want || 0);
    });
  }
});

describe('sortVersions', () => {
  it('sorts by precedence, ties by string, without changing its input', () => {
    const input = ['v1.10.0', 'v1.2.0+b', 'bad', 'v1.2.0', 'v1.2.0-rc.1', 'v1.2.0+a', 'v1.2', 'v0.9.0', 'alsobad'];
    const frozen = Object.freeze([...input]);
    assert.deepEqual(sortVersions(frozen), [
      'alsobad',
      'bad',
      'v0.9.0',
      'v1.2.0-rc.1',
      'v1.2',
      'v1.2.0',
      'v1.2.0+a',
      'v1.2.0+b',
      'v1.10.0',
    ]);
    assert.deepEqual(frozen, input);
  });

  it('sorts every reversal of the table back into order', () => {
    const valid = table.map(([v]) => v);
    const sorted = sortVersions([...valid].reverse());
    for (let i = 1; i < sorted.length; i++) {
      const a = sorted[i - 1] as string;
      const b = sorted[i] as string;
      assert.ok(compareSemver(a, b) < 0 || (compareSemver(a, b) === 0 && a < b), `${a} before ${b}`);
    }
  });
});
