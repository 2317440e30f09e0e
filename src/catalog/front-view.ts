/**
 * The front page, the all-modules page, the health page and the search
 * index as data (pure), from the catalog state and the kept reports.
 */
import { buildClientConfig } from '../nginx/index.js';
import { healthChart, lastRuns, shortBytes, type RunSummary } from './health.js';
import { modulePagePath } from './module-view.js';
import type { ModuleRecord } from './state.js';

/** Modules listed on the front page before any search (the rest: all.html and the search box). */
export const FRONT_LIST = 200;
/** Runs on the health page. */
export const HEALTH_RUNS = 30;

/** Where the page script puts the mirror's own URL, which is unknown when the page is generated. */
export const URL_PLACEHOLDER = 'https://this-mirror.example';

export interface ModuleRow {
  path: string;
  href: string;
  latest: string;
  versions: number;
  deprecated: boolean;
}

function rows(modules: readonly [string, ModuleRecord][], base: string): ModuleRow[] {
  return modules.map(([p, m]) => ({ path: p, href: base + modulePagePath(p), latest: m.latest ?? '', versions: m.versions, deprecated: m.deprecated }));
}

function totals(modules: readonly [string, ModuleRecord][]): { modules: number; versions: number; zips: number; size: string } {
  let versions = 0;
  let zips = 0;
  let bytes = 0;
  for (const [, m] of modules) {
    versions += m.versions;
    zips += m.zips;
    bytes += m.bytes;
  }
  return { modules: modules.length, versions, zips, size: shortBytes(bytes) };
}

/** A run as the pages show it. */
function runView(r: RunSummary): object {
  return {
    when: r.startedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC'),
    ok: r.ok,
    duration: `${r.durationSeconds.toFixed(1)} s`,
    modules: r.modules,
    versions: r.versions,
    fetched: r.fetched,
    failed: r.failed + r.errors,
    bytes: shortBytes(r.bytes),
    failures: r.failures,
    moreFailures: r.moreFailures,
  };
}

/**
 * The go env line for clients. The checksum database is the one the tree
 * mirrors (`sumdb/<name>/`), so GOSUMDB matches the sync; a tree without one
 * was synced with GOSUMDB=off.
 */
export function clientConfigText(sumdbNames: readonly string[]): { text: string; note?: string } {
  const sumdb = sumdbNames[0] ?? 'off';
  const { command } = buildClientConfig({ url: URL_PLACEHOLDER, sumdb, env: {} });
  if (sumdbNames.length === 0) return { text: command, note: 'This mirror carries no checksum database: it was synced with GOSUMDB=off.' };
  if (sumdb !== 'sum.golang.org') return { text: command, note: `Add the verifier key of ${sumdb} to GOSUMDB (NAME+KEY), as the sync was given it.` };
  return { text: command };
}

export function buildFrontView(args: {
  modules: readonly [string, ModuleRecord][];
  runs: readonly RunSummary[];
  sumdbNames: readonly string[];
  generatedAt: string;
}): object {
  const sorted = [...args.modules].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const last = lastRuns(args.runs, 1)[0];
  const client = clientConfigText(args.sumdbNames);
  return {
    base: '',
    title: '',
    totals: totals(sorted),
    lastSync: last ? runView(last) : undefined,
    client,
    placeholder: URL_PLACEHOLDER,
    modules: rows(sorted.slice(0, FRONT_LIST), ''),
    shown: Math.min(FRONT_LIST, sorted.length),
    more: sorted.length > FRONT_LIST,
    generatedAt: args.generatedAt,
  };
}

export function buildAllView(modules: readonly [string, ModuleRecord][], generatedAt: string): object {
  const sorted = [...modules].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { base: '../', title: 'All modules', totals: totals(sorted), modules: rows(sorted, '../'), generatedAt };
}

export function buildHealthView(runs: readonly RunSummary[], generatedAt: string): object {
  const shown = lastRuns(runs, HEALTH_RUNS);
  return {
    base: '../',
    title: 'Sync health',
    count: shown.length,
    chart: shown.length > 0 ? healthChart(shown) : '',
    runs: shown.map(runView).reverse(),
    generatedAt,
  };
}

/**
 * The search index the front page's script loads: `[path, latest, versions,
 * deprecated 0|1]` per module, sorted by path. Compact: 20k modules are about
 * a megabyte before gzip.
 */
export function searchIndexText(modules: readonly [string, ModuleRecord][]): string {
  const sorted = [...modules].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{"v":1,"modules":[\n${sorted.map(([p, m]) => JSON.stringify([p, m.latest ?? '', m.versions, m.deprecated ? 1 : 0])).join(',\n')}\n]}\n`;
}
