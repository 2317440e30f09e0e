/**
 * Where the vulnerability database lives in the tree (pure): `<root>/vulndb/`,
 * which no module path can claim (the first element of a module path holds a
 * dot). Every file is there twice: `X.json` for `file://` readers (govulncheck
 * reads only those from a directory) and `X.json.gz` for HTTP readers
 * (govulncheck fetches only those, and gunzips them itself).
 */
import { isValidVulnId } from './schema.js';

export const VULNDB_DIR = 'vulndb';

/** The index files, in the order they are published: `db` last, so it never announces what is not there yet. */
export const INDEX_FILES = ['index/vulns.json', 'index/modules.json', 'index/db.json'] as const;
export type IndexFile = (typeof INDEX_FILES)[number];

export function entryFile(id: string): string {
  return `ID/${id}.json`;
}

/** What a path under `vulndb/` (relative to it, slash-separated) is; undefined for anything else. */
export type VulnDbPath = { part: 'index'; name: 'db' | 'modules' | 'vulns'; gz: boolean } | { part: 'entry'; id: string; gz: boolean };

export function classifyVulnDbPath(rel: string): VulnDbPath | undefined {
  const m = /^(index|ID)\/([^/]+)\.json(\.gz)?$/.exec(rel);
  if (!m) return undefined;
  const [, dir, name = '', gz] = m;
  if (dir === 'index') {
    return name === 'db' || name === 'modules' || name === 'vulns' ? { part: 'index', name, gz: gz !== undefined } : undefined;
  }
  return isValidVulnId(name) ? { part: 'entry', id: name, gz: gz !== undefined } : undefined;
}

/**
 * Publish order of a vulndb file (0 first): entries, then `index/vulns`,
 * `index/modules`, and `index/db` last, so a reader never sees an index
 * naming an entry that is not there yet.
 */
export function vulnDbRank(p: VulnDbPath): number {
  if (p.part === 'entry') return 0;
  return { vulns: 1, modules: 2, db: 3 }[p.name];
}
