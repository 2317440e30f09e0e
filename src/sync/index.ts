/**
 * `gomirror sync`: the orchestrator, its report and metrics.
 */
export { writeSyncMetrics } from './metrics.js';
export { formatBytes } from '../bytes.js';
export { formatSyncSummary } from './report.js';
export { syncTree } from './service.js';
