import { readdirSync, statSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { checkModuleVersion, escapePath, unescapePath, unescapeVersion } from '../module/index.js';
import { parseInfo } from '../mirror/index.js';
import { STATE_DIR, TEMP_FILE_PATTERN, type TreeStore } from '../tree/index.js';
import type { ModuleOnDisk, VersionOnDisk } from './plan.js';

/** Top-level directories that hold no modules (verify's scan skips the same). */
const NOT_MODULES = new Set([STATE_DIR, 'sumdb', 'vulndb', '_catalog']);

/**
 * The module paths of the tree (every directory with an `@v` directory whose
 * name is a valid escaped module path), sorted. Only the paths are held:
 * prune reads each module's versions when it comes to it (readModuleOnDisk),
 * so a tree of 100,000 versions costs a string per module here.
 */
export async function listModules(store: TreeStore): Promise<string[]> {
  const out: string[] = [];
  // One directory listing held per level of the walk.
  async function visit(dir: string, rel: string): Promise<void> {
    await letLoopTurn();
    const entries = listDir(dir, true) ?? [];
    if (rel !== '' && entries.some((e) => e.name === '@v' && e.isDirectory())) {
      try {
        out.push(unescapePath(rel));
      } catch {
        // Not a valid escaped module path: prune never deletes what it does not understand (verify reports it).
      }
    }
    for (const e of entries) {
      if (!e.isDirectory() || e.name === '@v' || (rel === '' && NOT_MODULES.has(e.name))) continue;
      await visit(path.join(dir, e.name), rel === '' ? e.name : `${rel}/${e.name}`);
    }
  }
  await visit(path.resolve(store.layout.root), '');
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * One module's versions on disk, with their files, newest mtime and size, and
 * what `@latest` names; undefined when the module has no `@v` directory (or
 * its path is not a valid module path). Names that are not valid escaped
 * versions are left out: prune never deletes what it does not understand.
 */
export async function readModuleOnDisk(store: TreeStore, module: string): Promise<ModuleOnDisk | undefined> {
  await letLoopTurn();
  const names = listDir(store.layout.versionDir(module), false);
  if (!names) return undefined;
  const byVersion = new Map<string, VersionOnDisk>();
  for (const name of names) {
    const m = /^(.+)\.(info|mod|zip)$/.exec(name);
    if (!m || TEMP_FILE_PATTERN.test(name)) continue;
    let version: string;
    try {
      version = unescapeVersion(m[1] ?? '');
      // A version's .info, .mod and .zip share the check: made once, for the first of its files found.
      if (!byVersion.has(version)) checkModuleVersion(module, version);
    } catch {
      continue;
    }
    const st = statOrUndefined(store.layout.versionFile(module, version, m[2] as 'info'));
    if (!st) continue;
    const v = byVersion.get(version) ?? { version, files: [], mtimeMs: 0, bytes: 0 };
    v.files.push(m[2] as 'info' | 'mod' | 'zip');
    v.mtimeMs = Math.max(v.mtimeMs, st.mtimeMs);
    v.bytes += st.size;
    byVersion.set(version, v);
  }
  const entry: ModuleOnDisk = { module, versions: [...byVersion.values()] };
  const data = await store.read(store.layout.latestFile(module));
  if (data !== undefined) {
    try {
      entry.latest = parseInfo(data, '@latest').Version;
    } catch {
      entry.latest = null;
    }
  }
  return entry;
}

/*
 * The tree is read with synchronous calls, as the store reads its small files
 * (createTreeStore's read): a listing or a stat served from the kernel's
 * caches takes microseconds, where each fs.promises call is a thread-pool
 * round trip (a futex wake of a worker, an eventfd write back to the event
 * loop, two context switches). Prune stats every file of the tree once per
 * pass; at 100,000 versions the round trips were most of its kernel time.
 */
function listDir(dir: string, withFileTypes: true): Dirent[] | undefined;
function listDir(dir: string, withFileTypes: false): string[] | undefined;
function listDir(dir: string, withFileTypes: boolean): Dirent[] | string[] | undefined {
  try {
    return withFileTypes ? readdirSync(dir, { withFileTypes: true }) : readdirSync(dir);
  } catch {
    return undefined;
  }
}

/**
 * Lets the event loop turn when the synchronous reading has held it for
 * 50 ms: a walk of 100,000 versions answers only microtasks otherwise, and
 * the lock's heartbeat, its release on SIGTERM and the result's spill writes
 * wait on the loop.
 */
let loopTurnedAt = performance.now();
export async function letLoopTurn(): Promise<void> {
  if (performance.now() - loopTurnedAt < 50) return;
  await new Promise<void>((resolve) => setImmediate(resolve));
  loopTurnedAt = performance.now();
}

function statOrUndefined(file: string): { mtimeMs: number; size: number } | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

/** Every module version on disk (see readModuleOnDisk), sorted by module path: for callers that want the whole tree at once. */
export async function readModulesOnDisk(store: TreeStore): Promise<ModuleOnDisk[]> {
  const out: ModuleOnDisk[] = [];
  for (const module of await listModules(store)) {
    const entry = await readModuleOnDisk(store, module);
    if (entry) out.push(entry);
  }
  return out;
}

/** Looks a module up on disk when asked; see moduleLookup. */
export type ModuleLookup = (module: string) => Promise<ModuleOnDisk | undefined>;

/**
 * readModuleOnDisk with a small cache of the modules read last (query
 * resolution asks for a module's list, then its .info files; requirements
 * walks ask about the same few modules again and again), so that what it
 * holds stays bounded however large the tree is.
 */
export function moduleLookup(store: TreeStore, size = 256): ModuleLookup {
  const cache = new Map<string, Promise<ModuleOnDisk | undefined>>();
  return (module) => {
    const hit = cache.get(module);
    if (hit) {
      // Most recently used last, so the first key is the one to drop.
      cache.delete(module);
      cache.set(module, hit);
      return hit;
    }
    let p: Promise<ModuleOnDisk | undefined>;
    try {
      escapePath(module);
      p = readModuleOnDisk(store, module);
    } catch {
      p = Promise.resolve(undefined);
    }
    cache.set(module, p);
    if (cache.size > size) cache.delete(cache.keys().next().value as string);
    return p;
  };
}
