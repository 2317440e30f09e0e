import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { GomirrorError } from '../../../src/errors.js';
import { buildClientConfig, quoteShellWord } from '../../../src/client-config/index.js';

function usage(message: string) {
  return (err: unknown): boolean => err instanceof GomirrorError && err.code === 'E_USAGE' && err.message === message;
}

describe('buildClientConfig', () => {
  test('the minimal setup: the mirror then off, and the default checksum database', () => {
    const c = buildClientConfig({ url: 'https://goproxy.example.com/' });
    assert.equal(c.command, 'go env -w GOPROXY=https://goproxy.example.com,off GOSUMDB=sum.golang.org');
    assert.equal(
      c.text,
      '# Point the go command at the mirror (once per user; CI can set the same variables):\n' +
        'go env -w GOPROXY=https://goproxy.example.com,off GOSUMDB=sum.golang.org\n' +
        '# Go toolchains that go.mod files ask for (GOTOOLCHAIN=auto) come from the mirror too, checked with\n' +
        '# the checksum database even with GOSUMDB=off: keep GOSUMDB on.\n' +
        '\n# Check for known vulnerabilities with the mirror\'s copy of the Go vulnerability database (sync --vulndb):\n' +
        'govulncheck -db https://goproxy.example.com/vulndb ./...\n',
    );
    assert.equal(c.govulncheck, 'govulncheck -db https://goproxy.example.com/vulndb ./...');
    assert.equal(c.netrc, undefined);
    assert.deepEqual(c.warnings, []);
  });

  test('govulncheck -db points at <mirror>/vulndb, under a path prefix too; vulndb: false leaves it out', () => {
    assert.equal(buildClientConfig({ url: 'https://m.example.com/go/' }).govulncheck, 'govulncheck -db https://m.example.com/go/vulndb ./...');
    const off = buildClientConfig({ url: 'https://m.example.com', vulndb: false });
    assert.equal(off.govulncheck, undefined);
    assert.doesNotMatch(off.text, /govulncheck/);
  });

  test('keeps a path prefix, drops the trailing slash', () => {
    const c = buildClientConfig({ url: 'https://mirror.example.com:8443/go/' });
    assert.deepEqual(c.goEnv[0], ['GOPROXY', 'https://mirror.example.com:8443/go,off']);
  });

  test('--private sets GOPRIVATE and GONOPROXY=none, quoted for the shell', () => {
    const c = buildClientConfig({
      url: 'https://goproxy.example.com',
      private: ['corp.example.com/*,*.internal.example.com', 'github.com/Corp/'],
      sumdb: 'off',
    });
    assert.deepEqual(c.goEnv, [
      ['GOPROXY', 'https://goproxy.example.com,off'],
      ['GOSUMDB', 'off'],
      ['GOPRIVATE', 'corp.example.com/*,*.internal.example.com,github.com/Corp'],
      ['GONOPROXY', 'none'],
    ]);
    assert.equal(
      c.command,
      "go env -w GOPROXY=https://goproxy.example.com,off GOSUMDB=off 'GOPRIVATE=corp.example.com/*,*.internal.example.com,github.com/Corp' GONOPROXY=none",
    );
  });

  test('GOSUMDB=off warns that toolchain downloads need the database anyway', () => {
    assert.deepEqual(buildClientConfig({ url: 'https://m.example.com' }).warnings, []);
    const [w] = buildClientConfig({ url: 'https://m.example.com', sumdb: 'off' }).warnings;
    assert.match(w ?? '', /^GOSUMDB=off: the go command still verifies Go toolchains/);
  });

  test('--sumdb accepts the GOSUMDB forms', () => {
    const key = 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8';
    for (const sumdb of ['off', 'sum.golang.org', key, `${key} https://sum.golang.google.cn`]) {
      assert.deepEqual(buildClientConfig({ url: 'https://m.example.com', sumdb }).goEnv[1], ['GOSUMDB', sumdb]);
    }
    assert.match(buildClientConfig({ url: 'https://m.example.com', sumdb: `${key} https://x` }).command, /'GOSUMDB=sum\.golang\.org\+[^']+ https:\/\/x'/);
  });

  test('--netrc-login adds the .netrc entry for the host', () => {
    const c = buildClientConfig({ url: 'https://goproxy.example.com:8443/go', netrcLogin: 'alice' });
    assert.equal(c.netrc, 'machine goproxy.example.com\nlogin alice\npassword YOUR-PASSWORD\n');
    assert.ok(c.text.endsWith(c.netrc));
    assert.match(c.text, /only over https/);
    assert.deepEqual(c.warnings, []);
  });

  test('warns that credentials are not sent over http', () => {
    const c = buildClientConfig({ url: 'http://goproxy.example.com', netrcLogin: 'alice' });
    assert.deepEqual(c.warnings, ['--netrc-login with an http:// URL: the go command sends .netrc credentials only over https']);
  });

  test('warns about variables the go command does not know, and about ones the environment overrides', () => {
    const c = buildClientConfig({
      url: 'https://goproxy.example.com',
      env: {
        GONOSUMCHECK: '1',
        GONOSUM: 'corp.example.com',
        GO_PROXY: 'x',
        GOPRIVATES: 'y',
        GOPROXY: 'https://proxy.golang.org',
        GONOSUMDB: 'fine',
        GOLANG_VERSION: '1.22',
        GOFLAGS: '-mod=mod',
        PATH: '/bin',
        UNSET: undefined,
      },
    });
    assert.deepEqual(c.warnings, [
      'GONOSUMCHECK is set in your environment, but the go command does not know it (did you mean GONOSUMDB?)',
      'GONOSUM is set in your environment, but the go command does not know it (did you mean GONOSUMDB?)',
      'GO_PROXY is set in your environment, but the go command does not know it (did you mean GOPROXY?)',
      'GOPRIVATES is set in your environment, but the go command does not know it (did you mean GOPRIVATE?)',
      'GOPROXY is set in your environment; it overrides what go env -w writes: unset it',
    ]);
  });

  test('--env adds known variables and leaves unknown ones out with a warning', () => {
    const c = buildClientConfig({
      url: 'https://goproxy.example.com',
      extraEnv: ['GOFLAGS=-mod=mod', 'GONOSUMCHECK=corp.example.com', 'GOINSECURE=', 'GONOSUMDB=corp.example.com/*'],
    });
    assert.deepEqual(c.goEnv.slice(2), [
      ['GOFLAGS', '-mod=mod'],
      ['GOINSECURE', ''],
      ['GONOSUMDB', 'corp.example.com/*'],
    ]);
    assert.deepEqual(c.warnings, ['--env: the go command does not know GONOSUMCHECK (did you mean GONOSUMDB?); it is left out']);
    assert.throws(() => buildClientConfig({ url: 'https://m.example.com', extraEnv: ['GOPROXY=direct'] }), usage('--env: GOPROXY is already set by --url, --sumdb or --private'));
    assert.throws(() => buildClientConfig({ url: 'https://m.example.com', extraEnv: ['GOFLAGS'] }), usage('--env: "GOFLAGS" is not NAME=VALUE'));
  });

  test('usage errors name the flag', () => {
    assert.throws(() => buildClientConfig({ url: 'goproxy.example.com' }), usage('--url: "goproxy.example.com" is not a URL'));
    assert.throws(() => buildClientConfig({ url: 'file:///srv/gomirror' }), usage('--url: "file:///srv/gomirror" must be an http:// or https:// URL'));
    assert.throws(() => buildClientConfig({ url: 'https://u:p@m.example.com' }), usage('--url: "https://u:p@m.example.com" must not hold credentials: use .netrc (--netrc-login)'));
    assert.throws(() => buildClientConfig({ url: 'https://m.example.com/?x=1' }), usage('--url: "https://m.example.com/?x=1" must not have a query or fragment'));
    assert.throws(() => buildClientConfig({ url: 'https://m.example.com/a,b' }), usage('--url: "https://m.example.com/a,b" must not contain "," or "|"'));
    assert.throws(() => buildClientConfig({ url: 'https://m.example.com', sumdb: 'sum golang' }), usage('--sumdb: "sum golang" is not a GOSUMDB value'));
    assert.throws(() => buildClientConfig({ url: 'https://m.example.com', private: ['corp.example.com/[a'] }), /--private: bad module path pattern/);
    assert.throws(() => buildClientConfig({ url: 'https://m.example.com', netrcLogin: 'a b' }), usage('--netrc-login: "a b" cannot be written to .netrc'));
  });
});

describe('quoteShellWord', () => {
  test('leaves safe words alone and single-quotes the rest', () => {
    assert.equal(quoteShellWord('GOPROXY=https://m.example.com:8443/go,off'), 'GOPROXY=https://m.example.com:8443/go,off');
    assert.equal(quoteShellWord('GOPRIVATE=*.corp'), "'GOPRIVATE=*.corp'");
    assert.equal(quoteShellWord("a'b"), "'a'\\''b'");
    assert.equal(quoteShellWord(''), "''");
  });
});
