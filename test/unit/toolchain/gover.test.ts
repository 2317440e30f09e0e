/**
 * Go version order, against the vectors of the go command's own tests
 * (cmd/go/internal/gover/gover_test.go, toolchain/toolchain_test.go).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { compareGoVersions, goLang, goVersionOfToolchain, isLangVersion, isPrereleaseGoVersion, isValidGoVersion, newerToolchain, sortGoVersions } from '../../../src/toolchain/index.js';

describe('compareGoVersions (Go: gover.Compare)', () => {
  const cases: [string, string, number][] = [
    ['', '', 0],
    ['x', 'x', 0],
    ['', 'x', 0],
    ['1', '1.1', -1],
    ['1.5', '1.6', -1],
    ['1.5', '1.10', -1],
    ['1.6', '1.6.1', -1],
    ['1.19', '1.19.0', 0],
    ['1.19rc1', '1.19', -1],
    ['1.20', '1.20.0', 0],
    ['1.20rc1', '1.20', -1],
    ['1.21', '1.21.0', -1],
    ['1.21', '1.21rc1', -1],
    ['1.21rc1', '1.21.0', -1],
    ['1.6', '1.19', -1],
    ['1.19', '1.19.1', -1],
    ['1.19rc1', '1.19.1', -1],
    ['1.19rc1', '1.19rc2', -1],
    ['1.19.0', '1.19.1', -1],
    ['1.19rc1', '1.19.0', -1],
    ['1.19alpha3', '1.19beta2', -1],
    ['1.19beta2', '1.19rc1', -1],
    ['1.1', '1.99999999999999998', -1],
    ['1.99999999999999998', '1.99999999999999999', -1],
    // Pre-releases of a patch release come before it (internal/gover).
    ['1.21.3rc1', '1.21.3', -1],
    ['1.21.3rc1', '1.21.2', 1],
    ['1.21.3beta1', '1.21.3rc1', -1],
    // A malformed version sorts below every valid one.
    ['1.21.0-bigcorp', '1.0', -1],
  ];
  for (const [x, y, want] of cases) {
    it(`${JSON.stringify(x)} vs ${JSON.stringify(y)}`, () => {
      assert.equal(compareGoVersions(x, y), want);
      assert.equal(compareGoVersions(y, x), -want || 0);
    });
  }
  it('sorts a release family: language < beta < rc < releases', () => {
    assert.deepEqual(sortGoVersions(['1.22.1', '1.22rc2', '1.22', '1.22.0', '1.22beta1', '1.21.13', '1.22rc1']), [
      '1.21.13',
      '1.22',
      '1.22beta1',
      '1.22rc1',
      '1.22rc2',
      '1.22.0',
      '1.22.1',
    ]);
  });
});

describe('Go version predicates', () => {
  it('goLang (gover.Lang)', () => {
    for (const [v, want] of [['1.2rc3', '1.2'], ['1.2.3', '1.2'], ['1.2', '1.2'], ['1', '1'], ['1.999testmod', '1.999']]) {
      assert.equal(goLang(v as string), want, v);
    }
  });
  it('isLangVersion (gover.IsLang): 1.N from Go 1.21 on; before it, 1.20 is the release 1.20.0', () => {
    const cases: [string, boolean][] = [
      ['1.2rc3', false], ['1.2.3', false], ['1.999testmod', false], ['1.22', true], ['1.21', true],
      ['1.20', false], ['1.19', false], ['1.3', false], ['1.2', false], ['1', false],
    ];
    for (const [v, want] of cases) assert.equal(isLangVersion(v), want, v);
  });
  it('isValidGoVersion (gover.IsValid)', () => {
    const cases: [string, boolean][] = [
      ['1.2rc3', true], ['1.2.3', true], ['1.999testmod', true], ['1.600+auto', false], ['1.22', true], ['1.21.0', true],
      ['1.21rc2', true], ['1.21', true], ['1.20.0', true], ['1', true], ['01.2', false], ['1.02', false], ['1.21.3rc1', true], ['1.21RC1', false], ['go1.21', false],
    ];
    for (const [v, want] of cases) assert.equal(isValidGoVersion(v), want, v);
  });
  it('isPrereleaseGoVersion', () => {
    assert.equal(isPrereleaseGoVersion('1.24rc1'), true);
    assert.equal(isPrereleaseGoVersion('1.21beta2'), true);
    assert.equal(isPrereleaseGoVersion('1.24.0'), false);
    assert.equal(isPrereleaseGoVersion('1.24'), false);
  });
  it('goVersionOfToolchain (gover.FromToolchain)', () => {
    const cases: [string, string][] = [
      ['go1.2.3', '1.2.3'], ['go1.2.3-bigcorp', '1.2.3'], ['go1.21rc1 extra', '1.21rc1'], ['invalid', ''], ['1.2.3', ''], ['go1.600+auto', ''],
    ];
    for (const [name, want] of cases) assert.equal(goVersionOfToolchain(name), want, name);
  });
});

describe('newerToolchain (Go: toolchain.newerToolchain)', () => {
  const relRC = ['1.39.0', '1.39.1', '1.39.2', '1.40.0', '1.40.1', '1.40.2', '1.41rc1'];
  const rel2 = ['1.39.0', '1.39.1', '1.39.2', '1.40.0', '1.40.1', '1.40.2'];
  const rel0 = ['1.39.0', '1.39.1', '1.39.2', '1.40.0'];
  const cases: [string, string[], string | undefined][] = [
    ['1.30', rel0, '1.39.2'], ['1.30', rel2, '1.39.2'], ['1.30', relRC, '1.39.2'],
    ['1.38', rel0, '1.39.2'], ['1.38', rel2, '1.39.2'], ['1.38', relRC, '1.39.2'],
    ['1.38.1', rel0, '1.39.2'], ['1.38.1', rel2, '1.39.2'], ['1.38.1', relRC, '1.39.2'],
    ['1.39', rel0, '1.39.2'], ['1.39', rel2, '1.39.2'], ['1.39', relRC, '1.39.2'],
    ['1.39.2', rel0, '1.39.2'], ['1.39.2', rel2, '1.39.2'], ['1.39.2', relRC, '1.39.2'],
    ['1.39.3', rel0, '1.40.0'], ['1.39.3', rel2, '1.40.2'], ['1.39.3', relRC, '1.40.2'],
    ['1.40', rel0, '1.40.0'], ['1.40', rel2, '1.40.2'], ['1.40', relRC, '1.40.2'],
    ['1.40.1', rel0, undefined], ['1.40.1', rel2, '1.40.2'], ['1.40.1', relRC, '1.40.2'],
    ['1.41', rel0, undefined], ['1.41', rel2, undefined], ['1.41', relRC, '1.41rc1'],
    ['1.41.0', rel0, undefined], ['1.41.0', rel2, undefined], ['1.41.0', relRC, undefined],
    ['1.40', [], undefined],
  ];
  for (const [need, list, want] of cases) {
    it(`need ${need} from ${list.at(-1) ?? '(none)'}`, () => {
      assert.equal(newerToolchain(need, list), want);
      // The list's order does not matter: the go command sorts it.
      assert.equal(newerToolchain(need, [...list].reverse()), want);
    });
  }
});
