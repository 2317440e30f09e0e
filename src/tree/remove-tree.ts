/**
 * Removing a large directory tree (an import's staging directory, an
 * export's work files) in memory that does not grow with it. Node's
 * recursive rm starts the removal of every entry of every directory at once:
 * removing the staging tree of a 100,000-version import took 660 MB. This
 * walks one directory at a time and unlinks its files at most
 * FILES_AT_ONCE at a time; what it holds is the entry names of the
 * directories on the current path.
 */
import type { Dirent } from 'node:fs';
import { readdir, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { forEachBounded } from '../bounded.js';

const FILES_AT_ONCE = 16;

/** Removes `dir` and everything under it; a missing `dir` is no error (like `rm -rf`). */
export async function removeTree(dir: string): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') return unlinkIfThere(dir);
    throw err;
  }
  const subdirs: string[] = [];
  await forEachBounded(entries, FILES_AT_ONCE, async (e) => {
    if (e.isDirectory()) subdirs.push(e.name);
    else await unlinkIfThere(path.join(dir, e.name));
  });
  entries = [];
  for (const name of subdirs) await removeTree(path.join(dir, name));
  await rmdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

async function unlinkIfThere(file: string): Promise<void> {
  await unlink(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}
