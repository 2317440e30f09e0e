/**
 * One writer per tree: `.gomirror/lock`, a JSON file naming its holder.
 *
 * Acquiring: the lock is written to a temp file and hard-linked to its final
 * name, which fails with EEXIST when a lock is there; so a lock file is never
 * seen half-written. A lock whose holder is gone is taken over:
 * - same host: the holder's pid is not running (kill(pid, 0) → ESRCH);
 * - any host: the holder stopped refreshing the file's mtime (it does so every
 *   minute) for `staleAfterMs` (10 minutes). This covers a holder on another
 *   host sharing the tree over NFS, whose pid we cannot check, and a pid
 *   reused by an unrelated process after a reboot.
 * A takeover renames a fresh lock over the stale one while holding
 * `.gomirror/lock.takeover` (created exclusively), after re-reading the lock to
 * make sure nobody took it over first; a takeover guard left by a process that
 * died within those few milliseconds is ignored after 30 s.
 *
 * Crash cases: killed while holding the lock → the file stays and is stale by
 * the rules above; killed between link and unlink of the temp file → a stray
 * `lock.tmp-*` that verify reports and removes with --repair.
 *
 * The file operations themselves (exclusive create, read, takeover under the
 * guard) are in lock-file.ts; this file decides and holds.
 */
import { readFileSync, unlinkSync } from 'node:fs';
import { mkdir, readFile, unlink, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GomirrorError } from '../errors.js';
import { STATE_DIR } from './layout.js';
import { createExclusive, type LockHolder, readLock, takeOver } from './lock-file.js';
import { isMarkedUnclean, markUnclean, markUncleanSync } from './unclean.js';

export type { LockHolder } from './lock-file.js';

/** A held lock. */
export interface TreeLock {
  readonly file: string;
  readonly holder: LockHolder;
  /**
   * Removes the lock if it is still ours; idempotent. `unclean`: the run
   * stops with writes in flight, so the next run sweeps their temp files
   * (unclean.ts); a release on a signal or at exit is always unclean.
   */
  release(options?: { unclean?: boolean }): Promise<void>;
}

/** A lock just taken: whether it was taken over from a dead run, and whether a run before may have left temp files. */
export type AcquiredLock = TreeLock & { tookOver?: string; unclean: boolean };

export interface AcquireLockOptions {
  command: string;
  /** Release on SIGINT, SIGTERM, SIGHUP and process exit (default true). */
  releaseOnExit?: boolean;
  /** A lock not refreshed for this long is stale (default 10 minutes). */
  staleAfterMs?: number;
  /** How often the holder refreshes the lock's mtime (default 60 s). */
  heartbeatMs?: number;
  host?: string;
  pid?: number;
  now?: () => number;
  isAlive?: (pid: number) => boolean;
}

export const DEFAULT_STALE_AFTER_MS = 10 * 60_000;
const DEFAULT_HEARTBEAT_MS = 60_000;

/** Another run holds the lock (exit 3). */
export class TreeLockedError extends GomirrorError {
  readonly holder: LockHolder | undefined;
  readonly lockFile: string;
  constructor(lockFile: string, holder: LockHolder | undefined, detail: string, hint: string) {
    super('E_LOCKED', `${path.dirname(path.dirname(lockFile))}: another gomirror run holds the lock: ${detail}`, { hint });
    this.name = 'TreeLockedError';
    this.holder = holder;
    this.lockFile = lockFile;
  }
}

/** Whether a lock found on disk may be taken over, and why. */
export interface LockJudgement {
  stale: boolean;
  reason: string;
}

/**
 * Decides whether an existing lock is stale (pure). `holder` is undefined when
 * the file could not be parsed; `ageMs` is the time since its last refresh.
 */
export function judgeLock(
  holder: LockHolder | undefined,
  ageMs: number,
  self: { host: string; pid: number },
  isAlive: (pid: number) => boolean,
  staleAfterMs: number,
): LockJudgement {
  const age = formatAge(ageMs);
  if (holder === undefined) {
    return ageMs > staleAfterMs
      ? { stale: true, reason: `unreadable lock not refreshed for ${age}` }
      : { stale: false, reason: `an unreadable lock file, refreshed ${age} ago` };
  }
  const who = `${holder.command} (pid ${holder.pid} on ${holder.host}, started ${holder.startedAt})`;
  if (holder.host === self.host && holder.pid !== self.pid && !isAlive(holder.pid)) {
    return { stale: true, reason: `${who}: pid ${holder.pid} is not running` };
  }
  if (ageMs > staleAfterMs) {
    return { stale: true, reason: `${who}: not refreshed for ${age}` };
  }
  return { stale: false, reason: `${who}, refreshed ${age} ago` };
}

/**
 * Takes `.gomirror/lock` of the tree at `root`, creating `.gomirror/`. Throws
 * TreeLockedError (E_LOCKED, exit 3) at once when another live run holds it.
 * Returns the lock and whether a stale lock was taken over (for a warning).
 */
export async function acquireTreeLock(
  root: string,
  options: AcquireLockOptions,
): Promise<AcquiredLock> {
  const file = path.join(path.resolve(root), STATE_DIR, 'lock');
  try {
    return await acquire(file, options);
  } catch (err) {
    if (err instanceof GomirrorError) throw err;
    // A full disk (ENOSPC), a read-only mount, a file where a directory must be.
    throw new GomirrorError('E_FS', `${file}: cannot take the lock: ${(err as Error).message}`, {
      cause: err,
      hint: 'Check free space and permissions under the output directory.',
    });
  }
}

async function acquire(file: string, options: AcquireLockOptions): Promise<AcquiredLock> {
  await mkdir(path.dirname(file), { recursive: true });
  const now = options.now ?? Date.now;
  const self = { host: options.host ?? os.hostname(), pid: options.pid ?? process.pid };
  const holder: LockHolder = { ...self, startedAt: new Date(now()).toISOString(), command: options.command };
  const content = JSON.stringify(holder) + '\n';
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  let tookOver: string | undefined;

  // A signal that lands while the lock is being created must still release
  // it: hold such signals until the release-on-signal handlers are in place.
  const held: NodeJS.Signals[] = [];
  const hold = (signal: NodeJS.Signals): void => void held.push(signal);
  const releaseOnExit = options.releaseOnExit ?? true;
  if (releaseOnExit) for (const sig of LOCK_SIGNALS) process.on(sig, hold);
  let lock: TreeLock;
  try {
    // A few rounds: each lost race re-reads the lock and judges it afresh.
    for (let round = 0; ; round++) {
      if (await createExclusive(file, content)) break;
      const found = await readLock(file);
      // Released between our attempt and the read: try again.
      if (found === undefined && round < 5) continue;
      if (found === undefined) throw new TreeLockedError(file, undefined, 'the lock keeps changing hands', 'Try again later');
      const judgement = judgeLock(found.holder, now() - found.mtimeMs, self, options.isAlive ?? isAlive, staleAfterMs);
      if (!judgement.stale || round >= 5) {
        throw new TreeLockedError(file, found.holder, judgement.reason, lockedHint(file, found.holder, self.host, staleAfterMs));
      }
      if (await takeOver(file, found.raw, content)) {
        tookOver = judgement.reason;
        break;
      }
    }
    lock = track(file, content, options);
  } finally {
    if (releaseOnExit) for (const sig of LOCK_SIGNALS) process.off(sig, hold);
  }
  // Delivered now, to the handlers that release the lock and re-raise it.
  if (held[0]) process.emit(held[0], held[0]);
  const unclean = tookOver !== undefined || (await isMarkedUnclean(file));
  return { ...lock, ...(tookOver ? { tookOver } : {}), unclean };
}

/** Reads a lock file without judging it; undefined when there is none. */
export async function readTreeLock(root: string): Promise<{ holder: LockHolder | undefined; mtimeMs: number } | undefined> {
  const found = await readLock(path.join(path.resolve(root), STATE_DIR, 'lock'));
  return found && { holder: found.holder, mtimeMs: found.mtimeMs };
}

/** Whether a process with this pid runs on this host. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const LOCK_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Heartbeat and release-on-exit for a lock we hold. */
function track(file: string, content: string, options: AcquireLockOptions): TreeLock {
  const holder = JSON.parse(content) as LockHolder;
  let released = false;
  const heartbeat = setInterval(() => {
    const t = new Date();
    void utimes(file, t, t).catch(() => undefined);
  }, options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
  heartbeat.unref();

  // Only on a signal or at exit: writes may be in flight.
  const releaseSync = (): void => {
    if (released) return;
    released = true;
    clearInterval(heartbeat);
    markUncleanSync(file, content);
    try {
      if (readFileSync(file, 'utf8') === content) unlinkSync(file);
    } catch {
      // Already gone: nothing to release.
    }
  };
  const signals = LOCK_SIGNALS;
  const onSignal = (signal: NodeJS.Signals): void => {
    releaseSync();
    detach();
    // Die of the same signal, so cron and systemd see the usual status.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const detach = (): void => {
    for (const s of signals) process.off(s, onSignal);
    process.off('exit', releaseSync);
  };
  if (options.releaseOnExit ?? true) {
    for (const s of signals) process.on(s, onSignal);
    process.on('exit', releaseSync);
  }
  return {
    file,
    holder,
    async release(releaseOptions = {}) {
      if (released) return;
      released = true;
      clearInterval(heartbeat);
      detach();
      if (releaseOptions.unclean) await markUnclean(file, content);
      const raw = await readFile(file, 'utf8').catch(() => undefined);
      if (raw === content) await unlink(file).catch(() => undefined);
    },
  };
}

function lockedHint(file: string, holder: LockHolder | undefined, host: string, staleAfterMs: number): string {
  if (holder && holder.host !== host) {
    return (
      `It runs on another host (${holder.host}); the lock counts as stale once it has not been refreshed for ` +
      `${formatAge(staleAfterMs)}. If that run is certainly gone, remove ${file}`
    );
  }
  return `Wait for it to finish (or stop it). If that process is gone, remove ${file}`;
}

/** `45s`, `12m`, `3h5m`. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
}
