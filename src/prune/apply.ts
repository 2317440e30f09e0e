import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logger.js';
import { commitTempFile, tempPathFor, writeFileAtomic } from '../tree/index.js';
import type { TreeStore } from '../tree/index.js';
import { formatGoSum, openGoSumLines } from '../gosum/index.js';
import type { ModulePrunePlan, PrunePlan, VersionOnDisk } from './plan.js';

export interface ApplyPruneOptions {
  /** Pause between rewriting the indexes and deleting files, for clients (and caches) that read the old list. */
  graceMs: number;
  logger: Logger;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Carries out a plan, in the order that keeps clients safe:
 * 1. every affected `list` (and `@latest`) is rewritten atomically, so no
 *    client is offered a version that is about to go;
 * 2. the grace period passes, so a client that read an old list just before
 *    can still fetch what it named;
 * 3. each removed version's files go, `.info` first: a version with a `.info`
 *    is complete (sync writes it last), so a crash mid-way leaves only
 *    incomplete versions, which no list names;
 * 4. directories of modules left with nothing are removed, bottom up;
 * 5. `.gomirror/go.sum` drops the removed versions' lines, last, so a crash
 *    before it leaves records without files (harmless) and never files
 *    without records.
 * Re-running prune after a crash finishes the job.
 */
export async function applyPrune(store: TreeStore, plan: PrunePlan, options: ApplyPruneOptions): Promise<void> {
  for (const m of plan.modules) await rewriteIndexes(store, m);
  await graceWait(plan.modules.length > 0, options);
  for (const m of plan.modules) await removeVersions(store, m.module, m.remove, m.empty, options.logger);
  const removed = new Set(plan.modules.flatMap((m) => m.remove.map((v) => `${m.module} ${v.version}`)));
  if (removed.size > 0) await dropSums(store.layout.sumsFile(), (p, v) => removed.has(`${p} ${v}`));
}

/** Step 1 for one module: its list and `@latest` rewritten atomically. */
export async function rewriteIndexes(store: TreeStore, m: Pick<ModulePrunePlan, 'module' | 'list' | 'latest'>): Promise<void> {
  const { layout } = store;
  await writeFileAtomic(layout.listFile(m.module), m.list);
  const latestFile = layout.latestFile(m.module);
  if (m.latest.action === 'delete') await rm(latestFile, { force: true });
  if (m.latest.action === 'write') {
    const info = await store.read(layout.versionFile(m.module, m.latest.version, 'info'));
    if (info) await writeFileAtomic(latestFile, info);
  }
}

/** Step 2: the grace period, when some list was rewritten. */
export async function graceWait(rewritten: boolean, options: ApplyPruneOptions): Promise<void> {
  if (!rewritten || options.graceMs <= 0) return;
  options.logger.info(`lists rewritten; waiting ${options.graceMs / 1000}s before deleting files`);
  await (options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))))(options.graceMs);
}

/** Steps 3 and 4 for one module: its removed versions' files, then its directories when nothing is left. */
export async function removeVersions(
  store: TreeStore,
  module: string,
  remove: readonly Pick<VersionOnDisk, 'version' | 'bytes'>[],
  empty: boolean,
  logger: Logger,
): Promise<void> {
  const { layout } = store;
  for (const v of remove) {
    for (const kind of ['info', 'zip', 'mod'] as const) await rm(layout.versionFile(module, v.version, kind), { force: true });
    logger.info(`removed ${module}@${v.version}`, { module, version: v.version, bytes: v.bytes });
  }
  if (empty) {
    await rm(layout.listFile(module), { force: true });
    await rm(layout.latestFile(module), { force: true });
    await removeEmptyDirs(layout.versionDir(module), layout.root);
  }
}

/** rmdir `dir` and its parents while they are empty, never `root` itself. */
async function removeEmptyDirs(dir: string, root: string): Promise<void> {
  for (let d = dir; d.startsWith(root + path.sep); d = path.dirname(d)) {
    try {
      await rmdir(d);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue;
      // ENOTEMPTY: another module lives below (a.com/x and a.com/x/v2), or a live writer's temp file.
      return;
    }
  }
}

/**
 * Drops the removed versions' lines from the hash record, read and written a
 * line at a time (the record holds every version of the tree); the kept
 * lines stay as they were, in their order. Written aside and renamed in, and
 * only when a line went.
 */
export async function dropSums(file: string, removed: (path: string, version: string) => boolean): Promise<void> {
  const lines = await openGoSumLines(file);
  if (!lines) return;
  const tmp = tempPathFor(file);
  const out = createWriteStream(tmp, { flags: 'wx' });
  let dropped = 0;
  try {
    for await (const line of lines) {
      if (removed(line.path, line.version)) {
        dropped++;
        continue;
      }
      if (!out.write(`${formatGoSum([line])}`)) await once(out, 'drain');
    }
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    if (dropped > 0) await commitTempFile(tmp, file);
  } finally {
    out.destroy();
    await rm(tmp, { force: true });
  }
}
