/**
 * Go toolchain versions (Go: internal/gover, which cmd/go/internal/gover
 * wraps): `1.21`, `1.21rc1`, `1.21.0`. Not semver: the language version
 * `1.21` sorts below its release candidates, which sort below the release
 * `1.21.0`; before Go 1.21 a missing patch means `.0` (`1.20` is the release
 * go1.20). Pure.
 */

interface ParsedGoVersion {
  major: string;
  minor: string;
  patch: string;
  /** '', 'alpha', 'beta', 'rc' (any lower-case word Go accepts). */
  kind: string;
  pre: string;
}

/** Go: gover.parse. undefined for a malformed version. */
function parse(x: string): ParsedGoVersion | undefined {
  const v: ParsedGoVersion = { major: '', minor: '', patch: '', kind: '', pre: '' };
  let cut = cutInt(x);
  if (!cut) return undefined;
  [v.major, x] = cut;
  if (x === '') {
    // Go: "1" means 1.0.0.
    v.minor = '0';
    v.patch = '0';
    return v;
  }
  if (x[0] !== '.') return undefined;
  cut = cutInt(x.slice(1));
  if (!cut) return undefined;
  [v.minor, x] = cut;
  if (x === '') {
    // Go: a missing patch is .0 before 1.21; from 1.21 on, 1.N is the language version.
    if (cmpInt(v.minor, '21') < 0) v.patch = '0';
    return v;
  }
  if (x[0] === '.') {
    cut = cutInt(x.slice(1));
    if (!cut) return undefined;
    [v.patch, x] = cut;
    // A patch release may have a pre-release of its own (1.21.3rc1 < 1.21.3).
    return x === '' || parsePrerelease(x, v) ? v : undefined;
  }
  return parsePrerelease(x, v) ? v : undefined;
}

/** Go: parsePreRelease: lower-case letters, then an optional number. */
function parsePrerelease(x: string, v: ParsedGoVersion): boolean {
  const m = /^([a-z]+)(.*)$/.exec(x);
  if (!m) return false;
  v.kind = m[1] as string;
  const rest = m[2] as string;
  if (rest === '') return true;
  const cut = cutInt(rest);
  if (!cut || cut[1] !== '') return false;
  v.pre = cut[0];
  return true;
}

/** A leading decimal without needless zeros, and the rest. */
function cutInt(x: string): [string, string] | undefined {
  const m = /^[0-9]+/.exec(x);
  if (!m) return undefined;
  const n = m[0];
  if (n.length > 1 && n[0] === '0') return undefined;
  return [n, x.slice(n.length)];
}

/** Compares decimal strings of any length. */
function cmpInt(x: string, y: string): number {
  if (x === y) return 0;
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : 1;
}

/**
 * Go: gover.Compare. -1, 0 or +1; versions without the `go` prefix. Malformed
 * versions sort below every valid one and equal to each other.
 */
export function compareGoVersions(x: string, y: string): number {
  const a = parse(x);
  const b = parse(y);
  if (!a || !b) return a ? 1 : b ? -1 : 0;
  return cmpInt(a.major, b.major) || cmpInt(a.minor, b.minor) || cmpInt(a.patch, b.patch) || compareKind(a, b) || cmpInt(a.pre, b.pre);
}

/**
 * '' < alpha < beta < rc by plain string order, which puts the language
 * version 1.21 below 1.21rc1; for a patch release the release itself comes
 * last (1.21.3rc1 < 1.21.3).
 */
function compareKind(a: ParsedGoVersion, b: ParsedGoVersion): number {
  if (a.kind === b.kind) return 0;
  if (a.patch !== '') {
    if (a.kind === '') return 1;
    if (b.kind === '') return -1;
  }
  return a.kind < b.kind ? -1 : 1;
}

/** Go: gover.IsValid. */
export function isValidGoVersion(x: string): boolean {
  return parse(x) !== undefined;
}

/** Go: gover.IsLang: `1.21` names the language, not a release (`1.21.0`). */
export function isLangVersion(x: string): boolean {
  const v = parse(x);
  return v !== undefined && v.patch === '' && v.kind === '' && v.pre === '';
}

/** Go: gover.IsPrerelease (`1.22rc1`, `1.21beta2`). */
export function isPrereleaseGoVersion(x: string): boolean {
  return (parse(x)?.kind ?? '') !== '';
}

/** Go: gover.Lang: `1.22.3` → `1.22`; `1` (= 1.0.0) → `1`. */
export function goLang(x: string): string {
  const v = parse(x);
  if (!v) return '';
  return v.minor === '' || (v.major === '1' && v.minor === '0') ? v.major : `${v.major}.${v.minor}`;
}

/**
 * Go: gover.FromToolchain: the version of a toolchain name, `go1.22.3` →
 * `1.22.3`; a custom suffix after `-`, space or tab is dropped
 * (`go1.21.1-bigcorp` → `1.21.1`); '' when the name is not a toolchain.
 */
export function goVersionOfToolchain(name: string): string {
  if (!name.startsWith('go')) return '';
  let v = name.slice(2);
  const cut = v.search(/[ \t-]/);
  if (cut >= 0) v = v.slice(0, cut);
  return isValidGoVersion(v) ? v : '';
}

/** Sorts Go versions oldest first (a copy). */
export function sortGoVersions(versions: Iterable<string>): string[] {
  return [...versions].sort(compareGoVersions);
}
