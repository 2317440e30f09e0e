import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';

import { GomirrorError } from '../../../src/errors.js';
import { decodeState, describeTarget, encodeState, parseDuration, parseTarget, resolveEndpoint } from '../../../src/publish/index.js';

const usage = (message: RegExp) => (err: unknown): boolean => err instanceof GomirrorError && err.code === 'E_USAGE' && message.test(err.message);

describe('parseTarget', () => {
  const cases: [string, unknown][] = [
    ['s3://bucket', { kind: 's3', bucket: 'bucket', prefix: '' }],
    ['s3://my.bucket-1/go/proxy/', { kind: 's3', bucket: 'my.bucket-1', prefix: 'go/proxy' }],
    ['S3://bucket/p', { kind: 's3', bucket: 'bucket', prefix: 'p' }],
    ['rsync://host/mod/path', { kind: 'daemon', target: 'rsync://host/mod/path' }],
    ['host::mod/path', { kind: 'daemon', target: 'host::mod/path' }],
    ['user@host:/srv/goproxy', { kind: 'ssh', target: 'user@host:/srv/goproxy' }],
    ['/srv/goproxy', { kind: 'local', path: '/srv/goproxy' }],
    ['rel/dir', { kind: 'local', path: '/cwd/rel/dir' }],
  ];
  for (const [text, want] of cases) it(text, () => assert.deepEqual(parseTarget(text, '/cwd'), want));

  const bad: [string, RegExp][] = [
    ['s3://', /^--to s3:\/\/: no bucket named$/],
    ['s3:///prefix', /no bucket named/],
    ['s3://Upper/x', /"Upper" is not a valid bucket name/],
    ['s3://ab', /"ab" is not a valid bucket name/],
    ['s3://bucket/a/../b', /has an empty, \. or \.\. segment/],
    ['s3://bucket/a//b', /has an empty/],
    ['http://host/tree', /^--to http:\/\/host\/tree: unknown scheme http:\/\/$/],
    ['gs://bucket/x', /unknown scheme gs:\/\//],
    ['', /--to is empty/],
  ];
  for (const [text, message] of bad) it(`refuses ${JSON.stringify(text)}`, () => assert.throws(() => parseTarget(text, '/cwd'), usage(message)));

  it('describes targets without passwords', () => {
    assert.equal(describeTarget(parseTarget('s3://b-1/x/y/', '/')), 's3://b-1/x/y');
    assert.equal(describeTarget(parseTarget('rsync://u@host/m', '/')), 'rsync://u@host/m');
    // A password in an rsync URL is refused (rsync takes it from RSYNC_PASSWORD), and never echoed.
    assert.throws(() => parseTarget('rsync://u:secret@host/m', '/'), (e: Error) => /do not carry passwords/.test(e.message) && !e.message.includes('secret'));
  });
});

describe('parseDuration', () => {
  const ok: [string, number][] = [['0', 0], ['90', 90_000], ['30s', 30_000], ['15m', 900_000], ['24h', 86_400_000], ['1d12h', 129_600_000]];
  for (const [text, ms] of ok) it(text, () => assert.equal(parseDuration(text, '--delete-after'), ms));
  for (const text of ['', '1w', 'h', '-1h', '1.5h', '24 h']) {
    it(`refuses ${JSON.stringify(text)}`, () => assert.throws(() => parseDuration(text, '--delete-after'), usage(/^--delete-after: ".*" is not a duration$/)));
  }
});

describe('resolveEndpoint', () => {
  const env = { AWS_ENDPOINT_URL_S3: 'http://s3.local:9000', AWS_ENDPOINT_URL: 'http://all.local' };
  it('--endpoint, then AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL, else AWS', () => {
    assert.deepEqual(resolveEndpoint({ concurrency: 1, endpoint: 'https://x.example', env }), { url: 'https://x.example', from: '--endpoint' });
    assert.deepEqual(resolveEndpoint({ concurrency: 1, env }), { url: 'http://s3.local:9000', from: 'AWS_ENDPOINT_URL_S3' });
    assert.deepEqual(resolveEndpoint({ concurrency: 1, env: { AWS_ENDPOINT_URL: 'http://all.local' } }), { url: 'http://all.local', from: 'AWS_ENDPOINT_URL' });
    assert.equal(resolveEndpoint({ concurrency: 1, env: {} }), undefined);
  });
  it('refuses what is not an http(s) URL, naming where it came from', () => {
    assert.throws(() => resolveEndpoint({ concurrency: 1, env: { AWS_ENDPOINT_URL_S3: 'minio:9000' } }), usage(/^AWS_ENDPOINT_URL_S3: "minio:9000" is not a URL$/));
    assert.throws(() => resolveEndpoint({ concurrency: 1, endpoint: 'ftp://x', env: {} }), usage(/^--endpoint: ftp:\/\/ endpoints are not supported$/));
  });
});

describe('published-state record', () => {
  it('round-trips', () => {
    const state = { objects: { 'a/@v/list': { size: 3, sha256: 'ab', mtimeMs: 1.5 } }, missingSince: { 'a/@v/v1.zip': 7 } };
    assert.deepEqual(decodeState(encodeState(state, 0), 'x'), state);
  });
  it('refuses what gomirror did not write, saying how to start afresh', () => {
    const bad = [Buffer.from('plain'), gzipSync('{"format":"other"}'), gzipSync(JSON.stringify({ format: 'gomirror-published-state', version: 1, objects: { a: { size: 'x' } }, missingSince: {} }))];
    for (const data of bad) {
      assert.throws(() => decodeState(data, 's3://b/p/.gomirror/published.json.gz'), (err: GomirrorError) => {
        assert.equal(err.code, 'E_S3');
        assert.match(err.message, /^s3:\/\/b\/p\/\.gomirror\/published\.json\.gz: not a gomirror publish record/);
        assert.match(err.hint ?? '', /Delete that object/);
        return true;
      });
    }
  });
});
