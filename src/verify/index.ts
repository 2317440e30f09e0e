/**
 * Verification of downloaded module files: the module zip rules (checked while
 * streaming the zip once), the h1 dirhash, and go.sum files.
 */
export { hash1, hashGoMod, type HashEntry } from './h1.js';
export { formatGoSum, formatGoSumLine, parseGoSum, type GoSumEntry, type GoSumLine } from './go-sum.js';
export { checkModuleZip, type CheckModuleZipOptions, type ModuleZipSummary } from './zip-check.js';
export { MAX_GO_MOD, MAX_LICENSE, MAX_ZIP_FILE } from './zip-rules.js';
