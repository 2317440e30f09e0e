import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logger.js';
import { commitTempFile, tempPathFor, writeFileAtomic } from '../tree/index.js';
import type { TreeStore } from '../tree/index.js';
import { formatGoSum, openGoSumLines } from '../gosum/index.js';
import type { PrunePlan } from './plan.js';

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
  const { layout } = store;
  for (const m of plan.modules) {
    await writeFileAtomic(layout.listFile(m.module), m.list);
    const latestFile = layout.latestFile(m.module);
    if (m.latest.action === 'delete') await rm(latestFile, { force: true });
    if (m.latest.action === 'write') {
      const info = await store.read(layout.versionFile(m.module, m.latest.version, 'info'));
      if (info) await writeFileAtomic(latestFile, info);
    }
  }

  if (plan.modules.length > 0 && options.graceMs > 0) {
    options.logger.info(`lists rewritten; waiting ${options.graceMs / 1000}s before deleting files`);
    await (options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))))(options.graceMs);
  }

  for (const m of plan.modules) {
    for (const v of m.remove) {
      for (const kind of ['info', 'zip', 'mod'] as const) await rm(layout.versionFile(m.module, v.version, kind), { force: true });
      options.logger.info(`removed ${m.module}@${v.version}`, { module: m.module, version: v.version, bytes: v.bytes });
    }
    if (m.empty) {
      await rm(layout.listFile(m.module), { force: true });
      await rm(layout.latestFile(m.module), { force: true });
      await removeEmptyDirs(layout.versionDir(m.module), layout.root);
    }
  }

  await dropSums(layout.sumsFile(), new Set(plan.modules.flatMap((m) => m.remove.map((v) => `${m.module} ${v.version}`))));
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
async function dropSums(file: string, removed: ReadonlySet<string>): Promise<void> {
  if (removed.size === 0) return;
  const lines = await openGoSumLines(file);
  if (!lines) return;
  const tmp = tempPathFor(file);
  const out = createWriteStream(tmp, { flags: 'wx' });
  let dropped = 0;
  try {
    for await (const line of lines) {
      if (removed.has(`${line.path} ${line.version}`)) {
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
