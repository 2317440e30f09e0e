/**
 * openS3Store's checks before any request: region and credentials from the
 * AWS chain. Nothing here reaches a network: the chain is pointed at files
 * that do not exist and instance metadata is off.
 */
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';

import type { GomirrorError } from '../../../src/errors.js';
import { openS3Store } from '../../../src/publish/index.js';

const KEYS = ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_EC2_METADATA_DISABLED', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_WEB_IDENTITY_TOKEN_FILE'];

describe('openS3Store', () => {
  const saved = new Map<string, string | undefined>();
  beforeEach(() => {
    for (const k of KEYS) {
      saved.set(k, process.env[k]);
      delete process.env[k];
    }
    process.env.AWS_CONFIG_FILE = path.join(tmpdir(), 'gomirror-no-such-aws-config');
    process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(tmpdir(), 'gomirror-no-such-aws-credentials');
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
  });
  afterEach(() => {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  const loc = { kind: 's3', bucket: 'corp-goproxy', prefix: 'go' } as const;

  it('AWS without a region is an input error naming what to set', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIAEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    await assert.rejects(openS3Store(loc, { concurrency: 1 }), (err: GomirrorError) => {
      assert.equal(err.code, 'E_USAGE');
      assert.equal(err.message, 's3://corp-goproxy: no AWS region is configured');
      assert.match(err.hint ?? '', /AWS_REGION/);
      return true;
    });
  });

  it('a custom endpoint needs no region; the endpoint and where it came from are reported', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'minio';
    process.env.AWS_SECRET_ACCESS_KEY = 'minio-secret';
    process.env.AWS_ENDPOINT_URL_S3 = 'http://127.0.0.1:9';
    const store = await openS3Store(loc, { concurrency: 1 });
    assert.equal(store.endpoint, 'http://127.0.0.1:9 (AWS_ENDPOINT_URL_S3)');
    const flag = await openS3Store(loc, { concurrency: 1, endpoint: 'http://127.0.0.1:10' });
    assert.equal(flag.endpoint, 'http://127.0.0.1:10 (--endpoint)');
  });

  it('no credentials anywhere in the chain is an input error', async () => {
    process.env.AWS_REGION = 'eu-west-1';
    await assert.rejects(openS3Store(loc, { concurrency: 1 }), (err: GomirrorError) => {
      assert.equal(err.code, 'E_USAGE');
      assert.match(err.message, /^s3:\/\/corp-goproxy: no AWS credentials found \(/);
      assert.match(err.hint ?? '', /AWS_ACCESS_KEY_ID .* AWS_PROFILE/);
      return true;
    });
  });
});
