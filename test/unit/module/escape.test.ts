import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { escapePath, escapeVersion, unescapePath, unescapeVersion } from '../../../src/module/index.js';

describe('escapePath / unescapePath', () => {
  const cases: Array<[string, string]> = [
    ['ascii.com/abcdefghijklmnopqrstuvwxyz.-/~_0123456789', 'ascii.com/abcdefghijklmnopqrstuvwxyz.-/~_0123456789'],
    ['github.com/BurntSushi/toml', 'github.com/!burnt!sushi/toml'],
    ['github.com/GoogleCloudPlatform/omega', 'github.com/!google!cloud!platform/omega'],
    ['github.com/Azure/go-autorest', 'github.com/!azure/go-autorest'],
    ['github.com/Sirupsen/logrus', 'github.com/!sirupsen/logrus'],
    ['example.com/ABC/v2', 'example.com/!a!b!c/v2'],
  ];
  for (const [path, escaped] of cases) {
    it(`${path} ⇄ ${escaped}`, () => {
      assert.equal(escapePath(path), escaped);
      assert.equal(unescapePath(escaped), path);
    });
  }

  for (const path of ['x', 'X.y/z', 'x.y/z/v1', 'github.com/!123/logrus', 'x.y/z/', '']) {
    it(`refuses to escape invalid path ${JSON.stringify(path)}`, () => {
      assert.throws(() => escapePath(path), { code: 'E_MODULE_PATH', message: /^malformed module path/ });
    });
  }

  // After x/mod's badUnescape: raw upper case, dangling or doubled "!", "!" before a non-letter.
  const bad: Array<[string, string]> = [
    ['github.com/GoogleCloudPlatform/omega', 'invalid escaped module path "github.com/GoogleCloudPlatform/omega"'],
    ['github.com/!google!cloud!platform!/omega', 'invalid escaped module path "github.com/!google!cloud!platform!/omega"'],
    ['github.com/!0google!cloud!platform/omega', 'invalid escaped module path "github.com/!0google!cloud!platform/omega"'],
    ['github.com/!_google!cloud!platform/omega', 'invalid escaped module path "github.com/!_google!cloud!platform/omega"'],
    ['github.com/!!google!cloud!platform/omega', 'invalid escaped module path "github.com/!!google!cloud!platform/omega"'],
    ['github.com/x!', 'invalid escaped module path "github.com/x!"'],
    ['github.com/é', 'invalid escaped module path "github.com/é"'],
    ['', 'invalid escaped module path "": malformed module path "": empty string'],
    ['!x.y/z', 'invalid escaped module path "!x.y/z": malformed module path "X.y/z": invalid char \'X\' in first path element'],
    ['x.y/z/v1', 'invalid escaped module path "x.y/z/v1": malformed module path "x.y/z/v1": invalid version'],
  ];
  for (const [escaped, message] of bad) {
    it(`refuses to unescape ${JSON.stringify(escaped)}`, () => {
      assert.throws(() => unescapePath(escaped), { code: 'E_MODULE_PATH', message });
    });
  }
});

describe('escapeVersion / unescapeVersion', () => {
  const cases: Array<[string, string]> = [
    ['v1.0.0', 'v1.0.0'],
    ['v1.0.0-RC1', 'v1.0.0-!r!c1'],
    ['v14.2.0+incompatible', 'v14.2.0+incompatible'],
    ['v0.0.0-20200102150405-ABCDEF123456', 'v0.0.0-20200102150405-!a!b!c!d!e!f123456'],
    // Not semver, but valid file names: branch names can be requested from a proxy.
    ['Main', '!main'],
    ['feature~x', 'feature~x'],
    ['.hidden', '.hidden'],
  ];
  for (const [version, escaped] of cases) {
    it(`${version} ⇄ ${escaped}`, () => {
      assert.equal(escapeVersion(version), escaped);
      assert.equal(unescapeVersion(escaped), version);
    });
  }

  for (const version of ['', 'a/b', '..', 'v1.', 'v1!', 'con', 'aux.txt', 'v1?', 'vé', 'v1:2']) {
    it(`refuses to escape ${JSON.stringify(version)}`, () => {
      assert.throws(() => escapeVersion(version), {
        code: 'E_VERSION',
        message: `disallowed version string ${JSON.stringify(version)}`,
      });
    });
  }

  const bad: Array<[string, string]> = [
    ['v1.0.0-RC1', 'invalid escaped version "v1.0.0-RC1"'],
    ['v1.0.0-!', 'invalid escaped version "v1.0.0-!"'],
    ['v1.0.0-!1', 'invalid escaped version "v1.0.0-!1"'],
    ['vé', 'invalid escaped version "vé"'],
    ['v1/2', 'invalid escaped version "v1/2": invalid char \'/\''],
    ['!con', 'invalid escaped version "Con": "Con" disallowed as path element component on Windows'],
    ['..', 'invalid escaped version "..": invalid path element ".."'],
  ];
  for (const [escaped, message] of bad) {
    it(`refuses to unescape ${JSON.stringify(escaped)}`, () => {
      assert.throws(() => unescapeVersion(escaped), { code: 'E_VERSION', message });
    });
  }
});
