/**
 * One sync of the file system per regeneration instead of an fsync per page
 * and per page directory (two for each module page: 333 fsyncs for the 160
 * modules of a benchmark sync, the largest wait of its catalog refresh).
 *
 * Why that is safe for the catalog: its pages are derived from the tree
 * (`gomirror catalog --full` rebuilds every one of them), and every page is
 * still written aside and renamed in, so no reader of a running system (nginx,
 * a publish) ever sees half a page. Only a power cut or a kernel crash can
 * lose page-cache data, and then a page renamed in by the run may come back
 * empty. The regeneration guards that case:
 * - before its first page it leaves a marker, fsynced, holding the kernel's
 *   boot id (`.gomirror/catalog-writing`);
 * - after the last page the file system is synced (syncfs: `sync -f`), then
 *   the state is saved (fsynced as before), then the marker goes;
 * - a regeneration that finds a marker of another boot knows the machine went
 *   down while pages were unsynced: it renders every page again (as a changed
 *   render key does), rewriting whichever pages came back damaged. A marker of
 *   this boot (a killed process: the page cache kept every byte) costs one
 *   sync, then the marker goes.
 * The state is never saved before the pages it describes are durable, as before.
 */
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { GomirrorError } from '../errors.js';
import { STATE_DIR, syncDir, writeFileAtomic } from '../tree/index.js';

const BOOT_ID_FILE = '/proc/sys/kernel/random/boot_id';

function markerFile(root: string): string {
  return path.join(root, STATE_DIR, 'catalog-writing');
}

/** The kernel's id of this boot; '' where there is none (then every marker found counts as another boot's). */
export async function bootId(): Promise<string> {
  return (await readFile(BOOT_ID_FILE, 'utf8').catch(() => '')).trim();
}

/**
 * Looks for the marker of a regeneration that did not end. Left in another
 * boot: its pages may have come back damaged, and `true` says to render every
 * page again. Left in this boot (the process was killed): its pages are in the
 * page cache, whole; they are synced now and the marker removed.
 */
export async function recoverUnsyncedPages(root: string): Promise<boolean> {
  const found = await readFile(markerFile(root), 'utf8').catch(() => undefined);
  if (found === undefined) return false;
  const now = await bootId();
  if (now === '' || found.trim() !== now) return true;
  await syncPages(root);
  await endUnsyncedPages(root);
  return false;
}

/** Leaves the marker, durably, before the first page written without an fsync. */
export async function beginUnsyncedPages(root: string): Promise<void> {
  await writeFileAtomic(markerFile(root), `${await bootId()}\n`);
}

/** Makes every page renamed in since beginUnsyncedPages durable: one syncfs of the tree's file system. */
export async function syncPages(root: string): Promise<void> {
  try {
    await run('sync', ['-f', root]);
  } catch {
    // No syncfs (`sync -f` is GNU coreutils): sync(2) of every file system is as durable, only broader.
    try {
      await run('sync', []);
    } catch (err) {
      throw new GomirrorError('E_FS', `catalog: cannot sync the file system of ${root}: ${(err as Error).message}`, {
        hint: 'Make the `sync` command available (coreutils), then run: gomirror catalog --root ' + root,
      });
    }
  }
}

/** Removes the marker once the state describing the pages is saved. */
export async function endUnsyncedPages(root: string): Promise<void> {
  await rm(markerFile(root), { force: true });
  // A removal lost to a later power cut would cost one needless full render: make it durable too.
  await syncDir(path.dirname(markerFile(root)));
}

const run = promisify(execFile);
