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
}

export function treeLayout(root: string): TreeLayout {
  const abs = path.resolve(root);
  const moduleDir = (m: string): string => path.join(abs, ...escapePath(m).split('/'));
  return {
    root: abs,
    moduleDir,
    versionDir: (m) => path.join(moduleDir(m), '@v'),
    versionFile: (m, v, kind) => path.join(moduleDir(m), '@v', `${escapeVersion(v)}.${kind}`),
    listFile: (m) => path.join(moduleDir(m), '@v', 'list'),
    latestFile: (m) => path.join(moduleDir(m), '@latest'),
    stateDir: () => path.join(abs, STATE_DIR),
    sumsFile: () => path.join(abs, STATE_DIR, 'go.sum'),
  };
}

/** Temporary files are `<name>.tmp-<pid>-<random>`: never served, swept by verify. */
export const TEMP_FILE_PATTERN = /\.tmp-\d+-[0-9a-z]+$/;
