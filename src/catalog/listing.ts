/**
 * Pass 3 of a regeneration (generate.ts): the new state read back in path
 * order, written out as the search index (`_catalog/modules.json`) and the
 * all-modules page row by row, and the pages whose requirement links are now
 * wrong rendered again: those of modules that came or went since the page
 * was rendered, or that pass 1 guessed wrong.
 */
import path from 'node:path';
import pLimit from 'p-limit';
import { StreamedFile, type PageWriter } from './files.js';
import { allPageRow, allPageView, SEARCH_INDEX_HEAD, SEARCH_INDEX_SEP, SEARCH_INDEX_TAIL, searchIndexRow, type FrontSummary, type ModuleRow } from './front-view.js';
import { CATALOG_DIR } from './module-view.js';
import { rerenderModule } from './passes.js';
import type { CatalogRenderer } from './render.js';
import { openState } from './state.js';

/** Rows of the all-modules page rendered at once. */
const ROWS = 256;

export interface ListingArgs {
  root: string;
  renderer: CatalogRenderer;
  pages: PageWriter;
  /** The new state, finished but not renamed in. */
  stateTemp: string;
  generatedAt: string;
  summary: FrontSummary;
  links: {
    /** What pass 1 took as mirrored for the pages it rendered. */
    guess: ReadonlySet<string>;
    /** The modules of the old state, which the other pages were rendered with (undefined: every page was rendered now). */
    before: ReadonlySet<string> | undefined;
    after: ReadonlySet<string>;
    readNow: ReadonlySet<string>;
  };
}

export async function writeListing(a: ListingArgs): Promise<void> {
  const state = await openState(a.stateTemp);
  if (!state) throw new Error(`${a.stateTemp}: the catalog state just written cannot be read`);
  const search = await StreamedFile.create(path.join(a.root, CATALOG_DIR, 'modules.json'));
  const all = await StreamedFile.create(path.join(a.root, CATALOG_DIR, 'all.html'));
  const limit = pLimit(8);
  const rerenders = new Set<Promise<void>>();
  let failure: { err: unknown } | undefined;
  const { links } = a;
  const mirrored = (p: string): boolean => links.after.has(p);
  try {
    const { head, tail } = a.renderer.allPage(allPageView(a.summary, a.generatedAt));
    await search.write(SEARCH_INDEX_HEAD);
    await all.write(head);
    let first = true;
    let rows: ModuleRow[] = [];
    for await (const l of state.modules()) {
      if (l.kind !== 'm') continue;
      const entry = [l.path, l.rec] as const;
      await search.write(first ? searchIndexRow(entry) : SEARCH_INDEX_SEP + searchIndexRow(entry));
      first = false;
      rows.push(allPageRow(entry));
      if (rows.length >= ROWS) {
        await all.write(a.renderer.moduleRows(rows));
        rows = [];
      }
      const basis = links.readNow.has(l.path) ? links.guess : links.before;
      if (basis && l.rec.reqs.some((r) => basis.has(r) !== links.after.has(r))) {
        const job: Promise<void> = limit(() => rerenderModule(a.root, a.renderer, a.pages, l.path, mirrored))
          .catch((err: unknown) => void (failure ??= { err }))
          .finally(() => rerenders.delete(job));
        rerenders.add(job);
        if (rerenders.size >= 16) await Promise.race(rerenders);
      }
    }
    await all.write(a.renderer.moduleRows(rows) + tail);
    await search.write(SEARCH_INDEX_TAIL);
    await Promise.all(rerenders);
    if (failure) throw failure.err;
  } catch (err) {
    await Promise.all(rerenders);
    await search.discard();
    await all.discard();
    throw err;
  } finally {
    state.close();
  }
  await search.commitTo(a.pages);
  await all.commitTo(a.pages);
}
