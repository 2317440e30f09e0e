/**
 * `.gomirror/reports/`: the reports of the last syncs, kept for the health
 * page and for people. Each is the sync's report without the rows of
 * versions that went well (the summary keeps their counts), so a tree of
 * 100k versions keeps small files.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic, STATE_DIR, TEMP_FILE_PATTERN } from '../tree/index.js';
import { summarizeReport, type RunSummary } from './health.js';

/** How many reports are kept (the health page shows them all). */
export const KEPT_REPORTS = 30;

/** The parts of a sync report the kept copy needs (SyncReport has them). */
export interface SyncReportLike {
  readonly dryRun: boolean;
  readonly startedAt: string;
  readonly modules: readonly {
    readonly ok: boolean;
    readonly errors: readonly unknown[];
    readonly versions: readonly { readonly error?: unknown }[];
  }[];
}

export function reportsDir(root: string): string {
  return path.join(path.resolve(root), STATE_DIR, 'reports');
}

/** The kept form of a report (pure): modules that failed, with only their failed versions. */
export function compactReport<R extends SyncReportLike>(report: R): R {
  return {
    ...report,
    modules: report.modules.filter((m) => !m.ok).map((m) => ({ ...m, versions: m.versions.filter((v) => v.error !== undefined) })),
  };
}

/**
 * Writes the report as `sync-<startedAt>-<pid>.json` (names sort by time) and
 * removes the oldest beyond KEPT_REPORTS. A dry run is not kept.
 */
export async function keepReport(root: string, report: SyncReportLike): Promise<void> {
  if (report.dryRun) return;
  const dir = reportsDir(root);
  const name = `sync-${report.startedAt.replace(/[:.]/g, '')}-${process.pid}.json`;
  await writeFileAtomic(path.join(dir, name), JSON.stringify(compactReport(report), null, 1) + '\n');
  const kept = (await reportNames(dir)).sort();
  for (const old of kept.slice(0, Math.max(0, kept.length - KEPT_REPORTS))) await rm(path.join(dir, old), { force: true });
}

async function reportNames(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => n.endsWith('.json') && !TEMP_FILE_PATTERN.test(n));
  } catch {
    return [];
  }
}

/** Summaries of every kept report (small files: compactReport keeps only what failed). */
export async function readRuns(root: string): Promise<RunSummary[]> {
  const dir = reportsDir(root);
  const out: RunSummary[] = [];
  for (const name of await reportNames(dir)) {
    try {
      const s = summarizeReport(JSON.parse(await readFile(path.join(dir, name), 'utf8')), name);
      if (s) out.push(s);
    } catch {
      // Unreadable or not JSON: left off the page.
    }
  }
  return out;
}
