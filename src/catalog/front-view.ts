/**
 * The front page, the all-modules page, the health page and the search
 * index as data (pure), from the catalog state and the kept reports.
 */
import { buildClientConfig } from '../client-config/index.js';
import { formatBytes } from '../bytes.js';
import { healthChart, lastRuns, type RunSummary } from './health.js';
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

type Entry = readonly [string, Pick<ModuleRecord, 'latest' | 'versions' | 'zips' | 'bytes' | 'deprecated'>];

function rows(modules: readonly Entry[], base: string): ModuleRow[] {
  return modules.map(([p, m]) => ({ path: p, href: base + modulePagePath(p), latest: m.latest ?? '', versions: m.versions, deprecated: m.deprecated }));
}

/**
 * What the front page needs of the whole tree, small enough to keep beside
 * the state: a no-op sync renders the front page from it alone.
 */
export interface FrontSummary {
  modules: number;
  versions: number;
  zips: number;
  bytes: number;
  /** The first FRONT_LIST modules by path. */
  first: [path: string, latest: string, versions: number, deprecated: 0 | 1][];
}

function totals(s: Pick<FrontSummary, 'modules' | 'versions' | 'zips' | 'bytes'>): { modules: number; versions: number; zips: number; size: string } {
  return { modules: s.modules, versions: s.versions, zips: s.zips, size: formatBytes(s.bytes, { round: true }) };
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
    bytes: formatBytes(r.bytes, { round: true }),
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

export function buildFrontView(args: { summary: FrontSummary; runs: readonly RunSummary[]; sumdbNames: readonly string[]; generatedAt: string }): object {
  const { summary } = args;
  const last = lastRuns(args.runs, 1)[0];
  const client = clientConfigText(args.sumdbNames);
  return {
    base: '',
    title: '',
    totals: totals(summary),
    lastSync: last ? runView(last) : undefined,
    client,
    placeholder: URL_PLACEHOLDER,
    modules: rows(
      summary.first.map(([p, latest, versions, deprecated]) => [p, { latest, versions, zips: 0, bytes: 0, deprecated: deprecated === 1 }] as const),
      '',
    ),
    shown: summary.first.length,
    more: summary.modules > summary.first.length,
    generatedAt: args.generatedAt,
  };
}

/** The all-modules page without its list (written row by row: render.ts allPage). */
export function allPageView(summary: FrontSummary, generatedAt: string): object {
  return { base: '../', title: 'All modules', totals: totals(summary), generatedAt };
}

/** A row of the all-modules page. */
export function allPageRow(entry: Entry): ModuleRow {
  return rows([entry], '../')[0] as ModuleRow;
}

/** Builds the summary module by module, in path order (a walk over the state). */
export class SummaryBuilder {
  readonly summary: FrontSummary = { modules: 0, versions: 0, zips: 0, bytes: 0, first: [] };

  add([p, m]: Entry): void {
    const s = this.summary;
    s.modules++;
    s.versions += m.versions;
    s.zips += m.zips;
    s.bytes += m.bytes;
    if (s.first.length < FRONT_LIST) s.first.push([p, m.latest ?? '', m.versions, m.deprecated ? 1 : 0]);
  }
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
export const SEARCH_INDEX_HEAD = '{"v":1,"modules":[\n';
export const SEARCH_INDEX_SEP = ',\n';
export const SEARCH_INDEX_TAIL = '\n]}\n';

export function searchIndexRow([p, m]: Entry): string {
  return JSON.stringify([p, m.latest ?? '', m.versions, m.deprecated ? 1 : 0]);
}
