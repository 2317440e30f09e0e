import { readdir } from 'node:fs/promises';
import path from 'node:path';

/** Every regular file below `root`, as sorted slash paths relative to it. */
export async function treeFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}
