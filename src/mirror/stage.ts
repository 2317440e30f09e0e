/**
 * Staging a module version: the disk work between downloading its files and
 * renaming them into place. The zip is checked (module zip rules, h1) and
 * fsynced through the descriptor the check reads, and the small files are written to new temp files and fsynced;
 * nothing is renamed, so nothing becomes visible. The caller compares the
 * hashes, asks the checksum database, and only then renames.
 *
 * A sync runs this on worker threads (stage-pool.ts), so the zip check's CPU
 * work stays off the download loop, and `gomirror verify` checks its zips
 * through the same pool; `verify --repair` refetches versions with it inline.
 * File calls are the same asynchronous ones on every thread.
 */
import { GomirrorError } from '../errors.js';
import { createSyncedFile } from '../tree/index.js';
import { checkModuleZip, type ModuleZipSummary } from '../modzip/index.js';

export interface StageJob {
  /** A zip to check for modulePath@version; `fsync` when it was just downloaded. */
  zip?: { file: string; modulePath: string; version: string; goMod?: Uint8Array; fsync: boolean };
  /** New files (temp names) to create with these bytes, fsynced. */
  files: { file: string; data: Uint8Array }[];
}

export interface StageResult {
  zip?: ModuleZipSummary;
}

export type Stager = (job: StageJob) => Promise<StageResult>;

export async function stageVersion(job: StageJob): Promise<StageResult> {
  let zip: ModuleZipSummary | undefined;
  if (job.zip) {
    const { file, modulePath, version, goMod, fsync } = job.zip;
    zip = await checkModuleZip(file, { modulePath, version, fsync, ...(goMod ? { goMod } : {}) });
  }
  // The fsyncs wait on the disk together.
  const writes = job.files.map((f) => onDisk(f.file, () => createSyncedFile(f.file, f.data)));
  const failed = (await Promise.allSettled(writes)).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return zip ? { zip } : {};
}

async function onDisk(file: string, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (err) {
    throw new GomirrorError('E_FS', `writing ${file} failed: ${(err as Error).message}`, {
      cause: err,
      hint: 'Check free space and permissions under the output directory',
    });
  }
}
