import { stat } from 'node:fs/promises';
import path from 'node:path';
import { GomirrorError } from '../errors.js';
import type { Logger } from '../logger.js';
import { acquireTreeLock, createTreeStore } from '../tree/index.js';
import { dropSums, graceWait, removeVersions, rewriteIndexes } from './apply.js';
import { listModules, moduleLookup, readModuleOnDisk } from './inventory.js';
import { findNeededVersions, type NeedInputs } from './needed.js';
import { planModule, type ModulePrunePlan, type PrunePolicy } from './plan.js';

/** Everything `gomirror prune` needs, validated. */
export interface PruneConfig extends NeedInputs {
  readonly root: string;
  readonly keepDays: number;
  readonly dryRun: boolean;
  readonly graceSeconds: number;
}

/** The counts of a prune; the modules themselves go to pruneTree's onModule as they are planned. */
export interface PruneTotals {
  /** Modules that lose versions. */
  modules: number;
  removedVersions: number;
  keptVersions: number;
  freedBytes: number;
  /** Versions of those modules kept only because they are younger than --keep-days. */
  keptByAge: number;
}

/** The outcome of a prune (or of a dry run: what it would do). */
export interface PruneResult {
  dryRun: boolean;
  plan: PruneTotals;
  /** Inputs that matched nothing in the tree. */
  warnings: string[];
}

/** Checks the numbers of a prune config (pure); throws E_USAGE. */
export function checkPruneNumbers(keepDays: number, graceSeconds: number): void {
  if (!Number.isFinite(keepDays) || keepDays < 0) {
    throw new GomirrorError('E_USAGE', `--keep-days: must be a number of days, 0 or more, not ${keepDays}`);
  }
  if (!Number.isFinite(graceSeconds) || graceSeconds < 0 || graceSeconds > 3600) {
    throw new GomirrorError('E_USAGE', `--grace: must be from 0 to 3600 seconds, not ${graceSeconds}`);
  }
}

/**
 * `gomirror prune`: removes the versions no manifest input needs any longer
 * (see findNeededVersions for what "needs" means, planModule for the age rule,
 * applyPrune for the order that keeps clients safe). Takes the tree's lock
 * unless it is a dry run, which only reads.
 *
 * One module at a time: each is read from disk, planned, its list and
 * `@latest` rewritten, and its plan handed to onModule (in module path
 * order), then dropped; only the removed versions are kept (to delete their
 * files after the grace period and drop their hashes), so memory follows
 * what goes, not the size of the tree.
 */
export async function pruneTree(
  config: PruneConfig,
  logger: Logger,
  now: () => number = Date.now,
  onModule?: (m: ModulePrunePlan) => void | Promise<void>,
): Promise<PruneResult> {
  checkPruneNumbers(config.keepDays, config.graceSeconds);
  const root = path.resolve(config.root);
  const st = await stat(root).catch(() => undefined);
  if (!st?.isDirectory()) throw new GomirrorError('E_USAGE', `--root ${root}: not a directory`);
  const lock = config.dryRun ? undefined : await acquireTreeLock(root, { command: 'prune' });
  if (lock?.tookOver) logger.warn(`took over a stale lock: ${lock.tookOver}`);
  try {
    const store = createTreeStore(root);
    const { needed, warnings } = await findNeededVersions(config, store, moduleLookup(store));
    for (const w of warnings) logger.warn(w);
    const policy: PrunePolicy = { needed, keepDays: config.keepDays, now: now(), ...(config.toolchains ? { toolchainPlatforms: config.toolchains.platforms } : {}) };
    const totals: PruneTotals = { modules: 0, removedVersions: 0, keptVersions: 0, freedBytes: 0, keptByAge: 0 };
    // module → removed version → bytes; a real run only.
    const removed = new Map<string, { versions: Map<string, number>; empty: boolean }>();
    for (const module of await listModules(store)) {
      const m = await readModuleOnDisk(store, module);
      if (!m) continue;
      const one = planModule(m, policy);
      totals.keptVersions += one.kept;
      if (!one.plan) continue;
      totals.modules++;
      totals.removedVersions += one.plan.remove.length;
      totals.freedBytes += one.freedBytes;
      totals.keptByAge += one.plan.keptByAge.length;
      if (!config.dryRun) {
        await rewriteIndexes(store, one.plan);
        removed.set(module, { versions: new Map(one.plan.remove.map((v) => [v.version, v.bytes])), empty: one.plan.empty });
      }
      await onModule?.(one.plan);
    }
    if (!config.dryRun && removed.size > 0) {
      const options = { graceMs: config.graceSeconds * 1000, logger };
      await graceWait(true, options);
      for (const [module, r] of removed) {
        await removeVersions(store, module, [...r.versions].map(([version, bytes]) => ({ version, bytes })), r.empty, logger);
      }
      await dropSums(store.layout.sumsFile(), (p, v) => removed.get(p)?.versions.has(v) ?? false);
      await (await import('../catalog/index.js')).refreshCatalog(root, logger, { changed: [...removed.keys()] });
    }
    return { dryRun: config.dryRun, plan: totals, warnings };
  } finally {
    await lock?.release();
  }
}
