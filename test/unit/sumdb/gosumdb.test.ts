import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { GomirrorError } from '../../../src/errors.js';
import { hex8, parseGosumdb, type SumdbSpec } from '../../../src/sumdb/index.js';

const GO_KEY = 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8';
const PETER = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';

const summary = (s: SumdbSpec | null): unknown => s && { name: s.name, hash: hex8(s.verifier.hash), direct: s.directUrl, url: s.url };

describe('GOSUMDB values (modfetch.dbDial)', () => {
  it('reads off, known names, keys and key plus URL', () => {
    assert.equal(parseGosumdb('off'), null);
    assert.deepEqual(summary(parseGosumdb('sum.golang.org')), { name: 'sum.golang.org', hash: '033de0ae', direct: 'https://sum.golang.org', url: undefined });
    assert.deepEqual(summary(parseGosumdb(GO_KEY)), summary(parseGosumdb('sum.golang.org')));
    assert.deepEqual(summary(parseGosumdb('sum.golang.google.cn')), {
      name: 'sum.golang.org',
      hash: '033de0ae',
      direct: 'https://sum.golang.org',
      url: 'https://sum.golang.google.cn',
    });
    assert.deepEqual(summary(parseGosumdb(`sum.golang.org  http://127.0.0.1:8080/db/ `)), {
      name: 'sum.golang.org',
      hash: '033de0ae',
      direct: 'https://sum.golang.org',
      url: 'http://127.0.0.1:8080/db',
    });
    assert.deepEqual(summary(parseGosumdb(`${PETER} file:///srv/mirror/sumdb/PeterNeumann`))?.valueOf(), {
      name: 'PeterNeumann',
      hash: 'c74f20a3',
      direct: 'https://PeterNeumann',
      url: 'file:///srv/mirror/sumdb/PeterNeumann',
    });
  });

  it('rejects what the go command rejects, naming where the value came from', () => {
    const bad = (value: string, re: RegExp): void =>
      assert.throws(
        () => parseGosumdb(value, 'manifest sumdb'),
        (e: unknown) => e instanceof GomirrorError && e.code === 'E_SUMDB_SPEC' && e.kind === 'input' && re.test(e.message),
        value,
      );
    bad('', /manifest sumdb: missing checksum database/);
    bad('sum.example.com', /invalid GOSUMDB "sum.example.com": malformed verifier key/);
    bad(`${GO_KEY} https://a https://b`, /too many fields/);
    bad('sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn9', /invalid GOSUMDB/);
    bad(`${GO_KEY} ftp://mirror/`, /unsupported scheme/);
    bad(`${GO_KEY} https://user:pw@mirror/`, /carries credentials/);
    bad(`${GO_KEY} not a url`, /too many fields/);
  });
});
