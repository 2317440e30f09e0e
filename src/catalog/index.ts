/**
 * The static catalog of a tree: `<root>/index.html` (what a person opening
 * the mirror's URL sees), module pages, the health page, the search index and
 * the `_catalog/index.jsonl` feed, all under `<root>/_catalog/`. Regenerated
 * by sync, bundle import, prune and `gomirror catalog`.
 */
import type { Logger } from '../logger.js';
import { isGomirrorError } from '../errors.js';
import { regenerateCatalog, type CatalogOptions, type CatalogResult } from './generate.js';
import { keepReport, type SyncReportLike } from './reports.js';
import { dropState } from './state.js';

export { regenerateCatalog, type CatalogOptions, type CatalogResult } from './generate.js';
export { Arrivals, feedLine, splitArrivals } from './feed.js';
export { detectLicenses, isLicenseFile, type LicenseKind } from './license.js';
export { renderReadme, safeHref } from './markdown.js';
export { healthChart, summarizeReport, type RunSummary } from './health.js';
export { buildModuleView, modulePagePath, CATALOG_DIR, type ModuleData, type ModulePageView } from './module-view.js';
export { compactReport, type SyncReportLike } from './reports.js';
export { stateFile } from './state.js';
export { PreparedModules } from './prepare.js';

/** One line for the log: what a regeneration did. */
export function describeCatalog(r: CatalogResult, seconds: number): string {
  return (
    `catalog: ${r.modules} modules, ${r.versions} versions; ${r.modulesRead} modules read, ` +
    `${r.written} files written, ${r.removed} pages removed in ${seconds.toFixed(2)}s`
  );
}

/**
 * Regenerates the catalog after a command changed the tree (it holds the
 * tree's lock). The mirror is what matters: a catalog that cannot be written
 * is logged as an error with the way out, and the command's result stands.
 */
export async function refreshCatalog(
  root: string,
  logger: Logger,
  options: CatalogOptions & { report?: SyncReportLike } = {},
): Promise<CatalogResult | undefined> {
  const started = performance.now();
  try {
    if (options.report) await keepReport(root, options.report);
    const r = await regenerateCatalog(root, options);
    logger.info(describeCatalog(r, (performance.now() - started) / 1000), { catalogModules: r.modules, catalogWritten: r.written });
    return r;
  } catch (err) {
    // Modules written by this run may be recorded nowhere now: the next run walks the whole tree.
    await dropState(root).catch(() => undefined);
    const message = (err as Error).message;
    logger.error(`catalog: not regenerated: ${message}`, {
      code: isGomirrorError(err) ? err.code : 'E_FS',
      hint: `The mirror itself is complete. Fix the cause, then run: gomirror catalog --root ${root}`,
    });
    return undefined;
  }
}
export { catalogTree } from './service.js';
