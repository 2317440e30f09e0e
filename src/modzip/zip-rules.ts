/**
 * The module zip rules that depend only on entry headers (Go: x/mod zip.checkZip
 * and module.CheckFilePath), as pure functions that say what is wrong, or
 * undefined when nothing is. zip-check.ts applies them while it walks a zip.
 */
import { isGomirrorError } from '../errors.js';
import { checkFilePath } from '../module/index.js';
import { foldCase } from './fold-case.js';

/** Go: zip.MaxZipFile, the limit on the zip file and on its total uncompressed size. */
export const MAX_ZIP_FILE = 500 << 20;
/** Go: zip.MaxGoMod, the limit on the root go.mod. */
export const MAX_GO_MOD = 16 << 20;
/** Go: zip.MaxLICENSE, the limit on the root LICENSE. */
export const MAX_LICENSE = 16 << 20;

/** An entry name split into what follows the `path@version/` prefix. */
export interface EntryPath {
  /** The path inside the module, without a trailing slash; '' for the prefix's own directory entry. */
  readonly rel: string;
  readonly isDir: boolean;
}

/**
 * Splits an entry name after `<path>@<version>/` and checks that the rest is a
 * clean, relative module file path (path.Clean-clean and CheckFilePath).
 * Returns the problem as text, or the split path.
 */
export function checkEntryName(name: string, prefix: string): EntryPath | string {
  if (!name.startsWith(prefix)) return `path does not have prefix ${JSON.stringify(prefix)}`;
  let rel = name.slice(prefix.length);
  // Go skips all checks for the directory entry of the prefix itself.
  if (rel === '') return { rel, isDir: true };
  const isDir = rel.endsWith('/');
  if (isDir) rel = rel.slice(0, -1);
  if (rel.startsWith('/') || /^[A-Za-z]:/.test(rel)) return 'absolute path';
  if (rel.includes('\\')) return 'path contains a backslash';
  const unclean = describeUncleanPath(rel);
  if (unclean !== undefined) return `file path is not clean: ${unclean}`;
  try {
    checkFilePath(rel);
  } catch (err) {
    if (isGomirrorError(err)) return err.message;
    throw err;
  }
  return { rel, isDir };
}

/** Why path.Clean would change a relative path, or undefined if it would not. */
function describeUncleanPath(rel: string): string | undefined {
  for (const elem of rel.split('/')) {
    if (elem === '') return 'empty path element';
    if (elem === '.' || elem === '..') return `${JSON.stringify(elem)} path element`;
  }
  return undefined;
}

/**
 * Why a file entry may not be named like go.mod (in any case), or undefined:
 * go.mod may only sit at the module root and must be spelled exactly `go.mod`,
 * otherwise it would mark a nested module or break on case-insensitive disks.
 */
export function describeBadGoMod(rel: string): string | undefined {
  const base = rel.slice(rel.lastIndexOf('/') + 1);
  if (foldCase(base) !== 'go.mod') return undefined;
  if (base !== rel) return 'go.mod file not in module root directory';
  if (rel !== 'go.mod') return 'go.mod files must have lowercase names';
  return undefined;
}

/** The size limit on one file, if it has its own (Go: root go.mod and LICENSE). */
export function fileSizeLimit(rel: string): number | undefined {
  if (rel === 'go.mod') return MAX_GO_MOD;
  if (rel === 'LICENSE') return MAX_LICENSE;
  return undefined;
}

/**
 * Finds names equal under Unicode case folding and paths listed both as file
 * and directory (Go: zip.collisionChecker). Parent directories are recorded
 * too, so `x` then `x/y.go` is caught whichever comes first.
 */
export class CollisionChecker {
  private readonly seen = new Map<string, { path: string; isDir: boolean }>();

  /** Records path (a file or a directory); returns the problem, or undefined. */
  check(path: string, isDir: boolean): string | undefined {
    for (let p = path, dir = isDir; ; dir = true) {
      const key = foldCase(p);
      const other = this.seen.get(key);
      if (other === undefined) {
        this.seen.set(key, { path: p, isDir: dir });
      } else if (other.path !== p) {
        return `case-insensitive file name collision: ${JSON.stringify(other.path)} and ${JSON.stringify(p)}`;
      } else if (other.isDir !== dir) {
        return `entry ${JSON.stringify(p)} is both a file and a directory`;
      } else if (!dir) {
        return `multiple entries for file ${JSON.stringify(p)}`;
      }
      const slash = p.lastIndexOf('/');
      if (slash < 0) return undefined;
      p = p.slice(0, slash);
    }
  }
}

// Zip "version made by" hosts whose external attributes carry a Unix mode
// in the high 16 bits (Go: archive/zip creatorUnix, creatorMacOSX).
const HOSTS_WITH_UNIX_MODE = new Set([3, 19]);
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

/**
 * Why an entry is not a regular file or directory, judged from the Unix mode
 * in its external attributes, or undefined. Go's hash would read a symlink's
 * target as file content, and extraction elsewhere might follow it, so links,
 * devices, FIFOs and sockets are refused. A mode without a type (0) counts as
 * regular, as other zip readers treat it.
 */
export function describeEntryType(versionMadeBy: number, externalAttributes: number, isDir: boolean): string | undefined {
  if (!HOSTS_WITH_UNIX_MODE.has(versionMadeBy >>> 8)) return undefined;
  const mode = externalAttributes >>> 16;
  const type = mode & S_IFMT;
  if (type === 0 || type === (isDir ? S_IFDIR : S_IFREG)) return undefined;
  if (type === S_IFLNK) return 'symbolic links are not allowed';
  if (type === S_IFDIR) return 'file entry has a directory mode';
  if (isDir && type === S_IFREG) return undefined;
  return `not a regular file (mode 0o${mode.toString(8)})`;
}
