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
 * Walks the tree once, collecting everything (see walkModules); the modules
 * sorted by path.
 */
export async function scanTree(root: string): Promise<TreeScan> {
  const scan: TreeScan = { modules: [], staleTemps: [], liveTemps: [], unexpected: [] };
  for await (const m of walkModules(root, scan)) scan.modules.push(m);
  scan.modules.sort((a, b) => (a.escaped < b.escaped ? -1 : a.escaped > b.escaped ? 1 : 0));
  return scan;
}

/**
 * Walks the tree once, handing out each module directory as it is found (in
 * no particular order), so a caller that checks them as they come holds only
 * the ones in flight, not a listing of the whole tree. Temp files and
 * unexpected files go to `found` (sorted once the walk is done).
 * `.gomirror/` (tool state), `sumdb/` (checked by the sumdb verifier) and
 * `vulndb/` (checked by verifyVulnDbCopy) are looked at only for temp files.
 */
export async function* walkModules(root: string, found: Omit<TreeScan, 'modules'>): AsyncGenerator<ModuleDir> {
  // Returns whether `rel` is a temp file (recorded as such).
  const temp = (rel: string, name: string): boolean => {
    if (!TEMP_FILE_PATTERN.test(name)) return false;
    const pid = Number(/\.tmp-(\d+)-/.exec(name)?.[1]);
    (isAlive(pid) ? found.liveTemps : found.staleTemps).push(rel);
    return true;
  };
  // One directory at a time, depth first: a recursive readdir of a tree of
  // 100,000 versions holds 400,000 entries at once. A module's @v directory
  // is read with its parent's listing, which says whether @latest is there.
  const stack: string[] = [''];
  while (stack.length > 0) {
    const dirRel = stack.pop() as string;
    const entries = await readdir(path.join(root, dirRel), { withFileTypes: true });
    const state = dirRel !== '' && isStateOrSumdb(dirRel);
    let module: ModuleDir | undefined;
    for (const e of entries) {
      const rel = dirRel === '' ? e.name : `${dirRel}/${e.name}`;
      if (e.isDirectory()) {
        if (e.name === '@v' && dirRel !== '' && !state) {
          module ??= { escaped: dirRel, names: new Set(), hasLatest: false };
          for (const f of await readdir(path.join(root, rel), { withFileTypes: true })) {
            const fRel = `${rel}/${f.name}`;
            if (f.isDirectory()) stack.push(fRel);
            else if (!temp(fRel, f.name)) module.names.add(f.name);
          }
        } else stack.push(rel);
        continue;
      }
      if (temp(rel, e.name) || state || isStateOrSumdb(rel)) continue;
      if (e.name === '@latest' && dirRel !== '') {
        module ??= { escaped: dirRel, names: new Set(), hasLatest: false };
        module.hasLatest = true;
      } else found.unexpected.push(rel);
    }
    if (module) yield module;
  }
  found.staleTemps.sort();
  found.liveTemps.sort();
  found.unexpected.sort();
}

function isStateOrSumdb(rel: string): boolean {
  const top = rel.split('/')[0];
  // The catalog (index.html, _catalog/) is generated pages, not GOPROXY files: only its temp files count.
  return top === STATE_DIR || top === SUMDB_DIR || top === VULNDB_DIR || top === CATALOG_DIR || rel === 'index.html';
}
