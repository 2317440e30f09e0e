/**
 * The files a bundle carries, read from its index a module at a time: in path
 * order a module's files (`<module>/@latest`, `<module>/@v/...`) are one run,
 * since no other module's path continues `<module>/@`. Import checks and plans
 * one such group at a time, so what it holds is one module's files.
 */
import type { BundleFile } from './index-format.js';
import type { IndexReader } from './index-stream.js';
import { classifyTreePath } from './tree-paths.js';

/** The module a tree path belongs to, or the path itself for files of no module (sumdb, vulndb, catalog). */
export function groupOf(rel: string): string {
  const t = classifyTreePath(rel);
  return t !== undefined && (t.kind === 'version' || t.kind === 'list' || t.kind === 'latest') ? `m ${t.modulePath}` : `f ${rel}`;
}

/** The carried files of the index in path order, in runs of one module (or one other file). */
export async function* carriedGroups(index: IndexReader): AsyncGenerator<BundleFile[]> {
  let group: BundleFile[] = [];
  let key: string | undefined;
  for await (const f of index.files()) {
    if (!f.bundled) continue;
    const k = groupOf(f.path);
    if (k !== key && group.length > 0) {
      yield group;
      group = [];
    }
    key = k;
    group.push(f);
  }
  if (group.length > 0) yield group;
}
