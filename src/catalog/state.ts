/**
 * `.gomirror/catalog.json`: what the last catalog run saw of each module, so
 * the next one reads and renders only the modules whose files changed. Lost
 * or unreadable state only costs one full regeneration.
 */
import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic, STATE_DIR } from '../tree/index.js';
import type { Arrival } from './feed.js';
import type { FrontSummary } from './front-view.js';

/** What the front page, the search index and the feed need of one module. */
export interface ModuleRecord {
  /** moduleStamp() when the module was last read. */
  stamp: string;
  latest?: string;
  versions: number;
  zips: number;
  bytes: number;
  deprecated: boolean;
  /** Module paths its latest go.mod requires: its page links those that are mirrored. */
  reqs: string[];
  /** Complete versions in arrival order (feed.ts). */
  arrivals: Arrival[];
}

export interface CatalogState {
  format: 1;
  /** Changes when the templates or the tool change: every page is rendered again. */
  renderKey: string;
  nextSeq: number;
  modules: Record<string, ModuleRecord>;
  /** Module directories without a version (a failed first fetch, a pruned module), by stamp: not read again until they change. */
  empty?: Record<string, string>;
}

/** `.gomirror/catalog-front.json`: what a no-op run needs to render the front page, without the whole state. */
export interface FrontState {
  renderKey: string;
  summary: FrontSummary;
  /** Lines of the feed. */
  feed: number;
}

export function stateFile(root: string): string {
  return path.join(path.resolve(root), STATE_DIR, 'catalog.json');
}

function frontFile(root: string): string {
  return path.join(path.resolve(root), STATE_DIR, 'catalog-front.json');
}

/** The saved state, or undefined when there is none or it cannot be used. */
/**
 * The file's form of a module record: short keys and arrivals as
 * `[version, seq, ms]` tuples, because a no-op sync of a big tree reads the
 * whole file and parsing time follows its size.
 */
interface StoredModule {
  s: string;
  l?: string;
  n: number;
  z: number;
  b: number;
  d?: 1;
  r?: string[];
  a: [string, number, number][];
}

interface StoredState extends Omit<CatalogState, 'format' | 'modules'> {
  format: 2;
  modules: Record<string, StoredModule>;
}

function toStored(m: ModuleRecord): StoredModule {
  return {
    s: m.stamp,
    ...(m.latest !== undefined ? { l: m.latest } : {}),
    n: m.versions,
    z: m.zips,
    b: m.bytes,
    ...(m.deprecated ? { d: 1 as const } : {}),
    ...(m.reqs.length > 0 ? { r: m.reqs } : {}),
    a: m.arrivals.map((a) => [a.version, a.seq, a.ms]),
  };
}

function fromStored(m: StoredModule): ModuleRecord {
  return {
    stamp: m.s,
    ...(m.l !== undefined ? { latest: m.l } : {}),
    versions: m.n,
    zips: m.z,
    bytes: m.b,
    deprecated: m.d === 1,
    reqs: m.r ?? [],
    arrivals: m.a.map(([version, seq, ms]) => ({ version, seq, ms })),
  };
}

/** The saved state; with `check`, only whether there is one (the file is not parsed). */
export async function loadState(root: string, options: { check: true }): Promise<boolean>;
export async function loadState(root: string): Promise<CatalogState | undefined>;
export async function loadState(root: string, options?: { check: true }): Promise<CatalogState | boolean | undefined> {
  if (options?.check) return stat(stateFile(root)).then((st) => st.isFile(), () => false);
  let s: Partial<StoredState>;
  try {
    s = JSON.parse(await readFile(stateFile(root), 'utf8')) as Partial<StoredState>;
  } catch {
    return undefined;
  }
  if (s.format !== 2 || typeof s.renderKey !== 'string' || typeof s.nextSeq !== 'number' || typeof s.modules !== 'object' || s.modules === null) {
    return undefined;
  }
  const modules: Record<string, ModuleRecord> = {};
  try {
    for (const [p, m] of Object.entries(s.modules)) modules[p] = fromStored(m);
  } catch {
    return undefined;
  }
  return {
    format: 1,
    renderKey: s.renderKey,
    nextSeq: s.nextSeq,
    modules,
    empty: typeof s.empty === 'object' && s.empty !== null ? s.empty : {},
  };
}

/**
 * Saves the state (undefined: unchanged, not written), then the front page's
 * summary, so a summary never describes a state that is not on disk.
 */
export async function saveState(root: string, state: CatalogState | undefined, front: FrontState): Promise<void> {
  if (state) {
    const stored: StoredState = { ...state, format: 2, modules: {} };
    for (const [p, m] of Object.entries(state.modules)) stored.modules[p] = toStored(m);
    await writeFileAtomic(stateFile(root), JSON.stringify(stored));
  }
  await writeFileAtomic(frontFile(root), JSON.stringify(front));
}

export async function loadFrontState(root: string): Promise<FrontState | undefined> {
  try {
    const f = JSON.parse(await readFile(frontFile(root), 'utf8')) as Partial<FrontState>;
    if (typeof f.renderKey !== 'string' || typeof f.feed !== 'number' || typeof f.summary !== 'object' || !Array.isArray(f.summary?.first)) return undefined;
    return f as FrontState;
  } catch {
    return undefined;
  }
}

/** Forgets the state: the next run walks the tree and reads every module. */
export async function dropState(root: string): Promise<void> {
  await rm(frontFile(root), { force: true });
  await rm(stateFile(root), { force: true });
}
