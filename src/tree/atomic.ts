import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * Atomic file creation. Crash cases and how they recover:
 * - killed while writing the temp file: only `<name>.tmp-*` exists; the final
 *   name was never visible, the next run writes a new temp file (and verify
 *   reports or sweeps the stray one).
 * - killed after fsync, before rename: same as above.
 * - killed after rename: the file is complete (fsynced before the rename);
 *   the directory entry is fsynced too, so it survives a power cut.
 */
export function tempPathFor(dest: string): string {
  return `${dest}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** Writes `data` to `dest` atomically (temp file in the same directory, fsync, rename). */
export async function writeFileAtomic(dest: string, data: Uint8Array | string): Promise<void> {
  await mkdir(path.dirname(dest), { recursive: true });
  const tmp = tempPathFor(dest);
  try {
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await syncDir(path.dirname(dest));
}

/** fsyncs a file that was written by a stream, then renames it into place. */
export async function commitTempFile(tmp: string, dest: string): Promise<void> {
  const fh = await open(tmp, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, dest);
  await syncDir(path.dirname(dest));
}

async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  }
}
