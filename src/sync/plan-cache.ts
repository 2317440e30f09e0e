/**
 * `.gomirror/plan-cache.jsonl`: the dependency closure of the last sync whose
 * closure went without a single problem, keyed by a hash of everything the
 * closure depends on. A re-sync of an unchanged manifest (same resolved
 * versions, same project files, same flags) takes the plan from here instead
 * of reading and parsing every go.mod of the tree again (98,000 of them at
 * 100,000 versions: most of a no-op's time). A go.mod of a module version
 * never changes (its hash is recorded), so the same inputs give the same plan.
 *
 * The file: a header line {format, key, entries, modsRead, notes}, one line
 * per plan entry [module, version, zip, source, from], one line per root go
 * line that can make a client switch toolchains ["go", module, version, go],
 * then {"end": entries}. Anything else (another key, a torn or edited file)
 * is ignored and the closure runs as if there were no file.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { GraphPlanInput, PlanEntry, PlanSource, ZipNeed } from '../graph/index.js';
import { writeTextAtomic } from '../tree/index.js';
import { TOOL_VERSION } from '../version.js';

/** Bumped whenever the closure's rules or this file's layout change: an older file is then ignored. */
const FORMAT = 1;

export interface CachedPlan {
  /** The closure's plan, in plan order. */
  entries: PlanEntry[];
  notes: string[];
  /** go.mod files the closure read (for the log line). */
  modsRead: number;
  /** Root go lines newer than toolchain switching needs to look at (see service.ts); every other root's is taken as none. */
  goLines: { module: string; version: string; go: string }[];
}

export interface PlanCacheKeyInput {
  deps: boolean;
  allZips: boolean;
  /** The resolved roots, in order, with where they came from. */
  roots: readonly { module: string; version: string; where: string }[];
  /** Every go.sum line given (module, go.mod or zip, where, whether a main module owns it). */
  gosum: readonly unknown[];
  mains: GraphPlanInput['mains'];
  workspaces: GraphPlanInput['workspaces'];
  /** What picks the go lines kept (a change of it must not reuse a file). */
  goLineRule: string;
}

/** The hash of everything the closure's plan depends on. */
export function planCacheKey(input: PlanCacheKeyInput): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ format: FORMAT, tool: TOOL_VERSION, deps: input.deps, allZips: input.allZips, goLineRule: input.goLineRule }));
  h.update('\n');
  for (const r of input.roots) h.update(`${r.module}\0${r.version}\0${r.where}\n`);
  h.update(JSON.stringify(input.gosum));
  h.update('\n');
  h.update(JSON.stringify(input.mains));
  h.update('\n');
  h.update(JSON.stringify(input.workspaces));
  return h.digest('hex');
}

const ZIPS: ReadonlySet<string> = new Set<ZipNeed>(['required', 'wanted', 'no']);
const SOURCES: ReadonlySet<string> = new Set<PlanSource>(['root', 'gosum', 'dependency']);

/** The cached plan for `key`, or undefined when there is none, it is for other inputs, or it is not whole. */
export async function readPlanCache(file: string, key: string): Promise<CachedPlan | undefined> {
  const stream = createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    type Header = { format?: unknown; key?: unknown; entries?: unknown; modsRead?: unknown; notes?: unknown };
    let header: Header | undefined;
    const plan: CachedPlan = { entries: [], notes: [], modsRead: 0, goLines: [] };
    let ended = false;
    // Entries come by module: one module path and one `from` string per run of equal ones, not one per line.
    let lastModule = '';
    let lastFrom = '';
    for await (const line of lines) {
      if (ended) return undefined;
      const v = JSON.parse(line) as unknown;
      if (!header) {
        const h = v as Header;
        if (h.format !== FORMAT || h.key !== key || typeof h.entries !== 'number' || typeof h.modsRead !== 'number') return undefined;
        if (!Array.isArray(h.notes) || !h.notes.every((n: unknown) => typeof n === 'string')) return undefined;
        plan.notes = h.notes as string[];
        plan.modsRead = h.modsRead;
        header = h;
        continue;
      }
      if (Array.isArray(v)) {
        if (v[0] === 'go' && v.length === 4 && v.every((x) => typeof x === 'string')) {
          plan.goLines.push({ module: v[1] as string, version: v[2] as string, go: v[3] as string });
          continue;
        }
        const [module, version, zip, source, from] = v as unknown[];
        if (v.length !== 5 || typeof module !== 'string' || typeof version !== 'string' || typeof from !== 'string') return undefined;
        if (typeof zip !== 'string' || !ZIPS.has(zip) || typeof source !== 'string' || !SOURCES.has(source)) return undefined;
        // One literal shape for every entry (see graph/plan.ts entry()).
        if (module !== lastModule) lastModule = module;
        if (from !== lastFrom) lastFrom = from;
        plan.entries.push({ module: lastModule, version, zip: zip as ZipNeed, source: source as PlanSource, from: lastFrom });
        continue;
      }
      if ((v as { end?: unknown }).end !== header.entries || plan.entries.length !== header.entries) return undefined;
      ended = true;
    }
    return ended ? plan : undefined;
  } catch {
    // Missing, unreadable, torn or edited: the closure runs and the file is written again.
    return undefined;
  } finally {
    lines.close();
    stream.destroy();
  }
}

/** Writes the plan for `key` atomically (a temp file renamed over the old one). */
export async function writePlanCache(file: string, key: string, plan: CachedPlan): Promise<void> {
  await writeTextAtomic(file, planLines(key, plan));
}

function* planLines(key: string, plan: CachedPlan): Generator<string> {
  yield JSON.stringify({ format: FORMAT, key, entries: plan.entries.length, modsRead: plan.modsRead, notes: plan.notes }) + '\n';
  for (const e of plan.entries) yield JSON.stringify([e.module, e.version, e.zip, e.source, e.from]) + '\n';
  for (const g of plan.goLines) yield JSON.stringify(['go', g.module, g.version, g.go]) + '\n';
  yield JSON.stringify({ end: plan.entries.length }) + '\n';
}

/** Removes the cached plan (after a closure with problems: it must not outlive them). */
export async function removePlanCache(file: string): Promise<void> {
  await rm(file, { force: true });
}
