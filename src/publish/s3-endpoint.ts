/**
 * What publish needs of a bucket, and where the endpoint comes from: the parts
 * of the S3 client that do not load the AWS SDK (s3-store.ts does, only when
 * a target is a bucket).
 */
import { GomirrorError } from '../errors.js';

/** What a publish needs of a bucket; tests may pass their own. */
export interface ObjectStore {
  /** The object's bytes, or undefined when there is none. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Streams the object to `file` (created); false when there is none. Stores without it are read with get(). */
  getFile?(key: string, file: string): Promise<boolean>;
  /** Streams a file up (multipart when large); returns what was sent. */
  putFile(key: string, file: string, headers: ObjectHeaders, onBytes?: (n: number) => void): Promise<{ size: number; sha256: string }>;
  putBytes(key: string, data: Uint8Array, headers: ObjectHeaders): Promise<void>;
  /** Deletes up to any number of keys (in batches of 1000). */
  delete(keys: readonly string[]): Promise<void>;
}

export interface ObjectHeaders {
  readonly contentType: string;
  readonly cacheControl: string;
}

export interface S3StoreOptions {
  /** `--endpoint`; overrides the environment. */
  readonly endpoint?: string;
  readonly virtualHosted?: boolean;
  /** Uploads at once; also sizes the connection pool. */
  readonly concurrency: number;
  /** Attempts per request, the first included (default 6). */
  readonly maxAttempts?: number;
  readonly env?: NodeJS.ProcessEnv;
}

/** The endpoint in effect, and where it came from (for messages). */
export function resolveEndpoint(options: S3StoreOptions): { url: string; from: string } | undefined {
  const env = options.env ?? process.env;
  const pick: [string | undefined, string][] = [
    [options.endpoint, '--endpoint'],
    [env.AWS_ENDPOINT_URL_S3, 'AWS_ENDPOINT_URL_S3'],
    [env.AWS_ENDPOINT_URL, 'AWS_ENDPOINT_URL'],
  ];
  for (const [url, from] of pick) {
    if (url === undefined || url.trim() === '') continue;
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
    if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') {
      throw new GomirrorError('E_USAGE', `${from}: ${scheme}:// endpoints are not supported`, { hint: 'Write it as http(s)://host[:port]' });
    }
    if (scheme === undefined || !URL.canParse(url)) {
      throw new GomirrorError('E_USAGE', `${from}: "${url}" is not a URL`, { hint: 'Write it as http(s)://host[:port]' });
    }
    return { url, from };
  }
  return undefined;
}
