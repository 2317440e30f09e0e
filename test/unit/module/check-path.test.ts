import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { InvalidModuleError } from '../../../src/errors.js';
import { checkFilePath, checkImportPath, checkPath, checkPathMajor, isValidModulePath, matchPathMajor, splitPathVersion } from '../../../src/module/index.js';

function accepts(check: (path: string) => void, path: string): boolean {
  try {
    check(path);
    return true;
  } catch (err) {
    assert.ok(err instanceof InvalidModuleError, `unexpected error type for ${JSON.stringify(path)}`);
    assert.equal(err.code, 'E_MODULE_PATH');
    return false;
  }
}

// [path, valid module path, valid import path, valid file path], after x/mod's checkPathTests.
const pathTable: Array<[string, boolean, boolean, boolean]> = [
  ['x.y/z', true, true, true],
  ['x.y', true, true, true],
  ['', false, false, false],
  ['x.y/\uD800z', false, false, false],
  ['/x.y/z', false, false, false],
  ['x./z', false, false, false],
  ['.x/z', false, true, true],
  ['-x/z', false, false, true],
  ['x..y/z', true, true, true],
  ['x.y/z/../../w', false, false, false],
  ['x.y//z', false, false, false],
  ['x.y/z//w', false, false, false],
  ['x.y/z/', false, false, false],
  ['x.y/z/v0', false, true, true],
  ['x.y/z/v1', false, true, true],
  ['x.y/z/v2', true, true, true],
  ['x.y/z/v2.0', false, true, true],
  ['x.y/z/v02', false, true, true],
  ['X.y/z', false, true, true],
  ['!x.y/z', false, false, true],
  ['_x.y/z', false, true, true],
  ['x.y!/z', false, false, true],
  ['x.y"/z', false, false, false],
  ['x.y#/z', false, false, true],
  ['x.y$/z', false, false, true],
  ['x.y%/z', false, false, true],
  ['x.y&/z', false, false, true],
  ["x.y'/z", false, false, false],
  ['x.y(/z', false, false, true],
  ['x.y)/z', false, false, true],
  ['x.y*/z', false, false, false],
  ['x.y+/z', false, true, true],
  ['x.y,/z', false, false, true],
  ['x.y-/z', true, true, true],
  ['x.y./zt', false, false, false],
  ['x.y:/z', false, false, false],
  ['x.y;/z', false, false, false],
  ['x.y</z', false, false, false],
  ['x.y=/z', false, false, true],
  ['x.y>/z', false, false, false],
  ['x.y?/z', false, false, false],
  ['x.y@/z', false, false, true],
  ['x.y[/z', false, false, true],
  ['x.y\\/z', false, false, false],
  ['x.y]/z', false, false, true],
  ['x.y^/z', false, false, true],
  ['x.y_/z', false, true, true],
  ['x.y`/z', false, false, false],
  ['x.y{/z', false, false, true],
  ['x.y}/z', false, false, true],
  ['x.y~/z', false, true, true],
  ['x.y/z!', false, false, true],
  ['x.y/z++', false, true, true],
  ['x.y/z-', true, true, true],
  ['x.y/z.t', true, true, true],
  ['x.y/z/t', true, true, true],
  ['x.y/z ', false, false, true],
  ['x.y/z|', false, false, false],
  ['x.y/z_', true, true, true],
  ['x.y/z~', true, true, true],
  ['x.y/x.foo', true, true, true],
  // Windows reserved names, with or without an extension, in any case.
  ['x.y/aux.foo', false, false, false],
  ['x.y/prn', false, false, false],
  ['x.y/prn2', true, true, true],
  ['x.y/com', true, true, true],
  ['x.y/com1', false, false, false],
  ['x.y/com1.txt', false, false, false],
  ['x.y/CoN', false, false, false],
  ['x.y/Lpt9.go', false, false, false],
  ['x.y/calm1', true, true, true],
  // Windows 8.3 short names: only module and import paths care.
  ['x.y/z~0', false, false, true],
  ['x.y/z~09', false, false, true],
  ['x.y/progra~1.txt', false, false, true],
  ['x.y/z09', true, true, true],
  ['x.y/z09~', true, true, true],
  ['x.y/z09~09z', true, true, true],
  ['x.y/z09~09z~09', false, false, true],
  ['github.com/!123/logrus', false, false, true],
  ['github.com/user/unicode/испытание', false, false, true],
  ['../x', false, false, false],
  ['./y', false, false, false],
  ['x:y', false, false, false],
  ['\\temp\\foo', false, false, false],
  ['.gitignore', false, true, true],
  ['.github/ISSUE_TEMPLATE', false, true, true],
  ['x☺y', false, false, false],
  ['github.com/BurntSushi/toml', true, true, true],
  ['gopkg.in/yaml.v2', true, true, true],
  ['gopkg.in/yaml.v0', true, true, true],
  ['gopkg.in/yaml.v1-unstable', true, true, true],
  ['gopkg.in/yaml', false, true, true],
  ['gopkg.in/yaml.v02', false, true, true],
  ['gopkg.in/yaml/v2', false, true, true],
  ['example.com', true, true, true],
  ['localhost/x', false, true, true],
  ['exa_mple.com/x', false, true, true],
];

describe('checkPath, checkImportPath, checkFilePath', () => {
  for (const [path, moduleOK, importOK, fileOK] of pathTable) {
    it(`${JSON.stringify(path)}: module ${moduleOK}, import ${importOK}, file ${fileOK}`, () => {
      assert.equal(accepts(checkPath, path), moduleOK, 'checkPath');
      assert.equal(isValidModulePath(path), moduleOK, 'isValidModulePath');
      assert.equal(accepts(checkImportPath, path), importOK, 'checkImportPath');
      assert.equal(accepts(checkFilePath, path), fileOK, 'checkFilePath');
    });
  }
});

describe('path error messages', () => {
  const cases: Array<[(p: string) => void, string, string]> = [
    [checkPath, 'x', 'malformed module path "x": missing dot in first path element'],
    [checkPath, '', 'malformed module path "": empty string'],
    [checkPath, '-x.y/z', 'malformed module path "-x.y/z": leading dash'],
    [checkPath, 'X.y/z', `malformed module path "X.y/z": invalid char 'X' in first path element`],
    [checkPath, 'x.y/.z', 'malformed module path "x.y/.z": leading dot in path element'],
    [checkPath, 'x.y/z.', 'malformed module path "x.y/z.": trailing dot in path element'],
    [checkPath, 'x.y/..', 'malformed module path "x.y/..": invalid path element ".."'],
    [checkPath, 'x.y//z', 'malformed module path "x.y//z": double slash'],
    [checkPath, 'x.y/z/', 'malformed module path "x.y/z/": trailing slash'],
    [checkPath, 'x.y/z/v1', 'malformed module path "x.y/z/v1": invalid version'],
    [checkPath, 'x.y/com1.txt', 'malformed module path "x.y/com1.txt": "com1" disallowed as path element component on Windows'],
    [checkPath, 'x.y/z~1', 'malformed module path "x.y/z~1": trailing tilde and digits in path element'],
    [checkPath, 'x.y/a b', `malformed module path "x.y/a b": invalid char ' '`],
    [checkImportPath, 'x.y/z@v1', `malformed import path "x.y/z@v1": invalid char '@'`],
    [checkFilePath, 'a/b?', `malformed file path "a/b?": invalid char '?'`],
    [checkFilePath, 'a/b\\c', `malformed file path "a/b\\\\c": invalid char '\\\\'`],
    [checkFilePath, 'a/\u0007', `malformed file path "a/\\u0007": invalid char '\\u0007'`],
  ];
  for (const [check, path, message] of cases) {
    it(`${check.name}(${JSON.stringify(path)})`, () => {
      assert.throws(() => check(path), { name: 'InvalidModuleError', code: 'E_MODULE_PATH', message });
    });
  }
});

describe('splitPathVersion', () => {
  const cases: Array<[string, { prefix: string; pathMajor: string } | null]> = [
    ['x.y/z', { prefix: 'x.y/z', pathMajor: '' }],
    ['x.y/z/v2', { prefix: 'x.y/z', pathMajor: '/v2' }],
    ['x.y/z/v3', { prefix: 'x.y/z', pathMajor: '/v3' }],
    ['x.y/z/v10', { prefix: 'x.y/z', pathMajor: '/v10' }],
    ['x.y/v', { prefix: 'x.y/v', pathMajor: '' }],
    ['x.y/v2x', { prefix: 'x.y/v2x', pathMajor: '' }],
    ['x.y/zv2', { prefix: 'x.y/zv2', pathMajor: '' }],
    ['x.y/v2/z', { prefix: 'x.y/v2/z', pathMajor: '' }],
    ['x.y/z/v1', null],
    ['x.y/z/v0', null],
    ['x.y/z/v02', null],
    ['x.y/z/v2.0', null],
    ['x.y/z/v.2', null],
    ['gopkg.in/yaml.v0', { prefix: 'gopkg.in/yaml', pathMajor: '.v0' }],
    ['gopkg.in/yaml.v1', { prefix: 'gopkg.in/yaml', pathMajor: '.v1' }],
    ['gopkg.in/yaml.v2', { prefix: 'gopkg.in/yaml', pathMajor: '.v2' }],
    ['gopkg.in/user/pkg.v3', { prefix: 'gopkg.in/user/pkg', pathMajor: '.v3' }],
    ['gopkg.in/yaml.v1-unstable', { prefix: 'gopkg.in/yaml', pathMajor: '.v1-unstable' }],
    ['gopkg.in/yaml', null],
    ['gopkg.in/yaml.v01', null],
    ['gopkg.in/yaml/v2', null],
    ['gopkg.in/yaml.v', null],
  ];
  for (const [path, want] of cases) {
    it(path, () => {
      const got = splitPathVersion(path);
      assert.deepEqual(got, want);
      if (got !== null) assert.equal(got.prefix + got.pathMajor, path);
    });
  }
});

describe('checkPathMajor / matchPathMajor', () => {
  // After x/mod's TestMatchPathMajor, plus the -unstable and +incompatible corners.
  const cases: Array<[string, string, boolean]> = [
    ['v0.0.0', '', true],
    ['v1.5.0', '', true],
    ['v0.0.0', '/v2', false],
    ['v0.0.0', '.v0', true],
    ['v0.0.0-20190510104115-cbcb75029529', '.v1', true],
    ['v0.0.0-20190510104115-cbcb75029529', '.v1-unstable', true],
    ['v0.0.0-20190510104115-cbcb75029529', '.v2', false],
    ['v0.0.0', '.v1', false],
    ['v1.0.0', '/v2', false],
    ['v1.0.0', '.v1', true],
    ['v1.0.0', '.v1-unstable', true],
    ['v2.0.0+incompatible', '', true],
    ['v2.0.0', '', false],
    ['v2.0.0+meta', '', false],
    ['v2.0.0', '/v2', true],
    ['v2.0.0', '.v2', true],
    ['v3.1.0', '/v2', false],
  ];
  for (const [v, pathMajor, want] of cases) {
    it(`${v} with ${JSON.stringify(pathMajor)}: ${want}`, () => {
      assert.equal(matchPathMajor(v, pathMajor), want);
      if (want) checkPathMajor(v, pathMajor);
      else assert.throws(() => checkPathMajor(v, pathMajor), { code: 'E_VERSION' });
    });
  }

  it('says what was expected', () => {
    assert.throws(() => checkPathMajor('v2.0.0', ''), {
      message: 'version "v2.0.0" invalid: should be v0 or v1, not v2',
    });
    assert.throws(() => checkPathMajor('v1.0.0', '/v3'), { message: 'version "v1.0.0" invalid: should be v3, not v1' });
    assert.throws(() => checkPathMajor('v2.0.0', '.v1-unstable'), {
      message: 'version "v2.0.0" invalid: should be v1, not v2',
    });
  });
});
