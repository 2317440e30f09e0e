/**
 * Bundles carry the tree across an air gap: export streams the tree's files
 * into a tar with a signed index; import verifies everything before anything
 * becomes visible. docs/air-gap.md describes the format.
 */
export { BundleRefusedError, type BundleCheck } from './errors.js';
export { exportBundle, type ExportOptions, type ExportResult } from './export.js';
export { importBundles, type BundleImportResult, type ImportOptions } from './import.js';
export { BUNDLE_FORMAT, INDEX_ENTRY, indexId, parseIndex, serializeIndex, SIGNATURE_ENTRY, TREE_PREFIX, type BundleFile, type BundleIndex } from './index-format.js';
export { writeKeyPair, type KeyPairFiles } from './keygen.js';
export { indexFileFor, loadIndex, type LoadedIndex } from './read-index.js';
export { generateSigningKeyPair, keyIdOf, parsePrivateKey, parsePublicKey, signIndex, verifyIndexSignature } from './signature.js';
export { FAT32_MAX_FILE, parseSize } from './size.js';
export { classifyTreePath, commitRank, describeBadTreePath, isImmutable, type TreePath } from './tree-paths.js';
export { groupBundleArgs, volumeName, type BundleSource, type Volume } from './volumes.js';
