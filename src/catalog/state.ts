/**
 * `.gomirror/catalog.json`: what the last catalog run saw of each module, so
 * the next one reads and renders only the modules whose files changed. Lost
 * or unreadable state only costs one full regeneration.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../tree/atomic.js';
import { STATE_DIR } from '../tree/layout.js';
import type { Arrival } from './feed.js';
import type { RunSummary } from './health.js';

/** What the front page, the search index and the feed need of one module. */
export interface ModuleRecord {
  /** moduleStamp() when the module was last read. */
  stamp: string;
  latest?: string;
  /** `.info` Time of the latest version. */
  time?: string;
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
  /** Summaries of the kept sync reports, by file name, so each report is parsed once. */
  runs: Record<string, RunSummary>;
}

export function stateFile(root: string): string {
  return path.join(path.resolve(root), STATE_DIR, 'catalog.json');
}

/** The saved state, or undefined when there is none or it cannot be used. */
export async function loadState(root: string): Promise<CatalogState | undefined> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(stateFile(root), 'utf8'));
  } catch {
    return undefined;
  }
  const s = data as Partial<CatalogState>;
  if (s.format !== 1 || typeof s.renderKey !== 'string' || typeof s.nextSeq !== 'number' || typeof s.modules !== 'object' || s.modules === null) {
    return undefined;
  }
  return {
    format: 1,
    renderKey: s.renderKey,
    nextSeq: s.nextSeq,
    modules: s.modules,
    empty: typeof s.empty === 'object' && s.empty !== null ? s.empty : {},
    runs: typeof s.runs === 'object' && s.runs !== null ? s.runs : {},
  };
}

export async function saveState(root: string, state: CatalogState): Promise<void> {
  await writeFileAtomic(stateFile(root), JSON.stringify(state));
}
