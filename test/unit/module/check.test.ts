import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { checkModuleVersion, isValidModuleVersion } from '../../../src/module/index.js';

// [path, version, ok], after x/mod's checkTests, plus canonical-form and +incompatible rules.
const table: Array<[string, string, boolean]> = [
  ['github.com/go-yaml/yaml', 'v0.8.0', true],
  ['github.com/go-yaml/yaml', 'v1.0.0', true],
  ['github.com/go-yaml/yaml', 'v2.0.0', false],
  ['github.com/go-yaml/yaml', 'v2.1.5', false],
  ['github.com/go-yaml/yaml', 'v3.0.0', false],
  ['github.com/go-yaml/yaml/v2', 'v1.0.0', false],
  ['github.com/go-yaml/yaml/v2', 'v2.0.0', true],
  ['github.com/go-yaml/yaml/v2', 'v2.1.5', true],
  ['github.com/go-yaml/yaml/v2', 'v3.0.0', false],
  ['gopkg.in/yaml.v0', 'v0.8.0', true],
  ['gopkg.in/yaml.v0', 'v1.0.0', false],
  ['gopkg.in/yaml.v1', 'v0.8.0', false],
  ['gopkg.in/yaml.v1', 'v1.0.0', true],
  ['gopkg.in/yaml.v1', 'v2.0.0', false],
  ['gopkg.in/yaml.v2', 'v1.0.0', false],
  ['gopkg.in/yaml.v2', 'v2.1.5', true],
  ['gopkg.in/yaml.v2', 'v3.0.0', false],
  ['gopkg.in/yaml.v1-unstable', 'v1.0.0', true],
  // Early vgo made v0 pseudo-versions for gopkg.in .v1 paths; old go.mod files still require them.
  ['gopkg.in/check.v1', 'v0.0.0', false],
  ['gopkg.in/check.v1', 'v0.0.0-20160102150405-abcdef123456', true],
  ['gopkg.in/check.v2', 'v0.0.0-20160102150405-abcdef123456', false],
  ['rsc.io/quote', 'v17.0.0', false],
  ['rsc.io/quote', 'v17.0.0+incompatible', true],
  ['rsc.io/quote', 'v2.0.1-0.20200102150405-abcdef123456+incompatible', true],
  ['rsc.io/quote', 'v1.0.0+incompatible', false],
  ['rsc.io/quote', 'v0.1.0+incompatible', false],
  ['rsc.io/quote/v2', 'v2.0.0+incompatible', false],
  ['rsc.io/quote', 'v1.5.2', true],
  ['rsc.io/quote', 'v1.5.2-pre.1', true],
  ['rsc.io/quote', 'v0.0.0-20180709162918-a91498bed0a7', true],
  ['github.com/BurntSushi/toml', 'v1.0.0-RC1', true],
  ['rsc.io/quote', 'v1.5', false],
  ['rsc.io/quote', 'v1', false],
  ['rsc.io/quote', 'v1.5.2+meta', false],
  ['rsc.io/quote', '0.1.0', false],
  ['rsc.io/quote', 'master', false],
  ['rsc.io/quote', '', false],
];

describe('checkModuleVersion', () => {
  for (const [path, version, ok] of table) {
    it(`${path}@${version}: ${ok}`, () => {
      assert.equal(isValidModuleVersion(path, version), ok);
      if (ok) checkModuleVersion(path, version);
      else assert.throws(() => checkModuleVersion(path, version), { name: 'InvalidModuleError', code: 'E_VERSION' });
    });
  }

  it('reports an invalid path as E_MODULE_PATH', () => {
    assert.equal(isValidModuleVersion('rsc io/quote', 'v1.0.0'), false);
    assert.throws(() => checkModuleVersion('rsc io/quote', 'v1.0.0'), {
      code: 'E_MODULE_PATH',
      message: `malformed module path "rsc io/quote": invalid char ' '`,
    });
  });

  const messages: Array<[string, string, string]> = [
    [
      'example.com/m',
      'v2.0.0',
      'version "v2.0.0" invalid for module example.com/m: should be v0 or v1, not v2 (use example.com/m/v2, or v2.0.0+incompatible)',
    ],
    ['example.com/m/v3', 'v1.4.0', 'version "v1.4.0" invalid for module example.com/m/v3: should be v3, not v1 (use example.com/m)'],
    ['example.com/m/v3', 'v2.0.0', 'version "v2.0.0" invalid for module example.com/m/v3: should be v3, not v2 (use example.com/m/v2)'],
    ['gopkg.in/yaml.v2', 'v3.0.1', 'version "v3.0.1" invalid for module gopkg.in/yaml.v2: should be v2, not v3 (use gopkg.in/yaml.v3)'],
    ['example.com/m', 'v1.2', 'version "v1.2" invalid for module example.com/m: not a canonical version (did you mean v1.2.0?)'],
    ['example.com/m', 'v1.2.3+meta', 'version "v1.2.3+meta" invalid for module example.com/m: not a canonical version (did you mean v1.2.3?)'],
    ['example.com/m', 'v1.02.3', 'version "v1.02.3" invalid for module example.com/m: not a semantic version (did you mean v1.2.3?)'],
    ['example.com/m', '1.2.3', 'version "1.2.3" invalid for module example.com/m: not a semantic version (did you mean v1.2.3?)'],
    ['example.com/m', 'main', 'version "main" invalid for module example.com/m: not a semantic version'],
    [
      'example.com/m',
      'v1.0.0+incompatible',
      'version "v1.0.0+incompatible" invalid for module example.com/m: the +incompatible suffix is not allowed: major version v1 is compatible',
    ],
    [
      'example.com/m/v2',
      'v2.0.0+incompatible',
      'version "v2.0.0+incompatible" invalid for module example.com/m/v2: the +incompatible suffix is not allowed: the module path has a major version suffix',
    ],
  ];
  for (const [path, version, message] of messages) {
    it(`explains ${path}@${version}`, () => {
      assert.throws(() => checkModuleVersion(path, version), { code: 'E_VERSION', message });
    });
  }
});
