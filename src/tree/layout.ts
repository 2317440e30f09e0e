import path from 'node:path';
import { escapePath, escapeVersion } from '../module/index.js';

/** File kinds of one module version in the tree. */
export type VersionFileKind = 'info' | 'mod' | 'zip';

/** Where the tool keeps its own state; never served. */
export const STATE_DIR = '.gomirror';

/**
 * Paths of the GOPROXY tree (cli.md "Tree layout"), all case-escaped. Pure:
 * nothing here touches the disk.
 */
export interface TreeLayout {
  readonly root: string;
  moduleDir(modulePath: string): string;
  versionDir(modulePath: string): string;
  versionFile(modulePath: string, version: string, kind: VersionFileKind): string;
  listFile(modulePath: string): string;
  latestFile(modulePath: string): string;
  stateDir(): string;
  sumsFile(): string;
  /** The last closure's plan (sync/plan-cache.ts). */
  planCacheFile(): string;
}

export function treeLayout(root: string): TreeLayout {
  const abs = path.resolve(root);
  const moduleDir = (m: string): string => path.join(abs, ...escapePath(m).split('/'));
  // A sync asks for the same module's files many times (each version's three
  // files, its listing, its index): the escaped directory is worked out once.
  const versionDirs = new Map<string, string>();
  const versionDir = (m: string): string => {
    let dir = versionDirs.get(m);
    if (dir === undefined) {
      // A cache of recent modules, not of every module of the tree (25,000 paths at 100,000 versions).
      if (versionDirs.size >= 1024) versionDirs.clear();
      versionDirs.set(m, (dir = path.join(moduleDir(m), '@v')));
    }
    return dir;
  };
  return {
    root: abs,
    moduleDir,
    versionDir,
    versionFile: (m, v, kind) => path.join(versionDir(m), `${escapeVersion(v)}.${kind}`),
    listFile: (m) => path.join(versionDir(m), 'list'),
    latestFile: (m) => path.join(moduleDir(m), '@latest'),
    stateDir: () => path.join(abs, STATE_DIR),
    sumsFile: () => path.join(abs, STATE_DIR, 'go.sum'),
    planCacheFile: () => path.join(abs, STATE_DIR, 'plan-cache.jsonl'),
  };
}

/** Temporary files are `<name>.tmp-<pid>-<random>`: never served, swept by verify. */
export const TEMP_FILE_PATTERN = /\.tmp-\d+-[0-9a-z]+$/;

/** Longest file or directory name most file systems allow (NAME_MAX), in bytes. */
export const MAX_NAME_BYTES = 255;
/** What a temp name adds to a file name: `.` + `.tmp-<pid>-<run id><counter>`. */
const TEMP_NAME_OVERHEAD = 1 + '.tmp-'.length + 10 + 1 + 8 + 6;

/**
 * Why a module path (and version) cannot be stored in the tree, or
 * undefined. The go command accepts any length and fails later with the
 * file system's ENAMETOOLONG; gomirror refuses such names before any work:
 * every escaped path element must be a file name, and so must a version's
 * files (`<version>.info` under a temp name) and its checksum-database lookup
 * (`<last element>@<version>`).
 */
export function describeUnstorable(modulePath: string, version?: string): string | undefined {
  const elems = escapePath(modulePath).split('/');
  for (const e of elems) {
    const n = Buffer.byteLength(e);
    if (n > MAX_NAME_BYTES) return `a path element is ${n} bytes once escaped; file systems allow at most ${MAX_NAME_BYTES}`;
  }
  if (version === undefined) return undefined;
  const v = escapeVersion(version);
  const file = Buffer.byteLength(`${v}.info`) + TEMP_NAME_OVERHEAD;
  const lookup = Buffer.byteLength(`${elems[elems.length - 1] ?? ''}@${v}`) + TEMP_NAME_OVERHEAD;
  if (Math.max(file, lookup) > MAX_NAME_BYTES) {
    return `version ${version}'s file names would be ${Math.max(file, lookup)} bytes; file systems allow at most ${MAX_NAME_BYTES}`;
  }
  return undefined;
}
