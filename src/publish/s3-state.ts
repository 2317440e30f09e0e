/**
 * The published-state record of an S3 target, kept in the bucket beside what
 * it describes (`<prefix>/.gomirror/published.json.gz`), so a publish from
 * another host, or after the tree moved, still knows what the bucket holds.
 * gzip'd JSON: about 100 bytes an object before compression, a few MB for a
 * 20k-version tree. Pure apart from zlib.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { GomirrorError } from '../errors.js';
import type { PublishedObject, PublishedState } from './s3-plan.js';

/** The record's key below the prefix. nginx never serves `/.` paths; an S3 bucket policy should deny it too (docs/operations.md). */
export const STATE_KEY = '.gomirror/published.json.gz';

const FORMAT = 'gomirror-published-state';

export function encodeState(state: PublishedState, now: number): Buffer {
  const doc = { format: FORMAT, version: 1, updated: new Date(now).toISOString(), objects: state.objects, missingSince: state.missingSince };
  return gzipSync(JSON.stringify(doc));
}

/** Reads a record; throws E_S3 naming `where` when it is not one gomirror wrote. */
export function decodeState(data: Uint8Array, where: string): PublishedState {
  const fail = (why: string, cause?: unknown): never => {
    throw new GomirrorError('E_S3', `${where}: not a gomirror publish record (${why})`, {
      hint: 'Delete that object to publish everything afresh: the next publish uploads every file and writes a new record',
      ...(cause !== undefined ? { cause } : {}),
    });
  };
  let doc: unknown;
  try {
    doc = JSON.parse(gunzipSync(data).toString('utf8'));
  } catch (err) {
    return fail('not gzip-compressed JSON', err);
  }
  const d = doc as { format?: unknown; version?: unknown; objects?: unknown; missingSince?: unknown };
  if (d.format !== FORMAT || d.version !== 1) return fail(`format ${String(d.format)} version ${String(d.version)}`);
  if (!isRecord(d.objects) || !isRecord(d.missingSince)) return fail('objects or missingSince is not an object');
  const objects: Record<string, PublishedObject> = {};
  for (const [rel, o] of Object.entries(d.objects)) {
    const v = o as Partial<PublishedObject>;
    if (typeof v.size !== 'number' || typeof v.sha256 !== 'string' || typeof v.mtimeMs !== 'number') return fail(`bad entry for ${rel}`);
    objects[rel] = { size: v.size, sha256: v.sha256, mtimeMs: v.mtimeMs };
  }
  const missingSince: Record<string, number> = {};
  for (const [rel, t] of Object.entries(d.missingSince)) {
    if (typeof t !== 'number') return fail(`bad missingSince for ${rel}`);
    missingSince[rel] = t;
  }
  return { objects, missingSince };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
