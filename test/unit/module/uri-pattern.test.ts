import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { compileModulePattern, escapePath, splitModulePatterns } from '../../../src/module/index.js';
import { GomirrorError } from '../../../src/errors.js';

/** The URIs of a module's files as Nginx sees them (percent-decoded, escaped module path). */
function uris(modulePath: string): string[] {
  const e = escapePath(modulePath);
  return [`/${e}/@v/list`, `/${e}/@v/v1.0.0.zip`, `/${e}/@latest`];
}

/** Whether the compiled location regex matches every file URI of the module (and asserts it matches all or none). */
function protects(pattern: string, modulePath: string): boolean {
  const re = new RegExp(compileModulePattern(pattern, '--auth'), 'i');
  const hits = uris(modulePath).map((u) => re.test(u));
  assert.ok(hits.every((h) => h === hits[0]), `${pattern} matches only some files of ${modulePath}`);
  return hits[0] as boolean;
}

describe('compileModulePattern', () => {
  test('writes escaped, anchored regexes', () => {
    assert.equal(compileModulePattern('corp.example.com/*', '--auth'), '^/corp\\.example\\.com/(?:[-.0-9_a-z~]|![a-z])*/');
    assert.equal(compileModulePattern('github.com/BurntSushi', '--auth'), '^/github\\.com/!burnt!sushi/');
    assert.equal(compileModulePattern('x.com/[A-Fa]?', '--auth'), '^/x\\.com/(?:a|![a-f])(?:[-.0-9_a-z~]|![a-z])/');
    assert.equal(compileModulePattern('x.com/[^a-z]', '--auth'), '^/x\\.com/(?:[-.0-9_~]|![a-z])/');
  });

  // Expected values follow module.MatchPrefixPatterns: path.Match on the first
  // N elements of the module path, N = elements in the pattern, case-sensitive.
  const table: [pattern: string, modulePath: string, matches: boolean][] = [
    ['corp.example.com/*', 'corp.example.com/foo', true],
    ['corp.example.com/*', 'corp.example.com/foo/bar/v2', true],
    ['corp.example.com/*', 'corp.example.com/Foo', true],
    ['corp.example.com/*', 'corp.example.com', false],
    ['corp.example.com/*', 'corp.example.community/foo', false],
    ['corp.example.com/*', 'x.corp.example.com/foo', false],
    ['*.corp.example.com', 'git.corp.example.com', true],
    ['*.corp.example.com', 'git.corp.example.com/team/svc', true],
    ['*.corp.example.com', 'corp.example.com/x', false],
    ['*.corp.example.com', 'git.corp.example.com.evil.com/x', false],
    ['github.com/BurntSushi', 'github.com/BurntSushi/toml', true],
    ['github.com/BurntSushi', 'github.com/BurntSushi', true],
    ['github.com/BurntSushi', 'github.com/burntsushi/toml', false],
    ['github.com/BurntSushi', 'github.com/BurntSushiX/toml', false],
    // A wildcard matches whole escaped characters: "!b" is one character.
    ['github.com/*b', 'github.com/ab', true],
    ['github.com/*b', 'github.com/Ab', true],
    ['github.com/*b', 'github.com/aB', false],
    ['github.com/*B', 'github.com/aB', true],
    ['github.com/*B', 'github.com/ab', false],
    ['github.com/[A-C]*', 'github.com/Azure/go-autorest', true],
    ['github.com/[A-C]*', 'github.com/azure/go-autorest', false],
    ['github.com/[A-C]*', 'github.com/Dog', false],
    ['github.com/[^a-z]*', 'github.com/Azure', true],
    ['github.com/[^a-z]*', 'github.com/9lives', true],
    ['github.com/[^a-z]*', 'github.com/azure', false],
    ['github.com/[a\\-z]', 'github.com/-', true],
    ['github.com/[a\\-z]', 'github.com/b', false],
    ['example.com/a?c', 'example.com/abc', true],
    ['example.com/a?c', 'example.com/aBc', true],
    ['example.com/a?c', 'example.com/ac', false],
    ['example.com/a?c', 'example.com/a/c', false],
    ['example.com/a\\.c', 'example.com/a.c', true],
    ['example.com/a.c', 'example.com/abc', false],
    ['example.com/a~b_c', 'example.com/a~b_c/d', true],
    ['golang.org/x', 'golang.org/x/text', true],
    ['golang.org/x', 'golang.org/xerrors', false],
    ['*', 'golang.org/x/text', true],
    ['*/*/*', 'golang.org/x/text', true],
    ['*/*/*', 'golang.org/x', false],
    ['gopkg.in/yaml.v*', 'gopkg.in/yaml.v2', true],
  ];
  for (const [pattern, modulePath, matches] of table) {
    test(`${pattern} ${matches ? 'matches' : 'does not match'} ${modulePath}`, () => {
      assert.equal(protects(pattern, modulePath), matches);
    });
  }

  test('a module path prefix never takes @v or @latest for a path element', () => {
    const re = new RegExp(compileModulePattern('corp.example.com/*', '--auth'));
    assert.equal(re.test('/corp.example.com/@v/list'), false);
    assert.equal(re.test('/corp.example.com/@latest'), false);
    assert.equal(re.test('/corp.example.com/a/@v/list'), true);
  });

  test('a wildcard cannot consume a lone "!"', () => {
    const re = new RegExp(compileModulePattern('example.com/*', '--auth'));
    assert.equal(re.test('/example.com/a!/@v/list'), false);
    assert.equal(re.test('/example.com/!!a/@v/list'), false);
  });

  const bad: [pattern: string, message: RegExp][] = [
    ['', /empty pattern/],
    ['/corp.example.com', /do not start with "\/"/],
    ['a.com//b', /empty path element/],
    ['a.com/[', /unterminated character class/],
    ['a.com/[ab', /unterminated character class/],
    ['a.com/[]a]', /unescaped "\]"/],
    ['a.com/[a-]', /unescaped "\]"|unterminated/],
    ['a.com/[-a]', /unescaped "-"/],
    ['a.com/[z-a]', /reversed/],
    ['a.com/[.-0]', /"\/" inside a character class/],
    ['a.com/x\\', /trailing "\\"/],
    ['a.com/x y', /" " cannot appear in a module path/],
    ['a.com/x!y', /"!" cannot appear/],
    ['a.com/\\*', /"\*" cannot appear/],
    ['corp.com/..', /no module path element starts or ends with "\."/],
    ['corp.com/.', /starts or ends with "\."/],
    ['corp.com/*.', /starts or ends with "\."/],
    ['.corp.com', /starts or ends with "\."/],
  ];
  for (const [pattern, message] of bad) {
    test(`rejects ${JSON.stringify(pattern)}`, () => {
      assert.throws(
        () => compileModulePattern(pattern, '--auth'),
        (err: unknown) =>
          err instanceof GomirrorError &&
          err.code === 'E_USAGE' &&
          err.message.startsWith(`--auth: bad module path pattern "${pattern}": `) &&
          message.test(err.message),
      );
    });
  }
});

describe('splitModulePatterns', () => {
  test('splits at commas, drops empty entries and one trailing slash, like GOPRIVATE', () => {
    assert.deepEqual(splitModulePatterns('a.com/*,,b.com/x/,c.com//'), ['a.com/*', 'b.com/x', 'c.com/']);
    assert.deepEqual(splitModulePatterns(''), []);
  });
});
