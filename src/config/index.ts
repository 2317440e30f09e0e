/**
 * Configuration: defaults, then the manifest, then the environment, then
 * flags, validated once into an immutable result.
 */
export { buildSyncConfig, DEFAULT_UPSTREAM, type SyncConfig } from './sync-config.js';
