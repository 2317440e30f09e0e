/**
 * The consistency rules a copy of the database must meet before it is
 * published, and that verify and bundle import check again (pure):
 * every ID that `index/modules.json` or `index/vulns.json` names has its
 * entry; `index/db.json`'s `modified` is not older than any entry.
 */
import { entryFile } from './layout.js';
import { parseTime, type DbMeta, type ModuleMeta, type VulnMeta } from './schema.js';

/** One broken rule, naming the database file at fault (relative to `vulndb/`). */
export interface VulnDbProblem {
  file: string;
  message: string;
}

export interface DatabaseView {
  db: DbMeta;
  modules: readonly ModuleMeta[];
  vulns: readonly VulnMeta[];
  /** The `modified` of the entry filed as `ID/<id>.json`, undefined when there is none. */
  entryModified(id: string): string | undefined;
}

export function checkDatabase(view: DatabaseView): VulnDbProblem[] {
  const problems: VulnDbProblem[] = [];
  const dbTime = parseTime(view.db.modified);
  const seen = new Set<string>();
  const need = (id: string, file: string): void => {
    if (seen.has(id)) return;
    seen.add(id);
    const modified = view.entryModified(id);
    if (modified === undefined) {
      problems.push({ file: entryFile(id), message: `missing, but ${file} names ${id}` });
    } else if (parseTime(modified) > dbTime) {
      problems.push({ file: 'index/db.json', message: `modified ${view.db.modified} is older than ${id} (modified ${modified})` });
    }
  };
  for (const v of view.vulns) need(v.id, 'index/vulns.json');
  for (const m of view.modules) for (const v of m.vulns) need(v.id, 'index/modules.json');
  return problems;
}

/** Whether `next` is older than `previous` (a rollback of the database). */
export function isRollback(previous: DbMeta, next: DbMeta): boolean {
  return parseTime(next.modified) < parseTime(previous.modified);
}
