/**
 * Publishing the tree to mirror hosts (rsync) and S3-compatible buckets:
 * module files first, the checksum database next, index files last.
 */
export { parseDuration } from './duration.js';
export type { DestinationOutcome, TargetChange } from './outcome.js';
export { createRsyncRunner, DEFAULT_CONCURRENCY, openS3Store, publishTree, RsyncMissingError, type PublishDeps, type PublishOptions, type PublishResult } from './publish.js';
export { buildRsyncPasses, describeDestination, isFileChange, parseDestination, parseRsyncChanges, rsyncTarget, type Destination, type PassName, type PublishPassOptions, type RsyncChange, type RsyncPass } from './rsync-args.js';
export { describeRsyncExit, hintForRsyncExit } from './rsync-exit.js';
export type { RsyncRunner } from './rsync-target.js';
export { namedVersions, planS3Publish, S3_PHASES, type LocalFile, type PublishedObject, type PublishedState, type S3Phase, type S3Plan, type S3PlanInput } from './s3-plan.js';
export { decodeState, encodeState, STATE_KEY } from './s3-state.js';
export { resolveEndpoint, type ObjectHeaders, type ObjectStore, type S3StoreOptions } from './s3-endpoint.js';
export { describeTarget, parseTarget, type PublishTarget, type S3Location } from './targets.js';
