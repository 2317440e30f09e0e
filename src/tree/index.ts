/**
 * The GOPROXY tree on disk: its layout (pure paths), atomic writes, the
 * list/@latest index, and the one-writer lock.
 */
export { commitTempFile, createSyncedFile, openCreating, syncDir, syncFile, tempPathFor, writeFileAtomic, writeTextAtomic } from './atomic.js';
export { STATE_DIR, TEMP_FILE_PATTERN, treeLayout, describeUnstorable } from './layout.js';
export { acquireTreeLock, isAlive, readTreeLock, type AcquiredLock } from './lock.js';
export { pathExists } from './path-exists.js';
export { removeTree } from './remove-tree.js';
export { createTreeStore, sweepStaleTemps, type TreeStore, sweepDeadTemps, sweepAfterUncleanRun } from './store.js';
export { requireWritableParent } from './out-path.js';
export { CATALOG_MAX_AGE, DEFAULT_LIST_MAX_AGE, cacheControlOf, contentTypeOf, servedKind, IMMUTABLE_MAX_AGE, SERVED_KINDS, VULNDB_ENTRY_MAX_AGE } from './serve-rules.js';
export type { CacheClass, ServedGroup, ServedKind } from './serve-rules.js';
export { readToolchainPlatforms } from './toolchain-state.js';
