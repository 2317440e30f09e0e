/**
 * `.gomirror/catalog.json`: what the last catalog run saw of each module, so
 * the next one reads and renders only the modules whose files changed, and
 * the feed's order. Lost or unreadable state only costs one full
 * regeneration.
 *
 * One JSON value a line, read and written as a stream so that a tree of
 * 100,000 versions never has the whole state in memory:
 *   {"format":3,"renderKey":…}                       header
 *   ["m",path,stamp,latest|null,versions,zips,bytes,deprecated 0|1,reqs,feed]
 *   ["e",path,stamp]                                 a module directory without a version
 *   … module and empty lines in path order, then the feed in its order:
 *   ["f",path,version,ms]
 *   ["end",lines]                                    a file cut short is no state
 */
import { createReadStream } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { writeFileAtomic, STATE_DIR } from '../tree/index.js';
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
  /** Its versions in the feed. */
  feed: string[];
}

export type StateLine =
  | { kind: 'm'; path: string; rec: ModuleRecord }
  | { kind: 'e'; path: string; stamp: string }
  | { kind: 'f'; path: string; version: string; ms: number };

/** `.gomirror/catalog-front.json`: what a no-op run needs to render the front page, without the whole state. */
export interface FrontState {
  renderKey: string;
  summary: FrontSummary;
  /** Lines of the feed. */
  feed: number;
}

/** The state cannot be read to its end: the run starts again without it. */
export class StateUnreadable extends Error {}

export function stateFile(root: string): string {
  return path.join(path.resolve(root), STATE_DIR, 'catalog.json');
}

function frontFile(root: string): string {
  return path.join(path.resolve(root), STATE_DIR, 'catalog-front.json');
}

export function stateHeader(renderKey: string): string {
  return `${JSON.stringify({ format: 3, renderKey })}\n`;
}

export function stateTrailer(lines: number): string {
  return `${JSON.stringify(['end', lines])}\n`;
}

export function encodeLine(l: StateLine): string {
  if (l.kind === 'f') return `${JSON.stringify(['f', l.path, l.version, l.ms])}\n`;
  if (l.kind === 'e') return `${JSON.stringify(['e', l.path, l.stamp])}\n`;
  const m = l.rec;
  return `${JSON.stringify(['m', l.path, m.stamp, m.latest ?? null, m.versions, m.zips, m.bytes, m.deprecated ? 1 : 0, m.reqs, m.feed])}\n`;
}

const isStr = (v: unknown): v is string => typeof v === 'string';
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStrs = (v: unknown): v is string[] => Array.isArray(v) && v.every(isStr);

function decodeLine(text: string): StateLine | { kind: 'end'; lines: number } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new StateUnreadable('not JSON');
  }
  const a = Array.isArray(v) ? (v as unknown[]) : [];
  if (a[0] === 'f' && isStr(a[1]) && isStr(a[2]) && isNum(a[3])) return { kind: 'f', path: a[1], version: a[2], ms: a[3] };
  if (a[0] === 'e' && isStr(a[1]) && isStr(a[2])) return { kind: 'e', path: a[1], stamp: a[2] };
  if (a[0] === 'end' && isNum(a[1])) return { kind: 'end', lines: a[1] };
  const [, p, s, l, n, z, b, d, r, f] = a;
  if (a[0] === 'm' && isStr(p) && isStr(s) && (l === null || isStr(l)) && isNum(n) && isNum(z) && isNum(b) && isStrs(r) && isStrs(f)) {
    return { kind: 'm', path: p, rec: { stamp: s, ...(l !== null ? { latest: l } : {}), versions: n, zips: z, bytes: b, deprecated: d === 1, reqs: r, feed: f } };
  }
  throw new StateUnreadable('not a state line');
}

/** A state file being read: its render key, then its lines (module section, then feed section). */
export interface StateReader {
  readonly renderKey: string;
  /** Module and empty lines, in path order; stops where the feed begins. */
  modules(): AsyncGenerator<Extract<StateLine, { kind: 'm' | 'e' }>>;
  /** Feed lines, in feed order (after modules() is done); throws StateUnreadable when the file was cut short. */
  feed(): AsyncGenerator<Extract<StateLine, { kind: 'f' }>>;
  close(): void;
}

/** Opens a state file (the saved one, or a new one being built), or undefined when there is none usable. */
export async function openState(file: string): Promise<StateReader | undefined> {
  const input = createReadStream(file, { highWaterMark: 64 * 1024 });
  const failed = new Promise<undefined>((resolve) => input.once('error', () => resolve(undefined)));
  const rl = createInterface({ input, crlfDelay: Infinity });
  const it = rl[Symbol.asyncIterator]();
  const first = await Promise.race([it.next(), failed]);
  const header = first && !first.done ? safeParse(first.value) : undefined;
  if (header?.format === 2) {
    rl.close();
    input.destroy();
    return fromFormat2(header);
  }
  if (header?.format !== 3 || !isStr(header.renderKey)) {
    rl.close();
    input.destroy();
    return undefined;
  }
  let count = 0;
  let pending: StateLine | undefined;
  let ended = false;
  const next = async (): Promise<StateLine | undefined> => {
    if (pending) {
      const p = pending;
      pending = undefined;
      return p;
    }
    if (ended) return undefined;
    const r = await it.next();
    if (r.done) throw new StateUnreadable('cut short');
    const l = decodeLine(r.value);
    if (l.kind === 'end') {
      if (l.lines !== count) throw new StateUnreadable('line count');
      ended = true;
      return undefined;
    }
    count++;
    return l;
  };
  return {
    renderKey: header.renderKey,
    async *modules() {
      for (let l = await next(); l !== undefined; l = await next()) {
        if (l.kind === 'f') {
          pending = l;
          return;
        }
        yield l;
      }
    },
    async *feed() {
      for (let l = await next(); l !== undefined; l = await next()) {
        if (l.kind !== 'f') throw new StateUnreadable('module line in the feed');
        yield l;
      }
    },
    close() {
      rl.close();
      input.destroy();
    },
  };
}

/**
 * The state of gomirror 0.1 (one JSON object, arrivals numbered per module),
 * read whole once so that an upgraded tree keeps its feed's order.
 */
function fromFormat2(s: { renderKey?: unknown; modules?: unknown; empty?: unknown }): StateReader | undefined {
  type Stored = { s: string; l?: string; n: number; z: number; b: number; d?: 1; r?: string[]; a: [string, number, number][] };
  if (!isStr(s.renderKey) || typeof s.modules !== 'object' || s.modules === null) return undefined;
  const modules: Extract<StateLine, { kind: 'm' | 'e' }>[] = [];
  const feed: (Extract<StateLine, { kind: 'f' }> & { seq: number })[] = [];
  try {
    for (const [p, m] of Object.entries(s.modules as Record<string, Stored>)) {
      const rec = { stamp: m.s, ...(m.l !== undefined ? { latest: m.l } : {}), versions: m.n, zips: m.z, bytes: m.b, deprecated: m.d === 1, reqs: m.r ?? [], feed: m.a.map(([v]) => v) };
      modules.push({ kind: 'm', path: p, rec });
      for (const [version, seq, ms] of m.a) feed.push({ kind: 'f', path: p, version, ms, seq });
    }
    for (const [p, stamp] of Object.entries((s.empty ?? {}) as Record<string, string>)) modules.push({ kind: 'e', path: p, stamp });
  } catch {
    return undefined;
  }
  modules.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  feed.sort((a, b) => a.seq - b.seq);
  return {
    renderKey: s.renderKey,
    async *modules() {
      yield* modules;
    },
    async *feed() {
      for (const l of feed) yield { kind: 'f' as const, path: l.path, version: l.version, ms: l.ms };
    },
    close() {},
  };
}

type Header = { format?: unknown; renderKey?: unknown; modules?: unknown; empty?: unknown };

function safeParse(text: string): Header | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null ? (v as Header) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether there is a saved state (the file is not read). */
export async function hasState(root: string): Promise<boolean> {
  return stat(stateFile(root)).then((st) => st.isFile(), () => false);
}

export async function saveFrontState(root: string, front: FrontState): Promise<void> {
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
