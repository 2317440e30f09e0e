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
  /**
   * More roots, all with one mode, loaded after `roots`: the compatibility
   * graph's 100,000 roots as the caller holds them, without an object made
   * per root to give each its mode.
   */
  readonly rootsWithMode?: { readonly roots: readonly { readonly module: ModuleVersion }[]; readonly mode: LoadMode };
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
  readonly requiredBy: ModuleVersion | undefined;
}

/**
 * A node as the loader keeps it: with its state (the modes it was enqueued
 * with, whether its go.mod was read), so one map entry per version serves
 * the graph, not three (nodes, enqueued, loaded): the compatibility graph of
 * 100,000 roots holds every version of the closure.
 */
interface Node extends GraphNode {
  state: number;
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
/** Node.state: its go.mod was read; it was unusable (error, wrong module line); requirements were dropped (see dropped). */
const LOADED = 8;
const UNUSABLE = 16;
const FILTERED = 32;

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
 * shares the table's key strings.
 */
export function createGraphLoader(spec: GraphSpec, table?: VersionTable): GraphLoader {
  const keyOf = table ? table.key : versionKey;
  const mains = new Map(spec.mains.map((m) => [m.path, m.summary]));
  const nodes = new Map<string, Node>();
  // Main modules (version ""): loaded and enqueued like the others, never nodes.
  const mainNodes = new Map<string, Node>();
  const selected = new Map<string, string>();
  const errors: ModuleGraph['errors'] = [];
  // Requirements of a loaded go.mod after some were dropped (excluded or "none"): rare, so a map of its own.
  const dropped = new Map<string, Loaded>();
  // The queue as two parallel arrays, not a [module, mode] pair per item: the
  // compatibility graph of 100,000 roots queues them all in its first round.
  let queue: ModuleVersion[] = [];
  let queueModes: LoadMode[] = [];
  // Items whose go.mod was missing in the last round.
  let waiting: ModuleVersion[] = [];
  let waitingModes: LoadMode[] = [];
  const workspace = { paths: new Set(spec.mains.map((m) => m.path)), seen: new Set<string>() };

  const isMain = (m: ModuleVersion): boolean => m.version === '' && mains.has(m.path);
  const select = (m: ModuleVersion): void => {
    const have = selected.get(m.path);
    if (have === undefined || compareVersions(have, m.version) < 0) selected.set(m.path, m.version);
  };
  const addNode = (m: ModuleVersion, by?: ModuleVersion): void => {
    select(m);
    if (isMain(m)) return;
    const key = keyOf(m);
    if (!nodes.has(key)) nodes.set(key, { module: m, requiredBy: by, state: 0 });
  };
  /** The node holding m's state (a main module's apart; anything else enqueued is a node already). */
  const nodeOf = (m: ModuleVersion): Node => {
    const map = isMain(m) ? mainNodes : nodes;
    const key = keyOf(m);
    let n = map.get(key);
    if (!n) map.set(key, (n = { module: m, requiredBy: undefined, state: 0 }));
    return n;
  };
  /** The summary lookup answers for m (a main module's own go.mod for it). */
  const summaryOf = (m: ModuleVersion, lookup: SummaryLookup): { target: Target | undefined; summary: ModSummary | GomirrorError | undefined } => {
    const main = m.version === '' ? mains.get(m.path) : undefined;
    if (main) return { target: undefined, summary: main };
    const target = spec.replace(m);
    return { target, summary: lookup(target) };
  };
  /** The requirements of a node already loaded (undefined: unusable). */
  const loadedOf = (n: Node, lookup: SummaryLookup): Loaded | undefined => {
    if (n.state & UNUSABLE) return undefined;
    if (n.state & FILTERED) return dropped.get(keyOf(n.module));
    return summaryOf(n.module, lookup).summary as ModSummary;
  };

  /** The module's requirements; 'missing' when its go.mod is not loaded yet. */
  const loadOne = (n: Node, lookup: SummaryLookup, missing: Map<string, Target>): Loaded | undefined | 'missing' => {
    if (n.state & LOADED) return loadedOf(n, lookup);
    const m = n.module;
    const { target, summary } = summaryOf(m, lookup);
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
    n.state |= LOADED | (result === undefined ? UNUSABLE : 0);
    if (result !== undefined && result !== summary) {
      n.state |= FILTERED;
      dropped.set(keyOf(m), result);
    }
    return result;
  };

  const enqueue = (m: ModuleVersion, mode: LoadMode): void => {
    if (m.version === 'none') return;
    const n = nodeOf(m);
    const bit = MODE_BIT[mode];
    if (n.state & bit) return;
    n.state |= bit;
    queue.push(m);
    queueModes.push(mode);
  };
  const drain = (lookup: SummaryLookup, missing: Map<string, Target>): void => {
    // Breadth-first, so requiredBy names a shortest path from the roots.
    for (let i = 0; i < queue.length; i++) {
      const m = queue[i] as ModuleVersion;
      const mode = queueModes[i] as LoadMode;
      const summary = loadOne(nodeOf(m), lookup, missing);
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
  if (spec.rootsWithMode) {
    const { roots, mode } = spec.rootsWithMode;
    for (const r of roots) {
      addNode(r.module);
      enqueue(r.module, mode);
    }
  }

  return {
    advance(lookup) {
      const missing = new Map<string, Target>();
      queue = waiting.concat(queue);
      queueModes = waitingModes.concat(queueModes);
      waiting = [];
      waitingModes = [];
      drain(lookup, missing);
      // The workspace rule reads requirements of loaded main modules and nodes.
      const requirementsOf = (m: ModuleVersion): readonly ModuleVersion[] => {
        const n = (isMain(m) ? mainNodes : nodes).get(keyOf(m));
        return n && n.state & LOADED ? (loadedOf(n, lookup)?.require ?? []) : [];
      };
      while (spec.workspace && waiting.length === 0 && enqueueWorkspaceSelections(workspace, selected, requirementsOf, enqueue)) {
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
  requirementsOf: (m: ModuleVersion) => readonly ModuleVersion[],
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
    for (const r of requirementsOf(m)) {
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
