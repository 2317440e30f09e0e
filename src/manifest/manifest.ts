import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { GomirrorError, isGomirrorError } from '../errors.js';
import { checkModuleVersion, checkPath, parseVersionQuery, type VersionQuery } from '../module/index.js';
import { didYouMean } from './did-you-mean.js';
import { findJsonErrorOffset } from './json-error.js';

/** One module entry of a manifest, validated. */
export interface ManifestModule {
  path: string;
  queries: { text: string; query: VersionQuery; where: string }[];
  where: string;
}

/** A validated manifest. Paths in gomod/gosum are absolute. */
export interface Manifest {
  upstream?: string;
  sumdb?: string;
  nosumdb?: string[];
  private?: string[];
  noproxy?: string[];
  deps?: boolean;
  modules: ManifestModule[];
  gomod: string[];
  gosum: string[];
}

const TOP_KEYS = ['upstream', 'sumdb', 'nosumdb', 'private', 'noproxy', 'deps', 'modules', 'gomod', 'gosum', '$schema', 'comment'] as const;
const MODULE_KEYS = ['path', 'versions', 'comment'] as const;

function fail(where: string, message: string, hint?: string): never {
  throw new GomirrorError('E_MANIFEST', `${where}: ${message}`, hint ? { hint } : {});
}

/**
 * Parses and validates manifest JSON (pure). Every module path and version is
 * checked with Go's rules before any network access; errors name the place,
 * e.g. `mirror.json: modules[3].versions[1]: ...`.
 */
export function parseManifest(text: string, file: string): Manifest {
  const name = path.basename(file);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    fail(name, `invalid JSON: ${describeJsonError(err as Error, text)}`);
  }
  if (!isObject(data)) fail(name, 'the manifest must be a JSON object');
  rejectUnknownKeys(data, TOP_KEYS, name, '');

  const out: Manifest = { modules: [], gomod: [], gosum: [] };
  const base = path.dirname(path.resolve(file));
  if (data.upstream !== undefined) out.upstream = str(data.upstream, `${name}: upstream`);
  if (data.sumdb !== undefined) out.sumdb = str(data.sumdb, `${name}: sumdb`);
  if (data.nosumdb !== undefined) out.nosumdb = strList(data.nosumdb, `${name}: nosumdb`);
  if (data.private !== undefined) out.private = strList(data.private, `${name}: private`);
  if (data.noproxy !== undefined) out.noproxy = strList(data.noproxy, `${name}: noproxy`);
  if (data.deps !== undefined) {
    if (typeof data.deps !== 'boolean') fail(`${name}: deps`, `must be true or false, not ${JSON.stringify(data.deps)}`);
    out.deps = data.deps;
  }
  out.gomod = strList(data.gomod ?? [], `${name}: gomod`).map((p) => path.resolve(base, p));
  out.gosum = strList(data.gosum ?? [], `${name}: gosum`).map((p) => path.resolve(base, p));

  const modules = data.modules ?? [];
  if (!Array.isArray(modules)) fail(`${name}: modules`, 'must be a list of {"path", "versions"} objects');
  modules.forEach((m: unknown, i: number) => {
    const where = `${name}: modules[${i}]`;
    if (!isObject(m)) fail(where, 'must be an object like {"path": "example.com/m", "versions": ["latest"]}');
    rejectUnknownKeys(m, MODULE_KEYS, name, `modules[${i}].`);
    if (m.path === undefined) fail(where, 'missing "path"');
    const modPath = str(m.path, `${where}.path`);
    rethrowAt(`${where}.path`, () => checkPath(modPath));
    const versions = m.versions ?? ['latest'];
    if (!Array.isArray(versions) || versions.length === 0) {
      fail(`${where}.versions`, 'must be a non-empty list of version queries', 'For example ["latest"] or ["v1.2.3", ">=v1.4.0"]');
    }
    const queries = versions.map((v: unknown, j: number) => {
      const qWhere = `${where}.versions[${j}]`;
      const text = str(v, qWhere);
      const query = rethrowAt(qWhere, () => parseVersionQuery(text));
      if (query.kind === 'exact') rethrowAt(qWhere, () => checkModuleVersion(modPath, query.version));
      return { text, query, where: qWhere };
    });
    out.modules.push({ path: modPath, queries, where });
  });
  return out;
}

/** Prefixes a validation error from module/ with the manifest location; keeps its code. */
function rethrowAt<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (isGomirrorError(err)) {
      throw new GomirrorError(err.code, `${where}: ${err.message}`, { hint: err.hint, cause: err });
    }
    throw err;
  }
}

function rejectUnknownKeys(obj: Record<string, unknown>, known: readonly string[], name: string, prefix: string): void {
  for (const k of Object.keys(obj)) {
    if (known.includes(k)) continue;
    const guess = didYouMean(k, known);
    fail(`${name}: ${prefix}${k}`, `unknown key${guess ? ` (did you mean "${guess}"?)` : ''}`, `Known keys: ${known.filter((x) => !x.startsWith('$')).join(', ')}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown, where: string): string {
  if (typeof v !== 'string' || v === '') fail(where, `must be a non-empty string, not ${JSON.stringify(v)}`);
  return v;
}

function strList(v: unknown, where: string): string[] {
  if (typeof v === 'string') return [str(v, where)];
  if (!Array.isArray(v)) fail(where, 'must be a string or a list of strings');
  return v.map((x, i) => str(x, `${where}[${i}]`));
}

function describeJsonError(err: Error, text: string): string {
  const reason = err.message.replace(/ in JSON at position \d+.*$/s, '').replace(/, ".*" is not valid JSON$/s, '');
  const pos = findJsonErrorOffset(text);
  if (pos === undefined) return reason;
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - before.lastIndexOf('\n');
  return `${reason} at line ${line}, column ${col}`;
}

/** Reads and validates a manifest file; an unreadable file is E_MANIFEST (exit 2). */
export async function loadManifest(file: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new GomirrorError('E_MANIFEST', `${file}: cannot read the manifest: ${(err as Error).message}`);
  }
  return parseManifest(text, file);
}
