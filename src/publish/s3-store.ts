/**
 * The bucket, through the AWS SDK: the one file of publish/ that talks S3.
 *
 * Conventions of the ecosystem, not ours: credentials, region and profile come
 * from the SDK's default chain (environment, ~/.aws/config and credentials,
 * AWS_PROFILE, SSO, container and instance roles); the endpoint from
 * `--endpoint`, else AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL. A custom
 * endpoint (MinIO, Ceph RGW, R2, ...) is addressed path-style unless
 * `--virtual-hosted`. Retries are the SDK's "standard" mode: exponential
 * backoff with jitter on throttling (SlowDown, 503) and other 5xx and
 * network errors. Requests are signed by the SDK, never by hand.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { DeleteObjectsCommand, GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { GomirrorError } from '../errors.js';
import { resolveEndpoint, type ObjectStore, type S3StoreOptions } from './s3-endpoint.js';
import type { S3Location } from './targets.js';

/** Parts of a multipart upload; files up to this size go up in one PUT. */
export const PART_SIZE = 8 * 2 ** 20;

/**
 * Builds the client for `loc` and checks, before any request, that the
 * credential chain and the region resolve. Throws E_USAGE (exit 2) when they
 * do not, naming what to set.
 */
export async function openS3Store(loc: S3Location, options: S3StoreOptions): Promise<ObjectStore & { endpoint: string }> {
  // The SDK warns on every run that its future releases need a newer Node;
  // that is for gomirror's maintainers (package.json pins the SDK), not for its users.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const endpoint = resolveEndpoint(options);
  const name = `s3://${loc.bucket}`;
  const make = (region?: string): S3Client =>
    new S3Client({
      ...(endpoint ? { endpoint: endpoint.url, forcePathStyle: options.virtualHosted !== true } : {}),
      ...(region ? { region } : {}),
      maxAttempts: options.maxAttempts ?? 6,
      retryMode: 'standard',
      requestHandler: {
        connectionTimeout: 10_000,
        socketTimeout: 120_000,
        httpAgent: { keepAlive: true, maxSockets: options.concurrency * 2 },
        httpsAgent: { keepAlive: true, maxSockets: options.concurrency * 2 },
      },
    });
  let client = make();
  try {
    await client.config.region();
  } catch (err) {
    // MinIO and friends ignore the region but the signature needs one.
    if (!endpoint) {
      throw new GomirrorError('E_USAGE', `${name}: no AWS region is configured`, {
        hint: 'Set AWS_REGION, or region in ~/.aws/config for the profile in use (AWS_PROFILE)',
        cause: err,
      });
    }
    client = make('us-east-1');
  }
  try {
    await client.config.credentials();
  } catch (err) {
    throw new GomirrorError('E_USAGE', `${name}: no AWS credentials found (${firstLine(err)})`, {
      hint: 'Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE naming a profile in ~/.aws/credentials or ~/.aws/config',
      cause: err,
    });
  }
  return { ...createStore(client, loc), endpoint: endpoint ? `${endpoint.url} (${endpoint.from})` : 'AWS' };
}

function createStore(client: S3Client, loc: S3Location): ObjectStore {
  const Bucket = loc.bucket;
  return {
    async get(key) {
      try {
        const r = await client.send(new GetObjectCommand({ Bucket, Key: key }));
        return r.Body ? await r.Body.transformToByteArray() : new Uint8Array();
      } catch (err) {
        if (err instanceof S3ServiceException && (err.name === 'NoSuchKey' || err.$metadata.httpStatusCode === 404) && err.name !== 'NoSuchBucket') return undefined;
        throw s3Error(loc, `GET ${key}`, err);
      }
    },
    async getFile(key, file) {
      let r;
      try {
        r = await client.send(new GetObjectCommand({ Bucket, Key: key }));
      } catch (err) {
        if (err instanceof S3ServiceException && (err.name === 'NoSuchKey' || err.$metadata.httpStatusCode === 404) && err.name !== 'NoSuchBucket') return false;
        throw s3Error(loc, `GET ${key}`, err);
      }
      try {
        await pipeline(r.Body as Readable, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
      } catch (err) {
        throw s3Error(loc, `GET ${key}`, err);
      }
      return true;
    },
    async putFile(key, file, headers, onBytes) {
      const hash = createHash('sha256');
      let size = 0;
      const counted = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          hash.update(chunk);
          size += chunk.length;
          onBytes?.(chunk.length);
          cb(null, chunk);
        },
      });
      const body = createReadStream(file).on('error', (e) => counted.destroy(e)).pipe(counted);
      // lib-storage cuts the stream into PART_SIZE buffers (so the SDK can retry a part),
      // at most 2 in flight per file: memory stays at concurrency × 2 × PART_SIZE.
      const upload = new Upload({
        client,
        params: { Bucket, Key: key, Body: body, ContentType: headers.contentType, CacheControl: headers.cacheControl },
        partSize: PART_SIZE,
        queueSize: 2,
        leavePartsOnError: false,
      });
      try {
        await upload.done();
      } catch (err) {
        throw s3Error(loc, `PUT ${key}`, err);
      }
      return { size, sha256: hash.digest('hex') };
    },
    async putBytes(key, data, headers) {
      try {
        await client.send(new PutObjectCommand({ Bucket, Key: key, Body: data, ContentType: headers.contentType, CacheControl: headers.cacheControl }));
      } catch (err) {
        throw s3Error(loc, `PUT ${key}`, err);
      }
    },
    async delete(keys) {
      for (let i = 0; i < keys.length; i += 1000) {
        const batch = keys.slice(i, i + 1000);
        let r;
        try {
          r = await client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }));
        } catch (err) {
          throw s3Error(loc, `DELETE ${batch.length} objects`, err);
        }
        const failed = r.Errors ?? [];
        if (failed.length > 0) {
          const f = failed[0];
          throw new GomirrorError('E_S3', `s3://${Bucket}: could not delete ${failed.length} objects, e.g. ${f?.Key}: ${f?.Code} ${f?.Message ?? ''}`.trim(), {
            hint: 'Check that the credentials may s3:DeleteObject; run publish again',
          });
        }
      }
    },
  };
}

/** An SDK failure as E_S3, with what to do about it. */
export function s3Error(loc: S3Location, what: string, err: unknown): GomirrorError {
  if (err instanceof GomirrorError) return err;
  const e = err as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number }; cause?: { code?: string } };
  const status = e.$metadata?.httpStatusCode;
  const netCode = e.code ?? e.cause?.code;
  const detail = [e.name, status !== undefined ? `HTTP ${status}` : undefined, netCode].filter((x) => x !== undefined && x !== 'Error');
  const text = `s3://${loc.bucket}: ${what} failed: ${firstLine(err)}${detail.length ? ` (${[...new Set(detail)].join(', ')})` : ''}`;
  return new GomirrorError('E_S3', text, { hint: hintFor(e.name, status, netCode), cause: err });
}

function hintFor(name: string | undefined, status: number | undefined, netCode: string | undefined): string {
  if (name === 'NoSuchBucket') return 'Create the bucket first, or check the bucket name and the endpoint';
  if (name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch' || name === 'AccessDenied' || status === 403) {
    return 'Check the credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID) and that they may s3:GetObject, s3:PutObject and s3:DeleteObject on this prefix';
  }
  if (netCode !== undefined && /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH/.test(netCode)) {
    return 'Check that the endpoint (--endpoint, AWS_ENDPOINT_URL_S3) is right and reachable';
  }
  if (name === 'TimeoutError') return 'Check that the endpoint (--endpoint, AWS_ENDPOINT_URL_S3) is right and reachable';
  if (status !== undefined && status >= 500) return 'The store kept failing after retries; run publish again later (finished files are not sent again)';
  return 'Run publish again once the cause is fixed; finished files are not sent again';
}

function firstLine(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return (m.split('\n')[0] ?? '').trim() || (err as { name?: string }).name || 'unknown error';
}
