/**
 * The published-state record of an S3 target, kept in the bucket beside what
 * it describes (`<prefix>/.gomirror/published.json.gz`), so a publish from
 * another host, or after the tree moved, still knows what the bucket holds.
 * gzip'd JSON: about 130 bytes an object before compression.
 *
 * The JSON is laid out an object per line, in path order:
 *
 *     {"format":"gomirror-published-state","version":1,"updated":"…","objects":{
 *     "a.com/@v/list":{"size":7,"sha256":"…","mtimeMs":1700000000000},
 *     …
 *     },"missingSince":{…}}
 *
 * so a publish reads and rewrites it a line at a time (record-file.ts) instead
 * of holding 300,000 objects; it is still one JSON document for anyone else.
 * Pure apart from zlib.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { GomirrorError } from '../errors.js';
import type { PublishedObject, PublishedState } from './s3-plan.js';

/** The record's key below the prefix. nginx never serves `/.` paths; an S3 bucket policy should deny it too (docs/operations.md). */
export const STATE_KEY = '.gomirror/published.json.gz';

const FORMAT = 'gomirror-published-state';

/** The first line of a record laid out a line per object. */
export function recordHead(now: number): string {
  return `{"format":"${FORMAT}","version":1,"updated":${JSON.stringify(new Date(now).toISOString())},"objects":{`;
}
export const HEAD_LINE = /^\{"format":"gomirror-published-state","version":1,"updated":"[^"\\]*","objects":\{$/;

/** The last line: the missing objects (few: what left the tree lately). */
export function recordTail(missingSince: Readonly<Record<string, number>>): string {
  return `},"missingSince":${JSON.stringify(missingSince)}}`;
}
export const TAIL_START = '},"missingSince":';

/** One object's line (without the comma that separates it from the next). */
export function entryLine(rel: string, o: PublishedObject): string {
  return `${JSON.stringify(rel)}:${JSON.stringify({ size: o.size, sha256: o.sha256, mtimeMs: o.mtimeMs })}`;
}

/** The path of an entry line, without parsing the rest. */
export function entryKey(line: string): string {
  return JSON.parse(line.slice(0, line.indexOf('":{"size":') + 1)) as string;
}

/** An entry line read back; undefined when it is not one. */
export function parseEntryLine(line: string): { rel: string; object: PublishedObject } | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(`{${line}}`);
  } catch {
    return undefined;
  }
  const entries = Object.entries(doc as Record<string, unknown>);
  if (entries.length !== 1) return undefined;
  const [rel, o] = entries[0] as [string, unknown];
  const object = checkObject(o);
  return object ? { rel, object } : undefined;
}

function checkObject(o: unknown): PublishedObject | undefined {
  const v = o as Partial<PublishedObject> | null;
  if (v === null || typeof v !== 'object' || typeof v.size !== 'number' || typeof v.sha256 !== 'string' || typeof v.mtimeMs !== 'number') return undefined;
  return { size: v.size, sha256: v.sha256, mtimeMs: v.mtimeMs };
}

/** A whole record at once (tests, small trees): the same bytes a publish writes a line at a time. */
export function encodeState(state: PublishedState, now: number): Buffer {
  const rels = Object.keys(state.objects).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const lines = rels.map((rel) => entryLine(rel, state.objects[rel] as PublishedObject));
  return gzipSync(`${recordHead(now)}\n${lines.length ? `${lines.join(',\n')}\n` : ''}${recordTail(state.missingSince)}`);
}

export function recordError(where: string, why: string, cause?: unknown): GomirrorError {
  return new GomirrorError('E_S3', `${where}: not a gomirror publish record (${why})`, {
    hint: 'Delete that object to publish everything afresh: the next publish uploads every file and writes a new record',
    ...(cause !== undefined ? { cause } : {}),
  });
}

/** Reads a whole record, in either layout; throws E_S3 naming `where` when it is not one gomirror wrote. */
export function decodeState(data: Uint8Array, where: string): PublishedState {
  let doc: unknown;
  try {
    doc = JSON.parse(gunzipSync(data).toString('utf8'));
  } catch (err) {
    throw recordError(where, 'not gzip-compressed JSON', err);
  }
  return checkState(doc, where);
}

/** A parsed record document checked: throws E_S3 naming `where`. */
export function checkState(doc: unknown, where: string): PublishedState {
  const d = doc as { format?: unknown; version?: unknown; objects?: unknown; missingSince?: unknown };
  if (d.format !== FORMAT || d.version !== 1) throw recordError(where, `format ${String(d.format)} version ${String(d.version)}`);
  if (!isRecord(d.objects) || !isRecord(d.missingSince)) throw recordError(where, 'objects or missingSince is not an object');
  const objects: Record<string, PublishedObject> = {};
  for (const [rel, o] of Object.entries(d.objects)) {
    const v = checkObject(o);
    if (!v) throw recordError(where, `bad entry for ${rel}`);
    objects[rel] = v;
  }
  return { objects, missingSince: checkMissing(d.missingSince, where) };
}

export function checkMissing(m: unknown, where: string): Record<string, number> {
  if (!isRecord(m)) throw recordError(where, 'missingSince is not an object');
  const missingSince: Record<string, number> = {};
  for (const [rel, t] of Object.entries(m)) {
    if (typeof t !== 'number') throw recordError(where, `bad missingSince for ${rel}`);
    missingSince[rel] = t;
  }
  return missingSince;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
