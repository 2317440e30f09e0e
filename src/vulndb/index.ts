/**
 * The Go vulnerability database (v1 schema): OSV parsing and Go's reading of
 * SEMVER ranges (pure), the incremental mirror that publishes it under
 * `<root>/vulndb/`, and the reading of that copy for audit, sync and verify.
 */
export { affectsVersion, canonicalOsvVersion, vulnsAffecting, type VersionVuln } from './affects.js';
export { checkDatabase, isRollback, type DatabaseView, type VulnDbProblem } from './check.js';
export { openVulnDbCopy, refuseLatestReasons, verifyVulnDbCopy, type VulnDbCopy } from './copy.js';
export { classifyVulnDbPath, entryFile, VULNDB_DIR, vulnDbRank, type VulnDbPath } from './layout.js';
export { mirrorVulnDb, VulnDbRefusedError, type MirrorVulnDbOptions, type VulnDbMirrorResult, type VulnDbSource, type VulnDbStore } from './mirror.js';
export { isValidVulnId, parseDbMeta, parseModulesIndex, parseOsvEntry, parseVulnsIndex, VulnSchemaError, type DbMeta, type ModuleMeta, type OsvAffected, type OsvEntry, type OsvEvent, type OsvRange, type VulnMeta } from './schema.js';
export { createVulnDbSource, createVulnDbStore, parseVulnDbSetting } from './store.js';
