/**
 * The health page's data (pure): one summary per kept sync report, and the
 * chart of versions, bytes and failures per run, drawn as an inline SVG at
 * generation time (no chart library in the browser).
 */
import { formatBytes } from '../bytes.js';
import { escapeHtml } from './markdown.js';

/** What the catalog keeps of one sync report. */
export interface RunSummary {
  /** The report's file name under `.gomirror/reports/`. */
  readonly file: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationSeconds: number;
  readonly ok: boolean;
  readonly modules: number;
  readonly versions: number;
  readonly fetched: number;
  readonly failed: number;
  readonly errors: number;
  readonly bytes: number;
  /** What failed, with the message (at most MAX_FAILURES). */
  readonly failures: readonly { readonly what: string; readonly code: string; readonly message: string }[];
  /** Failures beyond those listed. */
  readonly moreFailures: number;
}

const MAX_FAILURES = 20;

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const rec = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/**
 * Summarises a sync report (the `--report` JSON) read from disk. Returns
 * undefined for anything that is not one: a damaged file must not break the
 * page, it only drops out of it.
 */
export function summarizeReport(json: unknown, file: string): RunSummary | undefined {
  const r = rec(json);
  if (r.tool !== 'gomirror' || r.command !== 'sync' || r.dryRun === true || Number.isNaN(Date.parse(str(r.startedAt)))) return undefined;
  const s = rec(r.summary);
  const failures: { what: string; code: string; message: string }[] = [];
  let total = 0;
  for (const m of arr(r.modules).map(rec)) {
    const errs: { what: string; e: Record<string, unknown> }[] = [
      ...arr(m.errors).map((e) => ({ what: str(m.path), e: rec(e) })),
      ...arr(m.versions)
        .map(rec)
        .filter((v) => v.error !== undefined)
        .map((v) => ({ what: `${str(m.path)}@${str(v.version)}`, e: rec(v.error) })),
    ];
    for (const { what, e } of errs) {
      total++;
      if (failures.length < MAX_FAILURES) failures.push({ what, code: str(e.code), message: str(e.message) });
    }
  }
  return {
    file,
    startedAt: str(r.startedAt),
    finishedAt: str(r.finishedAt),
    durationSeconds: num(r.durationSeconds),
    ok: r.ok === true,
    modules: num(s.modules),
    versions: num(s.versions),
    fetched: num(s.fetched),
    failed: num(s.failed),
    errors: num(s.errors),
    bytes: num(s.bytes),
    failures,
    moreFailures: total - failures.length,
  };
}

/** The last `n` runs, oldest first. */
export function lastRuns(runs: readonly RunSummary[], n: number): RunSummary[] {
  return [...runs].sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0)).slice(-n);
}

const W = 720;
const H = 260;
const PAD = { left: 56, right: 64, top: 16, bottom: 28 };
const FAIL_H = 52;

/**
 * An SVG chart of the runs (oldest first): the versions of each run and the
 * bytes it downloaded as two lines with one point per run (`circle.pt-versions`,
 * `rect.pt-bytes`), its failures as bars underneath. Sizes are in the viewBox;
 * the page's CSS colours it, so it follows dark mode.
 */
export function healthChart(runs: readonly RunSummary[]): string {
  const plotW = W - PAD.left - PAD.right;
  const lineH = H - PAD.top - PAD.bottom - FAIL_H - 12;
  const n = runs.length;
  // Points stay clear of the axes, so the first and last failure bars fit inside.
  const inset = 12;
  const x = (i: number): number => PAD.left + inset + (n <= 1 ? (plotW - 2 * inset) / 2 : (i * (plotW - 2 * inset)) / (n - 1));
  const maxV = niceMax(Math.max(0, ...runs.map((r) => r.versions)));
  const maxB = niceMax(Math.max(0, ...runs.map((r) => r.bytes)));
  const maxF = Math.max(1, ...runs.map((r) => r.failed + r.errors));
  const yV = (v: number): number => PAD.top + lineH - (v / maxV) * lineH;
  const yB = (b: number): number => PAD.top + lineH - (b / maxB) * lineH;
  const failTop = PAD.top + lineH + 12;
  const f = (v: number): string => v.toFixed(1);
  const parts: string[] = [];
  parts.push(
    `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="chart-title" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="chart-title">Versions and bytes per sync run, failures underneath (last ${n} runs)</title>`,
  );
  // Axes and their top values.
  parts.push(
    `<line class="axis" x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${PAD.top + lineH}"/>`,
    `<line class="axis" x1="${PAD.left}" y1="${PAD.top + lineH}" x2="${PAD.left + plotW}" y2="${PAD.top + lineH}"/>`,
    `<line class="axis" x1="${PAD.left + plotW}" y1="${PAD.top}" x2="${PAD.left + plotW}" y2="${PAD.top + lineH}"/>`,
    `<text class="label versions" x="${PAD.left - 6}" y="${PAD.top + 10}" text-anchor="end">${maxV}</text>`,
    `<text class="label versions" x="${PAD.left - 6}" y="${PAD.top + lineH}" text-anchor="end">0</text>`,
    `<text class="label bytes" x="${PAD.left + plotW + 6}" y="${PAD.top + 10}">${escapeHtml(formatBytes(maxB, { round: true }))}</text>`,
    `<text class="label bytes" x="${PAD.left + plotW + 6}" y="${PAD.top + lineH}">0</text>`,
    `<line class="axis" x1="${PAD.left}" y1="${failTop + FAIL_H}" x2="${PAD.left + plotW}" y2="${failTop + FAIL_H}"/>`,
    `<text class="label failures" x="${PAD.left - 6}" y="${failTop + 10}" text-anchor="end">${maxF}</text>`,
  );
  if (n > 1) {
    parts.push(`<polyline class="line versions" points="${runs.map((r, i) => `${f(x(i))},${f(yV(r.versions))}`).join(' ')}"/>`);
    parts.push(`<polyline class="line bytes" points="${runs.map((r, i) => `${f(x(i))},${f(yB(r.bytes))}`).join(' ')}"/>`);
  }
  const barW = Math.max(2, Math.min(16, (plotW - 2 * inset) / Math.max(1, n) - 4));
  runs.forEach((r, i) => {
    const when = escapeHtml(r.startedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC'));
    parts.push(
      `<circle class="pt-versions" cx="${f(x(i))}" cy="${f(yV(r.versions))}" r="3.5"><title>${when}: ${r.versions} versions</title></circle>`,
      `<rect class="pt-bytes" x="${f(x(i) - 3)}" y="${f(yB(r.bytes) - 3)}" width="6" height="6"><title>${when}: ${escapeHtml(formatBytes(r.bytes, { round: true }))} downloaded</title></rect>`,
    );
    const failures = r.failed + r.errors;
    const h = (failures / maxF) * FAIL_H;
    parts.push(
      `<rect class="bar-failures${failures > 0 ? ' bad' : ''}" x="${f(x(i) - barW / 2)}" y="${f(failTop + FAIL_H - h)}" width="${f(barW)}" height="${f(Math.max(h, failures > 0 ? 1 : 0))}"><title>${when}: ${failures} failures</title></rect>`,
    );
  });
  if (n > 0) {
    const label = (r: RunSummary): string => escapeHtml(r.startedAt.slice(0, 16).replace('T', ' '));
    const first = label(runs[0] as RunSummary);
    const last = label(runs[n - 1] as RunSummary);
    parts.push(`<text class="label" x="${f(x(0))}" y="${H - 6}" text-anchor="middle">${first}</text>`);
    if (n > 1) parts.push(`<text class="label" x="${f(x(n - 1))}" y="${H - 6}" text-anchor="middle">${last}</text>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

/** A round axis maximum at or above `v` (1, 2 or 5 times a power of ten; at least 1). */
export function niceMax(v: number): number {
  if (v <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

