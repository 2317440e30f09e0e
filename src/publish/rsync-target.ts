/**
 * Publishing to one rsync destination: the passes of rsync-args.ts in order,
 * stopping at the first that fails, so a destination whose module files did
 * not make it never gets the index files that would name them.
 *
 * rsync prints a line per file it changes; the lines are counted as they come
 * and kept in a spool (spool.ts), never all in memory: a first publish of
 * 100,000 versions is 300,000 lines.
 */
import { GomirrorError, isGomirrorError } from '../errors.js';
import type { Logger } from '../logger.js';
import { changeList, type ChangePart, type DestinationOutcome } from './outcome.js';
import { buildRsyncPasses, describeDestination, isFileChange, parseRsyncLine, type Destination } from './rsync-args.js';
import type { LineSpool, Scratch } from './spool.js';

/**
 * Runs rsync with `args`, handing each line of its stdout to `onLine` as it
 * comes; throws GomirrorError E_RSYNC on failure. A runner may instead return
 * the whole stdout (test doubles do), which is then split into lines.
 */
export type RsyncRunner = (args: readonly string[], onLine: (line: string) => void) => Promise<string | void>;

export interface RsyncTargetOptions {
  readonly root: string;
  readonly dest: Destination;
  readonly delete: boolean;
  readonly dryRun: boolean;
  readonly bwlimit?: number;
}

export async function publishWithRsync(opts: RsyncTargetOptions, run: RsyncRunner, logger: Logger, scratch: Scratch): Promise<DestinationOutcome> {
  const name = describeDestination(opts.dest);
  const parts: ChangePart[] = [];
  let sent = 0;
  let deleted = 0;
  let error: GomirrorError | undefined;
  const passes = buildRsyncPasses({
    root: opts.root,
    dest: opts.dest,
    delete: opts.delete,
    dryRun: opts.dryRun,
    ...(opts.bwlimit !== undefined ? { bwlimit: opts.bwlimit } : {}),
  });
  for (const pass of passes) {
    // A pass's changes count only once it succeeded: one that failed says nothing reliable.
    const spool: LineSpool = await scratch.spool();
    const counts = { sent: 0, deleted: 0 };
    const onLine = (line: string): void => {
      const c = parseRsyncLine(line);
      if (!c) return;
      spool.append(`${c.code} ${c.path}`);
      const kind = isFileChange(c);
      if (kind) counts[kind]++;
    };
    try {
      const stdout = await run(pass.args, onLine);
      if (typeof stdout === 'string') for (const line of stdout.split('\n')) onLine(line);
      await spool.finish();
      parts.push({ spool, change: lineChange });
      sent += counts.sent;
      deleted += counts.deleted;
      logger.info(`${name}: ${pass.name} pass: ${counts.sent + counts.deleted} files changed`);
    } catch (err) {
      await spool.finish().catch(() => undefined);
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
    sent,
    deleted,
    changes: changeList(parts),
    ...(error !== undefined ? { error } : {}),
  };
}

/** A spooled `code path` line (the code has no space) back as a change. */
function lineChange(line: string): { code: string; path: string } {
  const i = line.indexOf(' ');
  return { code: line.slice(0, i), path: line.slice(i + 1) };
}
