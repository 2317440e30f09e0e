import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { foldCase } from '../../../src/modzip/fold-case.js';
import { checkEntryName, CollisionChecker, describeBadGoMod, describeEntryType } from '../../../src/modzip/zip-rules.js';

const P = 'example.com/m@v1.0.0/';

describe('foldCase', () => {
  const equal: [string, string][] = [
    ['README.md', 'readme.MD'],
    ['k.go', '\u212a.go'], // KELVIN SIGN
    ['s', '\u017f'], // LATIN SMALL LETTER LONG S
    ['\u03c3', '\u03c2'], // sigma, final sigma
    ['\u03a3', '\u03c2'],
    ['\u00b5', '\u039c'], // MICRO SIGN and GREEK CAPITAL MU
    ['\u0345', '\u0399'], // COMBINING YPOGEGRAMMENI and GREEK CAPITAL IOTA
    ['\u00df', '\u1e9e'], // sharp s, capital sharp s
    ['\uff21.go', '\uff41.go'], // fullwidth A, a
    ['\u{10400}', '\u{10428}'], // DESERET CAPITAL/SMALL LONG I (outside the BMP)
  ];
  for (const [a, b] of equal) {
    it(`folds ${JSON.stringify(a)} and ${JSON.stringify(b)} together`, () => assert.equal(foldCase(a), foldCase(b)));
  }
  const different: [string, string][] = [
    ['i', '\u0131'], // dotless i: only Turkish casing joins them, not simple folding
    ['i', '\u0130'],
    ['ss', '\u00df'], // full folding only
    ['a.go', 'a.go '],
  ];
  for (const [a, b] of different) {
    it(`keeps ${JSON.stringify(a)} and ${JSON.stringify(b)} apart`, () => assert.notEqual(foldCase(a), foldCase(b)));
  }
  it('returns lower-case ASCII unchanged', () => assert.equal(foldCase('sub/dir/file_1.go'), 'sub/dir/file_1.go'));
});

describe('checkEntryName', () => {
  const good: [string, string, boolean][] = [
    [P, '', true],
    [`${P}go.mod`, 'go.mod', false],
    [`${P}sub/`, 'sub', true],
    [`${P}.github/workflows/ci.yml`, '.github/workflows/ci.yml', false],
    [`${P}-dash/~tilde~1/a b.txt`, '-dash/~tilde~1/a b.txt', false],
    [`${P}ünï/cödé.go`, 'ünï/cödé.go', false],
  ];
  for (const [name, rel, isDir] of good) {
    it(`accepts ${JSON.stringify(name)}`, () => assert.deepEqual(checkEntryName(name, P), { rel, isDir }));
  }
  const bad: [string, RegExp][] = [
    ['example.com/m@v1.0.1/a.go', /^path does not have prefix "example\.com\/m@v1\.0\.0\/"$/],
    ['example.com/m@v1.0.0', /does not have prefix/],
    [`${P}/abs.go`, /^absolute path$/],
    [`${P}C:/x.go`, /^absolute path$/],
    [`${P}a\\b.go`, /^path contains a backslash$/],
    [`${P}a//b.go`, /^file path is not clean: empty path element$/],
    [`${P}a/./b.go`, /^file path is not clean: "\." path element$/],
    [`${P}a/../../b.go`, /^file path is not clean: "\.\." path element$/],
    [`${P}sub//`, /^file path is not clean: empty path element$/],
    [`${P}a*.go`, /^malformed file path "a\*\.go": invalid char '\*'$/],
    [`${P}aux.txt`, /disallowed as path element component on Windows/],
    [`${P}trailing.`, /trailing dot/],
  ];
  for (const [name, problem] of bad) {
    it(`rejects ${JSON.stringify(name)}`, () => {
      const got = checkEntryName(name, P);
      assert.equal(typeof got, 'string');
      assert.match(got as string, problem);
    });
  }
});

describe('CollisionChecker', () => {
  it('finds a directory clashing with an earlier file and the reverse', () => {
    const c1 = new CollisionChecker();
    assert.equal(c1.check('x/y.go', false), undefined);
    assert.equal(c1.check('x', false), 'entry "x" is both a file and a directory');
    const c2 = new CollisionChecker();
    assert.equal(c2.check('x', false), undefined);
    assert.equal(c2.check('x/y/z.go', false), 'entry "x" is both a file and a directory');
  });
  it('finds case collisions in parent directories', () => {
    const c = new CollisionChecker();
    assert.equal(c.check('Sub/a.go', false), undefined);
    assert.equal(c.check('sub/b.go', false), 'case-insensitive file name collision: "Sub" and "sub"');
  });
  it('allows a directory entry listed again and implied by files', () => {
    const c = new CollisionChecker();
    assert.equal(c.check('sub/a.go', false), undefined);
    assert.equal(c.check('sub', true), undefined);
    assert.equal(c.check('sub', true), undefined);
    assert.equal(c.check('sub/a.go', false), 'multiple entries for file "sub/a.go"');
  });
});

describe('describeBadGoMod', () => {
  it('allows go.mod only at the root, in lower case', () => {
    assert.equal(describeBadGoMod('go.mod'), undefined);
    assert.equal(describeBadGoMod('go.mod.bak'), undefined);
    assert.equal(describeBadGoMod('sub/go.modx'), undefined);
    assert.equal(describeBadGoMod('Go.Mod'), 'go.mod files must have lowercase names');
    assert.equal(describeBadGoMod('sub/go.mod'), 'go.mod file not in module root directory');
    assert.equal(describeBadGoMod('sub/GO.MOD'), 'go.mod file not in module root directory');
  });
});

describe('describeEntryType', () => {
  const unix = 3 << 8;
  const attrs = (mode: number): number => (mode << 16) >>> 0;
  it('accepts regular files, directories and modes without a type', () => {
    assert.equal(describeEntryType(unix, attrs(0o100644), false), undefined);
    assert.equal(describeEntryType(unix, attrs(0o040755), true), undefined);
    assert.equal(describeEntryType(unix, attrs(0o644), false), undefined);
    assert.equal(describeEntryType(19 << 8, attrs(0o100644), false), undefined);
  });
  it('rejects links, devices, and a directory mode on a file', () => {
    assert.equal(describeEntryType(unix, attrs(0o120777), false), 'symbolic links are not allowed');
    assert.equal(describeEntryType(unix, attrs(0o120777), true), 'symbolic links are not allowed');
    assert.equal(describeEntryType(unix, attrs(0o020644), false), 'not a regular file (mode 0o20644)');
    assert.equal(describeEntryType(unix, attrs(0o040755), false), 'file entry has a directory mode');
  });
  it('ignores attributes from hosts without Unix modes (MS-DOS)', () => {
    assert.equal(describeEntryType(0, attrs(0o120777), false), undefined);
  });
});
