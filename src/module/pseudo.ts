/**
 * Pseudo-versions (golang.org/x/mod/module/pseudo.go): versions the go
 * command makes up for untagged commits. They come in three forms, each
 * optionally followed by a build suffix such as `+incompatible`:
 *
 *   vX.0.0-yyyymmddhhmmss-abcdef123456        no earlier tag in this major
 *   vX.Y.Z-pre.0.yyyymmddhhmmss-abcdef123456  after the pre-release vX.Y.Z-pre
 *   vX.Y.(Z+1)-0.yyyymmddhhmmss-abcdef123456  after the release vX.Y.Z
 *
 * A proxy's `@v/list` never names them; the go command drops them from lists.
 */
import { InvalidModuleError } from '../errors.js';
import { isValidSemver, semverBuild, semverPrerelease } from './semver.js';

const PSEUDO_VERSION_RE =
  /^v[0-9]+\.(0\.0-|\d+\.\d+-([^+]*\.)?0\.)\d{14}-[A-Za-z0-9]+(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

/** Reports whether v is a pseudo-version (module.IsPseudoVersion). */
export function isPseudoVersion(v: string): boolean {
  return (v.match(/-/g)?.length ?? 0) >= 2 && isValidSemver(v) && PSEUDO_VERSION_RE.test(v);
}

interface PseudoParts {
  /** "vX.0.0", "vX.Y.Z-pre.0" or "vX.Y.(Z+1)-0". */
  base: string;
  timestamp: string;
  rev: string;
  build: string;
}

function throwBadPseudo(v: string, problem: string): never {
  throw new InvalidModuleError('E_VERSION', `pseudo-version ${JSON.stringify(v)} invalid: ${problem}`);
}

function parsePseudoVersion(v: string): PseudoParts {
  if (!isPseudoVersion(v)) throwBadPseudo(v, 'syntax error');
  const build = semverBuild(v);
  const rest = v.slice(0, v.length - build.length);
  const revDash = rest.lastIndexOf('-');
  const rev = rest.slice(revDash + 1);
  const head = rest.slice(0, revDash);
  const dash = head.lastIndexOf('-');
  const dot = head.lastIndexOf('.');
  // In forms 2 and 3 the timestamp follows a dot inside the pre-release.
  if (dot > dash) return { base: head.slice(0, dot), timestamp: head.slice(dot + 1), rev, build };
  return { base: head.slice(0, dash), timestamp: head.slice(dash + 1), rev, build };
}

/**
 * The commit time encoded in pseudo-version v, in UTC
 * (module.PseudoVersionTime). Throws InvalidModuleError E_VERSION if v is not
 * a pseudo-version or its timestamp is not a real date and time.
 */
export function pseudoVersionTime(v: string): Date {
  const { timestamp } = parsePseudoVersion(v);
  const n = (from: number, to: number): number => Number(timestamp.slice(from, to));
  const [year, month, day, hour, minute, second] = [n(0, 4), n(4, 6), n(6, 8), n(8, 10), n(10, 12), n(12, 14)];
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  // Date rolls 31 February over into March; Go's time.Parse rejects it.
  const valid =
    month >= 1 && month <= 12 && hour < 24 && minute < 60 && second < 60 &&
    date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  if (!valid) throwBadPseudo(v, `malformed time ${JSON.stringify(timestamp)}`);
  return date;
}

/** The revision identifier (for git, a 12-hex commit prefix) of pseudo-version v (module.PseudoVersionRev). */
export function pseudoVersionRev(v: string): string {
  return parsePseudoVersion(v).rev;
}

/** Decrements a decimal string; "" if it is all zeros. */
function decrementDecimal(decimal: string): string {
  if (/^0+$/.test(decimal)) return '';
  return (BigInt(decimal) - 1n).toString();
}

/**
 * The tagged version pseudo-version v was derived from, or "" when it has none
 * (form 1) (module.PseudoVersionBase). A build suffix is carried over, so
 * `v2.0.1-0.2020…-abc+incompatible` gives `v2.0.0+incompatible`. Throws
 * InvalidModuleError E_VERSION for the impossible `vX.0.0-…+build` and
 * `vX.Y.0-0.…` forms.
 */
export function pseudoVersionBase(v: string): string {
  const { base, build } = parsePseudoVersion(v);
  const pre = semverPrerelease(base);
  if (pre === '') {
    // "vX.0.0-" says there is no earlier tag, "+incompatible" says there is one.
    if (build !== '') throwBadPseudo(v, `lacks base version, but has build metadata ${JSON.stringify(build)}`);
    return '';
  }
  if (pre === '-0') {
    const release = base.slice(0, base.length - pre.length);
    const lastDot = release.lastIndexOf('.');
    const patch = decrementDecimal(release.slice(lastDot + 1));
    if (patch === '') throwBadPseudo(v, `version before ${release} would have negative patch number`);
    return release.slice(0, lastDot + 1) + patch + build;
  }
  return base.slice(0, base.length - '.0'.length) + build;
}
