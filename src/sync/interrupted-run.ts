/**
 * The end of a sync stopped by a signal (see interrupt.ts): the report and
 * the metrics of the run so far, marked E_INTERRUPTED, and the lock
 * released as unclean (downloads still in flight leave temp files the next
 * run sweeps).
 */
import type { SyncConfig } from '../config/index.js';
import type { Logger } from '../logger.js';
import type { AcquiredLock } from '../tree/index.js';
import { redactUrl } from '../upstream/index.js';
import { TOOL_VERSION } from '../version.js';
import { writeSyncMetrics } from './metrics.js';
import type { SyncReport } from './report.js';
import { createReportRows, type ReportRows } from './report-rows.js';
import type { ModuleOutcome } from './run.js';

/** What a run has done so far: the report of an interrupted run is built from it. */
export interface RunSoFar {
  /** Modules not finished yet, as they stand. */
  outcomes: Map<string, ModuleOutcome>;
  /** The finished modules' rows. */
  rows?: ReportRows;
  stats: () => { requests: number; retries: number };
}

export interface InterruptedRun {
  config: SyncConfig;
  logger: Logger;
  lock: AcquiredLock;
  /** When the run started (ms since the epoch). */
  started: number;
  soFar: RunSoFar;
}

export async function endInterruptedRun(run: InterruptedRun, signal: NodeJS.Signals): Promise<void> {
  const { config, logger, lock, started, soFar } = run;
  logger.error(`interrupted by ${signal}: the run stopped early`, {
    code: 'E_INTERRUPTED',
    signal,
    hint: 'Every file already in the tree is complete; the next run goes on from there. Run gomirror sync again.',
  });
  const rows = soFar.rows ?? createReportRows({ dryRun: false });
  const { report: partial, extra } = rows.report(
    {
      toolVersion: TOOL_VERSION,
      dryRun: false,
      root: config.out,
      upstream: redactUrl(config.upstreamText),
      startedAt: new Date(started),
      finishedAt: new Date(),
      ...soFar.stats(),
    },
    [...soFar.outcomes.values()],
  );
  const interrupted: SyncReport = { ...partial, ok: false, fatal: { code: 'E_INTERRUPTED', message: `interrupted by ${signal}` } };
  if (config.report) {
    await rows.write(config.report, interrupted, extra).catch((e: unknown) =>
      logger.error(`${config.report}: cannot write the report: ${(e as Error).message}`),
    );
  }
  await rows.close();
  if (config.metrics) {
    await writeSyncMetrics(config.metrics, {
      root: config.out,
      startedAt: started / 1000,
      finishedAt: Date.now() / 1000,
      report: interrupted,
      fatalCode: 'E_INTERRUPTED',
    }).catch((e: unknown) => logger.error(`${config.metrics}: cannot write metrics: ${(e as Error).message}`));
  }
  // Downloads are still in flight: the next run sweeps their temp files.
  await lock.release({ unclean: true });
}
