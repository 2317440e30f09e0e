import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { STATE_DIR, TEMP_FILE_PATTERN } from '../tree/index.js';
import { classifyTreePath, type TreePath } from './tree-paths.js';

/** A file of the tree found on disk. */
export interface TreeFileRef {
  /** Slash path relative to the root. */
  readonly rel: string;
  readonly abs: string;
  readonly tree: TreePath;
}

/**
 * Lists the tree's files under `root`, sorted by path. Skips the state
 * directory and temp files silently (they are never part of the tree) and
 * reports anything else that is not a regular file of the tree layout
 * (symlinks, stray files) through `onStray`.
 */
export async function walkTree(root: string, onStray: (rel: string, why: string) => void): Promise<TreeFileRef[]> {
  const out: TreeFileRef[] = [];
  async function visit(dir: string, relDir: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const e of entries) {
      const rel = relDir === '' ? e.name : `${relDir}/${e.name}`;
      const abs = path.join(dir, e.name);
      if (relDir === '' && e.name === STATE_DIR) continue;
      if (e.isDirectory()) {
        await visit(abs, rel);
        continue;
      }
      if (TEMP_FILE_PATTERN.test(e.name)) continue;
      if (!e.isFile()) {
        onStray(rel, 'not a regular file');
        continue;
      }
      const tree = classifyTreePath(rel);
      if (tree === undefined) onStray(rel, 'not a file of the tree layout');
      else out.push({ rel, abs, tree });
    }
  }
  await visit(path.resolve(root), '');
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}
