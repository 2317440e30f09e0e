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

const byKey = (a: { key: string }, b: { key: string }): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * Yields the tree's files under `root` in the order of their slash paths
 * (what sorting every `rel` would give), one directory listing in memory at a
 * time, so a tree of any size walks in flat memory. Skips the state
 * directory and temp files silently (they are never part of the tree) and
 * reports anything else that is not a regular file of the tree layout
 * (symlinks, stray files) through `onStray`.
 */
export async function* walkTree(root: string, onStray: (rel: string, why: string) => void): AsyncGenerator<TreeFileRef> {
  async function* visit(dir: string, relDir: string): AsyncGenerator<TreeFileRef> {
    // A directory sorts as `name/`: every path below it starts so, and
    // siblings such as `name-x` or `name.y` (bytes below `/`) come first.
    const entries = (await readdir(dir, { withFileTypes: true })).map((e) => ({ e, key: e.isDirectory() ? `${e.name}/` : e.name })).sort(byKey);
    for (const { e } of entries) {
      const rel = relDir === '' ? e.name : `${relDir}/${e.name}`;
      const abs = path.join(dir, e.name);
      if (relDir === '' && e.name === STATE_DIR) continue;
      if (e.isDirectory()) {
        yield* visit(abs, rel);
        continue;
      }
      if (TEMP_FILE_PATTERN.test(e.name)) continue;
      if (!e.isFile()) {
        onStray(rel, 'not a regular file');
        continue;
      }
      const tree = classifyTreePath(rel);
      if (tree === undefined) onStray(rel, 'not a file of the tree layout');
      else yield { rel, abs, tree };
    }
  }
  yield* visit(path.resolve(root), '');
}
