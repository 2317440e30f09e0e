/**
 * `--metrics FILE.prom`: the outcome of the last sync in the Prometheus text
 * exposition format, for node_exporter's textfile collector
 * (`--collector.textfile.directory`). Every value describes the last run, so
 * all are gauges. The file is replaced atomically; its temp name
 * (`FILE.prom.tmp-…`) does not end in `.prom`, so the collector never reads a
 * half-written file.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../tree/index.js';
import type { SyncReport } from './report.js';

/** What one run contributes to the metrics file. */
export interface SyncMetricsInput {
  /** The tree; a label, so one host can export several trees. */
  root: string;
  /** Unix seconds. */
  startedAt: number;
  finishedAt: number;
  /** The report, when the run got that far. */
  report?: SyncReport;
  /** The error code that stopped the run, if it stopped early. */
  fatalCode?: string;
  /** When the last successful run finished (unix seconds), carried over from the previous file. */
  lastSuccess?: number;
}

interface Sample {
  name: string;
  help: string;
  labels?: Record<string, string>;
  value: number;
}

/** Renders the metrics file (pure). A run succeeded when it has a report with `ok` and no fatal error. */
export function formatSyncMetrics(m: SyncMetricsInput): string {
  const ok = m.report !== undefined && m.report.ok && m.fatalCode === undefined;
  const lastSuccess = ok ? m.finishedAt : (m.lastSuccess ?? 0);
  const s = m.report?.summary;
  const samples: Sample[] = [
    { name: 'gomirror_sync_success', help: '1 if the last sync mirrored everything it was asked to, else 0.', value: ok ? 1 : 0 },
    { name: 'gomirror_sync_last_run_timestamp_seconds', help: 'When the last sync finished (unix time).', value: m.finishedAt },
    {
      name: 'gomirror_sync_last_success_timestamp_seconds',
      help: 'When the last fully successful sync finished (unix time; 0 if none yet).',
      value: lastSuccess,
    },
    { name: 'gomirror_sync_duration_seconds', help: 'Wall time of the last sync.', value: round(m.finishedAt - m.startedAt) },
    { name: 'gomirror_sync_modules', help: 'Modules the last sync looked at.', value: s?.modules ?? 0 },
    ...(['fetched', 'present', 'failed'] as const).map((status) => ({
      name: 'gomirror_sync_versions',
      help: 'Module versions of the last sync by outcome: fetched (downloaded now), present (already mirrored), failed.',
      labels: { status },
      value: s?.[status] ?? 0,
    })),
    { name: 'gomirror_sync_downloaded_bytes', help: 'Bytes downloaded by the last sync.', value: s?.bytes ?? 0 },
    {
      name: 'gomirror_sync_module_errors',
      help: 'Errors of the last sync that concern a whole module (list unavailable, a query matching nothing).',
      value: s?.errors ?? 0,
    },
    { name: 'gomirror_sync_requests', help: 'HTTP requests sent to the upstream by the last sync.', value: s?.requests ?? 0 },
    { name: 'gomirror_sync_retries', help: 'Downloads retried after a 5xx, reset, timeout or short body.', value: s?.retries ?? 0 },
    {
      name: 'gomirror_sync_vulnerable_versions',
      help: 'Mirrored versions of the last sync that a known vulnerability affects (0 without a vulnerability database).',
      value: s?.vulnerable ?? 0,
    },
    {
      name: 'gomirror_sync_vulnerable_skipped',
      help: 'Versions the last sync left out of latest and range queries because a fixed vulnerability affects them (vulnerable: refuse-latest).',
      value: s?.vulnerableSkipped ?? 0,
    },
    {
      name: 'gomirror_sync_fatal',
      help: '1 if the last sync stopped early on an error (its code in the label), else 0.',
      labels: { code: m.fatalCode ?? '' },
      value: m.fatalCode === undefined ? 0 : 1,
    },
  ];
  let out = '';
  let previous = '';
  for (const sample of samples) {
    if (sample.name !== previous) {
      out += `# HELP ${sample.name} ${sample.help}\n# TYPE ${sample.name} gauge\n`;
      previous = sample.name;
    }
    const labels = { root: m.root, ...sample.labels };
    const text = Object.entries(labels)
      .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
      .join(',');
    out += `${sample.name}{${text}} ${sample.value}\n`;
  }
  return out;
}

/** The last-success timestamp recorded in an earlier metrics file for `root` (pure). */
export function parseLastSuccess(text: string, root: string): number | undefined {
  const want = `gomirror_sync_last_success_timestamp_seconds{root="${escapeLabel(root)}"}`;
  for (const line of text.split('\n')) {
    if (!line.startsWith(want)) continue;
    const value = Number(line.slice(want.length).trim());
    if (Number.isFinite(value) && value > 0) return value;
  }
  return undefined;
}

/**
 * Writes the metrics file atomically, carrying the last-success time over
 * from the file it replaces when this run did not succeed, so an alert on a
 * stale mirror keeps counting from the last good run.
 */
export async function writeSyncMetrics(file: string, input: Omit<SyncMetricsInput, 'lastSuccess'>): Promise<void> {
  let lastSuccess: number | undefined;
  try {
    lastSuccess = parseLastSuccess(await readFile(file, 'utf8'), input.root);
  } catch {
    lastSuccess = undefined;
  }
  await writeFileAtomic(file, formatSyncMetrics({ ...input, ...(lastSuccess !== undefined ? { lastSuccess } : {}) }));
}

// Prometheus: backslash, double quote and line feed are escaped in label values.
function escapeLabel(v: string): string {
  return v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
