/**
 * Where temp files can be: only a run that held the lock and stopped before
 * cleaning up leaves any (every write discards its temp file on the way out).
 * Such a run either died (its lock stays, and the next run takes over a
 * stale lock) or was stopped by a signal or an early exit (its lock is
 * released, and `.gomirror/unclean` is left instead). Only then does the
 * next writer walk the whole tree for temp files: a run after a clean one
 * pays nothing for the sweep.
 */
import { writeFileSync } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** `.gomirror/unclean` beside a lock file. */
export function uncleanMarker(lockFile: string): string {
  return path.join(path.dirname(lockFile), 'unclean');
}

/** Leaves the marker (at exit or on a signal, when nothing asynchronous may run). */
export function markUncleanSync(lockFile: string, holder: string): void {
  try {
    writeFileSync(uncleanMarker(lockFile), holder);
  } catch {
    // Nowhere to leave it (a full or read-only disk): the temp files stay, harmless
    // (never served or published), until a later unclean run; verify reports them.
  }
}

export async function markUnclean(lockFile: string, holder: string): Promise<void> {
  await writeFile(uncleanMarker(lockFile), holder).catch(() => undefined);
}

export async function isMarkedUnclean(lockFile: string): Promise<boolean> {
  return stat(uncleanMarker(lockFile)).then(
    () => true,
    () => false,
  );
}
