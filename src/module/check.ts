/**
 * Whether a module path and version pair can exist on a proxy
 * (module.Check, tightened with the go command's rules for canonical versions
 * and `+incompatible`).
 */
import { InvalidModuleError } from '../errors.js';
import { checkPath, describePathMajorMismatch, isValidModulePath, splitPathVersion } from './check-path.js';
import { canonicalVersion, isValidSemver, semverBuild, semverMajor, suggestVersion } from './semver.js';

function quote(s: string): string {
  return JSON.stringify(s);
}

/** The module path that holds versions of the given major, for a hint. */
function pathForMajor(prefix: string, pathMajor: string, major: string): string {
  if (pathMajor.startsWith('.')) return `${prefix}.${major}`;
  return major === 'v0' || major === 'v1' ? prefix : `${prefix}/${major}`;
}

/** Why version cannot belong to path, or undefined when it can; path must be valid. */
function describeVersionProblem(path: string, version: string): string | undefined {
  if (!isValidSemver(version)) {
    const guess = suggestVersion(version);
    return 'not a semantic version' + (guess === undefined ? '' : ` (did you mean ${guess}?)`);
  }
  const canonical = canonicalVersion(version);
  if (canonical !== version) return `not a canonical version (did you mean ${canonical}?)`;
  const { prefix, pathMajor } = splitPathVersion(path) ?? { prefix: path, pathMajor: '' };
  const major = semverMajor(version);
  if (semverBuild(version) === '+incompatible') {
    // Go (coderepo): +incompatible marks a v2+ tag of a module without go.mod in
    // a path without a major suffix; anywhere else the go command rejects it.
    if (pathMajor !== '') return 'the +incompatible suffix is not allowed: the module path has a major version suffix';
    if (major === 'v0' || major === 'v1') return `the +incompatible suffix is not allowed: major version ${major} is compatible`;
    return undefined;
  }
  const mismatch = describePathMajorMismatch(version, pathMajor);
  if (mismatch === undefined) return undefined;
  const home = pathForMajor(prefix, pathMajor, major);
  const alternatives = pathMajor === '' ? `${home}, or ${version}+incompatible` : home;
  return `${mismatch} (use ${alternatives})`;
}

/**
 * Checks that version is a canonical version that module path can have:
 * the path is valid (checkPath), the version is valid semver and canonical
 * (`canonicalVersion(v) === v`), and its major matches the path
 * (checkPathMajor, with gopkg.in `.v1` accepting `v0.0.0-` pseudo-versions).
 * `+incompatible` is accepted only on v2+ versions of a path without a major
 * suffix, as the go command does.
 *
 * Throws InvalidModuleError E_MODULE_PATH for the path, E_VERSION for the
 * version, e.g. `version "v2.0.0" invalid for module example.com/m: should be
 * v0 or v1, not v2 (use example.com/m/v2, or v2.0.0+incompatible)`.
 */
export function checkModuleVersion(path: string, version: string): void {
  checkPath(path);
  const problem = describeVersionProblem(path, version);
  if (problem !== undefined) {
    throw new InvalidModuleError('E_VERSION', `version ${quote(version)} invalid for module ${path}: ${problem}`);
  }
}

/** Reports whether checkModuleVersion(path, version) would succeed, without throwing. */
export function isValidModuleVersion(path: string, version: string): boolean {
  return isValidModulePath(path) && describeVersionProblem(path, version) === undefined;
}
