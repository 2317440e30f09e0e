/**
 * Regenerates the catalog: `<root>/index.html` and `<root>/_catalog/`.
 *
 * Incremental: `.gomirror/catalog.json` records a stamp of each module's @v
 * directory (scan.ts); only modules whose stamp changed are read and their
 * pages rendered, plus the pages that link to a module that came or went.
 * A no-op sync of a big tree costs one stat per module and the front and
 * health pages. Every file is written aside and renamed in, and only when its
 * bytes change (so a publish with checksums sends nothing new). The state is
 * saved last: a run killed half-way leaves older pages, which the next run
 * finds stale by their stamps and writes again.
 */
import { readdir, readFile, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import { writeFileAtomic } from '../tree/index.js';
import { feedText, mergeArrivals } from './feed.js';
import { buildAllView, buildFrontView, buildHealthView, searchIndexText, summarizeModules } from './front-view.js';
import { buildModuleView, CATALOG_DIR, isDeprecated, modulePagePath, requiredPaths, type ModuleData } from './module-view.js';
import { ASSETS, catalogRenderer } from './render.js';
import { readRuns } from './reports.js';
import { findModules, moduleStamp, readModule, withZipTexts } from './scan.js';
import { loadFrontState, loadState, saveState, type CatalogState, type FrontState, type ModuleRecord } from './state.js';

export interface CatalogOptions {
  /**
   * Modules whose files the caller changed (a sync's fetched modules, an
   * import's, a prune's). With saved state only these are looked at, so a
   * no-op sync costs the front and health pages; without state (or when
   * undefined) the whole tree is walked and every module's stamp checked.
   */
  changed?: Iterable<string>;
  /** Walk the tree, read every module and render every page (the feed keeps its order). */
  full?: boolean;
  now?: () => Date;
}

export interface CatalogResult {
  modules: number;
  versions: number;
  /** Modules whose files were read this run. */
  modulesRead: number;
  /** Files whose bytes changed. */
  written: number;
  /** Pages of modules no longer in the tree. */
  removed: number;
  /** Lines of `_catalog/index.jsonl`. */
  feed: number;
}

export async function regenerateCatalog(rootDir: string, options: CatalogOptions = {}): Promise<CatalogResult> {
  const root = path.resolve(rootDir);
  const renderer = catalogRenderer();
  const changed = options.changed === undefined ? undefined : [...options.changed];
  // Nothing changed (a no-op sync): the front and health pages from the small summary, without the state.
  if (!options.full && changed?.length === 0) {
    const front = await loadFrontState(root);
    if (front?.renderKey === renderer.key && (await loadState(root, { check: true }))) {
      const written = await writeRunPages(root, front, stamp(options));
      return { modules: front.summary.modules, versions: front.summary.versions, modulesRead: 0, written, removed: 0, feed: front.feed };
    }
  }
  // With `full` the state still gives the feed its arrival order; only its stamps are ignored.
  const prev = await loadState(root);
  const renderAll = options.full === true || prev === undefined || prev.renderKey !== renderer.key;
  // A walk finds every module, whatever wrote it; otherwise the caller's list is the news.
  const walk = renderAll || changed === undefined;
  const candidates = walk ? new Set(await findModules(root)) : new Set(changed);
  const untouched = (p: string): boolean => !walk && !candidates.has(p);

  // Stamps before reads: a module changed while it is read is stale next time, never missed.
  const modules = new Map<string, ModuleRecord>(Object.entries(prev?.modules ?? {}).filter(([p]) => untouched(p)));
  const empty: Record<string, string> = Object.fromEntries(Object.entries(prev?.empty ?? {}).filter(([p]) => untouched(p)));
  const toRead = new Map<string, string>();
  for (const p of candidates) {
    const stamp = moduleStamp(root, p);
    if (stamp === undefined) continue;
    const old = prev?.modules[p];
    if (old && old.stamp === stamp && !renderAll) modules.set(p, old);
    else if (prev?.empty?.[p] === stamp) empty[p] = stamp;
    else toRead.set(p, stamp);
  }
  const limit = pLimit(8);
  const read = new Map<string, ModuleData>();
  await Promise.all([...toRead.keys()].map((p) => limit(async () => void read.set(p, await readModule(root, p)))));

  const merged = mergeArrivals(
    [...read.values()].map((d) => ({
      path: d.path,
      previous: prev?.modules[d.path]?.arrivals ?? [],
      present: d.versions.filter((v) => v.zipBytes !== undefined).map((v) => ({ version: v.version, writtenMs: v.writtenMs })),
    })),
    prev?.nextSeq ?? 0,
  );
  for (const d of read.values()) {
    // An @v directory with no version left (pruned) is no module of the catalog.
    if (d.versions.length === 0) {
      read.delete(d.path);
      empty[d.path] = toRead.get(d.path) as string;
    } else modules.set(d.path, moduleRecord(d, toRead.get(d.path) as string, merged.byPath.get(d.path) ?? []));
  }

  const before = new Set(Object.keys(prev?.modules ?? {}));
  const gone = [...before].filter((p) => !modules.has(p));
  const came = [...modules.keys()].filter((p) => !before.has(p));
  // A page links a requirement only when the mirror holds it: pages naming a module that came or went change too.
  const moved = new Set([...came, ...gone]);
  if (moved.size > 0) {
    const relink = [...modules].filter(([p, m]) => !read.has(p) && m.reqs.some((r) => moved.has(r))).map(([p]) => p);
    await Promise.all(relink.map((p) => limit(async () => void read.set(p, await readModule(root, p)))));
  }

  let written = 0;
  const put = async (rel: string, text: string): Promise<void> => {
    if (await writeIfChanged(path.join(root, ...rel.split('/')), text)) written++;
  };
  const mirrored = (p: string): boolean => modules.has(p);
  // Zip texts are read per page and dropped with it: held for every module at once they would grow with the tree.
  await Promise.all(
    [...read.values()].map((d) =>
      limit(async () => {
        const full = await withZipTexts(root, d);
        await put(modulePagePath(d.path), renderer.render('module', { ...buildModuleView(full, mirrored), title: d.path }));
      }),
    ),
  );
  for (const p of gone) await removePage(root, modulePagePath(p));

  const generatedAt = stamp(options);
  const entries = [...modules];
  const changedSet = read.size > 0 || gone.length > 0 || renderAll;
  if (changedSet) {
    await put(`${CATALOG_DIR}/index.jsonl`, feedText(entries.map(([p, m]) => [p, m.arrivals] as const)));
    await put(`${CATALOG_DIR}/modules.json`, searchIndexText(entries));
    await put(`${CATALOG_DIR}/all.html`, renderer.render('all', buildAllView(entries, generatedAt)));
  }
  for (const a of ASSETS) await put(`${CATALOG_DIR}/${a}`, renderer.asset(a));
  const front: FrontState = {
    renderKey: renderer.key,
    summary: summarizeModules(entries),
    feed: entries.reduce((n, [, m]) => n + m.arrivals.length, 0),
  };
  written += await writeRunPages(root, front, generatedAt);

  const emptyChanged = JSON.stringify(empty) !== JSON.stringify(prev?.empty ?? {});
  const state: CatalogState = {
    format: 1,
    renderKey: renderer.key,
    nextSeq: merged.nextSeq,
    modules: Object.fromEntries([...modules].sort(([a], [b]) => (a < b ? -1 : 1))),
    empty,
  };
  await saveState(root, changedSet || emptyChanged || prev === undefined ? state : undefined, front);
  return { modules: modules.size, versions: front.summary.versions, modulesRead: toRead.size, written, removed: gone.length, feed: front.feed };
}

function stamp(options: CatalogOptions): string {
  return (options.now ?? (() => new Date()))().toISOString().replace(/\.\d+Z$/, 'Z');
}

/** The pages that change with every run, whatever the modules did: the health page and the front page. */
async function writeRunPages(root: string, front: FrontState, generatedAt: string): Promise<number> {
  const renderer = catalogRenderer();
  const runs = await readRuns(root);
  let written = 0;
  if (await writeIfChanged(path.join(root, CATALOG_DIR, 'health.html'), renderer.render('health', buildHealthView(runs, generatedAt)))) written++;
  const page = renderer.render('front', buildFrontView({ summary: front.summary, runs, sumdbNames: await sumdbNames(root), generatedAt }));
  if (await writeIfChanged(path.join(root, 'index.html'), page)) written++;
  return written;
}

function moduleRecord(d: ModuleData, stamp: string, arrivals: ModuleRecord['arrivals']): ModuleRecord {
  return {
    stamp,
    ...(d.latest !== undefined ? { latest: d.latest } : {}),
    versions: d.versions.length,
    zips: d.versions.filter((v) => v.zipBytes !== undefined).length,
    bytes: d.versions.reduce((n, v) => n + v.bytes, 0),
    deprecated: isDeprecated(d.latestMod),
    reqs: requiredPaths(d.latestMod),
    arrivals,
  };
}

/** Writes `text` atomically unless the file already holds exactly it. Returns whether it wrote. */
async function writeIfChanged(file: string, text: string): Promise<boolean> {
  const data = Buffer.from(text);
  const old = await readFile(file).catch(() => undefined);
  if (old?.equals(data)) return false;
  await writeFileAtomic(file, data);
  return true;
}

/** Removes a module's page and the directories it leaves empty (never `_catalog/m` itself). */
async function removePage(root: string, rel: string): Promise<void> {
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

/** Checksum databases the tree mirrors (`sumdb/<name>/supported`). */
async function sumdbNames(root: string): Promise<string[]> {
  try {
    const names = await readdir(path.join(root, 'sumdb'));
    const out: string[] = [];
    for (const n of names.sort()) {
      if (await readFile(path.join(root, 'sumdb', n, 'supported')).then(() => true, () => false)) out.push(n);
    }
    return out;
  } catch {
    return [];
  }
}
