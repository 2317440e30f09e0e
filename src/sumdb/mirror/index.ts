/**
 * The static checksum-database mirror a tree serves under `sumdb/<name>/`:
 * where it lives, which tiles it must publish, publishing it, and checking it
 * offline for `gomirror verify`.
 */
export { sumdbLayout, wirePath } from './layout.js';
export { publishMirror, type PublishResult, type StoredRecord } from './publish.js';
export { createSumdbStore } from './store.js';
export { mirrorTiles, sourceTiles } from './mirror-tiles.js';
export { verifySumdbMirror } from './verify-mirror.js';
