/**
 * `--to` values of `gomirror publish` (pure): an S3 bucket, or one of the
 * rsync destinations of rsync-args.ts.
 */
import { GomirrorError } from '../errors.js';
import { describeDestination, parseDestination, type Destination } from './rsync-args.js';

/** `s3://bucket/prefix`: objects are `<prefix>/<tree path>`. */
export interface S3Location {
  readonly kind: 's3';
  readonly bucket: string;
  /** Without leading or trailing slash; '' for the bucket's root. */
  readonly prefix: string;
}

export type PublishTarget = Destination | S3Location;

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/**
 * Parses one `--to` value. Throws E_USAGE for an empty value, `s3://` without
 * a valid bucket name, and any scheme other than `s3://` and `rsync://` (an
 * `http://` destination is a mistake, not an ssh host called `http`).
 */
export function parseTarget(text: string, cwd: string): PublishTarget {
  const scheme = SCHEME.exec(text)?.[1]?.toLowerCase();
  if (scheme === 's3') return parseS3Location(text);
  if (scheme !== undefined && scheme !== 'rsync') {
    throw new GomirrorError('E_USAGE', `--to ${text}: unknown scheme ${scheme}://`, {
      hint: 'Give s3://bucket/prefix, rsync://host/module/path, [user@]host:path or a local directory',
    });
  }
  return parseDestination(text, cwd);
}

// S3's bucket naming rules (3-63 characters, lower case, digits, dots, hyphens).
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function parseS3Location(text: string): S3Location {
  const rest = text.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = (slash < 0 ? '' : rest.slice(slash + 1)).replace(/^\/+|\/+$/g, '');
  if (bucket === '') {
    throw new GomirrorError('E_USAGE', `--to ${text}: no bucket named`, { hint: 'Write s3://BUCKET or s3://BUCKET/PREFIX' });
  }
  if (!BUCKET.test(bucket) || bucket.includes('..')) {
    throw new GomirrorError('E_USAGE', `--to ${text}: "${bucket}" is not a valid bucket name`, {
      hint: 'Bucket names are 3 to 63 lower-case letters, digits, dots and hyphens',
    });
  }
  if (prefix !== '' && prefix.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new GomirrorError('E_USAGE', `--to ${text}: the prefix "${prefix}" has an empty, . or .. segment`);
  }
  return { kind: 's3', bucket, prefix };
}

/** The target for messages and reports, without any password. */
export function describeTarget(t: PublishTarget): string {
  if (t.kind === 's3') return `s3://${t.bucket}${t.prefix === '' ? '' : `/${t.prefix}`}`;
  return describeDestination(t);
}
