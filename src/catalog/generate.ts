/**
 * Regenerates the catalog: `<root>/index.html` and `<root>/_catalog/`.
 *
 * Incremental: the state (state.ts) records a stamp of each module's @v
 * directory (scan.ts); only modules whose stamp changed are read and their
 * pages rendered, plus the pages that link to a module that came or went.
 * A no-op sync of a big tree costs the front and health pages.
 *
 * In memory that does not grow with the versions of the tree: the old state
 * is read as a stream beside the sorted walk (pass 1: modules, pages, new
 * state lines), its feed section is copied through (pass 2: feed), and the
 * new state is read back for the search index, the all-modules page and the
 * links to fix (pass 3, listing.ts). Held for the whole run: module paths,
 * and the versions that arrived this run. Every file is written aside and
 * renamed in when its bytes change (files.ts); the state is saved last, so a
 * run killed half-way leaves older pages that the next run finds stale.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { beginUnsyncedPages, endUnsyncedPages, recoverUnsyncedPages, syncPages } from './durable.js';
import { PageWriter, StreamedFile } from './files.js';
import { buildFrontView, buildHealthView } from './front-view.js';
import { writeListing } from './listing.js';
import { CATALOG_DIR, modulePagePath } from './module-view.js';
import { feedPass, modulesPass, removePage } from './passes.js';
import type { PreparedModules } from './prepare.js';
import { ASSETS, catalogRenderer, type CatalogRenderer } from './render.js';
import { readRuns } from './reports.js';
import { findModules } from './scan.js';
import { hasState, loadFrontState, openState, saveFrontState, stateFile, stateHeader, stateTrailer, StateUnreadable, type FrontState } from './state.js';

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
  /** What the sync read ahead for the pages of the modules it changed (prepare.ts). */
  prepared?: PreparedModules;
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
  options.prepared?.stop();
  const renderer = catalogRenderer();
  const changed = options.changed === undefined ? undefined : [...new Set(options.changed)].sort();
  // Nothing changed (a no-op sync): the front and health pages from the small summary, without the state.
  // A regeneration cut short by a power cut may have left damaged pages: render them all again (durable.ts).
  const lost = await recoverUnsyncedPages(root);
  if (!options.full && changed?.length === 0 && !lost) {
    const front = await loadFrontState(root);
    if (front?.renderKey === renderer.key && (await hasState(root))) {
      const pages = new PageWriter(root);
      await writeRunPages(pages, root, renderer, front, stamp(options));
      await pages.flush();
      return { modules: front.summary.modules, versions: front.summary.versions, modulesRead: 0, written: pages.written, removed: 0, feed: front.feed };
    }
  }
  try {
    return await generate(root, renderer, { ...options, ...(lost ? { full: true } : {}) }, changed, true);
  } catch (err) {
    if (!(err instanceof StateUnreadable)) throw err;
    // A damaged state costs one regeneration of everything; the feed's order starts again from file times.
    return generate(root, renderer, options, changed, false);
  }
}

async function generate(root: string, renderer: CatalogRenderer, options: CatalogOptions, changed: string[] | undefined, useState: boolean): Promise<CatalogResult> {
  const file = stateFile(root);
  // First look: the render key and which modules the last run saw (per module, not per version).
  const peek = useState ? await openState(file) : undefined;
  const before = new Set<string>();
  if (peek) {
    try {
      for await (const l of peek.modules()) if (l.kind === 'm') before.add(l.path);
    } finally {
      peek.close();
    }
  }
  const renderAll = options.full === true || peek === undefined || peek.renderKey !== renderer.key;
  // A walk finds every module, whatever wrote it; otherwise the caller's list is the news.
  const walk = renderAll || changed === undefined;
  const candidates = walk ? await findModules(root) : (changed as string[]);
  // Which modules the pages rendered this run take as mirrored (links); pass 3 fixes the guesses that were wrong.
  const guess = walk ? new Set(candidates) : new Set([...before, ...candidates]);

  // Pages are made durable all at once at the end (durable.ts).
  await beginUnsyncedPages(root);
  const pages = new PageWriter(root, { deferSync: true });
  const out = await StreamedFile.create(file);
  const prev = peek ? await openState(file) : undefined;
  try {
    await out.write(stateHeader(renderer.key));
    const p1 = await modulesPass({ root, renderer, renderAll, walk, candidates, guess, prev, out, pages, prepared: options.prepared });
    const p2 = await feedPass(root, prev, out, p1, pages);
    await out.write(stateTrailer(p1.lines + p2.lines));
    const stateChanged = await out.finish();
    const generatedAt = stamp(options);
    if (p1.changed || p2.changed || renderAll) {
      const links = { guess, before: renderAll ? undefined : before, after: p1.after, readNow: p1.readNow };
      await writeListing({ root, renderer, pages, stateTemp: out.tmp, generatedAt, links, summary: p1.summary.summary });
    }
    for (const a of ASSETS) await pages.put(`${CATALOG_DIR}/${a}`, renderer.asset(a));
    const front: FrontState = { renderKey: renderer.key, summary: p1.summary.summary, feed: p2.count };
    await writeRunPages(pages, root, renderer, front, generatedAt);
    for (const p of p1.gone) await removePage(root, modulePagePath(p));
    await pages.flush();
    await syncPages(root);
    // The state last: every page it describes is on disk.
    if (stateChanged) {
      const state = new PageWriter(root);
      await state.adopt(out.tmp, file);
      await state.flush();
    } else await out.discard();
    await saveFrontState(root, front);
    await endUnsyncedPages(root);
    return { modules: p1.after.size, versions: front.summary.versions, modulesRead: p1.read, written: pages.written, removed: p1.gone.length, feed: p2.count };
  } catch (err) {
    await out.discard();
    await pages.abandon();
    throw err;
  } finally {
    prev?.close();
  }
}

function stamp(options: CatalogOptions): string {
  return (options.now ?? (() => new Date()))().toISOString().replace(/\.\d+Z$/, 'Z');
}

/** The pages that change with every run, whatever the modules did: the health page and the front page. */
async function writeRunPages(pages: PageWriter, root: string, renderer: CatalogRenderer, front: FrontState, generatedAt: string): Promise<void> {
  const runs = await readRuns(root);
  await pages.put(`${CATALOG_DIR}/health.html`, renderer.render('health', buildHealthView(runs, generatedAt)));
  await pages.put('index.html', renderer.render('front', buildFrontView({ summary: front.summary, runs, sumdbNames: await sumdbNames(root), generatedAt })));
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
