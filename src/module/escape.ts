/**
 * Case escaping of module paths and versions (module.EscapePath and friends).
 *
 * The proxy protocol must be servable from a case-insensitive file system, so
 * every upper-case letter becomes `!` plus its lower-case form:
 * `github.com/BurntSushi/toml` → `github.com/!burnt!sushi/toml`. Paths and
 * versions never contain `!` or non-ASCII, so the mapping is reversible.
 */
import { InvalidModuleError } from '../errors.js';
import { NON_ASCII, checkPath, describeBadElement } from './check-path.js';

function escapeString(s: string): string {
  return s.replace(/[A-Z]/g, (c) => '!' + c.toLowerCase());
}

/** Undoes escapeString; undefined for a raw upper-case letter, a `!` not followed by a-z, or non-ASCII. */
function unescapeString(escaped: string): string | undefined {
  if (NON_ASCII.test(escaped) || /[A-Z]|!(?![a-z])/.test(escaped)) return undefined;
  return escaped.replace(/!([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * The escaped form of module path (module.EscapePath), as used in proxy URLs
 * and file names. Throws InvalidModuleError E_MODULE_PATH if path is not a
 * valid module path.
 */
export function escapePath(path: string): string {
  let escaped = escapedPaths.get(path);
  if (escaped === undefined) {
    checkPath(path);
    escaped = escapeString(path);
    // A sync asks for the same few hundred paths thousands of times; valid
    // ones are remembered (a bounded cache, so a long-lived caller cannot grow it without end).
    if (escapedPaths.size >= 10_000) escapedPaths.clear();
    escapedPaths.set(path, escaped);
  }
  return escaped;
}

const escapedPaths = new Map<string, string>();

/**
 * The escaped form of version (module.EscapeVersion). The version need not be
 * semver (branch names are allowed) but must be a valid file-name element
 * without `!` and made of ASCII. Throws InvalidModuleError E_VERSION.
 */
export function escapeVersion(version: string): string {
  // Go: the file-name rules admit non-ASCII letters, but the escaper rejects them.
  if (describeBadElement(version, 'file') !== undefined || version.includes('!') || NON_ASCII.test(version)) {
    throw new InvalidModuleError('E_VERSION', `disallowed version string ${JSON.stringify(version)}`);
  }
  return escapeString(version);
}

/**
 * The module path an escaped path stands for (module.UnescapePath). Throws
 * InvalidModuleError E_MODULE_PATH if the escaping is malformed or the result
 * is not a valid module path.
 */
export function unescapePath(escaped: string): string {
  const path = unescapeString(escaped);
  if (path === undefined) {
    throw new InvalidModuleError('E_MODULE_PATH', `invalid escaped module path ${JSON.stringify(escaped)}`);
  }
  try {
    checkPath(path);
  } catch (err) {
    throw new InvalidModuleError(
      'E_MODULE_PATH',
      `invalid escaped module path ${JSON.stringify(escaped)}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return path;
}

/**
 * The version an escaped version stands for (module.UnescapeVersion). Throws
 * InvalidModuleError E_VERSION if the escaping is malformed or the result is
 * not a valid file-name element.
 */
export function unescapeVersion(escaped: string): string {
  const version = unescapeString(escaped);
  if (version === undefined) {
    throw new InvalidModuleError('E_VERSION', `invalid escaped version ${JSON.stringify(escaped)}`);
  }
  const problem = describeBadElement(version, 'file');
  if (problem !== undefined) {
    throw new InvalidModuleError('E_VERSION', `invalid escaped version ${JSON.stringify(version)}: ${problem}`);
  }
  return version;
}
