/**
 * Go module identity, pure: path validity and major-version suffixes,
 * semantic versions and pseudo-versions, case escaping for proxy paths,
 * GOPRIVATE-style pattern lists (and the regexes that match them against
 * escaped request paths, for nginx), and the version queries of a manifest.
 */
export { checkFilePath, checkImportPath, checkPath, checkPathMajor, isValidModulePath, matchPathMajor, splitPathVersion, type SplitPath } from './check-path.js';
export { checkModuleVersion, isValidModuleVersion } from './check.js';
export { escapePath, escapeVersion, unescapePath, unescapeVersion } from './escape.js';
export { matchPrefixPatterns } from './match.js';
export { isValidPathPattern, matchPathPattern, parsePathPattern, type ParsedPattern, type PatternToken } from './path-pattern.js';
export { compileModulePattern, splitModulePatterns } from './uri-pattern.js';
export { isPseudoVersion, pseudoVersionBase, pseudoVersionRev, pseudoVersionTime } from './pseudo.js';
export { parseVersionQuery, selectVersions, type VersionConstraint, type VersionOperator, type VersionQuery, goModProbe, type SelectOptions } from './query.js';
export { canonicalSemver, canonicalVersion, compareSemver, isSemverPrefix, isValidSemver, semverBuild, semverMajor, semverMajorMinor, semverPrerelease, sortVersions } from './semver.js';
