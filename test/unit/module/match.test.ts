import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { isValidPathPattern, matchPathPattern, matchPrefixPatterns } from '../../../src/module/index.js';

// [pattern, name, matched, well-formed], after Go's path.Match tests.
const matchTable: Array<[string, string, boolean, boolean]> = [
  ['abc', 'abc', true, true],
  ['*', 'abc', true, true],
  ['*c', 'abc', true, true],
  ['a*', 'a', true, true],
  ['a*', 'abc', true, true],
  ['a*', 'ab/c', false, true],
  ['a*/b', 'abc/b', true, true],
  ['a*/b', 'a/c/b', false, true],
  ['a*b*c*d*e*/f', 'axbxcxdxe/f', true, true],
  ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', true, true],
  ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', false, true],
  ['a*b*c*d*e*/f', 'axbxcxdxexxx/fff', false, true],
  ['a*b?c*x', 'abxbbxdbxebxczzx', true, true],
  ['a*b?c*x', 'abxbbxdbxebxczzy', false, true],
  ['ab[c]', 'abc', true, true],
  ['ab[b-d]', 'abc', true, true],
  ['ab[e-g]', 'abc', false, true],
  ['ab[^c]', 'abc', false, true],
  ['ab[^b-d]', 'abc', false, true],
  ['ab[^e-g]', 'abc', true, true],
  ['a\\*b', 'a*b', true, true],
  ['a\\*b', 'ab', false, true],
  ['a?b', 'a☺b', true, true],
  ['a[^a]b', 'a☺b', true, true],
  ['a???b', 'a☺b', false, true],
  ['a[^a][^a][^a]b', 'a☺b', false, true],
  ['[a-ζ]*', 'α', true, true],
  ['*[a-ζ]', 'A', false, true],
  ['a?b', 'a/b', false, true],
  ['a*b', 'a/b', false, true],
  ['[\\]a]', ']', true, true],
  ['[\\-]', '-', true, true],
  ['[x\\-]', 'x', true, true],
  ['[x\\-]', '-', true, true],
  ['[x\\-]', 'z', false, true],
  ['[\\-x]', 'x', true, true],
  ['[\\-x]', '-', true, true],
  ['[\\-x]', 'a', false, true],
  ['[*]', '*', true, true],
  ['[*]', 'a', false, true],
  ['*x', 'xxx', true, true],
  ['', '', true, true],
  ['', 'a', false, true],
  ['**', 'abc', true, true],
  ['[]a]', ']', false, false],
  ['[-]', '-', false, false],
  ['[x-]', 'x', false, false],
  ['[x-]', '-', false, false],
  ['[x-]', 'z', false, false],
  ['[-x]', 'x', false, false],
  ['[-x]', '-', false, false],
  ['[-x]', 'a', false, false],
  ['\\', 'a', false, false],
  ['[a-b-c]', 'a', false, false],
  ['[', 'a', false, false],
  ['[^', 'a', false, false],
  ['[^bc', 'a', false, false],
  ['a[', 'a', false, false],
  ['a[', 'ab', false, false],
  ['a[', 'x', false, false],
  ['a/b[', 'x', false, false],
  ['a*[', 'ab', false, false],
];

describe('matchPathPattern (path.Match)', () => {
  for (const [pattern, name, matched, wellFormed] of matchTable) {
    it(`${JSON.stringify(pattern)} vs ${JSON.stringify(name)}: ${matched}${wellFormed ? '' : ' (malformed)'}`, () => {
      assert.equal(matchPathPattern(pattern, name), matched);
      assert.equal(isValidPathPattern(pattern), wellFormed);
    });
  }
});

describe('matchPrefixPatterns', () => {
  // After x/mod's TestMatchPrefixPatterns, plus GOPRIVATE-style examples.
  const cases: Array<[string, string, boolean]> = [
    ['', 'rsc.io/quote', false],
    ['/', 'rsc.io/quote', false],
    ['*/quote', 'rsc.io/quote', true],
    ['*/quo', 'rsc.io/quote', false],
    ['*/quo??', 'rsc.io/quote', true],
    ['*/quo*', 'rsc.io/quote', true],
    ['*quo*', 'rsc.io/quote', false],
    ['rsc.io', 'rsc.io/quote', true],
    ['*.io', 'rsc.io/quote', true],
    ['rsc.io/', 'rsc.io/quote', true],
    ['rsc', 'rsc.io/quote', false],
    ['rsc*', 'rsc.io/quote', true],
    ['rsc.io', 'rsc.io/quote/v3', true],
    ['*/quote', 'rsc.io/quote/v3', true],
    ['*/quote/', 'rsc.io/quote/v3', true],
    ['*/quote/*', 'rsc.io/quote/v3', true],
    ['*/quote/*/', 'rsc.io/quote/v3', true],
    ['*/v3', 'rsc.io/quote/v3', false],
    ['*/*/v3', 'rsc.io/quote/v3', true],
    ['*/*/*', 'rsc.io/quote/v3', true],
    ['*/*/*/', 'rsc.io/quote/v3', true],
    ['*/*/*', 'rsc.io/quote', false],
    ['*/*/*/', 'rsc.io/quote', false],
    ['*/*/*,,', 'rsc.io/quote', false],
    ['*/*/*,,*/quote', 'rsc.io/quote', true],
    [',,*/quote', 'rsc.io/quote', true],
    ['rsc.io/quote', 'rsc.io/quote', true],
    ['rsc.io/quote', 'rsc.io/quotes', false],
    ['rsc.io/quote', 'rsc.io', false],
    ['*.corp.example.com', 'git.corp.example.com/team/repo', true],
    ['*.corp.example.com', 'corp.example.com/team/repo', false],
    ['git.corp.example.com/*', 'git.corp.example.com/team/repo', true],
    ['github.com/acme/*,golang.org/x', 'golang.org/x/text', true],
    ['github.com/acme/*,golang.org/x', 'github.com/acme/tool/v2', true],
    ['github.com/acme/*,golang.org/x', 'github.com/other/tool', false],
    ['[,rsc.io', 'rsc.io/quote', true],
    ['rsc.io[', 'rsc.io/quote', false],
    ['RSC.io', 'rsc.io/quote', false],
  ];
  for (const [globs, target, want] of cases) {
    it(`${JSON.stringify(globs)} vs ${target}: ${want}`, () => assert.equal(matchPrefixPatterns(globs, target), want));
  }
});
