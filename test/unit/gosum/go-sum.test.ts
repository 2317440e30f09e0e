import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GomirrorError } from '../../../src/errors.js';
import { formatGoSum, formatGoSumLine, parseGoSum, type GoSumEntry } from '../../../src/gosum/go-sum.js';

const H_A = 'h1:gTqEJ382ZQqv2xsPfdUZDovzOcPwH0eHFziE2Xq+iaU=';
const H_B = 'h1:s0Qsj1ACt9ePp/hMypM3fl4fZqREWJwdYDEqhRiZZUA=';
const H_C = 'h1:KU7oHjnv3XNWfa5COkzUifxZmxp1TyI7ImMXqFxLwvQ=';
const EMPTY_GO_MOD = 'h1:G7mAYYxgmS0lVkHyy2hEOLQCFB0DlQFTMLWggykrydY=';

describe('parseGoSum', () => {
  it('reads zip and /go.mod lines with their line numbers, skipping blank lines', () => {
    const text = [
      `golang.org/x/mod v0.2.0 ${H_C}`,
      `golang.org/x/mod v0.2.0/go.mod ${H_B}`,
      '',
      '   \t',
      `github.com/BurntSushi/toml\tv1.0.0-RC1   ${H_A}\r`,
      '',
    ].join('\n');
    assert.deepEqual(parseGoSum(text, 'go.sum'), [
      { path: 'golang.org/x/mod', version: 'v0.2.0', goMod: false, hash: H_C, line: 1 },
      { path: 'golang.org/x/mod', version: 'v0.2.0', goMod: true, hash: H_B, line: 2 },
      { path: 'github.com/BurntSushi/toml', version: 'v1.0.0-RC1', goMod: false, hash: H_A, line: 5 },
    ]);
  });

  it("drops lines with the historical empty go.mod hash, as the go command does", () => {
    const text = `example.com/a v1.0.0/go.mod ${EMPTY_GO_MOD}\nexample.com/a v1.0.0 ${H_A}\n`;
    assert.deepEqual(
      parseGoSum(text, 'go.sum').map((l) => [l.goMod, l.line]),
      [[false, 2]],
    );
  });

  it('reads an empty file as no lines', () => {
    assert.deepEqual(parseGoSum('', 'go.sum'), []);
    assert.deepEqual(parseGoSum('\n\n', 'go.sum'), []);
  });

  const malformed: [string, string][] = [
    [`example.com/a v1.0.0`, 'wrong number of fields 2'],
    [`example.com/a v1.0.0 ${H_A} extra`, 'wrong number of fields 4'],
    [`example.com/a v1.0.0 h2:abc`, 'invalid hash "h2:abc" (want h1: and 44 base64 characters)'],
    [`example.com/a v1.0.0 h1:short=`, 'invalid hash "h1:short=" (want h1: and 44 base64 characters)'],
    // Non-canonical base64: the last character carries bits that the 32 bytes do not have.
    [`example.com/a v1.0.0 h1:gTqEJ382ZQqv2xsPfdUZDovzOcPwH0eHFziE2Xq+iaV=`, 'invalid hash "h1:gTqEJ382ZQqv2xsPfdUZDovzOcPwH0eHFziE2Xq+iaV=" (want h1: and 44 base64 characters)'],
    [`example.com/a /go.mod ${H_A}`, 'invalid version "/go.mod"'],
    [`example.com/a v1.0.0/x.go ${H_A}`, 'invalid version "v1.0.0/x.go"'],
  ];
  for (const [line, problem] of malformed) {
    it(`rejects ${JSON.stringify(line)} naming file and line`, () => {
      const text = `example.com/ok v1.0.0 ${H_A}\n\n${line}\n`;
      assert.throws(
        () => parseGoSum(text, '/src/app/go.sum'),
        (err: unknown) =>
          err instanceof GomirrorError &&
          err.code === 'E_GOSUM' &&
          err.message === `/src/app/go.sum:3: malformed go.sum line: ${problem}`,
      );
    });
  }
});

describe('formatGoSum', () => {
  const entry = (path: string, version: string, goMod: boolean, hash = H_A): GoSumEntry => ({ path, version, goMod, hash });

  it('formats one line without a newline', () => {
    assert.equal(formatGoSumLine(entry('example.com/a', 'v1.0.0', true, H_B)), `example.com/a v1.0.0/go.mod ${H_B}`);
    assert.equal(formatGoSumLine(entry('example.com/a', 'v1.0.0', false, H_B)), `example.com/a v1.0.0 ${H_B}`);
  });

  it("sorts like the go command: path, semver precedence, zip before /go.mod, hash", () => {
    const shuffled = [
      entry('example.com/b', 'v1.0.0', false),
      entry('example.com/a', 'v1.10.0', true),
      entry('example.com/a', 'v1.10.0', false),
      entry('example.com/a', 'v1.9.0', false),
      entry('example.com/a', 'v1.9.0-rc.1', false),
      entry('example.com/a', 'v0.0.0-20240101000000-abcdefabcdef', false),
      entry('example.com/a', 'v2.0.0+incompatible', false, H_C),
      entry('example.com/a', 'v2.0.0+incompatible', false, H_B),
      entry('example.com/a/v2', 'v2.0.0', false),
    ];
    assert.equal(
      formatGoSum(shuffled),
      [
        `example.com/a v0.0.0-20240101000000-abcdefabcdef ${H_A}`,
        `example.com/a v1.9.0-rc.1 ${H_A}`,
        `example.com/a v1.9.0 ${H_A}`,
        `example.com/a v1.10.0 ${H_A}`,
        `example.com/a v1.10.0/go.mod ${H_A}`,
        `example.com/a v2.0.0+incompatible ${H_C}`,
        `example.com/a v2.0.0+incompatible ${H_B}`,
        `example.com/a/v2 v2.0.0 ${H_A}`,
        `example.com/b v1.0.0 ${H_A}`,
        '',
      ].join('\n'),
    );
  });

  it('writes identical lines once and round-trips through parseGoSum', () => {
    const lines = [entry('example.com/a', 'v1.0.0', true, H_B), entry('example.com/a', 'v1.0.0', false), entry('example.com/a', 'v1.0.0', false)];
    const text = formatGoSum(lines);
    assert.equal(text, `example.com/a v1.0.0 ${H_A}\nexample.com/a v1.0.0/go.mod ${H_B}\n`);
    assert.equal(formatGoSum(parseGoSum(text, 'go.sum')), text);
  });

  it('writes nothing for no lines', () => {
    assert.equal(formatGoSum([]), '');
  });
});
