/**
 * `gomirror publish`: runs the rsync passes of rsync-args.ts for each
 * destination in turn. rsync is reached through an injected runner; the
 * default one uses execa and turns its failures into E_RSYNC errors.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { execa, ExecaError } from 'execa';
import { GomirrorError, isGomirrorError } from '../errors.js';
import type { Logger } from '../logger.js';
import { buildRsyncPasses, describeDestination, isFileChange, parseDestination, parseRsyncChanges, type RsyncChange } from './rsync-args.js';
import { describeRsyncExit, hintForRsyncExit } from './rsync-exit.js';

/** The rsync program could not be started at all. */
export class RsyncMissingError extends GomirrorError {
  constructor(binary: string, cause: unknown) {
    super('E_RSYNC', `rsync is not installed: cannot run ${binary}`, {
      hint: 'Install it with apt-get install rsync (ssh destinations need it too)',
      cause,
    });
    this.name = 'RsyncMissingError';
  }
}

/** Runs rsync with `args` and returns its stdout; throws GomirrorError E_RSYNC on failure. */
export type RsyncRunner = (args: readonly string[]) => Promise<string>;

/** The real runner: `binary` (default `rsync` from PATH) through execa. */
export function createRsyncRunner(binary = 'rsync'): RsyncRunner {
  return async (args) => {
    try {
      const r = await execa(binary, args, { env: { LC_ALL: 'C' }, stripFinalNewline: false });
      return r.stdout;
    } catch (err) {
      if (!(err instanceof ExecaError)) throw err;
      if (err.code === 'ENOENT') {
        throw new RsyncMissingError(binary, err);
      }
      const stderr = String(err.stderr ?? '').trim().split('\n').slice(-3).join(' | ');
      throw new GomirrorError('E_RSYNC', `${describeRsyncExit(err.exitCode, String(err.stderr ?? ''))}${stderr ? ` (${stderr})` : ''}`, {
        hint: hintForRsyncExit(err.exitCode, String(err.stderr ?? '')),
        cause: err,
      });
    }
  };
}

export interface PublishOptions {
  readonly root: string;
  /** `--to` values: local paths, `host:path`, `rsync://host/module/path`. */
  readonly to: readonly string[];
  readonly delete: boolean;
  readonly dryRun: boolean;
  /** KiB/s per rsync run. */
  readonly bwlimit?: number;
  /** Resolves relative local destinations (default: process.cwd()). */
  readonly cwd?: string;
}

export interface DestinationOutcome {
  readonly destination: string;
  readonly ok: boolean;
  /** Files sent (or, with --dry-run, that would be). */
  readonly sent: number;
  readonly deleted: number;
  /** Every change rsync reported, pass by pass. */
  readonly changes: readonly RsyncChange[];
  readonly error?: GomirrorError;
}

export interface PublishResult {
  readonly ok: boolean;
  readonly outcomes: readonly DestinationOutcome[];
}

/**
 * Publishes the tree at `opts.root` to every destination, one after the
 * other; a failed destination does not stop the others. Throws E_USAGE (before
 * any copy) for a missing root or an empty `--to`.
 */
export async function publishTree(opts: PublishOptions, logger: Logger, run: RsyncRunner = createRsyncRunner()): Promise<PublishResult> {
  const root = path.resolve(opts.root);
  if (!(await isDirectory(root))) {
    throw new GomirrorError('E_USAGE', `--root ${root} is not a directory`, { hint: 'Name the tree that gomirror sync --out wrote' });
  }
  if (opts.to.length === 0) throw new GomirrorError('E_USAGE', 'name at least one destination with --to');
  if (opts.bwlimit !== undefined && !(Number.isInteger(opts.bwlimit) && opts.bwlimit > 0)) {
    throw new GomirrorError('E_USAGE', `--bwlimit ${opts.bwlimit}: give a whole number of KiB/s above 0`);
  }
  const dests = opts.to.map((t) => parseDestination(t, opts.cwd ?? process.cwd()));
  const outcomes: DestinationOutcome[] = [];
  for (const dest of dests) {
    const name = describeDestination(dest);
    const changes: RsyncChange[] = [];
    let error: GomirrorError | undefined;
    let missing = false;
    for (const pass of buildRsyncPasses({ root, dest, delete: opts.delete, dryRun: opts.dryRun, ...(opts.bwlimit !== undefined ? { bwlimit: opts.bwlimit } : {}) })) {
      try {
        const passChanges = parseRsyncChanges(await run(pass.args));
        changes.push(...passChanges);
        logger.info(`${name}: ${pass.name} pass: ${passChanges.filter((c) => isFileChange(c) !== undefined).length} files changed`);
      } catch (err) {
        if (!isGomirrorError(err)) throw err;
        missing = err instanceof RsyncMissingError;
        error = new GomirrorError(err.code, `publish to ${name} failed in the ${pass.name} pass: ${err.message}`, {
          ...(err.hint !== undefined ? { hint: err.hint } : {}),
          cause: err,
        });
        logger.error(error.message, { code: error.code, hint: error.hint });
        break;
      }
    }
    outcomes.push({
      destination: name,
      ok: error === undefined,
      sent: changes.filter((c) => isFileChange(c) === 'sent').length,
      deleted: changes.filter((c) => isFileChange(c) === 'deleted').length,
      changes,
      ...(error !== undefined ? { error } : {}),
    });
    // A missing rsync fails every destination the same way: say it once.
    if (missing) break;
  }
  return { ok: outcomes.length === dests.length && outcomes.every((o) => o.ok), outcomes };
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}
