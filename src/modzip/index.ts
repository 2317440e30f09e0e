/**
 * Module zips (Go: golang.org/x/mod/zip): the zip rules and the streaming check
 * that computes the h1 hash in the same pass.
 */
export { checkModuleZip, type ModuleZipSummary } from './zip-check.js';
export { MAX_GO_MOD, MAX_ZIP_FILE } from './zip-rules.js';
export { fitsInMemory, inflateEntry, localDataStart } from './entry-data.js';
export { ZipSource } from './zip-source.js';
