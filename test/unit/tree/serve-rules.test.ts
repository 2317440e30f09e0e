/**
 * The serve-rules table against the nginx config gomirror emits: each row's
 * regex is a location there, with the same default_type, charset and cache
 * header. The S3 publisher reads the table, so this keeps S3 and nginx from
 * drifting apart. Plus which tree paths get which kind.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { buildNginxViewModel, renderNginxConfig } from '../../../src/nginx/index.js';
import { cacheControlOf, contentTypeOf, SERVED_KINDS, servedKind } from '../../../src/tree/serve-rules.js';

/**
 * The body of `location ~ "<regex>" { ... }` in the config (first match, as
 * nginx takes it); the catalog's home page is the exact `location = /index.html`.
 */
function locationBody(conf: string, regex: string): string | undefined {
  const head = regex === '^/index\\.html$' ? 'location = /index.html {' : `location ~ "${regex}" {`;
  const at = conf.indexOf(head);
  if (at < 0) return undefined;
  const start = at + head.length;
  return conf.slice(start, conf.indexOf('}', start));
}

describe('serve rules', () => {
  // A short and a long list max-age: vulndb entries keep their hour under the one and follow the other.
  for (const listMaxAge of [120, 7200]) {
    const conf = renderNginxConfig(buildNginxViewModel({ root: '/srv/goproxy', standalone: true, listMaxAge }, '/'));

    for (const kind of SERVED_KINDS) {
      it(`${kind.name} (--list-max-age ${listMaxAge}): the nginx location has the same type, charset and Cache-Control`, () => {
        const body = locationBody(conf, kind.regex);
        assert.ok(body !== undefined, `no nginx location for ${kind.regex}`);
        assert.match(body, new RegExp(`default_type ${kind.type.replace('/', '\\/')};`));
        // text/html always gets a charset, text/plain through charset_types; `charset off` turns it off for one location.
        assert.equal((kind.type === 'text/html' || kind.type === 'text/plain') && !/charset off;/.test(body), kind.charset, 'charset');
        const cache = cacheControlOf(kind, listMaxAge);
        assert.ok(body.includes(`add_header Cache-Control "${cache}";`), `${body}\nhas not Cache-Control ${cache}`);
        assert.equal([...body.matchAll(/Cache-Control/g)].length, 1, 'one Cache-Control header');
        // A .json.gz goes out as the gzip file it is: nginx must not gzip it again or label it Content-Encoding.
        if (kind.type === 'application/gzip') assert.match(body, /gzip off;/);
        assert.doesNotMatch(body, /Content-Encoding|gzip_static/);
      });
    }

    it(`nginx (--list-max-age ${listMaxAge}) has no typed location that the table lacks, in the table's order`, () => {
      // Every location that names a default_type serves a kind of tree file; the
      // catalog pages of --auth modules (location ~*) repeat catalog-page with auth.
      const typed = [...conf.matchAll(/location (?:~ "([^"]+)"|= (\/index\.html)) \{\n\s+default_type/g)].map((m) =>
        m[2] !== undefined ? '^/index\\.html$' : (m[1] as string),
      );
      assert.deepEqual(typed, SERVED_KINDS.map((k) => k.regex));
    });
  }

  it('vulndb entries: an hour, or the list max-age when longer; catalog: 60 s whatever it is', () => {
    const entry = servedKind('vulndb/ID/GO-2024-0001.json.gz');
    const page = servedKind('_catalog/example.com/a.html');
    assert.ok(entry && page);
    assert.equal(cacheControlOf(entry, 120), 'public, max-age=3600');
    assert.equal(cacheControlOf(entry, 7200), 'public, max-age=7200');
    assert.equal(cacheControlOf(page, 120), 'public, max-age=60');
    assert.equal(cacheControlOf(page, 7200), 'public, max-age=60');
  });

  const cases: [string, string | undefined, string?, string?][] = [
    ['example.com/a/@v/v1.0.0.zip', 'zip', 'application/zip', 'public, max-age=31536000, immutable'],
    ['example.com/a/@v/v1.0.0.info', 'info', 'application/json', 'public, max-age=31536000, immutable'],
    ['example.com/a/@v/v2.0.0+incompatible.mod', 'mod', 'text/plain; charset=utf-8', 'public, max-age=31536000, immutable'],
    ['example.com/!burnt!sushi/toml/@v/list', 'list', 'text/plain; charset=utf-8', 'public, max-age=300'],
    ['example.com/a/@latest', 'latest', 'application/json', 'public, max-age=300'],
    ['sumdb/sum.golang.org/supported', 'sumdb-index', 'text/plain; charset=utf-8', 'public, max-age=300'],
    ['sumdb/sum.golang.org/latest', 'sumdb-index', 'text/plain; charset=utf-8', 'public, max-age=300'],
    ['sumdb/sum.golang.org/lookup/example.com/a@v1.0.0', 'sumdb-lookup', 'text/plain; charset=utf-8', 'public, max-age=31536000, immutable'],
    ['sumdb/sum.golang.org/tile/8/0/x001/234', 'sumdb-tile', 'text/plain', 'public, max-age=31536000, immutable'],
    ['sumdb/sum.golang.org/tile/8/1/005.p/7', 'sumdb-tile-partial', 'text/plain', 'public, max-age=300'],
    ['sumdb/sum.golang.org/tile/8/data/002', 'sumdb-data', 'text/plain; charset=utf-8', 'public, max-age=31536000, immutable'],
    ['sumdb/sum.golang.org/tile/8/data/002.p/9', 'sumdb-data-partial', 'text/plain; charset=utf-8', 'public, max-age=300'],
    ['vulndb/index/db.json', 'vulndb-index', 'application/json', 'public, max-age=300'],
    ['vulndb/index/modules.json.gz', 'vulndb-index-gz', 'application/gzip', 'public, max-age=300'],
    ['vulndb/index/vulns.json.gz', 'vulndb-index-gz', 'application/gzip', 'public, max-age=300'],
    ['vulndb/ID/GO-2024-0001.json', 'vulndb-entry', 'application/json', 'public, max-age=3600'],
    ['vulndb/ID/GO-2024-0001.json.gz', 'vulndb-entry-gz', 'application/gzip', 'public, max-age=3600'],
    ['index.html', 'catalog-home', 'text/html; charset=utf-8', 'public, max-age=60'],
    ['_catalog/example.com/!burnt!sushi/toml.html', 'catalog-page', 'text/html; charset=utf-8', 'public, max-age=60'],
    ['_catalog/style.css', 'catalog-css', 'text/css', 'public, max-age=60'],
    ['_catalog/catalog.js', 'catalog-js', 'text/javascript', 'public, max-age=60'],
    ['_catalog/search.json', 'catalog-json', 'application/json', 'public, max-age=60'],
    ['_catalog/index.jsonl', 'catalog-feed', 'text/plain; charset=utf-8', 'public, max-age=60'],
    ['vulndb/index/other.json', undefined],
    ['vulndb/ID/sub/GO-1.json', undefined],
    ['vulndb/example.com/a/@v/list', undefined],
    ['_catalog/x/@v/list', undefined],
    ['_catalog/sub/style.css', undefined],
    ['sumdb/sum.golang.org/x/@latest', undefined],
    ['other.html', undefined],
    ['.gomirror/go.sum', undefined],
    ['.gomirror/lock', undefined],
    ['example.com/a/@v/v1.0.0.zip.tmp-4242-abc123', undefined],
    ['example.com/.hidden/@v/list', undefined],
    ['sumdb/sum.golang.org/other', undefined],
    ['README', undefined],
    ['example.com/a/@v/v1.0.0.txt', undefined],
  ];
  for (const [rel, name, type, cache] of cases) {
    it(`${rel} → ${name ?? 'not served'}`, () => {
      const kind = servedKind(rel);
      assert.equal(kind?.name, name);
      if (kind) {
        assert.equal(contentTypeOf(kind), type);
        assert.equal(cacheControlOf(kind), cache);
      }
    });
  }
});
