import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseProxyList, redactUrl } from '../../../src/upstream/proxy-list.js';

describe('parseProxyList', () => {
  const cases: [string, unknown][] = [
    ['https://proxy.golang.org', [{ kind: 'url', url: 'https://proxy.golang.org', fallBackOnAnyError: false }]],
    [
      'https://a.example/,https://b.example|https://c.example',
      [
        { kind: 'url', url: 'https://a.example', fallBackOnAnyError: false },
        { kind: 'url', url: 'https://b.example', fallBackOnAnyError: true },
        { kind: 'url', url: 'https://c.example', fallBackOnAnyError: false },
      ],
    ],
    ['proxy.corp:8080/go', [{ kind: 'url', url: 'https://proxy.corp:8080/go', fallBackOnAnyError: false }]],
    [' http://127.0.0.1:3000 , off, https://ignored', [{ kind: 'url', url: 'http://127.0.0.1:3000', fallBackOnAnyError: false }, { kind: 'off' }]],
    ['https://proxy.golang.org,direct,https://ignored', [{ kind: 'url', url: 'https://proxy.golang.org', fallBackOnAnyError: false }, { kind: 'direct' }]],
    ['file:///srv/goproxy', [{ kind: 'url', url: 'file:///srv/goproxy', fallBackOnAnyError: false }]],
    ['off', [{ kind: 'off' }]],
  ];
  for (const [spec, want] of cases) {
    it(`parses ${JSON.stringify(spec)}`, () => assert.deepEqual(parseProxyList(spec), want));
  }

  const bad: [string, RegExp][] = [
    [',', /names no proxy/],
    ['foo', /missing scheme/],
    ['ftp://x.example', /unsupported scheme/],
    ['https://user:secret@proxy.corp', /carries credentials/],
    ['file://host/dir', /file:\/\/\/absolute/],
  ];
  for (const [spec, re] of bad) {
    it(`rejects ${JSON.stringify(spec)}`, () => {
      assert.throws(
        () => parseProxyList(spec, '--upstream'),
        (err: Error & { code?: string }) => err.code === 'E_UPSTREAM_SPEC' && re.test(err.message) && err.message.startsWith('--upstream: '),
      );
    });
  }

  it('never repeats a password in its message', () => {
    assert.throws(() => parseProxyList('https://user:secret@proxy.corp'), (err: Error) => !err.message.includes('secret'));
  });

  it('redacts credentials from URLs', () => {
    assert.equal(redactUrl('https://bob:pw@x.example/a'), 'https://***@x.example/a');
    assert.equal(redactUrl('https://x.example/a'), 'https://x.example/a');
  });
});
