/**
 * Fetching, checking and staging one module version, shared by every command
 * that writes module files (sync, verify --repair, import): query resolution,
 * retractions, the dependency closure's go.mod reads, the staging worker pool.
 */
export { computeClosure, withModCache } from './closure.js';
export { createModCache, type ModCache, type ModSource } from './mod-cache.js';
export { parseInfo } from './info.js';
export { expectedHash, type MirrorContext, mirrorVersion, type VersionOutcome, checkGoMod } from './mirror-version.js';
export { type QueryInput, type Resolution, resolveQueries } from './resolve.js';
export { createStagePool } from './stage-pool.js';
export { loadQueryRules } from './retract.js';
export type { AvoidVersion, SkippedVersion } from './resolve.js';
