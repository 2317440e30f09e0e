/**
 * The lock file's operations on disk, each safe against a concurrent run
 * doing the same: creating `.gomirror/lock` only if absent, reading it, and
 * replacing a stale one under the `.takeover` guard. Deciding whether a lock
 * is stale, and holding one, are lock.ts's.
 */
import { link, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tempPathFor } from './atomic.js';

/** What `.gomirror/lock` holds. */
export interface LockHolder {
  pid: number;
  host: string;
  /** ISO 8601. */
  startedAt: string;
  /** The command that holds it, e.g. `sync`. */
  command: string;
}

const TAKEOVER_GUARD_STALE_MS = 30_000;

/**
 * Creates `file` with `content` unless it exists; false when it does. The
 * content goes to a temp file hard-linked into place, so no reader ever sees
 * the lock half-written.
 */
export async function createExclusive(file: string, content: string): Promise<boolean> {
  const tmp = tempPathFor(file);
  await writeFile(tmp, content, { flag: 'wx', mode: 0o644 });
  try {
    await link(tmp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
    // Filesystems without hard links: an exclusive create, then the content.
    try {
      const fh = await open(file, 'wx', 0o644);
      await fh.writeFile(content).finally(() => fh.close());
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
  } finally {
    await rm(tmp, { force: true });
  }
}

/** The lock's text, its holder (undefined when unparsable) and its last refresh; undefined when there is none. */
export async function readLock(file: string): Promise<{ raw: string; holder: LockHolder | undefined; mtimeMs: number } | undefined> {
  try {
    const [raw, st] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    return { raw, holder: parseHolder(raw), mtimeMs: st.mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function parseHolder(raw: string): LockHolder | undefined {
  try {
    const o = JSON.parse(raw) as Partial<LockHolder>;
    if (typeof o.pid === 'number' && typeof o.host === 'string' && typeof o.startedAt === 'string' && typeof o.command === 'string') {
      return { pid: o.pid, host: o.host, startedAt: o.startedAt, command: o.command };
    }
  } catch {
    // fall through: unreadable
  }
  return undefined;
}

/** Replaces the stale lock whose content was `staleRaw`; false if someone else got there first. */
export async function takeOver(file: string, staleRaw: string, content: string): Promise<boolean> {
  const guard = `${file}.takeover`;
  if (!(await createGuard(guard))) return false;
  try {
    const current = await readLock(file);
    if (current !== undefined && current.raw !== staleRaw) return false;
    const tmp = tempPathFor(file);
    await writeFile(tmp, content, { flag: 'wx', mode: 0o644 });
    await rename(tmp, file);
    return true;
  } finally {
    await rm(guard, { force: true });
  }
}

/** The takeover guard, created exclusively; one left by a process that died mid-takeover is ignored after 30 s. */
async function createGuard(guard: string): Promise<boolean> {
  for (let i = 0; i < 2; i++) {
    try {
      await writeFile(guard, String(process.pid), { flag: 'wx' });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const st = await stat(guard).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs < TAKEOVER_GUARD_STALE_MS) return false;
      await rm(guard, { force: true });
    }
  }
  return false;
}

