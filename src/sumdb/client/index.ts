/**
 * The checksum database client (Go: golang.org/x/mod/sumdb Client): verifies
 * module versions against the database while a sync runs, with the tree as
 * its cache, and keeps the trusted tree head honest.
 */
export { type TileReader } from './tile-reader.js';
export { SumdbForkError, type Timeline } from './timeline.js';
export { createSumdbVerifier, type SumdbVerifier } from './verifier.js';
