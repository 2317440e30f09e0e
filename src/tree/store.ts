import { readFileSync } from 'node:fs';
import { readdir, rm, unlink, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { isPseudoVersion, isValidSemver, sortVersions, unescapeVersion } from '../module/index.js';
import { commitTempFile, syncDir, tempPathFor, writeFileAtomic, type AtomicWriteOptions } from './atomic.js';
import { STATE_DIR, TEMP_FILE_PATTERN, treeLayout, type TreeLayout } from './layout.js';
import { TOOLCHAIN_MODULE, listableToolchainVersions } from '../toolchain/index.js';
import { isAlive } from './lock.js';
import { uncleanMarker } from './unclean.js';
import { readToolchainPlatforms, writeToolchainPlatforms } from './toolchain-state.js';
import { pathExists } from './path-exists.js';

/**
 * File access to a gomirror tree. The sync orchestrator goes through this and
 * never touches `fs` itself.
 */
export interface TreeStore {
  readonly layout: TreeLayout;
  /** The file's bytes, or undefined if it does not exist. */
  read(file: string): Promise<Buffer | undefined>;
  exists(file: string): Promise<boolean>;
  writeAtomic(file: string, data: Uint8Array | string, options?: AtomicWriteOptions): Promise<void>;
  /** A fresh temp path beside `dest` (its directory is created, once per run). */
  tempFor(dest: string): Promise<string>;
  /** Renames a temp file into place; `synced` when the writer already fsynced it. */
  commit(tmp: string, dest: string, options?: AtomicWriteOptions & { synced?: boolean }): Promise<void>;
  discard(tmp: string): Promise<void>;
  /** The file names in a module's @v directory (empty when it does not exist). */
  versionDirNames(modulePath: string): Promise<Set<string>>;
  /** Versions with .info, .mod and .zip on disk, in any order. */
  completeVersions(modulePath: string): Promise<string[]>;
  /**
   * Rewrites `@v/list` from what is on disk (tagged versions only, semver
   * order) and keeps `@latest` only for modules without a tagged version.
   * Versions mirrored as .info + .mod only are left out on purpose: the go
   * command fetches those by exact version, never through list, and a listed
   * version without its zip could become `go get m@latest` and fail.
   * Returns whether anything changed.
   */
  rebuildIndex(modulePath: string, latestInfo?: () => Promise<Buffer | undefined>, options?: RebuildOptions): Promise<boolean>;
}

export interface RebuildOptions {
  /**
   * Whether this run renamed files into the module's @v directory (default:
   * assume so). false lets a rebuild that changes nothing skip the
   * directory's fsync.
   */
  renamed?: boolean;
  /**
   * The @v directory's names, when the caller listed it and nothing was
   * written to it since (a no-op re-sync): saves listing it again.
   */
  names?: ReadonlySet<string>;
}

export interface TreeStoreOptions {
  /**
   * The platforms every toolchain is mirrored for: golang.org/toolchain's
   * list names a Go version only when all of them are complete, because the
   * go command picks a Go version from that list without looking at
   * platforms. Recorded in the tree's state; without it the recorded set applies.
   */
  toolchainPlatforms?: readonly string[];
}

export function createTreeStore(root: string, options: TreeStoreOptions = {}): TreeStore {
  const layout = treeLayout(root);
  // Files read through the store are small (.mod, .info, list, @latest; zips
  // are streamed, never read here). Read synchronously: from the page cache
  // that is a few microseconds, where fs.promises.readFile takes four
  // thread-pool round trips and a FileHandle to collect; a no-op sync of
  // 100,000 versions reads each .mod once, and that was most of its time.
  const read = async (file: string): Promise<Buffer | undefined> => {
    try {
      return readFileSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  };

  // Directories this store made or found: one mkdir per directory, not per file.
  // One mkdir per directory: the versions of a module ask for their @v
  // directory at once, and each asking before the first mkdir finished made
  // its own (3,000 mkdir calls, 2,400 failing, for 640 versions).
  const madeDirs = new Map<string, Promise<void>>();

  async function completeVersions(modulePath: string): Promise<string[]> {
    return versionsIn(await namesIn(layout.versionDir(modulePath)));
  }

  return {
    layout,
    read,
    exists: pathExists,
    writeAtomic: writeFileAtomic,
    async tempFor(dest) {
      const dir = path.dirname(dest);
      let made = madeDirs.get(dir);
      if (!made) {
        made = mkdir(dir, { recursive: true }).then(() => undefined);
        madeDirs.set(dir, made);
        // A failure is not remembered: the next version tries again.
        made.catch(() => madeDirs.delete(dir));
      }
      await made;
      return tempPathFor(dest);
    },
    commit: commitTempFile,
    async discard(tmp) {
      await rm(tmp, { force: true });
    },
    completeVersions,
    async versionDirNames(modulePath) {
      return new Set(await namesIn(layout.versionDir(modulePath)));
    },
    async rebuildIndex(modulePath, latestInfo, rebuild = {}) {
      // Temp files of dead runs are swept when a run starts after one
      // (sweepAfterUncleanRun); this run's own are gone by now.
      const versionDir = layout.versionDir(modulePath);
      const versions = versionsIn(rebuild.names && rebuild.renamed === false ? [...rebuild.names] : await namesIn(versionDir));
      // Go: pseudo-versions never go in list; they are reached through @latest.
      let tagged = sortVersions(versions.filter((v) => isValidSemver(v) && !isPseudoVersion(v)));
      if (modulePath === TOOLCHAIN_MODULE) {
        if (options.toolchainPlatforms) await writeToolchainPlatforms(layout, options.toolchainPlatforms);
        const platforms = options.toolchainPlatforms ?? (await readToolchainPlatforms(layout));
        if (platforms) tagged = listableToolchainVersions(tagged, platforms);
      }
      const listText = tagged.map((v) => `${v}\n`).join('');
      const listFile = layout.listFile(modulePath);
      const old = await read(listFile);
      // A module with no complete version gets no index at all: an empty
      // list would tell clients (and verify) that the module is mirrored.
      if (versions.length === 0 && old === undefined) return false;
      const writeList = old === undefined || old.toString('utf8') !== listText;
      const latestFile = layout.latestFile(modulePath);
      let latest: 'remove' | Buffer | undefined;
      if (tagged.length > 0) {
        if (await pathExists(latestFile)) latest = 'remove';
      } else if (latestInfo) {
        const info = await latestInfo();
        const oldLatest = info && (await read(latestFile));
        if (info && (!oldLatest || !oldLatest.equals(info))) latest = info;
      }
      // Version files were renamed in without a directory fsync; persist
      // those renames before any index names them. Nothing renamed and no
      // index to change: nothing to persist.
      if (rebuild.renamed !== false || writeList || latest !== undefined) await syncDir(versionDir);
      if (writeList) await writeFileAtomic(listFile, listText);
      if (latest === 'remove') await unlink(latestFile);
      else if (latest) await writeFileAtomic(latestFile, latest);
      return writeList || latest !== undefined;
    },
  };
}

/**
 * Removes temp files left by a writer that died (killed mid-download): their
 * final names were never visible, so nothing but disk space is lost. Temp
 * files of a live process (another run) are left alone.
 */
export async function sweepStaleTemps(dir: string): Promise<string[]> {
  return removeStaleTemps(dir, await namesIn(dir));
}

/**
 * Removes the temp files of dead runs anywhere under `root` (module
 * directories, sumdb/, .gomirror/): every run that takes the lock starts with
 * this, so they never pile up in directories no later run rewrites.
 * Returns the removed paths, relative to root.
 */
export async function sweepDeadTemps(root: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(root, { recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const removed: string[] = [];
  for (const rel of names) {
    const dir = path.dirname(rel);
    const gone = await removeStaleTemps(path.join(root, dir), [path.basename(rel)]);
    for (const n of gone) removed.push(path.join(dir, n));
  }
  return removed;
}

/**
 * sweepDeadTemps, when a run may have left temp files (`lock.unclean`: the
 * lock was taken over from a dead run, or a run was stopped; unclean.ts),
 * then forgets the marker. Returns the removed paths, relative to root.
 */
export async function sweepAfterUncleanRun(root: string, lock: { unclean: boolean }): Promise<string[]> {
  if (!lock.unclean) return [];
  const swept = await sweepDeadTemps(root);
  await rm(uncleanMarker(path.join(root, STATE_DIR, 'lock')), { force: true });
  return swept;
}

async function removeStaleTemps(dir: string, names: readonly string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const n of names) {
    const m = TEMP_FILE_PATTERN.exec(n);
    if (!m) continue;
    const pid = Number(/\.tmp-(\d+)-/.exec(n)?.[1]);
    if (pid === process.pid || isAlive(pid)) continue;
    await rm(path.join(dir, n), { force: true });
    removed.push(n);
  }
  return removed;
}

/** A directory's entries; a missing directory has none. */
async function namesIn(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw err;
  }
}

/** Versions whose .info, .mod and .zip are all among `names` (an @v listing). */
function versionsIn(names: readonly string[]): string[] {
  const have = new Set(names);
  const out: string[] = [];
  for (const n of names) {
    if (!n.endsWith('.zip')) continue;
    const base = n.slice(0, -4);
    if (!have.has(`${base}.info`) || !have.has(`${base}.mod`)) continue;
    try {
      out.push(unescapeVersion(base));
    } catch {
      // Not a version file name: ignored, as the go command would.
    }
  }
  return out;
}
