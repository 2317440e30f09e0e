/**
 * Semantic versions as the go command reads them (golang.org/x/mod/semver).
 *
 * Go's dialect differs from semver.org in two ways that matter here: the
 * leading `v` is mandatory, and the shorthands `vX` and `vX.Y` are valid (they
 * mean `vX.0.0` and `vX.Y.0`) as long as they carry no pre-release or build
 * suffix. Functions taking a version treat an invalid one as Go does: they
 * return "" (or sort it below every valid version) instead of throwing.
 */

interface ParsedSemver {
  major: string;
  minor: string;
  patch: string;
  /** ".0.0" or ".0" when the version is a shorthand, else "". */
  short: string;
  /** Including the leading "-", or "". */
  prerelease: string;
  /** Including the leading "+", or "". */
  build: string;
}

// Numbers without leading zeros; identifiers are non-empty [0-9A-Za-z-] runs.
const NUMBER = '(0|[1-9][0-9]*)';
const IDENT = '[0-9A-Za-z-]+';
const SEMVER_RE = new RegExp(
  `^v${NUMBER}(?:\\.${NUMBER}(?:\\.${NUMBER}(-${IDENT}(?:\\.${IDENT})*)?(\\+${IDENT}(?:\\.${IDENT})*)?)?)?$`,
);
// A numeric pre-release identifier with a leading zero ("01") is invalid.
const BAD_NUMERIC_IDENT = /^0[0-9]+$/;

function parseSemver(v: string): ParsedSemver | undefined {
  const m = SEMVER_RE.exec(v);
  if (m === null) return undefined;
  const [, major = '', minor, patch, prerelease = '', build = ''] = m;
  if (prerelease !== '' && prerelease.slice(1).split('.').some((id) => BAD_NUMERIC_IDENT.test(id))) {
    return undefined;
  }
  if (minor === undefined) return { major, minor: '0', patch: '0', short: '.0.0', prerelease, build };
  if (patch === undefined) return { major, minor, patch: '0', short: '.0', prerelease, build };
  return { major, minor, patch, short: '', prerelease, build };
}

/** Reports whether v is a valid semantic version in Go's dialect (semver.IsValid). */
export function isValidSemver(v: string): boolean {
  return parseSemver(v) !== undefined;
}

/**
 * The canonical form of v (semver.Canonical): shorthands filled in with `.0`,
 * build metadata dropped. "" if v is invalid.
 */
export function canonicalSemver(v: string): string {
  const p = parseSemver(v);
  if (p === undefined) return '';
  if (p.build !== '') return v.slice(0, v.length - p.build.length);
  return v + p.short;
}

/**
 * The canonical form of a module version (module.CanonicalVersion): like
 * canonicalSemver but keeps a `+incompatible` build suffix, the one build
 * suffix the go command gives meaning to. A module version is canonical iff
 * `canonicalVersion(v) === v`.
 */
export function canonicalVersion(v: string): string {
  const cv = canonicalSemver(v);
  return cv !== '' && semverBuild(v) === '+incompatible' ? cv + '+incompatible' : cv;
}

/** The major version prefix of v, like "v2" (semver.Major). "" if v is invalid. */
export function semverMajor(v: string): string {
  const p = parseSemver(v);
  return p === undefined ? '' : `v${p.major}`;
}

/** The major.minor prefix of v, like "v2.1" (semver.MajorMinor). "" if v is invalid. */
export function semverMajorMinor(v: string): string {
  const p = parseSemver(v);
  return p === undefined ? '' : `v${p.major}.${p.minor}`;
}

/** The pre-release suffix of v including its "-", like "-rc.1" (semver.Prerelease). */
export function semverPrerelease(v: string): string {
  return parseSemver(v)?.prerelease ?? '';
}

/** The build suffix of v including its "+", like "+incompatible" (semver.Build). */
export function semverBuild(v: string): string {
  return parseSemver(v)?.build ?? '';
}

/**
 * Reports whether v is a valid shorthand `vX` or `vX.Y`, the forms `go get`
 * reads as "the latest version with this prefix".
 */
export function isSemverPrefix(v: string): boolean {
  const p = parseSemver(v);
  return p !== undefined && p.short !== '';
}

/** Compares decimal strings without leading zeros, of any length. */
function compareNumbers(x: string, y: string): number {
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x === y ? 0 : x < y ? -1 : 1;
}

const NUMERIC = /^[0-9]+$/;

/**
 * Orders pre-release suffixes (with their leading "-"). No pre-release sorts
 * above any pre-release; identifiers compare left to right, numeric ones
 * numerically and below alphanumeric ones; a longer list wins a tied prefix.
 */
function comparePrerelease(x: string, y: string): number {
  if (x === y) return 0;
  if (x === '') return 1;
  if (y === '') return -1;
  const xs = x.slice(1).split('.');
  const ys = y.slice(1).split('.');
  for (let i = 0; i < xs.length && i < ys.length; i++) {
    const dx = xs[i] ?? '';
    const dy = ys[i] ?? '';
    if (dx === dy) continue;
    const nx = NUMERIC.test(dx);
    const ny = NUMERIC.test(dy);
    if (nx !== ny) return nx ? -1 : 1;
    if (nx) return compareNumbers(dx, dy);
    return dx < dy ? -1 : 1;
  }
  return xs.length < ys.length ? -1 : 1;
}

/**
 * Compares two versions by semantic-version precedence (semver.Compare):
 * -1, 0 or +1. Build metadata is ignored; an invalid version is below every
 * valid one and equal to any other invalid one.
 */
export function compareSemver(v: string, w: string): number {
  const pv = parseSemver(v);
  const pw = parseSemver(w);
  if (pv === undefined || pw === undefined) {
    if (pv === pw) return 0;
    return pv === undefined ? -1 : 1;
  }
  return (
    compareNumbers(pv.major, pw.major) ||
    compareNumbers(pv.minor, pw.minor) ||
    compareNumbers(pv.patch, pw.patch) ||
    comparePrerelease(pv.prerelease, pw.prerelease)
  );
}

/**
 * A sorted copy of versions in increasing precedence (semver.Sort); versions
 * of equal precedence (v1.0.0 and v1.0.0+meta, or invalid ones) are ordered
 * by plain string comparison so the result is deterministic.
 */
export function sortVersions(versions: readonly string[]): string[] {
  return [...versions].sort((a, b) => compareSemver(a, b) || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * A best guess at what a malformed or non-canonical version meant, for
 * "did you mean" messages: adds a missing `v`, drops leading zeros from the
 * numbers, then canonicalizes (keeping a shorthand when keepPrefix is set).
 * undefined when no valid version can be derived.
 */
export function suggestVersion(v: string, keepPrefix = false): string | undefined {
  let fixed = v;
  if (!isValidSemver(fixed)) {
    const m = /^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?([-+].*)?$/.exec(v);
    if (m === null) return undefined;
    const strip = (n: string): string => n.replace(/^(\.?)0+(?=[0-9])/, '$1');
    fixed = `v${strip(m[1] ?? '')}${strip(m[2] ?? '')}${strip(m[3] ?? '')}${m[4] ?? ''}`;
    if (!isValidSemver(fixed)) return undefined;
  }
  if (keepPrefix && isSemverPrefix(fixed)) return fixed;
  return canonicalVersion(fixed);
}
