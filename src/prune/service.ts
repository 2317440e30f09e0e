import { stat } from 'node:fs/promises';
import path from 'node:path';
import { GomirrorError } from '../errors.js';
import type { Logger } from '../logger.js';
import { acquireTreeLock, createTreeStore } from '../tree/index.js';
import { applyPrune } from './apply.js';
import { readModulesOnDisk } from './inventory.js';
import { findNeededVersions, type NeedInputs } from './needed.js';
import { planPrune, type PrunePlan } from './plan.js';

/** Everything `gomirror prune` needs, validated. */
export interface PruneConfig extends NeedInputs {
  readonly root: string;
  readonly keepDays: number;
  readonly dryRun: boolean;
  readonly graceSeconds: number;
}

/** The outcome of a prune (or of a dry run: what it would do). */
export interface PruneResult {
  dryRun: boolean;
  plan: PrunePlan;
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
 * (see findNeededVersions for what "needs" means, planPrune for the age rule,
 * applyPrune for the order that keeps clients safe). Takes the tree's lock
 * unless it is a dry run, which only reads.
 */
export async function pruneTree(config: PruneConfig, logger: Logger, now: () => number = Date.now): Promise<PruneResult> {
  checkPruneNumbers(config.keepDays, config.graceSeconds);
  const root = path.resolve(config.root);
  const st = await stat(root).catch(() => undefined);
  if (!st?.isDirectory()) throw new GomirrorError('E_USAGE', `--root ${root}: not a directory`);
  const lock = config.dryRun ? undefined : await acquireTreeLock(root, { command: 'prune' });
  if (lock?.tookOver) logger.warn(`took over a stale lock: ${lock.tookOver}`);
  try {
    const store = createTreeStore(root);
    const onDisk = await readModulesOnDisk(store);
    const { needed, warnings } = await findNeededVersions(config, store, onDisk);
    for (const w of warnings) logger.warn(w);
    const plan = planPrune(onDisk, { needed, keepDays: config.keepDays, now: now(), ...(config.toolchains ? { toolchainPlatforms: config.toolchains.platforms } : {}) });
    if (!config.dryRun) {
      await applyPrune(store, plan, { graceMs: config.graceSeconds * 1000, logger });
      const pruned = plan.modules.filter((m) => m.remove.length > 0).map((m) => m.module);
      if (pruned.length > 0) await (await import('../catalog/index.js')).refreshCatalog(root, logger, { changed: pruned });
    }
    return { dryRun: config.dryRun, plan, warnings };
  } finally {
    await lock?.release();
  }
}
