/**
 * The bundle index (`gomirror-index.json`): a snapshot of the whole tree at
 * export time, marking which files this bundle carries, plus the h1 hashes of
 * the module files it carries. Pure: serialisation and strict validation.
 * docs/air-gap.md describes the format for people.
 */
import { createHash } from 'node:crypto';
import { GomirrorError } from '../errors.js';
import { parseGoSum, type GoSumLine } from '../gosum/index.js';
import { parseVerifierKey } from '../sumdb/index.js';
import { classifyTreePath } from './tree-paths.js';

/** Format tag; a reader refuses any other. */
export const BUNDLE_FORMAT = 'gomirror-bundle/1';
/** Tar entry names: the index and its signature come after the tree's files. */
export const INDEX_ENTRY = 'gomirror-index.json';
export const SIGNATURE_ENTRY = 'gomirror-index.json.sig';
/** Tree files live under this prefix in the tar, so they never meet the bundle's own entries. */
export const TREE_PREFIX = 'tree/';
/** An index larger than this is refused before it is parsed. */
export const MAX_INDEX_SIZE = 512 * 2 ** 20;

/** One file of the tree at export time. */
export interface BundleFile {
  /** Slash path relative to the tree root (case-escaped, as on disk). */
  readonly path: string;
  readonly size: number;
  /** Lower-case hex SHA-256 of the file's bytes. */
  readonly sha256: string;
  /** True when this bundle carries the file; false when an earlier bundle did (`--since`). */
  readonly bundled: boolean;
}

export interface BundleIndex {
  readonly format: typeof BUNDLE_FORMAT;
  /** `gomirror <version>` that wrote the bundle. */
  readonly tool: string;
  /** Creation time, RFC 3339 UTC. */
  readonly created: string;
  /** The bundle this one continues (`--since`): its index id and creation time. */
  readonly since: { readonly id: string; readonly created: string } | null;
  /** Every file of the tree, sorted by path. */
  readonly files: readonly BundleFile[];
  /** go.sum lines (`path version[/go.mod] h1:...`) for every bundled .zip and .mod. */
  readonly sums: readonly string[];
  /**
   * Verifier keys (`name+hash+key`) of the checksum databases the tree was
   * synced with; optional (absent in older bundles, and when empty).
   */
  readonly sumdbKeys?: readonly string[];
}

/** The id of a bundle: SHA-256 (hex) of its exact index bytes. */
export function indexId(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The index as bytes: JSON with one file per line, so that a diff of two
 * nightly indexes reads well and a large tree does not make one huge line.
 */
export function serializeIndex(index: BundleIndex): Buffer {
  const head = {
    format: index.format,
    tool: index.tool,
    created: index.created,
    since: index.since,
  };
  const headText = JSON.stringify(head, null, 2).slice(0, -2);
  const list = (items: readonly unknown[]): string =>
    items.length === 0 ? '[]' : `[\n${items.map((i) => `    ${JSON.stringify(i)}`).join(',\n')}\n  ]`;
  const files = index.files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256, bundled: f.bundled }));
  const keys = index.sumdbKeys && index.sumdbKeys.length > 0 ? `,\n  "sumdbKeys": ${list(index.sumdbKeys)}` : '';
  return Buffer.from(`${headText},\n  "files": ${list(files)},\n  "sums": ${list(index.sums)}${keys}\n}\n`, 'utf8');
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Parses and validates index bytes read from `source` (for messages). Throws
 * GomirrorError E_BUNDLE naming the first problem: not JSON, another format,
 * a missing or mistyped field, a path that is not a tree file, a duplicate
 * path, a bad sha256, or a malformed sums line.
 */
export function parseIndex(bytes: Uint8Array, source: string): BundleIndex {
  const fail = (problem: string): never => {
    throw new GomirrorError('E_BUNDLE', `${source}: invalid bundle index: ${problem}`);
  };
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    return fail(`not JSON (${(err as Error).message})`);
  }
  if (!isRecord(data)) return fail('not a JSON object');
  if (data.format !== BUNDLE_FORMAT) return fail(`format is ${JSON.stringify(data.format)}, want ${JSON.stringify(BUNDLE_FORMAT)}`);
  if (typeof data.tool !== 'string') fail('"tool" must be a string');
  if (typeof data.created !== 'string' || Number.isNaN(Date.parse(data.created))) fail('"created" must be a time');
  let since: BundleIndex['since'] = null;
  if (data.since !== null) {
    const s = data.since;
    if (!isRecord(s) || typeof s.id !== 'string' || !SHA256_HEX.test(s.id) || typeof s.created !== 'string') {
      return fail('"since" must be null or {"id": sha256, "created": time}');
    }
    since = { id: s.id, created: s.created };
  }
  if (!Array.isArray(data.files)) return fail('"files" must be an array');
  const seen = new Set<string>();
  const files: BundleFile[] = [];
  for (const [i, f] of (data.files as unknown[]).entries()) {
    const at = `files[${i}]`;
    if (!isRecord(f) || typeof f.path !== 'string') return fail(`${at}: "path" must be a string`);
    if (classifyTreePath(f.path) === undefined) fail(`${at}: ${JSON.stringify(f.path)} is not a file of the tree layout`);
    if (seen.has(f.path)) fail(`${at}: ${f.path} is listed twice`);
    seen.add(f.path);
    if (typeof f.size !== 'number' || !Number.isSafeInteger(f.size) || f.size < 0) fail(`${at}: bad size`);
    if (typeof f.sha256 !== 'string' || !SHA256_HEX.test(f.sha256)) fail(`${at}: bad sha256`);
    if (typeof f.bundled !== 'boolean') fail(`${at}: "bundled" must be true or false`);
    files.push({ path: f.path, size: f.size as number, sha256: f.sha256 as string, bundled: f.bundled as boolean });
  }
  if (!Array.isArray(data.sums) || !(data.sums as unknown[]).every((s) => typeof s === 'string')) {
    return fail('"sums" must be an array of go.sum lines');
  }
  const sums = data.sums as string[];
  try {
    parseGoSum(sums.join('\n'), `${source} sums`);
  } catch (err) {
    return fail((err as Error).message);
  }
  let sumdbKeys: string[] | undefined;
  if (data.sumdbKeys !== undefined) {
    if (!Array.isArray(data.sumdbKeys) || !(data.sumdbKeys as unknown[]).every((k) => typeof k === 'string' && isVerifierKey(k))) {
      return fail('"sumdbKeys" must be an array of checksum database verifier keys (name+hash+key)');
    }
    sumdbKeys = data.sumdbKeys as string[];
  }
  return {
    format: BUNDLE_FORMAT,
    tool: data.tool as string,
    created: data.created as string,
    since,
    files,
    sums,
    ...(sumdbKeys ? { sumdbKeys } : {}),
  };
}

/** Whether `k` is a checksum database verifier key (`name+hash+key`). */
export function isVerifierKey(k: string): boolean {
  try {
    parseVerifierKey(k);
    return true;
  } catch {
    return false;
  }
}

/** The sums lines of an index, parsed (the index was validated, so this does not throw). */
export function indexSums(index: BundleIndex): GoSumLine[] {
  return parseGoSum(index.sums.join('\n'), 'bundle sums');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
