import type { GomirrorError } from '../errors.js';
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
  summary: {
    modules: number;
    versions: number;
    fetched: number;
    present: number;
    failed: number;
    planned: number;
    errors: number;
    bytes: number;
    requests: number;
    retries: number;
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
    versions: { version: string; status: string; bytes: number; error?: ReportedError }[];
    errors: ReportedError[];
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

/** Builds the report (pure). */
export function buildSyncReport(args: {
  outcomes: ModuleOutcome[];
  toolVersion: string;
  dryRun: boolean;
  root: string;
  upstream: string;
  startedAt: Date;
  finishedAt: Date;
  requests: number;
  retries: number;
  /** Retries by module path, where known. */
  moduleRetries?: ReadonlyMap<string, number>;
}): SyncReport {
  const modules = args.outcomes.map((o) => {
    const count = (s: string): number => o.versions.filter((v) => v.status === s).length;
    const versions = [...o.versions]
      .sort((a, b) => (a.version < b.version ? -1 : 1))
      .map((v) => ({ version: v.version, status: v.status, bytes: v.bytes, ...(v.error ? { error: reportError(v.error) } : {}) }));
    return {
      path: o.module,
      ok: o.errors.length === 0 && count('failed') === 0,
      fetched: count('fetched'),
      present: count('present'),
      failed: count('failed'),
      bytes: o.versions.reduce((n, v) => n + v.bytes, 0),
      seconds: Math.round((o.seconds ?? 0) * 1000) / 1000,
      retries: args.moduleRetries?.get(o.module) ?? 0,
      ...(args.dryRun ? { planned: o.planned } : {}),
      versions,
      errors: o.errors.map(reportError),
    };
  });
  const sum = (f: (m: (typeof modules)[number]) => number): number => modules.reduce((n, m) => n + f(m), 0);
  const summary = {
    modules: modules.length,
    versions: sum((m) => m.versions.length),
    fetched: sum((m) => m.fetched),
    present: sum((m) => m.present),
    failed: sum((m) => m.failed),
    planned: sum((m) => m.planned?.length ?? 0),
    errors: sum((m) => m.errors.length),
    bytes: sum((m) => m.bytes),
    requests: args.requests,
    retries: args.retries,
  };
  return {
    tool: 'gomirror',
    toolVersion: args.toolVersion,
    command: 'sync',
    dryRun: args.dryRun,
    root: args.root,
    upstream: args.upstream,
    startedAt: args.startedAt.toISOString(),
    finishedAt: args.finishedAt.toISOString(),
    durationSeconds: Math.round((args.finishedAt.getTime() - args.startedAt.getTime()) / 10) / 100,
    ok: summary.failed === 0 && summary.errors === 0,
    summary,
    modules,
  };
}

/** The one-line summary printed at the end of a sync. */
export function formatSyncSummary(r: SyncReport): string {
  const s = r.summary;
  if (r.dryRun) {
    return `dry run: ${s.modules} modules, ${s.versions} versions resolved, ${s.planned} to download, ${s.errors} errors`;
  }
  return (
    `${s.fetched} fetched, ${s.present} already present, ${s.failed} failed` +
    (s.errors > 0 ? `, ${s.errors} module errors` : '') +
    ` (${s.versions} versions of ${s.modules} modules, ${formatBytes(s.bytes)}, ${s.retries} retries) in ${r.durationSeconds.toFixed(2)}s`
  );
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}
