/** Publishing the tree to mirror hosts with rsync: module files first, index files last. */
export { createRsyncRunner, publishTree, RsyncMissingError, type DestinationOutcome, type PublishOptions, type PublishResult, type RsyncRunner } from './publish.js';
export { buildRsyncPasses, describeDestination, INDEX_PATTERNS, isFileChange, NEVER_COPIED, parseDestination, parseRsyncChanges, rsyncTarget, type Destination, type PassName, type PublishPassOptions, type RsyncChange, type RsyncPass } from './rsync-args.js';
export { describeRsyncExit, hintForRsyncExit } from './rsync-exit.js';
