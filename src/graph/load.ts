/**
 * The module graph as the go command builds it (modload readModGraph, Go
 * 1.17–1.22 semantics), pure: the go.mod summaries come from a lookup, and a
 * summary not loaded yet is reported in `missing`, so an I/O loop can fetch
 * those and call again until nothing is missing.
 */
import { GomirrorError } from '../errors.js';
import { compareSemver } from '../module/index.js';
import { pruningFor, targetKey, versionKey, type ModSummary, type ModuleVersion, type Pruning, type Replacer, type Target, type VersionTable } from './types.js';

/**
 * How a module version enters the graph (Go's enqueue with a pruning):
 * `pruned` loads its go.mod and follows its requirements only if it is a
 * pre-1.17 (unpruned) module; `unpruned` follows everything beneath;
 * `root` loads it and follows its requirements with its own pruning, as the
 * go command does for a main module (and in a workspace).
 */
export type LoadMode = Pruning | 'root';

export interface GraphSpec {
  /** Main modules: their versions win every selection; their go.mod files are given, never fetched. */
  readonly mains: readonly { readonly path: string; readonly summary: ModSummary }[];
  /** Where loading starts; a main module appears here with version "". */
  readonly roots: readonly { readonly module: ModuleVersion; readonly mode: LoadMode }[];
  /** Go's workspace rule: also load the selected version of every module reached from the main modules. */
  readonly workspace?: boolean;
  readonly replace: Replacer;
  /** Excluded versions (`versionKey`), from the main modules; requirements on them are dropped. */
  readonly exclude: ReadonlySet<string>;
  /**
   * Roots whose required path is unknown (go.sum lines name the replacement,
   * whose go.mod may keep the original module line): skip Go's module-line check.
   */
  readonly anyModuleLine?: boolean;
}

/** A loaded go.mod, an error, or undefined while it is not loaded yet. */
export type SummaryLookup = (target: Target) => ModSummary | GomirrorError | undefined;

/** A module version in the graph, with the first module found requiring it. */
export interface GraphNode {
  readonly module: ModuleVersion;
  readonly requiredBy?: ModuleVersion;
}

export interface ModuleGraph {
  /** Targets whose go.mod is needed and not loaded yet; empty once the graph is complete. */
  readonly missing: Target[];
  /** Every module version in the graph, as required (before replacement), main modules excluded. */
  readonly nodes: Map<string, GraphNode>;
  /** The version minimal version selection picks for each module path ("" for a main module). */
  readonly selected: Map<string, string>;
  /** go.mod files that could not be used; their requirements are missing from the graph. */
  readonly errors: { readonly module: ModuleVersion; readonly error: GomirrorError }[];
}

/** Go: modload cmpVersion. "" (a main module) is above every version. */
export function compareVersions(a: string, b: string): number {
  if (a === b) return 0;
  if (b === '') return -1;
  if (a === '') return 1;
  return compareSemver(a, b) || (a < b ? -1 : 1);
}

/** Builds the graph from what `lookup` has; see ModuleGraph.missing. */
export function loadModuleGraph(spec: GraphSpec, lookup: SummaryLookup): ModuleGraph {
  return createGraphLoader(spec).advance(lookup);
}

/**
 * A graph loaded in rounds: each advance() goes on from where the last one
 * stopped for want of go.mod files, so a graph of N versions costs O(N) over
 * all rounds, not O(N) per round.
 */
export interface GraphLoader {
  advance(lookup: SummaryLookup): ModuleGraph;
}

/** A go.mod as the graph uses it: the summary itself when no requirement is dropped (no copy per version). */
type Loaded = { readonly require: readonly ModuleVersion[]; readonly go?: string | undefined };

const MODE_BIT: Record<LoadMode, number> = { pruned: 1, unpruned: 2, root: 4 };

// pruningFor parses the go line; a few distinct lines cover every go.mod.
const pruningByGo = new Map<string | undefined, Pruning>();
function pruningOf(go: string | undefined): Pruning {
  let p = pruningByGo.get(go);
  if (p === undefined) {
    p = pruningFor(go);
    if (pruningByGo.size < 1000) pruningByGo.set(go, p);
  }
  return p;
}

/**
 * table: where module versions get their keys. Given, every map of the graph
 * shares the table's key strings (a graph of 100,000 versions keys each one
 * in three maps).
 */
export function createGraphLoader(spec: GraphSpec, table?: VersionTable): GraphLoader {
  const keyOf = table ? table.key : versionKey;
  const mains = new Map(spec.mains.map((m) => [m.path, m.summary]));
  const nodes = new Map<string, GraphNode>();
  const selected = new Map<string, string>();
  const errors: ModuleGraph['errors'] = [];
  // Requirements of each module version whose go.mod was read (undefined: unusable).
  const loaded = new Map<string, Loaded | undefined>();
  // The modes each module version was enqueued with (a bit per mode).
  const enqueued = new Map<string, number>();
  // The queue as two parallel arrays, not a [module, mode] pair per item: the
  // compatibility graph of 100,000 roots queues them all in its first round.
  let queue: ModuleVersion[] = [];
  let queueModes: LoadMode[] = [];
  // Items whose go.mod was missing in the last round.
  let waiting: ModuleVersion[] = [];
  let waitingModes: LoadMode[] = [];
  const workspace = { paths: new Set(spec.mains.map((m) => m.path)), seen: new Set<string>() };

  const select = (m: ModuleVersion): void => {
    const have = selected.get(m.path);
    if (have === undefined || compareVersions(have, m.version) < 0) selected.set(m.path, m.version);
  };
  const addNode = (m: ModuleVersion, by?: ModuleVersion): void => {
    select(m);
    if (m.version === '' && mains.has(m.path)) return;
    const key = keyOf(m);
    if (!nodes.has(key)) nodes.set(key, by ? { module: m, requiredBy: by } : { module: m });
  };

  /** The module's requirements; 'missing' when its go.mod is not loaded yet. */
  const loadOne = (m: ModuleVersion, lookup: SummaryLookup, missing: Map<string, Target>): Loaded | undefined | 'missing' => {
    const key = keyOf(m);
    const have = loaded.get(key);
    if (have !== undefined || loaded.has(key)) return have;
    const main = m.version === '' ? mains.get(m.path) : undefined;
    const target = main ? undefined : spec.replace(m);
    const summary = main ?? lookup(target as Target);
    if (summary === undefined) {
      missing.set(targetKey(target as Target), target as Target);
      return 'missing';
    }
    let result: Loaded | undefined;
    if (summary instanceof GomirrorError) {
      errors.push({ module: m, error: summary });
    } else {
      const problem = target && !spec.anyModuleLine ? checkModuleLine(m, target, summary) : undefined;
      if (problem) errors.push({ module: m, error: problem });
      else {
        const keep = (r: ModuleVersion): boolean => r.version !== 'none' && (spec.exclude.size === 0 || !spec.exclude.has(versionKey(r)));
        // The summary's own array when nothing is dropped (nearly always): no copy per version.
        result = summary.require.every(keep) ? summary : { require: summary.require.filter(keep), go: summary.go };
        for (const r of result.require) addNode(r, m);
      }
    }
    loaded.set(key, result);
    return result;
  };

  const enqueue = (m: ModuleVersion, mode: LoadMode): void => {
    if (m.version === 'none') return;
    const key = keyOf(m);
    const modes = enqueued.get(key) ?? 0;
    const bit = MODE_BIT[mode];
    if (modes & bit) return;
    enqueued.set(key, modes | bit);
    queue.push(m);
    queueModes.push(mode);
  };
  const drain = (lookup: SummaryLookup, missing: Map<string, Target>): void => {
    // Breadth-first, so requiredBy names a shortest path from the roots.
    for (let i = 0; i < queue.length; i++) {
      const m = queue[i] as ModuleVersion;
      const mode = queueModes[i] as LoadMode;
      const summary = loadOne(m, lookup, missing);
      if (summary === 'missing') {
        waiting.push(m);
        waitingModes.push(mode);
        continue;
      }
      if (!summary) continue;
      // Go: follow requirements unless both the way in and the module are pruned.
      const pruning = pruningOf(summary.go);
      if (mode !== 'pruned' || pruning === 'unpruned') {
        const next: Pruning = mode === 'unpruned' ? 'unpruned' : pruning;
        for (const r of summary.require) enqueue(r, next);
      }
    }
    queue = [];
    queueModes = [];
  };

  // Go: the graph's roots are the main modules, at version "", above all others.
  for (const m of spec.mains) selected.set(m.path, '');
  for (const r of spec.roots) {
    addNode(r.module);
    enqueue(r.module, r.mode);
  }

  return {
    advance(lookup) {
      const missing = new Map<string, Target>();
      queue = waiting.concat(queue);
      queueModes = waitingModes.concat(queueModes);
      waiting = [];
      waitingModes = [];
      drain(lookup, missing);
      while (spec.workspace && waiting.length === 0 && enqueueWorkspaceSelections(workspace, selected, loaded, enqueue)) {
        drain(lookup, missing);
      }
      return { missing: [...missing.values()], nodes, selected, errors };
    },
  };
}

/**
 * Go (readModGraph, workspace pruning): the requirements of the main modules
 * do not account for each other, so the selected version of every module
 * reached from them is loaded too, until no selection moves. Enqueues the
 * next step; returns false once there is none.
 */
function enqueueWorkspaceSelections(
  state: { paths: Set<string>; seen: Set<string> },
  selected: Map<string, string>,
  loaded: Map<string, { require: readonly ModuleVersion[] } | undefined>,
  enqueue: (m: ModuleVersion, mode: LoadMode) => void,
): boolean {
  const { paths, seen } = state;
  const needs = new Map<string, ModuleVersion>();
  for (const p of paths) {
    const m = { path: p, version: selected.get(p) ?? '' };
    if (!seen.has(versionKey(m))) {
      needs.set(versionKey(m), m);
      continue;
    }
    for (const r of loaded.get(versionKey(m))?.require ?? []) {
      const s = { path: r.path, version: selected.get(r.path) ?? r.version };
      if (compareVersions(s.version, r.version) > 0 && !seen.has(versionKey(s))) needs.set(versionKey(s), s);
    }
  }
  for (const [key, m] of needs) {
    enqueue(m, 'root');
    seen.add(key);
    paths.add(m.path);
  }
  return needs.size > 0;
}

/** Go (goModSummary): a go.mod must declare the path it was required as, or its replacement's. */
function checkModuleLine(m: ModuleVersion, target: Target, summary: ModSummary): GomirrorError | undefined {
  if (target.kind === 'dir') return undefined;
  const at = `${target.path}@${target.version}`;
  if (summary.module === undefined || summary.module === '') {
    return new GomirrorError('E_MOD_INVALID', `${at}: parsing go.mod: missing module line`);
  }
  if (summary.module !== m.path && summary.module !== target.path) {
    return new GomirrorError(
      'E_MOD_INVALID',
      `${at}: parsing go.mod: module declares its path as: ${summary.module}\n\tbut was required as: ${m.path}`,
    );
  }
  return undefined;
}
