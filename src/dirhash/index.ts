/**
 * The h1: directory hash (Go: golang.org/x/mod/sumdb/dirhash).
 */
export { hash1, type HashEntry, hashGoMod } from './h1.js';
