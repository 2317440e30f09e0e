/**
 * Validity rules for module paths, import paths and file paths, mirroring
 * golang.org/x/mod/module (CheckPath, CheckImportPath, CheckFilePath,
 * SplitPathVersion, CheckPathMajor). These rules decide what the go command
 * will ever ask a proxy for, so the mirror must agree with them exactly.
 */
import { InvalidModuleError } from '../errors.js';
import { semverBuild, semverMajor } from './semver.js';

type PathKind = 'module' | 'import' | 'file';

// Go: file names additionally allow space and this punctuation; the rest of
// ASCII punctuation is either a shell metacharacter or a path separator.
const FILE_NAME_PUNCTUATION = "!#$%&()+,-.=@[]^_{}~ ";
const LETTER = /^\p{L}$/u;
// A JavaScript string can hold a lone surrogate, which has no UTF-8 encoding.
const LONE_SURROGATE = /\p{Surrogate}/u;
// Any UTF-16 code unit above 0x7f, surrogates included.
export const NON_ASCII = /[\u0080-\uffff]/;

// Reserved device names on Windows; they are reserved with any extension too.
const BAD_WINDOWS_NAMES = new Set([
  'CON', 'PRN', 'AUX', 'NUL',
  'COM1', 'COM2', 'COM3', 'COM4', 'COM5', 'COM6', 'COM7', 'COM8', 'COM9',
  'LPT1', 'LPT2', 'LPT3', 'LPT4', 'LPT5', 'LPT6', 'LPT7', 'LPT8', 'LPT9',
]);

function isAsciiAlnum(c: string): boolean {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

function isCharOK(c: string, kind: PathKind): boolean {
  if (c.length === 1 && c < '\x80') {
    if (isAsciiAlnum(c) || c === '-' || c === '.' || c === '_' || c === '~') return true;
    if (kind === 'import') return c === '+';
    if (kind === 'file') return FILE_NAME_PUNCTUATION.includes(c);
    return false;
  }
  // Module and import paths are ASCII-only so that case escaping stays unambiguous.
  return kind === 'file' && LETTER.test(c);
}

/** Go's %q for a rune: single-quoted, with non-printable characters escaped. */
function quoteChar(c: string): string {
  if (c === "'" || c === '\\') return `'\\${c}'`;
  if (/^[\p{L}\p{N}\p{P}\p{S} ]$/u.test(c)) return `'${c}'`;
  const code = c.codePointAt(0) ?? 0;
  return code > 0xffff ? `'\\U${code.toString(16).padStart(8, '0')}'` : `'\\u${code.toString(16).padStart(4, '0')}'`;
}

/**
 * Why one path element is invalid, or undefined if it is valid. Exported to the
 * folder for EscapeVersion, which applies the file-name rules to a version.
 */
export function describeBadElement(elem: string, kind: PathKind): string | undefined {
  if (elem === '') return 'empty path element';
  if (/^\.+$/.test(elem)) return `invalid path element ${JSON.stringify(elem)}`;
  if (elem.startsWith('.') && kind === 'module') return 'leading dot in path element';
  if (elem.endsWith('.')) return 'trailing dot in path element';
  for (const c of elem) {
    if (!isCharOK(c, kind)) return `invalid char ${quoteChar(c)}`;
  }
  const dot = elem.indexOf('.');
  const short = dot >= 0 ? elem.slice(0, dot) : elem;
  // Only ASCII can case-fold to a reserved name, and toUpperCase of non-ASCII
  // can produce ASCII ("ı" → "I"), so compare ASCII only.
  if (!NON_ASCII.test(short) && BAD_WINDOWS_NAMES.has(short.toUpperCase())) {
    return `${JSON.stringify(short)} disallowed as path element component on Windows`;
  }
  // 8.3 short names like "PROGRA~1" alias other names on Windows; file paths
  // inside a zip are exempt (Go checks them only for import and module paths).
  if (kind !== 'file' && /~[0-9]+$/.test(short)) return 'trailing tilde and digits in path element';
  return undefined;
}

function describeBadPath(path: string, kind: PathKind): string | undefined {
  if (LONE_SURROGATE.test(path)) return 'invalid UTF-8';
  if (path === '') return 'empty string';
  if (path.startsWith('-') && kind !== 'file') return 'leading dash';
  if (path.includes('//')) return 'double slash';
  if (path.endsWith('/')) return 'trailing slash';
  for (const elem of path.split('/')) {
    const problem = describeBadElement(elem, kind);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function throwMalformed(kind: PathKind, path: string, problem: string): never {
  throw new InvalidModuleError('E_MODULE_PATH', `malformed ${kind} path ${JSON.stringify(path)}: ${problem}`);
}

function describeBadModulePath(path: string): string | undefined {
  const problem = describeBadPath(path, 'module');
  if (problem !== undefined) return problem;
  const slash = path.indexOf('/');
  const first = slash < 0 ? path : path.slice(0, slash);
  if (first === '') return 'leading slash';
  if (!first.includes('.')) return 'missing dot in first path element';
  if (first.startsWith('-')) return 'leading dash in first path element';
  for (const c of first) {
    // Go: the first element is a DNS name, lower case so it cannot collide by case.
    if (!(c === '-' || c === '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'))) {
      return `invalid char ${quoteChar(c)} in first path element`;
    }
  }
  if (splitPathVersion(path) === null) return 'invalid version';
  return undefined;
}

/**
 * Checks that path is a valid module path (module.CheckPath): a valid import
 * path whose first element is a lower-case domain name with a dot, whose
 * elements never start with a dot, and whose major-version suffix, if any, is
 * well-formed. Throws InvalidModuleError E_MODULE_PATH, e.g.
 * `malformed module path "x": missing dot in first path element`.
 */
export function checkPath(path: string): void {
  const problem = describeBadModulePath(path);
  if (problem !== undefined) throwMalformed('module', path, problem);
}

/** Reports whether path is a valid module path, without throwing. */
export function isValidModulePath(path: string): boolean {
  return describeBadModulePath(path) === undefined;
}

/**
 * Checks that path is a valid package import path (module.CheckImportPath):
 * slash-separated non-empty elements of ASCII letters, digits and `-._~+`, no
 * element made of dots or ending in one, no Windows reserved names or
 * `~digits` short names. Throws InvalidModuleError E_MODULE_PATH.
 */
export function checkImportPath(path: string): void {
  const problem = describeBadPath(path, 'import');
  if (problem !== undefined) throwMalformed('import', path, problem);
}

/**
 * Checks that path is a valid file path inside a module zip
 * (module.CheckFilePath): like an import path, but any Unicode letter, space
 * and `!#$%&()+,-.=@[]^_{}~` are allowed, elements may start with a dot or a
 * dash, and `~digits` is allowed. Throws InvalidModuleError E_MODULE_PATH.
 */
export function checkFilePath(path: string): void {
  const problem = describeBadPath(path, 'file');
  if (problem !== undefined) throwMalformed('file', path, problem);
}

/** A module path split into its prefix and its major-version suffix. */
export interface SplitPath {
  prefix: string;
  /** "" (no suffix), "/vN" with N ≥ 2, or for gopkg.in ".vN" or ".vN-unstable". */
  pathMajor: string;
}

function splitGopkgIn(path: string): SplitPath | null {
  const m = /^(gopkg\.in\/.*)(\.v(?:0|[1-9][0-9]*)(?:-unstable)?)$/.exec(path);
  // gopkg.in paths must all end in .vN; the prefix needs at least one character.
  if (m === null || m[1] === undefined || m[2] === undefined) return null;
  return { prefix: m[1], pathMajor: m[2] };
}

/**
 * Splits a module path into prefix and major-version suffix so that
 * `prefix + pathMajor === path` (module.SplitPathVersion). A final element
 * `v` + digits and dots must be `/vN` with N ≥ 2, no leading zero and no dot;
 * gopkg.in paths must end in `.vN` (N ≥ 0) optionally followed by
 * `-unstable`. Returns null for an invalid suffix such as `/v1`, `/v0`,
 * `/v02`, `/v2.0` or a gopkg.in path without `.vN`.
 */
export function splitPathVersion(path: string): SplitPath | null {
  if (path.startsWith('gopkg.in/')) return splitGopkgIn(path);
  const m = /^(.+)(\/v[0-9.]+)$/.exec(path);
  if (m === null || m[1] === undefined || m[2] === undefined) return { prefix: path, pathMajor: '' };
  const pathMajor = m[2];
  if (pathMajor.includes('.') || pathMajor.startsWith('/v0') || pathMajor === '/v1') return null;
  return { prefix: m[1], pathMajor };
}

/**
 * Why version v does not match pathMajor, like "should be v2, not v1", or
 * undefined when it matches (module.CheckPathMajor). With no suffix, v0, v1
 * and any major with build suffix `+incompatible` match; with `/vN` or `.vN`
 * the major must be vN. gopkg.in `.v1` also accepts `v0.0.0-` pseudo-versions,
 * which early vgo generated for it and old go.mod files still require.
 */
export function describePathMajorMismatch(v: string, pathMajor: string): string | undefined {
  let pm = pathMajor;
  if (pm.startsWith('.v') && pm.endsWith('-unstable')) pm = pm.slice(0, -'-unstable'.length);
  if (v.startsWith('v0.0.0-') && pm === '.v1') return undefined;
  const major = semverMajor(v);
  if (pm === '') {
    if (major === 'v0' || major === 'v1' || semverBuild(v) === '+incompatible') return undefined;
    return `should be v0 or v1, not ${major}`;
  }
  if ((pm.startsWith('/') || pm.startsWith('.')) && major === pm.slice(1)) return undefined;
  return `should be ${pm.replace(/^[/.]/, '')}, not ${major}`;
}

/** Reports whether version v matches the path major version suffix (module.MatchPathMajor). */
export function matchPathMajor(v: string, pathMajor: string): boolean {
  return describePathMajorMismatch(v, pathMajor) === undefined;
}

/**
 * Checks that version v matches the major-version suffix pathMajor of a
 * module path (module.CheckPathMajor; see describePathMajorMismatch). Throws
 * InvalidModuleError E_VERSION, e.g. `version "v2.0.0" invalid: should be v0 or v1, not v2`.
 */
export function checkPathMajor(v: string, pathMajor: string): void {
  const problem = describePathMajorMismatch(v, pathMajor);
  if (problem !== undefined) {
    throw new InvalidModuleError('E_VERSION', `version ${JSON.stringify(v)} invalid: ${problem}`);
  }
}
