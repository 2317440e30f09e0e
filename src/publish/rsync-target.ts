/**
 * Publishing to one rsync destination: the passes of rsync-args.ts in order,
 * stopping at the first that fails, so a destination whose module files did
 * not make it never gets the index files that would name them.
 */
import { GomirrorError, isGomirrorError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { DestinationOutcome, TargetChange } from './outcome.js';
import { buildRsyncPasses, describeDestination, isFileChange, parseRsyncChanges, type Destination } from './rsync-args.js';

/** Runs rsync with `args` and returns its stdout; throws GomirrorError E_RSYNC on failure. */
export type RsyncRunner = (args: readonly string[]) => Promise<string>;

export interface RsyncTargetOptions {
  readonly root: string;
  readonly dest: Destination;
  readonly delete: boolean;
  readonly dryRun: boolean;
  readonly bwlimit?: number;
}

export async function publishWithRsync(opts: RsyncTargetOptions, run: RsyncRunner, logger: Logger): Promise<DestinationOutcome> {
  const name = describeDestination(opts.dest);
  const changes: TargetChange[] = [];
  let error: GomirrorError | undefined;
  const passes = buildRsyncPasses({
    root: opts.root,
    dest: opts.dest,
    delete: opts.delete,
    dryRun: opts.dryRun,
    ...(opts.bwlimit !== undefined ? { bwlimit: opts.bwlimit } : {}),
  });
  for (const pass of passes) {
    try {
      const passChanges = parseRsyncChanges(await run(pass.args));
      changes.push(...passChanges);
      logger.info(`${name}: ${pass.name} pass: ${passChanges.filter((c) => isFileChange(c) !== undefined).length} files changed`);
    } catch (err) {
      if (!isGomirrorError(err)) throw err;
      error = new GomirrorError(err.code, `publish to ${name} failed in the ${pass.name} pass: ${err.message}`, {
        ...(err.hint !== undefined ? { hint: err.hint } : {}),
        cause: err,
      });
      break;
    }
  }
  return {
    destination: name,
    kind: opts.dest.kind,
    ok: error === undefined,
    sent: changes.filter((c) => isFileChange(c) === 'sent').length,
    deleted: changes.filter((c) => isFileChange(c) === 'deleted').length,
    changes,
    ...(error !== undefined ? { error } : {}),
  };
}
