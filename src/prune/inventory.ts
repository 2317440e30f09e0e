import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { checkModuleVersion, unescapePath, unescapeVersion } from '../module/index.js';
import { parseInfo } from '../mirror/index.js';
import { STATE_DIR, TEMP_FILE_PATTERN, type TreeStore } from '../tree/index.js';
import type { ModuleOnDisk, VersionOnDisk } from './plan.js';

/** Top-level directories that hold no modules (verify's scan skips the same). */
const NOT_MODULES = new Set([STATE_DIR, 'sumdb', 'vulndb', '_catalog']);

/**
 * Every module version on disk, with its files, newest mtime and size. Names
 * that are not valid escaped module paths or versions are left out: prune
 * never deletes what it does not understand (verify reports them).
 *
 * The tree is walked one directory at a time and each module kept only as
 * its versions, so what this holds is the answer itself, not a listing of
 * every file of the tree.
 */
export async function readModulesOnDisk(store: TreeStore): Promise<ModuleOnDisk[]> {
  const out: ModuleOnDisk[] = [];
  for await (const dir of moduleDirs(store.layout.root)) {
    const entry = await readModule(store, dir);
    if (entry) out.push(entry);
  }
  return out.sort((a, b) => (a.module < b.module ? -1 : a.module > b.module ? 1 : 0));
}

interface ModuleDir {
  /** The escaped module path (slash-separated, relative to the root). */
  escaped: string;
  /** Names in its `@v` directory. */
  names: string[];
  hasLatest: boolean;
}

/** Directories with an `@v` directory, depth first; one directory listing held per level. */
async function* moduleDirs(root: string): AsyncGenerator<ModuleDir> {
  async function* visit(dir: string, rel: string): AsyncGenerator<ModuleDir> {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    const v = entries.find((e) => e.name === '@v' && e.isDirectory());
    if (rel !== '' && v) {
      const names = (await readdir(path.join(dir, '@v')).catch(() => [] as string[])).filter((n) => !TEMP_FILE_PATTERN.test(n));
      yield { escaped: rel, names, hasLatest: entries.some((e) => e.name === '@latest' && e.isFile()) };
    }
    for (const e of entries) {
      if (!e.isDirectory() || e.name === '@v' || (rel === '' && NOT_MODULES.has(e.name))) continue;
      yield* visit(path.join(dir, e.name), rel === '' ? e.name : `${rel}/${e.name}`);
    }
  }
  yield* visit(path.resolve(root), '');
}

async function readModule(store: TreeStore, dir: ModuleDir): Promise<ModuleOnDisk | undefined> {
  let module: string;
  try {
    module = unescapePath(dir.escaped);
  } catch {
    return undefined;
  }
  const byVersion = new Map<string, VersionOnDisk>();
  for (const name of dir.names) {
    const m = /^(.+)\.(info|mod|zip)$/.exec(name);
    if (!m) continue;
    let version: string;
    try {
      version = unescapeVersion(m[1] ?? '');
      checkModuleVersion(module, version);
    } catch {
      continue;
    }
    const st = await stat(store.layout.versionFile(module, version, m[2] as 'info')).catch(() => undefined);
    if (!st) continue;
    const v = byVersion.get(version) ?? { version, files: [], mtimeMs: 0, bytes: 0 };
    v.files.push(m[2] as 'info' | 'mod' | 'zip');
    v.mtimeMs = Math.max(v.mtimeMs, st.mtimeMs);
    v.bytes += st.size;
    byVersion.set(version, v);
  }
  const entry: ModuleOnDisk = { module, versions: [...byVersion.values()] };
  if (dir.hasLatest) {
    const data = await store.read(store.layout.latestFile(module));
    try {
      entry.latest = data === undefined ? null : parseInfo(data, '@latest').Version;
    } catch {
      entry.latest = null;
    }
  }
  return entry;
}
