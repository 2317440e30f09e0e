/**
 * Version queries of a mirror manifest, and picking the versions they name
 * out of an upstream `@v/list`.
 *
 * Accepted forms (parseVersionQuery) and what selectVersions returns for them:
 *
 * - An exact canonical version: a release, pre-release, pseudo-version or
 *   `+incompatible` version (`v1.2.3`, `v1.3.0-rc.1`,
 *   `v0.0.0-20200102150405-abcdef123456`, `v14.2.0+incompatible`). It is
 *   returned as-is even when the list does not name it (pseudo-versions never
 *   appear there); the caller fetches it. It must fit the module path.
 *   Non-canonical spellings (`v1.2.3+meta`, `v1.02.3`, `1.2.3`) are refused
 *   with a "did you mean".
 * - `latest`: like the go command, the highest release, else the highest
 *   pre-release, of the allowed listed versions. [] when nothing fits; the
 *   caller then asks upstream for `@latest`.
 * - A prefix `vX` or `vX.Y`, as `go get m@v1.2`: among allowed listed
 *   versions with that major (and minor), the highest release, else the
 *   highest pre-release; one version at most. Pre-releases below the prefix's
 *   own version do not count (`v1.2` never picks `v1.2.0-rc.1`). For a path
 *   without a major suffix, `v2` picks among `v2.x.y+incompatible`.
 * - Comparisons `<v`, `<=v`, `>v`, `>=v` with any valid version, and
 *   space-separated combinations of them, AND-ed (`>=v1.2.0 <v2.0.0`):
 *   **every** listed version in the range the go command could resolve the
 *   comparison to (pre-releases and retracted versions included), sorted,
 *   since a mirror wants the whole range. A shorthand means its `.0` version
 *   (`>=v1.2` is `>=v1.2.0`), except that `<=vX.Y` and `>vX.Y` are refused as
 *   ambiguous, as the go command does (`v1.2` might mean `v1.2.3`).
 *   Contradictory ranges (`>v2.0.0 <v1.0.0`) are refused.
 * - `all`: every listed version, sorted.
 *
 * - A branch, tag or commit hash (`main`, `4c6c4a2`): kind `revision`; the
 *   upstream resolves it (version control for direct modules, else the
 *   proxy's `@v/<rev>.info`), usually to a pseudo-version.
 *
 * `upgrade`, `patch` and `none` need a current build list, which a mirror
 * does not have: they are refused with E_QUERY.
 *
 * List selection only ever returns canonical, non-pseudo versions that fit
 * the module path (module.Check plus the `+incompatible` rules): a `v1.x`
 * line in the list of `example.com/m/v2` is dropped.
 *
 * `+incompatible` versions, as in the go command (modload queryMatcher
 * filterVersions): a query whose own version has a major the path does not
 * carry (`v2`, `<v3.0.0` for a path without `/vN`) considers them. Other
 * queries consider them only when the highest allowed compatible version they
 * match has no go.mod of its own (its .mod is the synthesized `module M`
 * line): goModProbe() names that version, and the caller says through
 * hasGoMod whether it has a real go.mod.
 */
import { InvalidModuleError } from '../errors.js';
import { checkModuleVersion, isValidModuleVersion } from './check.js';
import { checkPath, matchPathMajor, splitPathVersion } from './check-path.js';
import { isPseudoVersion } from './pseudo.js';
import { canonicalSemver, canonicalVersion, compareSemver, isSemverPrefix, isValidSemver, semverBuild, semverMajor, semverPrerelease, sortVersions, suggestVersion } from './semver.js';

/** A comparison operator of a range query. */
export type VersionOperator = '<' | '<=' | '>' | '>=';

/** One comparison of a range query; version is canonical (build metadata dropped). */
export interface VersionConstraint {
  op: VersionOperator;
  version: string;
}

/** A parsed version query; see the module doc comment for the semantics. */
export type VersionQuery =
  | { kind: 'exact'; version: string }
  | { kind: 'latest' }
  | { kind: 'prefix'; prefix: string }
  | { kind: 'range'; constraints: readonly VersionConstraint[] }
  | { kind: 'all' }
  /** A branch, tag or commit hash: the upstream (version control, or a proxy's `@v/<rev>.info`) names its version. */
  | { kind: 'revision'; revision: string };

const ACCEPTED_FORMS =
  'use an exact version (v1.2.3, v1.3.0-rc.1, a pseudo-version, v2.0.0+incompatible), ' +
  'latest, all, a prefix (v1, v1.2) or comparisons (>=v1.2.0, <v2, ">=v1.2.0 <v2.0.0")';

function throwBadQuery(query: string, problem: string): never {
  throw new InvalidModuleError('E_QUERY', `invalid version query ${JSON.stringify(query)}: ${problem}`, {
    hint: `Accepted forms: ${ACCEPTED_FORMS}.`,
  });
}

const OPERATOR_RE = /^(<=|>=|<|>)(.*)$/;

function parseConstraint(query: string, term: string): VersionConstraint {
  const m = OPERATOR_RE.exec(term);
  const op = m?.[1] as VersionOperator | undefined;
  const version = m?.[2] ?? '';
  if (op === undefined) throwBadQuery(query, `${JSON.stringify(term)} is not a comparison like >=v1.2.0`);
  if (!isValidSemver(version)) {
    const guess = version === '' ? undefined : suggestVersion(version, true);
    const hint = guess === undefined ? '' : ` (did you mean ${op}${guess}?)`;
    throwBadQuery(query, `${JSON.stringify(version)} in ${JSON.stringify(term)} is not a semantic version${hint}`);
  }
  // Go refuses these: would <=v1.2 admit v1.2.3, which @v1.2 itself may select?
  if (isSemverPrefix(version) && (op === '<=' || op === '>')) {
    throwBadQuery(query, `ambiguous semantic version ${JSON.stringify(version)} in ${JSON.stringify(term)}`);
  }
  return { op, version: canonicalSemver(version) };
}

/** Whether no version can satisfy every constraint. */
function isContradictory(constraints: readonly VersionConstraint[]): boolean {
  for (const lower of constraints) {
    if (lower.op !== '>' && lower.op !== '>=') continue;
    for (const upper of constraints) {
      if (upper.op !== '<' && upper.op !== '<=') continue;
      const c = compareSemver(lower.version, upper.version);
      if (c > 0 || (c === 0 && (lower.op === '>' || upper.op === '<'))) return true;
    }
  }
  return false;
}

/**
 * Parses one version query of a manifest. Throws InvalidModuleError E_QUERY
 * for anything that is not one of the accepted forms (see the module doc
 * comment), naming the forms in its hint.
 */
export function parseVersionQuery(query: string): VersionQuery {
  const q = query.trim();
  if (q === '') throwBadQuery(query, 'empty query');
  if (q === 'latest') return { kind: 'latest' };
  if (q === 'all') return { kind: 'all' };
  if (/^[<>]/.test(q)) {
    const constraints = q.split(/\s+/).map((term) => parseConstraint(query, term));
    if (isContradictory(constraints)) throwBadQuery(query, 'no version can satisfy all of these comparisons');
    return { kind: 'range', constraints };
  }
  if (isSemverPrefix(q)) return { kind: 'prefix', prefix: q };
  if (isValidSemver(q) && canonicalVersion(q) === q) return { kind: 'exact', version: q };
  // A commit hash, even one of digits only (Go takes 1234567 as a revision, not a version).
  if (/^[0-9a-f]{7,40}$/.test(q)) return { kind: 'revision', revision: q };
  const guess = suggestVersion(q, true);
  if (guess !== undefined) throwBadQuery(query, `not a canonical version (did you mean ${guess}?)`);
  if (['upgrade', 'patch', 'none'].includes(q)) {
    throwBadQuery(query, `"${q}" depends on a build list, which a mirror does not have`);
  }
  // Looks like a version but is none (v1.2.3.4): a manifest mistake, not a branch name.
  if (/^v\d/.test(q)) throwBadQuery(query, 'not a semantic version');
  // Go hands any other query to the repository as a revision; keep to what a git ref or hash can spell.
  if (/^[A-Za-z0-9][A-Za-z0-9._/+-]*$/.test(q) && !q.includes('..') && !q.endsWith('.lock') && !q.endsWith('/')) {
    return { kind: 'revision', revision: q };
  }
  throwBadQuery(query, 'not a version, a query or a branch or commit name');
}

function satisfies(v: string, { op, version }: VersionConstraint): boolean {
  const c = compareSemver(v, version);
  switch (op) {
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
  }
}

/** The highest release among versions, else the highest pre-release; undefined if empty. */
function pickHighest(versions: readonly string[]): string | undefined {
  const releases = versions.filter((v) => semverPrerelease(v) === '');
  return sortVersions(releases.length > 0 ? releases : versions).at(-1);
}

/** The distinct listed versions that fit modulePath, dropping pseudo-versions and junk lines. */
function listedVersions(modulePath: string, available: readonly string[]): string[] {
  const fitting = new Set<string>();
  for (const line of available) {
    // A list line is "version [timestamp]"; only the first field counts.
    const v = line.trim().split(/\s+/)[0] ?? '';
    if (!isPseudoVersion(v) && isValidModuleVersion(modulePath, v)) fitting.add(v);
  }
  return [...fitting];
}

/** What a query may pick beyond the list itself; see the module doc comment. */
export interface SelectOptions {
  /** Versions latest and prefix queries may pick (Go: the AllowedFunc, i.e. not retracted). Default: all. */
  allowed?: (version: string) => boolean;
  /** Whether goModProbe()'s version has a real go.mod, not Go's synthesized `module M`. Default: true. */
  hasGoMod?: (version: string) => boolean;
}

function checkPrefixMajor(modulePath: string, prefix: string): void {
  const { pathMajor } = splitPathVersion(modulePath) ?? { prefix: modulePath, pathMajor: '' };
  const probe = `${semverMajor(prefix)}.0.0`;
  // A prefix whose major can never fit the path is a manifest mistake, not an empty result.
  if (!matchPathMajor(probe, pathMajor) && !matchPathMajor(`${probe}+incompatible`, pathMajor)) {
    throw new InvalidModuleError(
      'E_QUERY',
      `version query ${JSON.stringify(prefix)} can never match module ${modulePath}: its versions are ${
        pathMajor === '' ? 'v0 or v1 (or v2+ with +incompatible)' : pathMajor.replace(/^[/.]/, '').replace(/-unstable$/, '')
      }`,
    );
  }
}

/** Whether version's major fits the path without +incompatible (Go: matchesMajor). */
function fitsPathMajor(modulePath: string, version: string): boolean {
  const split = splitPathVersion(modulePath);
  return split != null && matchPathMajor(canonicalSemver(version), split.pathMajor);
}

/** How a non-exact query filters the list, after Go's newQueryMatcher. */
interface Matcher {
  matches(v: string): boolean;
  /** The query names a major the path does not carry, so +incompatible versions count. */
  preferIncompatible: boolean;
  /** Retractions apply (latest, prefixes). */
  usesAllowed: boolean;
}

function matcherFor(modulePath: string, query: Exclude<VersionQuery, { kind: 'exact' | 'all' | 'revision' }>): Matcher {
  switch (query.kind) {
    case 'latest':
      return { matches: () => true, preferIncompatible: false, usesAllowed: true };
    case 'prefix': {
      const floor = canonicalSemver(query.prefix);
      return {
        matches: (v) => v.startsWith(query.prefix + '.') && compareSemver(v, floor) >= 0,
        preferIncompatible: !fitsPathMajor(modulePath, query.prefix),
        usesAllowed: true,
      };
    }
    case 'range':
      return {
        matches: (v) => query.constraints.every((c) => satisfies(v, c)),
        preferIncompatible: query.constraints.some((c) => !fitsPathMajor(modulePath, c.version)),
        usesAllowed: false,
      };
  }
}

/**
 * Go's filterVersions: the sorted versions a query may pick. Compatible
 * versions sort below every +incompatible one, so the first +incompatible
 * version met decides, through the go.mod of the last compatible version
 * before it, whether the +incompatible ones count at all.
 */
function candidates(listed: readonly string[], m: Matcher, opts: SelectOptions): string[] {
  const allowed = m.usesAllowed ? (opts.allowed ?? (() => true)) : () => true;
  let needIncompatible = m.preferIncompatible;
  let lastCompatible: string | undefined;
  const out: string[] = [];
  for (const v of sortVersions(listed)) {
    if (!m.matches(v) || !allowed(v)) continue;
    if (!needIncompatible) {
      if (semverBuild(v) !== '+incompatible') lastCompatible = v;
      else if (lastCompatible !== undefined) {
        if (opts.hasGoMod?.(lastCompatible) ?? true) break;
        needIncompatible = true;
      }
    }
    out.push(v);
  }
  return out;
}

/** The version whose go.mod decides whether query may pick +incompatible versions; undefined if none. */
export function goModProbe(modulePath: string, query: VersionQuery, available: readonly string[], opts: Pick<SelectOptions, 'allowed'> = {}): string | undefined {
  if (query.kind === 'exact' || query.kind === 'all' || query.kind === 'revision') return undefined;
  let asked: string | undefined;
  candidates(listedVersions(modulePath, available), matcherFor(modulePath, query), {
    ...opts,
    hasGoMod: (v) => {
      asked = v;
      return true;
    },
  });
  return asked;
}

/**
 * The versions query selects for modulePath, given the upstream's `@v/list`
 * lines in available (see the module doc comment for each form). Pure; the
 * result is sorted, holds no duplicates, and is [] when nothing in the list
 * fits. Throws InvalidModuleError: E_MODULE_PATH for an invalid path,
 * E_VERSION for an exact version that does not fit the path, E_QUERY for a
 * prefix whose major can never fit it.
 */
export function selectVersions(modulePath: string, query: VersionQuery, available: readonly string[], opts: SelectOptions = {}): string[] {
  checkPath(modulePath);
  if (query.kind === 'exact') {
    checkModuleVersion(modulePath, query.version);
    return [query.version];
  }
  const listed = listedVersions(modulePath, available);
  if (query.kind === 'all') return sortVersions(listed);
  // Only the upstream can say which version a branch or commit is (resolveQueries asks it).
  if (query.kind === 'revision') return [];
  if (query.kind === 'prefix') checkPrefixMajor(modulePath, query.prefix);
  const found = candidates(listed, matcherFor(modulePath, query), opts);
  if (query.kind === 'range') return found;
  const best = pickHighest(found);
  return best === undefined ? [] : [best];
}
