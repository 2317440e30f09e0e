/**
 * The first two passes of a regeneration (generate.ts): the modules, in path
 * order, beside the old state's module section; then the feed, copied
 * through from the old state's feed section with the versions that left
 * dropped and the ones that arrived appended.
 */
import { rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { Arrivals, feedLine, splitArrivals } from './feed.js';
import type { PageWriter, StreamedFile } from './files.js';
import { StreamedFile as Streamed } from './files.js';
import { SummaryBuilder } from './front-view.js';
import { buildModuleView, CATALOG_DIR, isDeprecated, modulePagePath, requiredPaths, type ModuleData } from './module-view.js';
import type { PreparedModules } from './prepare.js';
import type { CatalogRenderer } from './render.js';
import { moduleStamp, readModule, withZipTexts } from './scan.js';
import { encodeLine, type ModuleRecord, type StateLine, type StateReader } from './state.js';

/** Modules read and rendered at once; also how far pass 1 runs ahead of the state it writes. */
const WINDOW = 8;

type ModuleLine = Extract<StateLine, { kind: 'm' | 'e' }>;

export interface ModulesPassResult {
  /** Some line of the state differs from the old one. */
  changed: boolean;
  /** State lines written. */
  lines: number;
  /** Modules of the new state. */
  after: Set<string>;
  /** Modules read and rendered this run. */
  readNow: Set<string>;
  read: number;
  /** Modules whose page goes (no longer in the tree, or no version left). */
  gone: string[];
  summary: SummaryBuilder;
  /** `path\0version` of versions that left the feed. */
  removed: Set<string>;
  arrivals: Arrivals;
}

export interface ModulesPassArgs {
  root: string;
  renderer: CatalogRenderer;
  renderAll: boolean;
  walk: boolean;
  /** Sorted, no repeats. */
  candidates: readonly string[];
  /** Modules the pages rendered now link as mirrored. */
  guess: ReadonlySet<string>;
  prev: StateReader | undefined;
  out: StreamedFile;
  pages: PageWriter;
  /** Modules the sync read ahead for their pages (prepare.ts). */
  prepared?: PreparedModules | undefined;
}

type Settled = { line: ModuleLine | undefined } | { error: unknown };

export async function modulesPass(a: ModulesPassArgs): Promise<ModulesPassResult> {
  const r: ModulesPassResult = { changed: false, lines: 0, after: new Set(), readNow: new Set(), read: 0, gone: [], summary: new SummaryBuilder(), removed: new Set(), arrivals: new Arrivals() };
  const gone = (p: string): void => {
    r.gone.push(p);
    r.changed = true;
  };
  // Lines leave in path order; reads run ahead at most WINDOW modules.
  const queue: (Settled | Promise<Settled>)[] = [];
  const emitHead = async (): Promise<void> => {
    const s = await (queue.shift() as Settled | Promise<Settled>);
    if ('error' in s) throw s.error;
    if (!s.line) return;
    await a.out.write(encodeLine(s.line));
    r.lines++;
    if (s.line.kind === 'm') {
      r.after.add(s.line.path);
      r.summary.add([s.line.path, s.line.rec]);
    }
  };
  const push = async (item: Settled | Promise<Settled>): Promise<void> => {
    queue.push(item);
    while (queue.length > WINDOW || (queue.length > 0 && !(queue[0] instanceof Promise))) await emitHead();
  };

  const readAndRender = async (p: string, stamp: string, old: ModuleLine | undefined): Promise<ModuleLine> => {
    const ahead = await a.prepared?.take(p, stamp);
    const d = ahead?.data ?? (await readModule(a.root, p));
    // An @v directory with no version left (pruned) is no module of the catalog.
    if (d.versions.length === 0) {
      if (old?.kind === 'm') gone(p);
      return { kind: 'e', path: p, stamp };
    }
    const present = d.versions.filter((v) => v.zipBytes !== undefined);
    const split = splitArrivals(old?.kind === 'm' ? old.rec.feed : [], present);
    for (const v of split.removed) r.removed.add(`${p}\0${v}`);
    for (const f of split.fresh) r.arrivals.add(p, f.version, f.writtenMs);
    r.readNow.add(p);
    const mirrored = (q: string): boolean => a.guess.has(q);
    // Rendered ahead: valid when every module it linked, or not, is linked the same way now.
    if (ahead !== undefined && [...ahead.links].every(([q, linked]) => mirrored(q) === linked)) await a.pages.put(modulePagePath(p), ahead.html);
    else await renderModulePage(a.root, a.renderer, a.pages, d, mirrored, ahead !== undefined);
    return { kind: 'm', path: p, rec: moduleRecord(d, stamp, present.map((v) => v.version)) };
  };

  const visit = (p: string, old: ModuleLine | undefined): Settled | Promise<Settled> => {
    const stamp = moduleStamp(a.root, p);
    if (stamp === undefined) {
      if (old?.kind === 'm') gone(p);
      if (old) r.changed = true;
      return { line: undefined };
    }
    if (old?.kind === 'm' && old.rec.stamp === stamp && !a.renderAll) return { line: old };
    if (old?.kind === 'e' && old.stamp === stamp) return { line: old };
    r.changed = true;
    r.read++;
    return readAndRender(p, stamp, old).then(
      (line) => ({ line }),
      (error: unknown) => ({ error }),
    );
  };

  const olds = a.prev?.modules()[Symbol.asyncIterator]();
  let old: ModuleLine | undefined;
  const nextOld = async (): Promise<void> => {
    const n = await olds?.next();
    old = n && !n.done ? n.value : undefined;
  };
  await nextOld();
  let i = 0;
  while (i < a.candidates.length || old !== undefined) {
    const c = a.candidates[i];
    if (old !== undefined && (c === undefined || old.path < c)) {
      // Only in the old state: gone from a walk, untouched when the caller named what changed.
      if (a.walk) {
        if (old.kind === 'm') gone(old.path);
        r.changed = true;
      } else await push({ line: old });
      await nextOld();
      continue;
    }
    const same = old !== undefined && old.path === c ? old : undefined;
    if (same) await nextOld();
    i++;
    await push(visit(c as string, same));
  }
  while (queue.length > 0) await emitHead();
  return r;
}

function moduleRecord(d: ModuleData, stamp: string, feed: string[]): ModuleRecord {
  return {
    stamp,
    ...(d.latest !== undefined ? { latest: d.latest } : {}),
    versions: d.versions.length,
    zips: d.versions.filter((v) => v.zipBytes !== undefined).length,
    bytes: d.versions.reduce((n, v) => n + v.bytes, 0),
    deprecated: isDeprecated(d.latestMod),
    reqs: requiredPaths(d.latestMod),
    feed,
  };
}

/**
 * Pass 2: the new feed (`_catalog/index.jsonl`, handed to `pages` when its
 * bytes change) and the state's feed section. Returns its lines, and whether
 * the state's feed section changed.
 */
export async function feedPass(
  root: string,
  prev: StateReader | undefined,
  out: StreamedFile,
  pass1: ModulesPassResult,
  pages: PageWriter,
): Promise<{ count: number; lines: number; changed: boolean }> {
  const feed = await Streamed.create(path.join(root, CATALOG_DIR, 'index.jsonl'));
  const gone = new Set(pass1.gone);
  let count = 0;
  let dropped = 0;
  const put = async (p: string, version: string, ms: number): Promise<void> => {
    await out.write(encodeLine({ kind: 'f', path: p, version, ms }));
    await feed.write(feedLine(p, version, ms));
    count++;
  };
  try {
    if (prev) {
      for await (const l of prev.feed()) {
        if (gone.has(l.path) || pass1.removed.has(`${l.path}\0${l.version}`)) dropped++;
        else await put(l.path, l.version, l.ms);
      }
    }
    for (const f of pass1.arrivals.sorted()) await put(f.path, f.version, f.ms);
  } catch (err) {
    await feed.discard();
    throw err;
  }
  await feed.commitTo(pages);
  return { count, lines: count, changed: dropped > 0 || pass1.arrivals.size > 0 };
}

/** Renders a module's page (the zip's texts are read for it, unless `withTexts` says `d` has them, and dropped with it). */
export async function renderModulePage(
  root: string,
  renderer: CatalogRenderer,
  pages: PageWriter,
  d: ModuleData,
  mirrored: (p: string) => boolean,
  withTexts = false,
): Promise<void> {
  const full = withTexts ? d : await withZipTexts(root, d);
  await pages.put(modulePagePath(d.path), moduleHtml(renderer, full, mirrored));
}

/** A module's page, from `d` with its zip's texts. */
export function moduleHtml(renderer: CatalogRenderer, d: ModuleData, mirrored: (p: string) => boolean): string {
  return renderer.render('module', { ...buildModuleView(d, mirrored), title: d.path });
}

/** Re-reads and renders a module whose links changed. */
export async function rerenderModule(root: string, renderer: CatalogRenderer, pages: PageWriter, p: string, mirrored: (p: string) => boolean): Promise<void> {
  await renderModulePage(root, renderer, pages, await readModule(root, p), mirrored);
}

/** Removes a module's page and the directories it leaves empty (never `_catalog/m` itself). */
export async function removePage(root: string, rel: string): Promise<void> {
  await rm(path.join(root, ...rel.split('/')), { force: true });
  const stop = path.join(root, CATALOG_DIR, 'm');
  for (let dir = path.dirname(path.join(root, ...rel.split('/'))); dir.startsWith(stop + path.sep); dir = path.dirname(dir)) {
    try {
      await rmdir(dir);
    } catch {
      return; // not empty: another module's page lives below
    }
  }
}
