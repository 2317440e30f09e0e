import { stat } from 'node:fs/promises';
import path from 'node:path';
import { GomirrorError } from '../errors.js';
import type { Logger } from '../logger.js';
import { acquireTreeLock } from '../tree/index.js';
import { regenerateCatalog, type CatalogResult } from './generate.js';

/**
 * `gomirror catalog`: walks the tree and brings the catalog up to date
 * (every page with `full`), under the tree's lock, so it never races a sync
 * or an import writing the same pages.
 */
export async function catalogTree(rootDir: string, options: { full?: boolean }, logger: Logger): Promise<CatalogResult> {
  const root = path.resolve(rootDir);
  const st = await stat(root).catch(() => undefined);
  if (!st?.isDirectory()) {
    throw new GomirrorError('E_USAGE', `--root ${root}: not a directory`, { hint: 'Name the tree that gomirror sync --out wrote.' });
  }
  const lock = await acquireTreeLock(root, { command: 'catalog' });
  if (lock.tookOver) logger.warn(`took over a stale lock: ${lock.tookOver}`);
  try {
    // undefined `changed`: the tree is walked, so modules written by any means are found.
    return await regenerateCatalog(root, { ...(options.full ? { full: true } : {}) });
  } finally {
    await lock.release();
  }
}
