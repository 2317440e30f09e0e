import { readInputFile } from './read-input.js';
import path from 'node:path';
import { GomirrorError, isGomirrorError, ProblemList } from '../errors.js';
import { checkModuleVersion, checkPath, parseVersionQuery, type VersionQuery } from '../module/index.js';
import { describeUnstorable } from '../tree/index.js';
import { isValidPlatform, parseToolchainQuery, type ToolchainQuery } from '../toolchain/index.js';
import { didYouMean } from './did-you-mean.js';
import { findJsonErrorOffset } from './json-error.js';

/** One module entry of a manifest, validated. */
export interface ManifestModule {
  path: string;
  queries: { text: string; query: VersionQuery; where: string }[];
  where: string;
}

/** The manifest's `toolchains` key, validated. */
export interface ManifestToolchains {
  queries: { text: string; query: ToolchainQuery; where: string }[];
  /** As written; undefined when the key is absent (the default applies). */
  platforms?: string[];
}

/** A validated manifest. Paths in gomod/gosum are absolute. */
export interface Manifest {
  upstream?: string;
  sumdb?: string;
  nosumdb?: string[];
  private?: string[];
  noproxy?: string[];
  deps?: boolean;
  /** The vulnerability database to mirror: `off` or its URL (checked by the sync config). */
  vulndb?: string;
  /** What sync does with versions a known vulnerability affects. */
  vulnerable?: VulnerablePolicy;
  toolchains?: ManifestToolchains;
  modules: ManifestModule[];
  gomod: string[];
  gosum: string[];
}

const TOP_KEYS = ['upstream', 'sumdb', 'nosumdb', 'private', 'noproxy', 'deps', 'vulndb', 'vulnerable', 'toolchains', 'modules', 'gomod', 'gosum', '$schema', 'comment'] as const;

/** The sync policy for vulnerable versions (manifest `vulnerable`, `--vulnerable`). */
export const VULNERABLE_POLICIES = ['allow', 'warn', 'refuse-latest'] as const;
export type VulnerablePolicy = (typeof VULNERABLE_POLICIES)[number];
const MODULE_KEYS = ['path', 'versions', 'comment'] as const;
const TOOLCHAIN_KEYS = ['versions', 'platforms', 'comment'] as const;

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
  // Every bad entry is reported in one run (up to a limit), not one per run.
  const problems = new ProblemList();
  rejectUnknownKeys(data, TOP_KEYS, name, '', problems);

  const out: Manifest = { modules: [], gomod: [], gosum: [] };
  const base = path.dirname(path.resolve(file));
  const obj = data;
  problems.attempt(() => {
    if (obj.upstream !== undefined) out.upstream = str(obj.upstream, `${name}: upstream`);
  });
  problems.attempt(() => {
    if (obj.sumdb !== undefined) out.sumdb = str(obj.sumdb, `${name}: sumdb`);
  });
  problems.attempt(() => {
    if (obj.nosumdb !== undefined) out.nosumdb = strList(obj.nosumdb, `${name}: nosumdb`);
  });
  problems.attempt(() => {
    if (obj.private !== undefined) out.private = strList(obj.private, `${name}: private`);
  });
  problems.attempt(() => {
    if (obj.noproxy !== undefined) out.noproxy = strList(obj.noproxy, `${name}: noproxy`);
  });
  problems.attempt(() => {
    if (obj.deps === undefined) return;
    if (typeof obj.deps !== 'boolean') fail(`${name}: deps`, `must be true or false, not ${JSON.stringify(obj.deps)}`);
    out.deps = obj.deps;
  });
  problems.attempt(() => {
    if (obj.vulndb !== undefined) out.vulndb = str(obj.vulndb, `${name}: vulndb`);
  });
  problems.attempt(() => {
    if (obj.vulnerable === undefined) return;
    if (!VULNERABLE_POLICIES.includes(obj.vulnerable as VulnerablePolicy)) {
      fail(`${name}: vulnerable`, `must be ${VULNERABLE_POLICIES.map((p) => `"${p}"`).join(', ')}, not ${JSON.stringify(obj.vulnerable)}`);
    }
    out.vulnerable = obj.vulnerable as VulnerablePolicy;
  });
  problems.attempt(() => {
    if (obj.toolchains !== undefined) out.toolchains = parseToolchains(obj.toolchains, name, problems);
  });
  problems.attempt(() => (out.gomod = strList(obj.gomod ?? [], `${name}: gomod`).map((p) => path.resolve(base, p))));
  problems.attempt(() => (out.gosum = strList(obj.gosum ?? [], `${name}: gosum`).map((p) => path.resolve(base, p))));

  const modules = data.modules ?? [];
  if (!Array.isArray(modules)) problems.attempt(() => fail(`${name}: modules`, 'must be a list of {"path", "versions"} objects'));
  else modules.forEach((m: unknown, i: number) => problems.attempt(() => parseModule(m, i)));
  problems.throwIfAny();
  return out;

  function parseModule(m: unknown, i: number): void {
    const where = `${name}: modules[${i}]`;
    if (!isObject(m)) fail(where, 'must be an object like {"path": "example.com/m", "versions": ["latest"]}');
    rejectUnknownKeys(m, MODULE_KEYS, name, `modules[${i}].`, problems);
    if (m.path === undefined) fail(where, 'missing "path"');
    const modPath = str(m.path, `${where}.path`);
    rethrowAt(`${where}.path`, () => checkPath(modPath));
    const unstorable = describeUnstorable(modPath);
    if (unstorable) fail(`${where}.path`, `${JSON.stringify(modPath.slice(0, 80))}${modPath.length > 80 ? '…' : ''}: ${unstorable}`);
    const versions = m.versions ?? ['latest'];
    if (!Array.isArray(versions) || versions.length === 0) {
      fail(`${where}.versions`, 'must be a non-empty list of version queries', 'For example ["latest"] or ["v1.2.3", ">=v1.4.0"]');
    }
    const queries = versions.map((v: unknown, j: number) =>
      problems.attempt(() => {
        const qWhere = `${where}.versions[${j}]`;
        const text = str(v, qWhere);
        const query = rethrowAt(qWhere, () => parseVersionQuery(text));
        if (query.kind === 'exact') {
          rethrowAt(qWhere, () => checkModuleVersion(modPath, query.version));
          const bad = describeUnstorable(modPath, query.version);
          if (bad) fail(qWhere, bad);
        }
        return { text, query, where: qWhere };
      }),
    );
    if (queries.every((q) => q !== undefined)) out.modules.push({ path: modPath, queries, where });
  }
}

function parseToolchains(v: unknown, name: string, problems: ProblemList): ManifestToolchains {
  const where = `${name}: toolchains`;
  if (!isObject(v)) fail(where, 'must be an object like {"versions": ["go1.23.4", "latest"], "platforms": ["linux-amd64"]}');
  rejectUnknownKeys(v, TOOLCHAIN_KEYS, name, 'toolchains.', problems);
  const versions = v.versions ?? [];
  if (!Array.isArray(versions)) fail(`${where}.versions`, 'must be a list of Go versions', 'For example ["go1.23.4", "go1.22", "latest"]');
  const queries = versions.map((x: unknown, i: number) => {
    const qWhere = `${where}.versions[${i}]`;
    const text = str(x, qWhere);
    return { text, query: rethrowAt(qWhere, () => parseToolchainQuery(text)), where: qWhere };
  });
  const out: ManifestToolchains = { queries };
  if (v.platforms !== undefined) out.platforms = parsePlatforms(v.platforms, `${where}.platforms`);
  return out;
}

/** A list of `goos-goarch` platforms; shared with the --platforms flag. */
export function parsePlatforms(v: unknown, where: string): string[] {
  const list = strList(v, where);
  list.forEach((p, i) => {
    if (!isValidPlatform(p)) {
      fail(`${where}[${i}]`, `invalid platform "${p}"`, 'Platforms are GOOS-GOARCH as in golang.org/toolchain versions, e.g. linux-amd64, darwin-arm64, windows-amd64');
    }
  });
  return list;
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

function rejectUnknownKeys(obj: Record<string, unknown>, known: readonly string[], name: string, prefix: string, problems: ProblemList): void {
  for (const k of Object.keys(obj)) {
    if (known.includes(k)) continue;
    const guess = didYouMean(k, known);
    problems.attempt(() => fail(`${name}: ${prefix}${k}`, `unknown key${guess ? ` (did you mean "${guess}"?)` : ''}`, `Known keys: ${known.filter((x) => !x.startsWith('$')).join(', ')}`));
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
    text = await readInputFile(file);
  } catch (err) {
    throw new GomirrorError('E_MANIFEST', `${file}: cannot read the manifest: ${(err as Error).message}`);
  }
  return parseManifest(text, file);
}
