import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { isAlive, STATE_DIR, TEMP_FILE_PATTERN } from '../tree/index.js';

/** One `<escaped module>/@v` directory of the tree. */
export interface ModuleDir {
  /** The escaped module path, slash-separated, relative to the root. */
  escaped: string;
  /** Names of the files in `@v`. */
  names: Set<string>;
  /** Whether `<escaped module>/@latest` exists. */
  hasLatest: boolean;
}

/** What a walk of the tree found. */
export interface TreeScan {
  modules: ModuleDir[];
  /** Temp files (`*.tmp-<pid>-*`) whose writer is gone, relative slash paths. */
  staleTemps: string[];
  /** Temp files of a live process (a run in progress), relative slash paths. */
  liveTemps: string[];
  /** Files that have no place in a GOPROXY tree, relative slash paths. */
  unexpected: string[];
}

const SUMDB_DIR = 'sumdb';
/** The vulnerability database copy: checked by verifyVulnDbCopy. */
const VULNDB_DIR = 'vulndb';
const CATALOG_DIR = '_catalog';

/**
 * Walks the tree once. `.gomirror/` (tool state), `sumdb/` (checked by the
 * sumdb verifier) and `vulndb/` (checked by verifyVulnDbCopy) are looked at
 * only for temp files.
 */
export async function scanTree(root: string): Promise<TreeScan> {
  const byDir = new Map<string, ModuleDir>();
  const latest = new Set<string>();
  const scan: TreeScan = { modules: [], staleTemps: [], liveTemps: [], unexpected: [] };
  const moduleDir = (escaped: string): ModuleDir => {
    let m = byDir.get(escaped);
    if (!m) {
      m = { escaped, names: new Set(), hasLatest: false };
      byDir.set(escaped, m);
    }
    return m;
  };
  const file = (rel: string): void => {
    const name = rel.slice(rel.lastIndexOf('/') + 1);
    const temp = TEMP_FILE_PATTERN.exec(name);
    if (temp) {
      const pid = Number(/\.tmp-(\d+)-/.exec(name)?.[1]);
      (isAlive(pid) ? scan.liveTemps : scan.staleTemps).push(rel);
      return;
    }
    if (isStateOrSumdb(rel)) return;
    const dir = rel.slice(0, rel.lastIndexOf('/'));
    if (dir.endsWith('/@v') && byDir.has(dir.slice(0, -'/@v'.length))) {
      moduleDir(dir.slice(0, -'/@v'.length)).names.add(name);
    } else if (name === '@latest' && rel.includes('/')) {
      latest.add(dir);
    } else {
      scan.unexpected.push(rel);
    }
  };
  // One directory at a time, depth first: a recursive readdir of a tree of
  // 100,000 versions holds 400,000 entries at once. A module's @v directory
  // is registered from its parent's listing, before its files are seen.
  const stack: string[] = [''];
  while (stack.length > 0) {
    const dirRel = stack.pop() as string;
    for (const e of await readdir(path.join(root, dirRel), { withFileTypes: true })) {
      const rel = dirRel === '' ? e.name : `${dirRel}/${e.name}`;
      if (e.isDirectory()) {
        if (e.name === '@v' && !isStateOrSumdb(rel)) moduleDir(rel.slice(0, -'/@v'.length));
        stack.push(rel);
        continue;
      }
      file(rel);
    }
  }
  for (const dir of latest) moduleDir(dir).hasLatest = true;
  scan.modules = [...byDir.values()].sort((a, b) => (a.escaped < b.escaped ? -1 : a.escaped > b.escaped ? 1 : 0));
  scan.staleTemps.sort();
  scan.liveTemps.sort();
  scan.unexpected.sort();
  return scan;
}

function isStateOrSumdb(rel: string): boolean {
  const top = rel.split('/')[0];
  // The catalog (index.html, _catalog/) is generated pages, not GOPROXY files: only its temp files count.
  return top === STATE_DIR || top === SUMDB_DIR || top === VULNDB_DIR || top === CATALOG_DIR || rel === 'index.html';
}
