/**
 * Rendered configs, read back with a small parser: which location each kind
 * of GOPROXY URI lands in, and what that location sends. nginx -t and real
 * requests are in test/e2e/nginx.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { effective, findBlock, findLocation, locations, parseNginxConf, routeUri, values, type Directive } from './nginx-conf.js';
import type { NginxOptions } from '../../../src/nginx/options.js';
import { quoteNginxString, renderNginxConfig } from '../../../src/nginx/render.js';
import { buildNginxViewModel } from '../../../src/nginx/view-model.js';

const IMMUTABLE = 'Cache-Control public, max-age=31536000, immutable';
const mutable = (s: number): string => `Cache-Control public, max-age=${s}`;
const UTF8 = 'text/plain; charset=utf-8';

function render(options: Partial<NginxOptions>): { text: string; tree: Directive[]; server: Directive[] } {
  const text = renderNginxConfig(buildNginxViewModel({ root: '/srv/gomirror', ...options }, '/etc/gomirror'));
  const tree = parseNginxConf(text);
  const server = options.standalone ? findBlock(tree, 'http', 'server') : findBlock(tree, 'server');
  return { text, tree, server };
}

/** What a request for `uri` gets: content type, Cache-Control, how the file is found, and basic auth. */
function route(server: Directive[], uri: string) {
  const chain = routeUri(server, uri);
  const headers = effective(chain, 'add_header');
  // The charset module adds "; charset=..." to the types in charset_types.
  const type = effective(chain, 'default_type', server)[0];
  const charset = effective(chain, 'charset', server)[0];
  const charsetTypes = effective(chain, 'charset_types', server)[0]?.split(' ') ?? [];
  return {
    type: charset && charset !== 'off' && charsetTypes.includes(type ?? '') ? `${type}; charset=${charset}` : type,
    cache: headers.find((h) => h.startsWith('Cache-Control')),
    tryFiles: effective(chain, 'try_files')[0],
    ret: effective(chain, 'return')[0],
    auth: effective(chain, 'auth_basic_user_file')[0],
    autoindex: effective(chain, 'autoindex', server)[0],
  };
}

// Every file kind of the tree layout (cli.md), as the go command asks for it after decoding.
const KINDS: [uri: string, type: string, cache: string][] = [
  ['/golang.org/x/text/@v/list', UTF8, mutable(300)],
  ['/example.com/pseudoonly/@latest', 'application/json', mutable(300)],
  ['/github.com/!burnt!sushi/toml/@v/v1.0.0-!r!c1.info', 'application/json', IMMUTABLE],
  ['/github.com/!azure/go-autorest/@v/v14.2.0+incompatible.mod', UTF8, IMMUTABLE],
  ['/github.com/!azure/go-autorest/@v/v14.2.0+incompatible.zip', 'application/zip', IMMUTABLE],
  ['/sumdb/sum.golang.org/supported', UTF8, mutable(300)],
  ['/sumdb/sum.golang.org/latest', UTF8, mutable(300)],
  ['/sumdb/sum.golang.org/lookup/github.com/!burnt!sushi/toml@v1.0.0', UTF8, IMMUTABLE],
  ['/sumdb/sum.golang.org/tile/8/0/x001/234', 'text/plain', IMMUTABLE],
  ['/sumdb/sum.golang.org/tile/8/1/018.p/214', 'text/plain', mutable(300)],
  ['/sumdb/sum.golang.org/tile/8/data/000', UTF8, IMMUTABLE],
  ['/sumdb/sum.golang.org/tile/8/data/x004/822.p/168', UTF8, mutable(300)],
];

// Never served: state, dotfiles, temporary files, directories and unknown files.
const HIDDEN = [
  '/.gomirror/sums.json',
  '/.gomirror/',
  '/golang.org/.hidden',
  '/golang.org/x/text/@v/list.tmp-1234-0a1b2c',
  '/golang.org/x/text/@v/v0.3.0.zip.tmp-99-ffff',
  '/sumdb/sum.golang.org/latest.tmp-1-abc',
  '/golang.org/x/text/@v/',
  '/golang.org/x/text',
  '/robots.txt',
  '/_catalog/',
  '/_catalog/m/',
  '/_catalog/.x.html',
  '/_catalog/m/a.com/@index.html.tmp-12-abc',
  '/golang.org/x/text/@v/v0.3.0.ziphash',
  '/sumdb/sum.golang.org/',
  '/sumdb/sum.golang.org/tile/8/0/1234',
];

describe('renderNginxConfig', () => {
  for (const standalone of [false, true]) {
    const variant = standalone ? 'standalone' : 'server block';
    const { text, server } = render({ standalone });

    test(`${variant}: every file kind gets its content type and caching, via try_files`, () => {
      for (const [uri, type, cache] of KINDS) {
        const r = route(server, uri);
        assert.deepEqual([r.type, r.cache, r.tryFiles, r.auth], [type, cache, '$uri =404', undefined], uri);
      }
    });

    test(`${variant}: the catalog's pages, script, style, search index and feed, with a short cache and a strict CSP`, () => {
      const catalog: [uri: string, type: string, tryFiles: string][] = [
        ['/', 'text/html', '/index.html =404'],
        ['/index.html', 'text/html', '$uri =404'],
        ['/_catalog/health.html', 'text/html', '$uri =404'],
        ['/_catalog/m/github.com/!burnt!sushi/toml/@index.html', 'text/html', '$uri =404'],
        ['/_catalog/style.css', 'text/css', '$uri =404'],
        ['/_catalog/catalog.js', 'text/javascript', '$uri =404'],
        ['/_catalog/modules.json', 'application/json', '$uri =404'],
        ['/_catalog/index.jsonl', UTF8, '$uri =404'],
      ];
      for (const [uri, type, tryFiles] of catalog) {
        const r = route(server, uri);
        assert.deepEqual([r.type, r.cache, r.tryFiles, r.auth], [type, 'Cache-Control public, max-age=60', tryFiles, undefined], uri);
        const csp = effective(routeUri(server, uri), 'add_header').find((h) => h.startsWith('Content-Security-Policy'));
        assert.match(csp ?? '', /default-src 'none'; script-src 'self';/, uri);
      }
    });

    test(`${variant}: state, dotfiles, temporary files, directories and unknown files answer 404`, () => {
      for (const uri of HIDDEN) {
        const r = route(server, uri);
        assert.equal(r.ret, '404', uri);
        assert.equal(r.tryFiles, undefined, uri);
      }
    });

    test(`${variant}: 403 and 404 become a plain-text 404, other methods 405 with Allow`, () => {
      assert.deepEqual(values(server, 'error_page'), ['403 404 =404 @gomirror_not_found', '405 @gomirror_method_not_allowed']);
      const notFound = findLocation(server, '@gomirror_not_found');
      assert.deepEqual(values(notFound, 'return'), ['404 not found on this module mirror\\n']);
      assert.deepEqual(values(notFound, 'default_type'), ['text/plain']);
      assert.deepEqual(values(findLocation(server, '@gomirror_method_not_allowed'), 'add_header'), ['Allow GET, HEAD always']);
      const methodCheck = server.find((d) => d.name === 'if');
      assert.deepEqual(methodCheck?.args, ['($request_method', '!~', '^(?:GET|HEAD)$)']);
      assert.deepEqual(methodCheck?.block, [{ name: 'return', args: ['405'] }]);
    });

    test(`${variant}: server-wide settings`, () => {
      assert.deepEqual(values(server, 'root'), ['/srv/gomirror']);
      assert.deepEqual(values(server, 'server_name'), ['_']);
      for (const [name, value] of [
        ['server_tokens', 'off'],
        ['sendfile', 'on'],
        ['tcp_nopush', 'on'],
        ['etag', 'on'],
        ['gzip', 'on'],
        ['gzip_types', 'text/plain application/json text/css text/javascript'],
        ['autoindex', 'off'],
        ['charset', 'utf-8'],
        ['charset_types', 'text/plain'],
        ['default_type', 'application/octet-stream'],
      ]) {
        assert.deepEqual(values(server, name as string), [value], name);
      }
      // An empty types { } so that no mime.types file decides a content type.
      assert.deepEqual(server.find((d) => d.name === 'types')?.block, []);
      assert.doesNotMatch(text, /\{\{|\}\}/);
      assert.doesNotMatch(text, /[ \t]$/m);
    });
  }

  test('server block: log_format beside the server, default ports and log', () => {
    const { tree, server } = render({});
    assert.deepEqual(tree.map((d) => d.name), ['log_format', 'server']);
    assert.equal(tree[0]?.args[0], 'gomirror_default_80');
    assert.match(tree[0]?.args.slice(2).join('') ?? '', /"status":\$status,.*"request_time":\$request_time/);
    assert.deepEqual(values(server, 'listen'), ['80']);
    assert.deepEqual(values(server, 'access_log'), ['/var/log/nginx/gomirror.access.log gomirror_default_80']);
  });

  test('standalone: pid, logs and temporary files are relative to the -p prefix', () => {
    const { tree, server } = render({ standalone: true });
    assert.deepEqual(tree.map((d) => d.name), ['worker_processes', 'pid', 'error_log', 'events', 'http']);
    assert.deepEqual(values(tree, 'pid'), ['nginx.pid']);
    assert.deepEqual(values(tree, 'error_log'), ['error.log warn']);
    const http = findBlock(tree, 'http');
    for (const name of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
      assert.deepEqual(values(http, `${name}_temp_path`), [`${name}_temp`]);
    }
    assert.deepEqual(values(http, 'log_format').map((v) => v.split(' ')[0]), ['gomirror']);
    assert.deepEqual(values(server, 'listen'), ['8080']);
    assert.deepEqual(values(server, 'access_log'), ['access.log gomirror']);
    assert.equal(tree.some((d) => d.name === 'user'), false);
  });

  test('--tls-cert/--tls-key add an HTTPS listener with TLS 1.2+ only', () => {
    const { server } = render({ tlsCert: 'tls/cert.pem', tlsKey: 'tls/key.pem', listen: '127.0.0.1:8080', tlsListen: '127.0.0.1:8443' });
    assert.deepEqual(values(server, 'listen'), ['127.0.0.1:8080', '127.0.0.1:8443 ssl http2']);
    assert.deepEqual(values(server, 'ssl_certificate'), ['/etc/gomirror/tls/cert.pem']);
    assert.deepEqual(values(server, 'ssl_certificate_key'), ['/etc/gomirror/tls/key.pem']);
    assert.deepEqual(values(server, 'ssl_protocols'), ['TLSv1.2 TLSv1.3']);
    // Forward secrecy and AEAD only (TLS 1.3 suites are not configured by ssl_ciphers).
    for (const cipher of (values(server, 'ssl_ciphers')[0] ?? '').split(':')) {
      assert.match(cipher, /^ECDHE-(?:ECDSA|RSA)-(?:AES(?:128-GCM-SHA256|256-GCM-SHA384)|CHACHA20-POLY1305)$/);
    }
    assert.deepEqual(values(server, 'ssl_session_tickets'), ['off']);
  });

  test('vulndb: .json as application/json, .json.gz as application/gzip, gzip off, index cached briefly, entries longer', () => {
    // A pattern that matches every module must not put the database behind basic auth: govulncheck sends none.
    const { server } = render({ listMaxAge: '2m', auth: ['*=/h'] });
    const cases: [uri: string, type: string, cache: string][] = [
      ['/vulndb/index/db.json', 'application/json', mutable(120)],
      ['/vulndb/index/modules.json.gz', 'application/gzip', mutable(120)],
      ['/vulndb/index/vulns.json', 'application/json', mutable(120)],
      ['/vulndb/ID/GO-2024-0001.json', 'application/json', mutable(3600)],
      ['/vulndb/ID/GO-2024-0001.json.gz', 'application/gzip', mutable(3600)],
    ];
    for (const [uri, type, cache] of cases) {
      const r = route(server, uri);
      assert.deepEqual([r.type, r.cache, r.tryFiles, r.auth], [type, cache, '$uri =404', undefined], uri);
      assert.deepEqual(effective(routeUri(server, uri), 'gzip', server), ['off'], uri);
    }
    for (const uri of ['/vulndb/', '/vulndb/index/other.json', '/vulndb/ID/.x.json', '/vulndb/ID/GO-1.json.tmp-1-ab', '/vulndb/index.json']) {
      assert.equal(route(server, uri).ret, '404', uri);
    }
  });

  test('without TLS there is no ssl directive', () => {
    assert.equal(render({}).server.some((d) => d.name.startsWith('ssl_')), false);
  });

  test('--auth protects the matching modules, with the same file kinds, and leaves /sumdb/ open', () => {
    const { server } = render({ auth: ['corp.example.com/*,s*/*=corp.htpasswd', 'github.com/Secret=/etc/nginx/s.htpasswd'] });
    assert.deepEqual(
      locations(server).filter((l) => l.startsWith('~*')),
      [
        '~* \\.tmp-[0-9]+-[^/.]+$',
        '~* ^/_catalog/m/corp\\.example\\.com/(?:[-.0-9_a-z~]|![a-z])*/',
        '~* ^/_catalog/m/s(?:[-.0-9_a-z~]|![a-z])*/(?:[-.0-9_a-z~]|![a-z])*/',
        '~* ^/_catalog/m/github\\.com/!secret/',
        '~* ^/corp\\.example\\.com/(?:[-.0-9_a-z~]|![a-z])*/',
        '~* ^/s(?:[-.0-9_a-z~]|![a-z])*/(?:[-.0-9_a-z~]|![a-z])*/',
        '~* ^/github\\.com/!secret/',
      ],
    );
    const corp = '/etc/gomirror/corp.htpasswd';
    for (const [uri, type, cache] of KINDS) {
      const protectedFile = !uri.startsWith('/sumdb/');
      const corpUri = protectedFile ? uri.replace(/^.*(?=\/@)/, '/corp.example.com/!svc') : uri;
      const r = route(server, corpUri);
      assert.deepEqual([r.type, r.cache, r.tryFiles, r.auth], [type, cache, '$uri =404', protectedFile ? corp : undefined], corpUri);
    }
    assert.equal(route(server, '/github.com/!secret/x/@v/list').auth, '/etc/nginx/s.htpasswd');
    assert.equal(route(server, '/github.com/secret/x/@v/list').auth, undefined);
    // A client that asks for a module path prefix of a protected module is answered like for any missing module.
    assert.equal(route(server, '/corp.example.com/@v/list').auth, undefined);
    assert.equal(route(server, '/corp.example.com/svc/.git/config').ret, '404');
    // Their catalog pages too; other pages stay open.
    assert.equal(route(server, '/_catalog/m/corp.example.com/svc/@index.html').auth, corp);
    assert.equal(route(server, '/_catalog/m/corp.example.com/svc/@index.html').type, 'text/html');
    assert.equal(route(server, '/_catalog/m/github.com/secret/x/@index.html').auth, undefined);
    assert.equal(route(server, '/_catalog/m/github.com/!secret/x/@index.html').auth, '/etc/nginx/s.htpasswd');
    const realm = server.find((d) => d.name === 'location' && d.args[0] === '~*' && d.args[1]?.includes('corp'));
    assert.deepEqual(values(realm?.block ?? [], 'auth_basic'), ['gomirror']);
  });

  test('--autoindex lists directories (URLs ending in /) and nothing else changes', () => {
    const { server } = render({ autoindex: true, auth: ['corp.example.com/*=/h'] });
    for (const uri of ['/golang.org/x/text/@v/', '/sumdb/', '/sumdb/sum.golang.org/tile/8/']) {
      assert.equal(route(server, uri).autoindex, 'on', uri);
    }
    // The catalog's front page is the root's page.
    assert.equal(route(server, '/').tryFiles, '/index.html =404');
    assert.deepEqual(
      [route(server, '/corp.example.com/svc/@v/').autoindex, route(server, '/corp.example.com/svc/@v/').auth],
      ['on', '/h'],
    );
    for (const uri of ['/.gomirror/', '/golang.org/x/text', '/golang.org/x/text/@v/list.tmp-1-ab']) {
      assert.equal(route(server, uri).ret, '404', uri);
    }
    for (const [uri, type, cache] of KINDS) assert.deepEqual([route(server, uri).type, route(server, uri).cache], [type, cache]);
  });

  test('--list-max-age changes only the mutable files', () => {
    const { server } = render({ listMaxAge: '1m' });
    for (const [uri, , cache] of KINDS) {
      assert.equal(route(server, uri).cache, cache === IMMUTABLE ? IMMUTABLE : mutable(60), uri);
    }
  });

  test('--server-name, --listen and --access-log off', () => {
    const { tree, server } = render({ serverNames: ['goproxy.example.com'], listen: '[::]:8081', accessLog: 'off' });
    assert.deepEqual(values(server, 'server_name'), ['goproxy.example.com']);
    assert.deepEqual(values(server, 'listen'), ['[::]:8081']);
    assert.deepEqual(values(server, 'access_log'), ['off']);
    assert.equal(tree[0]?.args[0], 'gomirror_goproxy_example_com_8081');
  });
});

describe('quoteNginxString', () => {
  test('quotes plain values and refuses what could break out of the string', () => {
    assert.equal(quoteNginxString('/srv/go mirror'), '"/srv/go mirror"');
    assert.equal(quoteNginxString('^/a\\.b/'), '"^/a\\.b/"');
    for (const bad of ['a"b', 'a$b', 'a\nb', 'a\\"']) assert.throws(() => quoteNginxString(bad), /E_INTERNAL|refusing/);
  });
});
