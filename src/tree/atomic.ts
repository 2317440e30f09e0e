import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/**
 * Atomic file creation. Crash cases and how they recover:
 * - killed while writing the temp file: only `.<name>.tmp-*` exists; the final
 *   name was never visible, the next run writes a new temp file (and verify
 *   reports or sweeps the stray one).
 * - killed after fsync, before rename: same as above.
 * - killed after rename: the file is complete (fsynced before the rename);
 *   the directory entry is fsynced too, so it survives a power cut.
 */
// A random run id plus a counter: unique names without a syscall per file.
const runId = randomBytes(4).toString('hex');
let counter = 0;

/**
 * `<dir>/.<name>.tmp-<pid>-<random>`: the leading dot keeps temp files out of
 * nginx autoindex listings (it never lists dotfiles) and the served tree's
 * `/\.` rule answers 404 for them; the pid lets a later run sweep the files
 * of a run that died.
 */
export function tempPathFor(dest: string): string {
  return path.join(path.dirname(dest), `.${path.basename(dest)}.tmp-${process.pid}-${runId}${(counter++).toString(36)}`);
}

export interface AtomicWriteOptions {
  /**
   * fsync the directory after the rename (default true). Version files skip
   * it: their directory is fsynced when its `list` is rewritten, and until
   * then no index names them.
   */
  syncDir?: boolean;
}

/** Writes `data` to `dest` atomically (temp file in the same directory, fsync, rename). */
export async function writeFileAtomic(dest: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): Promise<void> {
  const tmp = tempPathFor(dest);
  try {
    await createSyncedFile(tmp, typeof data === 'string' ? Buffer.from(data) : data);
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  if (options.syncDir !== false) await syncDir(path.dirname(dest));
}

/** Bytes of text gathered before one write by writeTextAtomic. */
const TEXT_WRITE_CHUNK = 1 << 20;

/**
 * Writes the text `parts` yields to `dest` atomically: a new temp file in the
 * same directory (made when missing), written in writes of about 1 MiB,
 * fsynced, renamed into place; the temp file is removed when anything fails.
 * For files too large to build as one string (records, reports, caches).
 * Each part is encoded on its own: a surrogate pair must not be split
 * between two parts.
 */
export async function writeTextAtomic(dest: string, parts: Iterable<string> | AsyncIterable<string>, options: AtomicWriteOptions = {}): Promise<void> {
  const tmp = tempPathFor(dest);
  try {
    const fh = await openCreating(tmp);
    try {
      // Encoded straight into one reused buffer: gathering the parts and
      // joining them held each chunk twice on the JS heap (the parts and
      // the joined text), the largest thing a capped-heap import held.
      const chunk = Buffer.allocUnsafe(TEXT_WRITE_CHUNK);
      let used = 0;
      for await (const part of parts) {
        // A UTF-16 unit is at most 3 bytes of UTF-8.
        if (used + part.length * 3 > chunk.length) {
          if (used > 0) await fh.writeFile(chunk.subarray(0, used));
          used = 0;
          if (part.length * 3 > chunk.length) {
            await fh.writeFile(part);
            continue;
          }
        }
        used += chunk.write(part, used);
      }
      if (used > 0) await fh.writeFile(chunk.subarray(0, used));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await commitTempFile(tmp, dest, { ...options, synced: true });
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** fsyncs a file that was written by a stream, then renames it into place. */
export async function commitTempFile(tmp: string, dest: string, options: AtomicWriteOptions & { synced?: boolean } = {}): Promise<void> {
  if (!options.synced) await syncFile(tmp);
  await rename(tmp, dest);
  if (options.syncDir !== false) await syncDir(path.dirname(dest));
}

/** Opens a new file for writing (it must not exist), creating its directory only when it is missing. */
export async function openCreating(file: string): Promise<FileHandle> {
  try {
    return await open(file, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(path.dirname(file), { recursive: true });
    return open(file, 'wx', 0o644);
  }
}

export async function syncDir(dir: string): Promise<void> {
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

/**
 * Creates `file` (which must not exist; its directory is made when missing)
 * holding `data`, fsynced; no rename. Every call goes through the thread
 * pool, on whatever thread it runs: on a slow file system (NFS) a
 * synchronous call would stall everything else that thread does.
 */
export async function createSyncedFile(file: string, data: Uint8Array): Promise<void> {
  const fh = await openCreating(file);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsyncs a file written earlier without it. */
export async function syncFile(file: string): Promise<void> {
  const fh = await open(file, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
