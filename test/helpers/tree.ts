import { cp, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Every regular file below `root`, as sorted slash paths relative to it. */
export async function treeFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

/**
 * A valid gomirror tree at `root` without a sync: a copy of a fixture
 * upstream (same layout) plus its true hashes as `.gomirror/go.sum`.
 */
export async function treeFromUpstream(upstream: { dir: string; goSum: string }, root: string): Promise<string> {
  await cp(upstream.dir, root, { recursive: true });
  await mkdir(path.join(root, '.gomirror'));
  await writeFile(path.join(root, '.gomirror/go.sum'), upstream.goSum);
  return root;
}
