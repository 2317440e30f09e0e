/**
 * The checksum database, with I/O: the verifying client a sync runs every
 * version through, the static mirror it publishes under `sumdb/<name>/`,
 * and the check of that mirror that `verify` runs.
 */
export { sumdbLayout, type SumdbLayout } from './layout.js';
export { createSumdbRemote, type SumdbRemote } from './remote.js';
export { SumdbForkError } from './timeline.js';
export { createSumdbVerifier, type SumdbResult, type SumdbVerifier, type SumdbVerifierOptions } from './verifier.js';
export { verifySumdbMirror, type SumdbProblem, type VerifySumdbOptions } from './verify-mirror.js';
