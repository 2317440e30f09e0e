/**
 * The dependency closure: loads every module graph a sync needs by fetching
 * go.mod files round by round (breadth-first, each .mod once, with bounded
 * concurrency), then turns the graphs into the mirror plan. The graph rules
 * are pure (graph/); this file only does the fetching.
 */
import { forEachBounded } from '../bounded.js';
import { GomirrorError, isGomirrorError } from '../errors.js';
import { createGraphLoader, createPlanBuilder, createVersionTable, planGraphList, targetKey, type GraphList, type GraphLoader, type GraphPlanInput, type KeyedVersion, type ModuleGraph, type MirrorPlan, type ModSummary, type ModuleVersion, type Target, type VersionTable } from '../graph/index.js';
import { checkModuleVersion } from '../module/index.js';
import { parseGoMod } from '../modfile/index.js';
import type { UpstreamClient } from '../upstream/index.js';
import type { ModSource } from './mod-cache.js';

export interface ClosureOptions {
  input: GraphPlanInput;
  gosum: readonly { module: ModuleVersion; goMod: boolean; where: string }[];
  /** Follow go.mod requirements; when false only the named versions (and a main module's direct requirements) are planned. */
  deps: boolean;
  /** `--zips all`. */
  allZips: boolean;
  concurrency: number;
  /**
   * The verified .mod bytes of a module version (from the tree when present, else upstream).
   * `key` is its `path@version`, the closure's own string (a cache can keep it rather than a copy).
   */
  loadMod(path: string, version: string, key: string): Promise<Buffer>;
  /** The go.mod text of a local-directory replacement; undefined when it has none. */
  readLocalGoMod(dir: string): Promise<string | undefined>;
  /**
   * Where module versions get their objects and keys. Given, input.roots'
   * modules are taken to be its own (the caller built them with it), so 100,000
   * roots are not copied once more.
   */
  table?: VersionTable;
}

export interface ClosureResult {
  plan: MirrorPlan;
  /** Problems with go.mod contents (bad syntax, wrong module line); download failures show up when the version is mirrored. */
  errors: { module: string; error: GomirrorError }[];
  /** go.mod files read to walk the graphs. */
  modsRead: number;
  /** Every go.mod the graphs needed was read and usable, and no error was found: the plan is the whole answer. */
  complete: boolean;
  /** The go line of a module version's go.mod the closure read (null: none), undefined when it did not read it. */
  goLineOf(path: string, version: string): string | null | undefined;
}

/** Loads the graphs and builds the plan. Throws only for input errors (conflicting replacements). */
export async function computeClosure(options: ClosureOptions): Promise<ClosureResult> {
  // Every module version the closure meets gets one object and one key string (see VersionTable).
  const table = options.table ?? createVersionTable();
  const input: GraphPlanInput = options.table
    ? options.input
    : { ...options.input, roots: options.input.roots.map((r) => ({ module: table.get(r.module.path, r.module.version), where: r.where })) };
  const graphs = planGraphList(input);
  // A module version's summary lives on its table object (KeyedVersion.summary); only local directories need a map.
  const dirSummaries = new Map<string, ModSummary | GomirrorError>();
  let summariesRead = 0;
  let failedSummaries = 0;
  // Failed downloads are reported by the mirroring of that version, not twice.
  const downloadErrors = new WeakSet<GomirrorError>();
  // An upstream go.mod is data, not input: a malformed requirement fails that dependency only.
  const requireErrors: { module: string; error: GomirrorError }[] = [];
  const versionOf = (t: Target & { kind: 'module' }): KeyedVersion => ((t as Partial<KeyedVersion>).key !== undefined ? (t as KeyedVersion) : table.get(t.path, t.version));
  const lookup = (t: Target): ModSummary | GomirrorError | undefined =>
    options.deps ? (t.kind === 'module' ? versionOf(t).summary : dirSummaries.get(targetKey(t))) : { module: t.kind === 'module' ? t.path : '', require: [] };
  const setSummary = (t: Target, s: ModSummary | GomirrorError): void => {
    if (t.kind === 'dir') {
      if (!dirSummaries.has(targetKey(t))) summariesRead++;
      dirSummaries.set(targetKey(t), s);
      return;
    }
    const m = versionOf(t);
    if (m.summary === undefined) summariesRead++;
    m.summary = s;
  };

  const fetchSummary = async (t: Target): Promise<void> => {
    const key = targetKey(t);
    try {
      if (t.kind === 'dir') {
        const text = await options.readLocalGoMod(t.dir);
        setSummary(t, text === undefined ? { require: [] } : summarize(parseGoMod(text, `${t.dir}/go.mod`, { lax: true }), table));
        return;
      }
      const data = await options.loadMod(t.path, t.version, key);
      const summary = summarize(parseGoMod(data.toString('utf8'), `${t.path}@${t.version}: go.mod`, { lax: true }), table);
      setSummary(t, dropMalformedRequires(summary, `${t.path}@${t.version}`, (error) => requireErrors.push({ module: t.path, error })));
    } catch (err) {
      const e = isGomirrorError(err) ? err : new GomirrorError('E_INTERNAL', `${key}: ${(err as Error).message}`, { cause: err });
      if (e.code === 'E_GOMOD') {
        failedSummaries++;
        setSummary(t, new GomirrorError('E_MOD_INVALID', e.message, { cause: e }));
        return;
      }
      downloadErrors.add(e);
      failedSummaries++;
      setSummary(t, e);
    }
  };

  // A graph is planned and let go as soon as it is complete, and only a
  // window of graphs is loading at a time: a manifest that names 100,000
  // versions has 100,000 graphs, and holding them all costs more than the
  // plan. The go.mod summaries are shared, so no .mod is read twice.
  const builder = createPlanBuilder({ roots: input.roots, gosum: options.gosum, graphs, allZips: options.allZips, table });
  const errors = new Map<string, { module: string; error: GomirrorError }>();
  await loadGraphs({ graphs, builder, table, lookup, concurrency: options.concurrency, fetchSummary, onErrors: (graphErrors) => {
    for (const e of graphErrors) {
      if (!downloadErrors.has(e.error)) errors.set(e.error.message, { module: e.module.path, error: e.error });
    }
  } });
  for (const e of requireErrors) errors.set(e.error.message, e);
  const goLineOf = (p: string, v: string): string | null | undefined => {
    const s = options.deps ? table.find(p, v)?.summary : undefined;
    return s === undefined || s instanceof GomirrorError ? undefined : (s.go ?? null);
  };
  const complete = failedSummaries === 0 && errors.size === 0;
  keepGoLinesOnly(table);
  return { plan: builder.finish(), errors: [...errors.values()], modsRead: summariesRead, complete, goLineOf };
}

/**
 * Loads every graph and hands each to the builder once complete. A function
 * of its own: no variable of computeClosure's frame holds the last graph (the
 * compatibility graph of every root) or its loader while the plan is finished.
 */
async function loadGraphs(o: {
  graphs: GraphList;
  builder: ReturnType<typeof createPlanBuilder>;
  table: VersionTable;
  lookup: (t: Target) => ModSummary | GomirrorError | undefined;
  concurrency: number;
  fetchSummary: (t: Target) => Promise<void>;
  onErrors: (errors: ModuleGraph['errors']) => void;
}): Promise<void> {
  const { graphs, builder, table, lookup } = o;
  const window = Math.max(256, o.concurrency * 32);
  const active = new Map<number, GraphLoader>();
  let next = 0;
  for (;;) {
    for (; active.size < window && next < graphs.length; next++) active.set(next, createGraphLoader(graphs.at(next).spec, table));
    if (active.size === 0) break;
    const missing = new Map<string, Target>();
    for (const [i, loader] of active) {
      const graph = loader.advance(lookup);
      for (const t of graph.missing) missing.set(targetKey(t), t);
      if (graph.missing.length > 0) continue;
      active.delete(i);
      o.onErrors(graph.errors);
      builder.add(i, graph);
    }
    // Bounded, not a Promise.all over a limiter: the first round of 100,000 roots asks for 100,000 go.mod files,
    // and a promise and a closure made up front for each were a large part of the closure's peak.
    await forEachBounded(missing.values(), o.concurrency, o.fetchSummary);
  }
}

/**
 * The summary without requirements whose path or version is malformed (the
 * go command refuses them when it fetches them); each one is reported.
 */
function dropMalformedRequires(summary: ModSummary, at: string, report: (e: GomirrorError) => void): ModSummary {
  const require = summary.require.filter((r) => {
    if (r.version === 'none') return true;
    try {
      checkModuleVersion(r.path, r.version);
      return true;
    } catch (err) {
      if (!isGomirrorError(err)) throw err;
      const what = err.code === 'E_MODULE_PATH' ? `a ${err.message}` : `${JSON.stringify(r.path)} at a bad version: ${err.message}`;
      report(
        new GomirrorError('E_MOD_INVALID', `${at}: go.mod requires ${what}`, {
          hint: 'That requirement is skipped; the module versions that need it cannot be built from this mirror. Report it to the module author.',
        }),
      );
      return false;
    }
  });
  return require.length === summary.require.length ? summary : { ...summary, require };
}

const NO_REQUIREMENTS: readonly ModuleVersion[] = Object.freeze([]);

/**
 * Once every graph is loaded, only the go lines of the summaries are asked
 * for (goLineOf): each summary becomes one shared object per go line, so the
 * requirements of 100,000 go.mod files are let go before the plan makes an
 * entry for every version.
 */
function keepGoLinesOnly(table: VersionTable): void {
  const byGo = new Map<string | undefined, ModSummary>();
  for (const m of table.values()) {
    const s = m.summary;
    if (s === undefined || s instanceof GomirrorError || s.require.length === 0) continue;
    let only = byGo.get(s.go);
    if (!only) byGo.set(s.go, (only = s.go === undefined ? { require: NO_REQUIREMENTS } : { go: s.go, require: NO_REQUIREMENTS }));
    m.summary = only;
  }
}

/**
 * The parts of a go.mod the graph needs. Literals, not conditional spreads:
 * 100,000 summaries built by spreading each got a hidden class and a
 * property array of their own.
 */
function summarize(f: ReturnType<typeof parseGoMod>, table: VersionTable): ModSummary {
  // The table's strings and objects, not the parser's: those are slices of the whole go.mod text.
  const require = f.require.length === 0 ? NO_REQUIREMENTS : f.require.map((r) => table.get(r.path, r.version));
  const module = f.module === undefined ? undefined : table.intern(f.module);
  const go = f.go === undefined ? undefined : table.intern(f.go);
  if (module !== undefined) return go ? { module, go, require } : { module, require };
  return go ? { go, require } : { require };
}

/**
 * An UpstreamClient that answers .mod requests from bytes the closure already
 * downloaded and verified, so mirroring a version does not fetch its .mod twice.
 * Each entry is handed out once and forgotten: a version is mirrored once,
 * and a run of 100,000 versions must not hold every .mod to its end.
 */
export function withModCache(upstream: UpstreamClient, cache: ModSource): UpstreamClient {
  return {
    list: (p) => upstream.list(p),
    latest: (p) => upstream.latest(p),
    info: (p, v) => upstream.info(p, v),
    mod: async (p, v) => {
      const key = `${p}@${v}`;
      const data = cache.get(key);
      if (data === undefined) return upstream.mod(p, v);
      cache.delete(key);
      return data;
    },
    zip: (p, v, file) => upstream.zip(p, v, file),
  };
}
