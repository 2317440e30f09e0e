/**
 * Checksum database records, lookup responses and tree notes (Go:
 * golang.org/x/mod/sumdb/tlog note.go, sumdb client.go), pure.
 */
import { GomirrorError } from '../errors.js';
import { decodeBase64, isCleanText } from './note.js';
import { HASH_SIZE } from './tlog.js';
import type { TreeHead } from './tile-proof.js';

/** A parsed lookup response: `<id>\n<record text>\n<signed note>`. */
export interface LookupResponse {
  id: number;
  /** The go.sum lines, each ending in "\n", no blank line. */
  text: Buffer;
  /** The signed tree note that follows. */
  note: Buffer;
}

const TREE_PREFIX = 'go.sum database tree\n';

/** Formats a tree head as note text: `go.sum database tree\n<N>\n<base64 hash>\n`. */
export function formatTree(tree: TreeHead): string {
  return `${TREE_PREFIX}${tree.n}\n${tree.hash.toString('base64')}\n`;
}

/** Parses tree note text (extra lines after the third are ignored); throws E_SUMDB. */
export function parseTree(text: string): TreeHead {
  const lines = text.split('\n');
  if (!text.startsWith(TREE_PREFIX) || lines.length < 4 || text.length > 1e6) throw malformedTree();
  const size = lines[1] ?? '';
  const n = /^(?:0|[1-9][0-9]{0,15})$/.test(size) ? Number(size) : NaN;
  const hash = decodeBase64(lines[2] ?? '');
  if (!Number.isSafeInteger(n) || hash?.length !== HASH_SIZE) throw malformedTree();
  return { n, hash };
}

/**
 * Record text rules: UTF-8, no control characters but "\n", no blank line,
 * ending in "\n".
 */
export function isValidRecordText(text: Uint8Array): boolean {
  return text.length > 0 && text[text.length - 1] === 0x0a && !Buffer.from(text).includes('\n\n') && isCleanText(text);
}

/** Splits a lookup response (Go: tlog.ParseRecord); the text ends at the first blank line. Throws E_SUMDB. */
export function parseLookup(data: Buffer): LookupResponse {
  const nl = data.indexOf(0x0a);
  const idText = nl < 0 ? '' : data.subarray(0, nl).toString('latin1');
  if (!/^(?:0|[1-9][0-9]{0,15})$/.test(idText)) throw malformedRecord('no record id');
  const rest = data.subarray(nl + 1);
  const end = rest.indexOf('\n\n');
  if (end < 0) throw malformedRecord('no blank line after the record');
  const text = rest.subarray(0, end + 1);
  if (!isValidRecordText(text)) throw malformedRecord('invalid record text');
  return { id: Number(idText), text, note: rest.subarray(end + 2) };
}

/** Formats a lookup response body from its parts. */
export function formatLookup(id: number, text: Uint8Array, note: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${id}\n`), text, Buffer.from('\n'), note]);
}

/** A hash the database holds that differs from ours. */
export interface RecordMismatch {
  file: '.zip' | '.mod';
  /** The database's `h1:` hash. */
  expected: string;
  actual: string;
}

/**
 * Compares our hashes with a record, the way the go command does
 * (checkSumDB): for each file, the first line `<path> <version>[/go.mod] h1:…`
 * decides; no such line means no objection (pitfall 11).
 */
export function compareRecord(
  text: Buffer | string,
  modulePath: string,
  version: string,
  hashes: { zip?: string; mod?: string },
): RecordMismatch[] {
  const lines = text.toString().split('\n');
  const out: RecordMismatch[] = [];
  const check = (file: '.zip' | '.mod', suffix: string, actual: string | undefined): void => {
    if (actual === undefined) return;
    const prefix = `${modulePath} ${version}${suffix} h1:`;
    const line = lines.find((l) => l.startsWith(prefix));
    if (line !== undefined && line !== `${modulePath} ${version}${suffix} ${actual}`) {
      out.push({ file, expected: line.slice(prefix.length - 3), actual });
    }
  };
  check('.zip', '', hashes.zip);
  check('.mod', '/go.mod', hashes.mod);
  return out;
}

/** The `h1:` hashes a record gives for a module version. */
export function recordHashes(text: Buffer | string, modulePath: string, version: string): { zip?: string; mod?: string } {
  const out: { zip?: string; mod?: string } = {};
  for (const line of text.toString().split('\n')) {
    const f = line.split(' ');
    if (f.length !== 3 || f[0] !== modulePath || !f[2]?.startsWith('h1:')) continue;
    if (f[1] === version && out.zip === undefined) out.zip = f[2];
    if (f[1] === `${version}/go.mod` && out.mod === undefined) out.mod = f[2];
  }
  return out;
}

function malformedTree(): GomirrorError {
  return new GomirrorError('E_SUMDB', 'malformed checksum database tree note');
}

function malformedRecord(why: string): GomirrorError {
  return new GomirrorError('E_SUMDB', `malformed checksum database record: ${why}`);
}
