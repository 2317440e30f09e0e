import { stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { DEFAULT_UPSTREAM } from '../config/index.js';
import { GomirrorError } from '../errors.js';
import type { Logger } from '../logger.js';
import { acquireTreeLock, isAlive, readTreeLock, createTreeStore } from '../tree/index.js';
import { openSumStore } from '../gosum/index.js';
import { checkUpstreamFlags, createUpstreamStack, loadUpstreamSetup, parseProxyList, type ProxyEntry, type UpstreamSetup } from '../upstream/index.js';
import { verifySumdbMirror } from '../sumdb/mirror/index.js';
import { repairTree, type RepairResult } from './repair.js';
import { verifyTree, type SumdbMirrorCheck, type VerifyTreeResult } from './verify.js';

/** Everything `gomirror verify` needs, validated. */
export interface VerifyConfig {
  readonly root: string;
  readonly repair: boolean;
  readonly upstreamText: string;
  readonly upstream: readonly ProxyEntry[];
  readonly concurrency: number;
  readonly retries: number;
  /** GOSUMDB value whose key checks the sumdb mirror (default: the key the tree recorded, else the known keys). */
  readonly sumdb?: string;
}

/** Flags of verify as parsed. */
export interface VerifyFlags {
  root?: string;
  repair?: boolean;
  upstream?: string;
  concurrency?: number;
  retries?: number;
  sumdb?: string;
}

/** Layers flags over the environment ($GOPROXY) and defaults, as sync does for its upstream. */
export function buildVerifyConfig(flags: VerifyFlags, env: NodeJS.ProcessEnv): VerifyConfig {
  if (!flags.root) throw new GomirrorError('E_USAGE', '--root is required: the directory that holds the tree');
  const { concurrency, retries } = checkUpstreamFlags(flags, { concurrency: 4 });
  const fromEnv = env.GOPROXY && env.GOPROXY.trim() !== '' ? env.GOPROXY : undefined;
  const upstreamText = flags.upstream ?? fromEnv ?? DEFAULT_UPSTREAM;
  const upstream = parseProxyList(upstreamText, flags.upstream ? '--upstream' : fromEnv ? '$GOPROXY' : 'upstream');
  return Object.freeze({
    root: path.resolve(flags.root),
    repair: flags.repair ?? false,
    upstreamText,
    upstream,
    concurrency,
    retries,
    ...(flags.sumdb ? { sumdb: flags.sumdb } : {}),
  });
}

/** What `gomirror verify` found, and with --repair what it did and what remains. */
export interface VerifyOutcome {
  before: VerifyTreeResult;
  repair?: RepairResult;
  /** The tree verified again after the repair. */
  after?: VerifyTreeResult;
  ok: boolean;
}

export interface VerifyServiceOptions {
  env?: NodeJS.ProcessEnv;
  ca?: string | Buffer;
  /** Replaces the sumdb mirror check (default: verifySumdbMirror). */
  sumdb?: SumdbMirrorCheck;
}

/** The sumdb mirror's problems as tree problems; repairing them is sync's job (`--sumdb`). */
function sumdbMirrorCheck(spec: string | undefined): SumdbMirrorCheck {
  return async (root) =>
    (await verifySumdbMirror(root, spec ? { sumdb: spec } : {})).map((p) => ({
      file: p.file,
      kind: 'sumdb' as const,
      message: `${p.message} (${p.code}; gomirror sync --sumdb refreshes the mirror)`,
    }));
}

/**
 * `gomirror verify`. Without --repair it only reads, so it takes no lock (it
 * can run beside a sync or while nginx serves); it warns when a run holds the
 * lock, since that run's work in progress may show up as problems. With
 * --repair it takes the lock like sync and prune do, repairs, and verifies
 * the whole tree again.
 */
export async function verifyTreeService(config: VerifyConfig, logger: Logger, options: VerifyServiceOptions = {}): Promise<VerifyOutcome> {
  const st = await stat(config.root).catch(() => undefined);
  if (!st?.isDirectory()) throw new GomirrorError('E_USAGE', `--root ${config.root}: not a directory`);
  // Read before the lock: a bad $SSL_CERT_FILE or .netrc is an input error.
  const upstreamSetup = config.repair ? await loadUpstreamSetup(options.env ?? process.env, options.ca) : undefined;
  const lock = config.repair ? await acquireTreeLock(config.root, { command: 'verify --repair' }) : undefined;
  if (lock?.tookOver) logger.warn(`took over a stale lock: ${lock.tookOver}`);
  try {
    if (!lock) await warnIfLocked(config.root, logger);
    const verifyOptions = { concurrency: config.concurrency, logger, sumdb: options.sumdb ?? sumdbMirrorCheck(config.sumdb) };
    const before = await verifyTree(config.root, verifyOptions);
    if (!config.repair || before.ok) return { before, ok: before.ok };

    // The same stack as sync's: .netrc, $SSL_CERT_FILE, retries, concurrency.
    const stack = createUpstreamStack(upstreamSetup as UpstreamSetup, {
      entries: config.upstream,
      concurrency: config.concurrency,
      retries: config.retries,
      onRetry: (url, attempt, delayMs, reason) => logger.warn(`retrying ${url} (${reason})`, { attempt, delayMs }),
    });
    try {
      const store = createTreeStore(config.root);
      const repair = await repairTree(
        {
          store,
          sums: await openSumStore(store.layout.sumsFile()),
          upstream: stack.client,
          logger,
          quarantineDir: path.join(store.layout.stateDir(), 'quarantine', new Date().toISOString().replace(/[:.]/g, '-')),
          concurrency: config.concurrency,
        },
        before.problems,
      );
      const after = await verifyTree(config.root, verifyOptions);
      return { before, repair, after, ok: after.ok };
    } finally {
      await stack.close();
    }
  } finally {
    await lock?.release();
  }
}

async function warnIfLocked(root: string, logger: Logger): Promise<void> {
  const lock = await readTreeLock(root);
  if (!lock?.holder) return;
  const h = lock.holder;
  if (h.host === hostname() && !isAlive(h.pid)) return;
  logger.warn(`a ${h.command} run (pid ${h.pid} on ${h.host}, started ${h.startedAt}) holds the lock: files it is writing may show up as problems`);
}
