/**
 * Configuration, validated once into an immutable result: a flag wins over
 * the manifest, the manifest over the environment ($GOPROXY, $GOSUMDB, ...),
 * the environment over the built-in default.
 */
export { buildSyncConfig, DEFAULT_UPSTREAM, type SyncConfig, DEFAULT_SUMDB } from './sync-config.js';
