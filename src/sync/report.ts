import { formatBytes } from '../bytes.js';
import type { GomirrorError } from '../errors.js';
import type { PlanSource, ZipNeed } from '../graph/index.js';
import type { ModuleOutcome } from './run.js';

/** The machine-readable result of a sync (`--report FILE.json`). */
export interface SyncReport {
  tool: 'gomirror';
  toolVersion: string;
  command: 'sync';
  dryRun: boolean;
  root: string;
  upstream: string;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  ok: boolean;
  /** The error that stopped the run early or made it pointless (E_INTERRUPTED, E_NETWORK), if any. */
  fatal?: ReportedError;
  summary: VersionCounts & {
    requests: number;
    retries: number;
    /** Mirrored (or, in a dry run, planned) versions by why they are there (always set by buildSyncReport). */
    bySource?: Record<PlanSource, number>;
    /** Versions with a zip in the plan, and versions mirrored as .info + .mod only. */
    zips?: number;
    modOnly?: number;
    /** Bytes of go.mod files downloaded to walk the module graph (a dry run's only download). */
    graphBytes?: number;
    /** Mirrored versions a known vulnerability affects (set when the tree holds a vulnerability database). */
    vulnerable?: number;
    /** Versions the `vulnerable: refuse-latest` policy kept out of non-exact queries. */
    vulnerableSkipped?: number;
  };
  /** The vulnerability database step (sync --vulndb), when the tree has or mirrors one. */
  vulndb?: {
    source?: string;
    modified?: string;
    changed?: boolean;
    fetched?: number;
    entries?: number;
    policy: string;
    error?: ReportedError;
  };
  modules: {
    path: string;
    ok: boolean;
    fetched: number;
    present: number;
    failed: number;
    bytes: number;
    /** Wall time spent on the module (its versions overlap with other modules'). */
    seconds: number;
    /** Downloads of this module retried after a transient failure. */
    retries: number;
    planned?: string[];
    /** Dry run: every version the plan holds, and whether it would be downloaded. */
    plan?: { version: string; zip: ZipNeed; source: PlanSource; from: string; download: boolean }[];
    versions: {
      version: string;
      status: string;
      bytes: number;
      /** root (named), gosum (a go.sum line) or dependency (added by following go.mod requirements). */
      source?: PlanSource;
      /** The manifest entry, go.mod or go.sum line that named it, or the module@version that requires it. */
      from?: string;
      modOnly?: boolean;
      error?: ReportedError;
      /** IDs of the known vulnerabilities that affect this version. */
      vulns?: string[];
    }[];
    errors: ReportedError[];
    /** Versions a query skipped by the `vulnerable` policy, with the vulnerabilities that made it. */
    skipped?: { version: string; query: string; vulns: string[] }[];
    /** Branch and commit queries and the versions they became. */
    resolved?: string[];
  }[];
}

export interface ReportedError {
  code: string;
  message: string;
  hint?: string;
}

export function reportError(e: GomirrorError): ReportedError {
  return { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
}

/** One module's row of the report. */
export type ModuleRow = SyncReport['modules'][number];

/** The report's header fields (everything but the summary's counts and the module rows). */
export interface ReportHeader {
  toolVersion: string;
  dryRun: boolean;
  root: string;
  upstream: string;
  startedAt: Date;
  finishedAt: Date;
  requests: number;
  retries: number;
  /** Bytes of go.mod files fetched to walk the module graph. */
  graphBytes?: number;
}

/** Builds the report (pure). */
export function buildSyncReport(
  args: ReportHeader & {
    outcomes: ModuleOutcome[];
    /** Retries by module path, where known. */
    moduleRetries?: ReadonlyMap<string, number>;
  },
): SyncReport {
  const totals = emptyTotals();
  const modules = args.outcomes.map((o) => {
    const row = buildModuleRow(o, args.dryRun, args.moduleRetries?.get(o.module) ?? 0);
    addToTotals(totals, row, args.dryRun);
    return row;
  });
  return assembleReport(args, totals, modules);
}

/** A module's row (pure); `retries`: its downloads retried. */
export function buildModuleRow(o: ModuleOutcome, dryRun: boolean, retries: number): ModuleRow {
  let fetched = 0;
  let present = 0;
  let failed = 0;
  let bytes = 0;
  for (const v of o.versions) {
    if (v.status === 'fetched') fetched++;
    else if (v.status === 'present') present++;
    else if (v.status === 'failed') failed++;
    bytes += v.bytes;
  }
  const versions = [...o.versions]
    .sort((a, b) => (a.version < b.version ? -1 : 1))
    .map((v) => ({
      version: v.version,
      status: v.status,
      bytes: v.bytes,
      ...(v.source ? { source: v.source } : {}),
      ...(v.from ? { from: v.from } : {}),
      ...(v.modOnly ? { modOnly: true } : {}),
      ...(v.error ? { error: reportError(v.error) } : {}),
    }));
  return {
    path: o.module,
    ok: o.errors.length === 0 && failed === 0,
    fetched,
    present,
    failed,
    bytes,
    seconds: Math.round((o.seconds ?? 0) * 1000) / 1000,
    retries,
    ...(dryRun ? { planned: o.planned } : {}),
    ...(dryRun && o.plan
      ? { plan: o.plan.map((e) => ({ version: e.version, zip: e.zip, source: e.source, from: e.from, download: e.download })) }
      : {}),
    versions,
    errors: o.errors.map(reportError),
    ...(o.resolved ? { resolved: o.resolved } : {}),
  };
}

/** The counts the summary and the running totals share. */
export interface VersionCounts {
  modules: number;
  versions: number;
  fetched: number;
  present: number;
  failed: number;
  planned: number;
  errors: number;
  bytes: number;
}

/** The summary's counts over module rows, added up one row at a time. */
export interface ReportTotals extends VersionCounts {
  bySource: Record<PlanSource, number>;
  zips: number;
  modOnly: number;
}

export function emptyTotals(): ReportTotals {
  return { modules: 0, versions: 0, fetched: 0, present: 0, failed: 0, planned: 0, errors: 0, bytes: 0, bySource: { root: 0, gosum: 0, dependency: 0 }, zips: 0, modOnly: 0 };
}

/**
 * Adds a row to the totals. Per-source, zip and .mod-only counts are of the
 * plan in a dry run, of the mirrored versions otherwise.
 */
export function addToTotals(t: ReportTotals, m: ModuleRow, dryRun: boolean): void {
  t.modules++;
  t.versions += m.versions.length;
  t.fetched += m.fetched;
  t.present += m.present;
  t.failed += m.failed;
  t.planned += m.planned?.length ?? 0;
  t.errors += m.errors.length;
  t.bytes += m.bytes;
  const count = (source: PlanSource, modOnly: boolean): void => {
    t.bySource[source]++;
    if (modOnly) t.modOnly++;
    else t.zips++;
  };
  if (dryRun) for (const e of m.plan ?? []) count(e.source, e.zip === 'no');
  else for (const v of m.versions) if (v.status !== 'failed') count(v.source ?? 'root', v.modOnly === true);
}

/** The report from its header, totals and the rows it carries (pure). */
export function assembleReport(h: ReportHeader, t: ReportTotals, modules: ModuleRow[]): SyncReport {
  const summary = {
    modules: t.modules,
    versions: t.versions,
    fetched: t.fetched,
    present: t.present,
    failed: t.failed,
    planned: t.planned,
    errors: t.errors,
    bytes: t.bytes,
    requests: h.requests,
    retries: h.retries,
    bySource: { ...t.bySource },
    zips: t.zips,
    modOnly: t.modOnly,
    graphBytes: h.graphBytes ?? 0,
  };
  return {
    tool: 'gomirror',
    toolVersion: h.toolVersion,
    command: 'sync',
    dryRun: h.dryRun,
    root: h.root,
    upstream: h.upstream,
    startedAt: h.startedAt.toISOString(),
    finishedAt: h.finishedAt.toISOString(),
    durationSeconds: Math.round((h.finishedAt.getTime() - h.startedAt.getTime()) / 10) / 100,
    ok: summary.failed === 0 && summary.errors === 0,
    summary,
    modules,
  };
}

/**
 * The run's fatal error when the upstream could not be reached at all:
 * nothing fetched or found present, and every failure a network error
 * (refused, reset, DNS, timeout). Pure.
 */
export function upstreamUnreachable(r: SyncReport): ReportedError | undefined {
  if (r.dryRun || r.summary.fetched + r.summary.present > 0) return undefined;
  const codes = r.modules.flatMap((m) => [...m.errors.map((e) => e.code), ...m.versions.flatMap((v) => (v.error ? [v.error.code] : []))]);
  if (codes.length === 0 || codes.some((c) => c !== 'E_NETWORK')) return undefined;
  return {
    code: 'E_NETWORK',
    message: `upstream ${r.upstream} unreachable: every request failed with a network error; nothing was mirrored`,
    hint: 'Check the network, DNS, HTTPS_PROXY/NO_PROXY and the upstream URL (--upstream, $GOPROXY, the manifest).',
  };
}

/** The one-line summary printed at the end of a sync. */
export function formatSyncSummary(r: SyncReport): string {
  const s = r.summary;
  const by = s.bySource ?? { root: 0, gosum: 0, dependency: 0 };
  const [zips, modOnly, graphBytes] = [s.zips ?? 0, s.modOnly ?? 0, s.graphBytes ?? 0];
  const sources = `${by.root} root, ${by.gosum} go.sum, ${by.dependency} dependency`;
  if (r.dryRun) {
    const planned = by.root + by.gosum + by.dependency;
    return (
      `dry run: ${planned} module versions of ${s.modules} modules (${sources}), ${zips} with zips, ${modOnly} .mod only; ` +
      `${s.planned} to download (zip sizes unknown until downloaded` +
      (graphBytes > 0 ? `; ${formatBytes(graphBytes)} of go.mod files read to plan` : '') +
      `), ${s.errors} errors`
    );
  }
  const extra = [
    ...(by.dependency > 0 ? [`${by.dependency} added by dependency following`] : []),
    ...(modOnly > 0 ? [`${modOnly} .mod only`] : []),
    ...((s.vulnerable ?? 0) > 0 ? [`${s.vulnerable} affected by known vulnerabilities`] : []),
    ...((s.vulnerableSkipped ?? 0) > 0 ? [`${s.vulnerableSkipped} skipped as vulnerable`] : []),
  ];
  return (
    `${s.fetched} fetched, ${s.present} already present, ${s.failed} failed` +
    (s.errors > 0 ? `, ${s.errors} module errors` : '') +
    ` (${s.versions} versions of ${s.modules} modules, ${formatBytes(s.bytes)}, ${s.retries} retries` +
    (extra.length > 0 ? `; ${extra.join(', ')}` : '') +
    `) in ${r.durationSeconds.toFixed(2)}s`
  );
}

