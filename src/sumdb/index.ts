/**
 * The checksum database, pure: signed notes and verifier keys, GOSUMDB
 * values, the transparency log's hashes and proofs, hash tiles and their
 * paths, lookup records. Its client and its mirror publisher are in client/
 * and mirror/.
 */
export { KNOWN_SUMDB_KEYS, parseGosumdb, type SumdbSpec } from './gosumdb.js';
export { decodeBase64, hex8, isCleanText, isValidKeyName, keyHash, openNote, parseVerifierKey, type Note, type NoteSignature, type Verifier } from './note.js';
export { compareRecord, formatLookup, formatTree, isValidRecordText, parseLookup, parseTree, recordHashes, type LookupResponse, type RecordMismatch } from './record.js';
export { fullTile, hashFromTile, isFullTile, newTiles, parseTilePath, rightEdgeTiles, TILE_HEIGHT, tileForIndex, tileHash, tileParent, tilePath, tileSlot, tileWidthIn, type Tile } from './tile.js';
export { authenticateTiles, hashesFromPlan, planTileReads, type TileData, type TileReadPlan, type TreeHead } from './tile-proof.js';
export { checkRecord, checkTree, HASH_SIZE, nodeHash, proveRecord, proveTree, recordHash, splitStoredHashIndex, storedHashCount, storedHashesForRecordHash, storedHashIndex, subTreeHash, subTreeIndex, treeHash, treeHashFromHashes, ZERO_HASH, type HashReader, type RecordProof, type TreeProof } from './tlog.js';
