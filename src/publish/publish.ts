/**
 * `gomirror publish`: the tree to every `--to` target at once — rsync
 * destinations (rsync-target.ts) and S3 buckets (s3-target.ts). Each target
 * keeps the same order (module files, then the checksum database, then the
 * index files), and one that fails does not stop the others.
 *
 * Everything that can be checked before work is: the targets parse, the S3
 * credentials and region resolve (E_USAGE, exit 2, nothing sent anywhere).
 * Then the tree lock is taken, so no sync, import or prune changes the tree
 * while it is being read.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { execa, ExecaError } from 'execa';
import { GomirrorError } from '../errors.js';
import type { Logger } from '../logger.js';
import { acquireTreeLock, DEFAULT_LIST_MAX_AGE } from '../tree/index.js';
import { openLocalTree } from './local-tree.js';
import type { DestinationOutcome } from './outcome.js';
import { describeRsyncExit, hintForRsyncExit } from './rsync-exit.js';
import { publishWithRsync, type RsyncRunner } from './rsync-target.js';
import type { ObjectStore, S3StoreOptions } from './s3-endpoint.js';
import { writeReport } from './report.js';
import { publishToS3 } from './s3-target.js';
import { Scratch } from './spool.js';
import { describeTarget, parseTarget, type PublishTarget, type S3Location } from './targets.js';

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

/** The real runner: `binary` (default `rsync` from PATH) through execa. */
export function createRsyncRunner(binary = 'rsync'): RsyncRunner {
  return async (args, onLine) => {
    try {
      // stdout streams line by line (a first publish prints a line per file); stderr is kept for the message.
      const sub = execa(binary, args, { env: { LC_ALL: 'C' }, buffer: { stdout: false }, stripFinalNewline: false });
      for await (const line of sub.iterable({ from: 'stdout' })) onLine(line);
      await sub;
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
  /** `--to` values: local paths, `host:path`, `rsync://host/module/path`, `s3://bucket/prefix`. */
  readonly to: readonly string[];
  readonly delete: boolean;
  readonly dryRun: boolean;
  /** KiB/s per rsync run. */
  readonly bwlimit?: number;
  /** Resolves relative local destinations (default: process.cwd()). */
  readonly cwd?: string;
  /** S3: endpoint URL, over AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL. */
  readonly endpoint?: string;
  /** S3: virtual-hosted addressing even with a custom endpoint. */
  readonly virtualHosted?: boolean;
  /** S3: uploads at once per target (default 8). */
  readonly concurrency?: number;
  /** S3: how long an object gone from the tree stays in the bucket (default 24 h). */
  readonly deleteAfterMs?: number;
  /** S3: Cache-Control max-age of lists and other changing files, as `gomirror nginx --list-max-age`. */
  readonly listMaxAge?: number;
  /** Writes a JSON report, one entry per target, to this file. */
  readonly report?: string;
}

export interface PublishResult {
  readonly ok: boolean;
  readonly outcomes: readonly DestinationOutcome[];
  /** Removes the temp files the outcomes' changes are read from: call once done with them. */
  dispose(): Promise<void>;
}

/** What publishTree reaches the world through; tests replace parts. */
export interface PublishDeps {
  readonly rsync?: RsyncRunner;
  readonly openS3?: (loc: S3Location, options: S3StoreOptions) => Promise<ObjectStore>;
  readonly now?: () => number;
}

/**
 * The S3 client for `loc` (s3-store.ts), loaded on first use: the AWS SDK
 * costs a rsync-only publish nothing.
 */
export async function openS3Store(loc: S3Location, options: S3StoreOptions): Promise<ObjectStore & { endpoint: string }> {
  return (await import('./s3-store.js')).openS3Store(loc, options);
}

export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_DELETE_AFTER_MS = 24 * 3_600_000;

/**
 * Publishes the tree at `opts.root` to every target in parallel; a failed
 * target does not stop the others. Throws E_USAGE (before anything is sent)
 * for a missing root, no or a bad `--to`, bad numbers, or S3 credentials or
 * region that do not resolve; E_LOCKED when another run holds the tree.
 */
export async function publishTree(opts: PublishOptions, logger: Logger, deps: PublishDeps | RsyncRunner = {}): Promise<PublishResult> {
  const d: PublishDeps = typeof deps === 'function' ? { rsync: deps } : deps;
  const root = path.resolve(opts.root);
  if (!(await isDirectory(root))) {
    throw new GomirrorError('E_USAGE', `--root ${root} is not a directory`, { hint: 'Name the tree that gomirror sync --out wrote' });
  }
  if (opts.to.length === 0) throw new GomirrorError('E_USAGE', 'name at least one destination with --to');
  if (opts.bwlimit !== undefined && !(Number.isInteger(opts.bwlimit) && opts.bwlimit > 0)) {
    throw new GomirrorError('E_USAGE', `--bwlimit ${opts.bwlimit}: give a whole number of KiB/s above 0`);
  }
  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
    throw new GomirrorError('E_USAGE', `--concurrency ${concurrency}: give a whole number from 1 to 256`);
  }
  if (opts.listMaxAge !== undefined && !(Number.isInteger(opts.listMaxAge) && opts.listMaxAge >= 0 && opts.listMaxAge <= 31_536_000)) {
    throw new GomirrorError('E_USAGE', `--list-max-age ${opts.listMaxAge}: give whole seconds from 0 to 31536000`);
  }
  const targets = opts.to.map((t) => parseTarget(t, opts.cwd ?? process.cwd()));
  const names = targets.map(describeTarget);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new GomirrorError('E_USAGE', `--to ${dup} is named twice`);

  const openS3 = d.openS3 ?? openS3Store;
  const storeOptions: S3StoreOptions = {
    concurrency,
    ...(opts.endpoint !== undefined ? { endpoint: opts.endpoint } : {}),
    ...(opts.virtualHosted !== undefined ? { virtualHosted: opts.virtualHosted } : {}),
  };
  const stores = new Map<PublishTarget, ObjectStore>();
  for (const t of targets) if (t.kind === 's3') stores.set(t, await openS3(t, storeOptions));

  const lock = opts.dryRun ? undefined : await acquireTreeLock(root, { command: 'publish' });
  const scratch = new Scratch();
  try {
    const tree = stores.size > 0 ? openLocalTree(root) : undefined;
    const progress = { done: 0, total: 0, failed: 0, bytes: 0 };
    const report = (): void => logger.progress({ ...progress, unit: 'files' });
    const run = d.rsync ?? createRsyncRunner();
    const now = d.now ?? Date.now;
    const outcomes = await Promise.all(
      targets.map((t): Promise<DestinationOutcome> => {
        if (t.kind !== 's3') {
          return publishWithRsync({ root, dest: t, delete: opts.delete, dryRun: opts.dryRun, ...(opts.bwlimit !== undefined ? { bwlimit: opts.bwlimit } : {}) }, run, logger, scratch);
        }
        return publishToS3(
          {
            location: t,
            store: stores.get(t) as ObjectStore,
            tree: tree as NonNullable<typeof tree>,
            scratch,
            dryRun: opts.dryRun,
            delete: opts.delete,
            deleteAfterMs: opts.deleteAfterMs ?? DEFAULT_DELETE_AFTER_MS,
            concurrency,
            listMaxAge: opts.listMaxAge ?? DEFAULT_LIST_MAX_AGE,
            now,
            onPlanned: (n) => {
              progress.total += n;
              report();
            },
            onProgress: (files, bytes, failed) => {
              progress.done += files;
              progress.bytes += bytes;
              progress.failed += failed;
              report();
            },
          },
          logger,
        );
      }),
    );
    // A missing rsync fails every rsync destination the same way: say it once.
    const said = new Set<string>();
    for (const o of outcomes) {
      const e = o.error;
      if (!e) continue;
      const key = e.cause instanceof RsyncMissingError ? e.cause.message : e.message;
      if (said.has(key)) continue;
      said.add(key);
      logger.error(e.cause instanceof RsyncMissingError ? e.cause.message : e.message, { code: e.code, hint: e.hint });
    }
    const ok = outcomes.every((o) => o.ok);
    if (opts.report !== undefined) {
      await writeReport(opts.report, { ok, dryRun: opts.dryRun, root, outcomes, ...(tree ? { skipped: await tree.skipped() } : {}) });
    }
    return { ok, outcomes, dispose: () => scratch.dispose() };
  } catch (err) {
    await scratch.dispose();
    throw err;
  } finally {
    await lock?.release();
  }
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}
