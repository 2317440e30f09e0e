/**
 * The vulnerability database in a sync: mirror it first (so the policy and
 * the counts go by the newest copy), apply the `vulnerable` policy to
 * non-exact queries, and mark the report's versions a known vulnerability
 * affects. A failure of the database step is logged, fails the run (exit 1)
 * and leaves the tree's copy as it was; module mirroring goes on.
 */
import type { SyncConfig } from '../config/index.js';
import { GomirrorError, isGomirrorError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Transport } from '../upstream/index.js';
import { createVulnDbSource, createVulnDbStore, mirrorVulnDb, openVulnDbCopy, refuseLatestReasons, type VulnDbCopy } from '../vulndb/index.js';
import { reportError, type ModuleRow, type SyncReport } from './report.js';
import type { AvoidVersion } from '../mirror/index.js';
import type { ModuleOutcome } from './run.js';

export interface VulnerableStep {
  /** The refuse-latest policy, when it applies. */
  avoid?: AvoidVersion;
  /** Adds a finished module's skipped and affected versions to its report row, and logs them per the policy. */
  annotate(row: ModuleRow, outcome: ModuleOutcome): Promise<void>;
  /** Adds the database step and the counts of every annotated row to the report. */
  finish(report: SyncReport): void;
}

export async function prepareVulnerable(config: SyncConfig, transport: Transport, logger: Logger): Promise<VulnerableStep> {
  const section: NonNullable<SyncReport['vulndb']> = { policy: config.vulnerable };
  let error: GomirrorError | undefined;
  if (config.vulndb !== undefined) {
    const source = createVulnDbSource(config.vulndb, transport);
    section.source = source.name;
    if (!config.dryRun) {
      try {
        const r = await mirrorVulnDb({ source, store: createVulnDbStore(config.out), allowRollback: config.allowRollback, concurrency: config.concurrency });
        Object.assign(section, { modified: r.modified, changed: r.changed, fetched: r.fetched, entries: r.entries });
        if (r.rolledBackFrom) logger.warn(`vulndb ${source.name}: published an older database (${r.modified}, was ${r.rolledBackFrom}) as --allow-rollback asks`);
        logger.info(
          r.changed
            ? `vulndb ${source.name}: modified ${r.modified}; ${r.fetched} of ${r.entries} entries downloaded`
            : `vulndb ${source.name}: unchanged since the last run (modified ${r.modified})`,
          { vulndb: source.name, modified: r.modified, fetched: r.fetched, entries: r.entries },
        );
      } catch (err) {
        error = isGomirrorError(err) ? err : new GomirrorError('E_INTERNAL', `vulndb: ${(err as Error).message}`, { cause: err });
        logger.error(error.message, { code: error.code, hint: error.hint });
      }
    }
  }
  let copy: VulnDbCopy | undefined;
  try {
    copy = await openVulnDbCopy(config.out);
  } catch (err) {
    if (!isGomirrorError(err)) throw err;
    error ??= err;
    logger.error(err.message, { code: err.code, hint: err.hint });
  }
  if (copy && section.modified === undefined) section.modified = copy.modified;
  if (!copy && config.vulnerable !== 'allow') {
    logger.warn(`vulnerable: ${config.vulnerable}: the tree holds no vulnerability database, so no version is known to be affected (sync with --vulndb)`);
  }

  const avoid: AvoidVersion | undefined = copy && config.vulnerable === 'refuse-latest' ? refuseLatestReasons(copy) : undefined;

  // Nothing to add to a report when the tree has no database and the run mirrors none.
  const active = copy !== undefined || config.vulndb !== undefined;
  let vulnerable = 0;
  let skippedCount = 0;
  return {
    ...(avoid ? { avoid } : {}),
    async annotate(m, outcome) {
      if (!active) return;
      const skipped = outcome.skipped ?? [];
      if (skipped.length > 0) {
        m.skipped = skipped.map((s) => ({ version: s.version, query: s.query, vulns: s.reasons }));
        skippedCount += skipped.length;
        for (const s of skipped) {
          logger.warn(`skipped ${m.path}@${s.version} for "${s.query}": affected by ${s.reasons.join(', ')}, which have a fix (vulnerable: refuse-latest)`);
        }
      }
      if (!copy) return;
      for (const v of m.versions) {
        if (v.status === 'failed') continue;
        const found = await copy.vulnsFor(m.path, v.version);
        if (found.length === 0) continue;
        v.vulns = found.map((x) => x.id);
        vulnerable++;
        if (config.vulnerable !== 'allow') {
          const detail = found.map((x) => `${x.id}${x.fixed ? ` (fixed in ${x.fixed})` : ' (no fix)'}`).join(', ');
          logger.warn(`${m.path}@${v.version} is affected by ${detail}`, { module: m.path, version: v.version });
        }
      }
    },
    finish(report) {
      if (!active) return;
      if (error) {
        section.error = reportError(error);
        report.ok = false;
      }
      report.vulndb = section;
      report.summary.vulnerable = vulnerable;
      report.summary.vulnerableSkipped = skippedCount;
    },
  };
}
