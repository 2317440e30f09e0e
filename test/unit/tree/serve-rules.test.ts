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

/** The body of `location ~ "<regex>" { ... }` in the config (first match, as nginx takes it). */
function locationBody(conf: string, regex: string): string | undefined {
  const head = `location ~ "${regex}" {`;
  const at = conf.indexOf(head);
  if (at < 0) return undefined;
  const start = at + head.length;
  return conf.slice(start, conf.indexOf('}', start));
}

describe('serve rules', () => {
  const conf = renderNginxConfig(buildNginxViewModel({ root: '/srv/goproxy', standalone: true, listMaxAge: 120 }, '/'));

  for (const kind of SERVED_KINDS) {
    it(`${kind.name}: the nginx location has the same type, charset and Cache-Control`, () => {
      const body = locationBody(conf, kind.regex);
      assert.ok(body !== undefined, `no nginx location for ${kind.regex}`);
      assert.match(body, new RegExp(`default_type ${kind.type.replace('/', '\\/')};`));
      // charset_types is text/plain only; `charset off` turns it off for one location.
      assert.equal(kind.type === 'text/plain' && !/charset off;/.test(body), kind.charset, 'charset');
      assert.ok(body.includes(`add_header Cache-Control "${cacheControlOf(kind, 120)}";`), `${body}\nhas not Cache-Control ${cacheControlOf(kind, 120)}`);
    });
  }

  it('nginx has no location for a served kind that the table lacks', () => {
    // /vulndb/ and the catalog have partials of their own (templates/nginx/partials/
    // vulndb.hbs, catalog.hbs): .json.gz without Content-Encoding, HTML with a CSP.
    const typed = [...conf.matchAll(/location ~ "([^"]+)" \{\n\s+default_type/g)]
      .map((m) => m[1])
      .filter((r) => !r?.startsWith('^/vulndb/') && !r?.startsWith('^/_catalog/'));
    assert.deepEqual([...new Set(typed)].sort(), SERVED_KINDS.map((k) => k.regex).sort());
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
