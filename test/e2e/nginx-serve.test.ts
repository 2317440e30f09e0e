/**
 * The standalone config on a real nginx, checked with curl: content type and
 * caching of every file kind, conditional requests and gzip, 404 (never 403)
 * for everything absent or hidden, GET/HEAD only, basic auth on protected
 * modules with /sumdb/ open, and the JSON access log.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { CORP_USER, NEVER_SERVED, SUMDB_FILES, UNREADABLE, serveMirror, type ServedMirror } from './nginx-mirror.js';
import { curl, type CurlResponse } from './nginx-support.js';

let m: ServedMirror;
before(async () => {
  m = await serveMirror();
});
after(async () => {
  await m?.close();
});

const IMMUTABLE = 'public, max-age=31536000, immutable';
const MUTABLE = 'public, max-age=120';
const UTF8 = 'text/plain; charset=utf-8';

/** The go command's request path for a tree file: `!` percent-encoded. */
const wire = (file: string): string => '/' + file.replace(/!/g, '%21');

async function get(file: string, opts: Parameters<typeof curl>[1] = {}): Promise<CurlResponse> {
  return curl(m.http + wire(file), opts);
}

const describeResponse = (file: string, r: CurlResponse): string =>
  `${file}: ${r.status} ${JSON.stringify(r.headers)}\n${r.body.subarray(0, 300).toString()}`;

describe('nginx serving a mirror tree', () => {
  const kinds: [file: string, type: string, cache: string][] = [
    ['example.com/alpha/@v/list', UTF8, MUTABLE],
    ['example.com/!burnt!sushi/toml/@v/v1.0.0-!r!c1.info', 'application/json', IMMUTABLE],
    ['example.com/!burnt!sushi/toml/@v/v1.0.0-!r!c1.mod', UTF8, IMMUTABLE],
    ['example.com/legacy/@v/v2.1.0+incompatible.mod', UTF8, IMMUTABLE],
    ['example.com/legacy/@v/v2.1.0+incompatible.zip', 'application/zip', IMMUTABLE],
    ['example.com/pseudoonly/@latest', 'application/json', MUTABLE],
    ['sumdb/sum.golang.org/supported', UTF8, MUTABLE],
    ['sumdb/sum.golang.org/latest', UTF8, MUTABLE],
    ['sumdb/sum.golang.org/lookup/example.com/!burnt!sushi/toml@v1.0.0', UTF8, IMMUTABLE],
    ['sumdb/sum.golang.org/tile/8/0/x004/821', 'text/plain', IMMUTABLE],
    ['sumdb/sum.golang.org/tile/8/0/x004/822.p/168', 'text/plain', MUTABLE],
    ['sumdb/sum.golang.org/tile/8/data/000', UTF8, IMMUTABLE],
    ['sumdb/sum.golang.org/tile/8/data/001.p/3', UTF8, MUTABLE],
  ];

  test('every file kind: its bytes, content type, caching, ETag and Last-Modified', async () => {
    for (const [file, type, cache] of kinds) {
      const r = await get(file);
      const why = describeResponse(file, r);
      assert.equal(r.status, 200, why);
      assert.equal(r.headers['content-type'], type, why);
      assert.equal(r.headers['cache-control'], cache, why);
      assert.equal(r.headers['x-content-type-options'], 'nosniff', why);
      assert.match(r.headers.etag ?? '', /^"[0-9a-f]+-[0-9a-f]+"$/, why);
      assert.ok(!Number.isNaN(Date.parse(r.headers['last-modified'] ?? '')), why);
      // Module files must equal the upstream's bytes; the (fake) sumdb files exist only in the tree.
      const truth = file.startsWith('sumdb/') ? m.tree : m.upstream.dir;
      assert.deepEqual(r.body, await readFile(path.join(truth, file)), why);
    }
  });

  test('"+" stays literal and "%2B" means the same file', async () => {
    const plus = await curl(`${m.http}/example.com/legacy/@v/v2.1.0%2Bincompatible.zip`);
    assert.equal(plus.status, 200);
    assert.deepEqual(plus.body, await readFile(path.join(m.upstream.dir, 'example.com/legacy/@v/v2.1.0+incompatible.zip')));
  });

  test('conditional requests answer 304', async () => {
    const first = await get('example.com/alpha/@v/v1.0.0.zip');
    const byEtag = await get('example.com/alpha/@v/v1.0.0.zip', { headers: { 'If-None-Match': first.headers.etag ?? '' } });
    assert.equal(byEtag.status, 304);
    assert.equal(byEtag.headers['cache-control'], IMMUTABLE);
    const list = await get('example.com/alpha/@v/list');
    const byDate = await get('example.com/alpha/@v/list', { headers: { 'If-Modified-Since': list.headers['last-modified'] ?? '' } });
    assert.equal(byDate.status, 304);
  });

  test('gzip for text and JSON, not for zips or hash tiles', async () => {
    const gz = { headers: { 'Accept-Encoding': 'gzip' } };
    const data = await get('sumdb/sum.golang.org/tile/8/data/000', gz);
    assert.equal(data.headers['content-encoding'], 'gzip');
    assert.equal(data.headers.vary, 'Accept-Encoding');
    assert.ok(data.body.length < Buffer.byteLength(SUMDB_FILES['sumdb/sum.golang.org/tile/8/data/000'] as string));
    assert.equal((await get('sumdb/sum.golang.org/tile/8/0/x004/821', gz)).headers['content-encoding'], undefined);
    assert.equal((await get('example.com/alpha/@v/v1.0.0.zip', gz)).headers['content-encoding'], undefined);
  });

  test('/ is the catalog the sync wrote, as HTML', async () => {
    const r = await get('');
    assert.equal(r.status, 200, describeResponse('/', r));
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(r.body.toString(), /<h1>Go module mirror<\/h1>/);
  });

  test('absent, hidden, temporary, unreadable files and directories: 404 with a plain-text body', async () => {
    const files = [
      'example.com/nosuch/@v/list',
      'example.com/@v/list',
      'example.com/alpha/@v/v9.9.9.info',
      'example.com/alpha/@latest',
      'sumdb/sum.golang.org/lookup/example.com/nosuch@v1.0.0',
      ...Object.keys(NEVER_SERVED),
      UNREADABLE,
      '.gomirror/',
      'example.com/alpha/@v/',
      'example.com/alpha',
      'sumdb/',
      '_catalog/',
      '_catalog/m/',
      '_catalog/nosuch.html',
    ];
    for (const file of files) {
      const r = await get(file);
      assert.equal(r.status, 404, describeResponse(file, r));
      assert.equal(r.headers['content-type'], UTF8, file);
      assert.equal(r.body.toString(), 'not found on this module mirror\n', file);
      assert.equal(r.headers['cache-control'], undefined, file);
    }
  });

  test('GET and HEAD only', async () => {
    const head = await get('example.com/alpha/@v/list', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], String((await readFile(path.join(m.upstream.dir, 'example.com/alpha/@v/list'))).length));
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const r = await get('example.com/alpha/@v/list', { method });
      assert.equal(r.status, 405, method);
      assert.equal(r.headers.allow, 'GET, HEAD', method);
    }
  });

  test('protected modules ask for basic auth over http and https; /sumdb/ stays open', async () => {
    const corpList = wire('corp.example.com/!team/lib/@v/list');
    const tls = { cacert: m.cert };
    for (const base of [m.http, m.https]) {
      const opts = base === m.https ? tls : {};
      const anonymous = await curl(base + corpList, opts);
      assert.equal(anonymous.status, 401, describeResponse(base + corpList, anonymous));
      assert.equal(anonymous.headers['www-authenticate'], 'Basic realm="gomirror"');
      assert.equal((await curl(base + corpList, { ...opts, user: `${CORP_USER.login}:wrong` })).status, 401);
      const ok = await curl(base + corpList, { ...opts, user: `${CORP_USER.login}:${CORP_USER.password}` });
      assert.equal(ok.status, 200);
      assert.equal(ok.body.toString(), 'v1.0.0\n');
    }
    // Other spellings of the protected path never reach the file without credentials.
    assert.equal((await curl(`${m.http}/corp.example.com/%21TEAM/lib/@v/list`)).status, 401);
    // "s*/*" is protected too, but the checksum database is not.
    assert.equal((await get('sumdb/sum.golang.org/supported')).status, 200);
    assert.equal((await get('sumdb/sum.golang.org/lookup/example.com/!burnt!sushi/toml@v1.0.0')).status, 200);
  });

  test('the access log has one JSON line per request, with status and request time', async () => {
    await get('example.com/alpha/@v/list', { headers: { 'User-Agent': 'log-probe "quoted"' } });
    await get('example.com/nosuch/@v/list', { headers: { 'User-Agent': 'log-probe "quoted"' } });
    const lines = (await readFile(path.join(m.prefix, 'access.log'), 'utf8')).trim().split('\n');
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const probes = entries.filter((e) => e.user_agent === 'log-probe "quoted"');
    assert.deepEqual(
      probes.map((e) => [e.method, e.uri, e.status]),
      [
        ['GET', '/example.com/alpha/@v/list', 200],
        ['GET', '/example.com/nosuch/@v/list', 404],
      ],
    );
    for (const e of probes) {
      assert.equal(typeof e.request_time, 'number');
      assert.equal(typeof e.body_bytes_sent, 'number');
      assert.ok(!Number.isNaN(Date.parse(e.time as string)));
    }
  });
});
