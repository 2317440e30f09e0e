/**
 * The module graph as the go command builds it (modload readModGraph, Go
 * 1.17–1.22 semantics), pure: the go.mod summaries come from a lookup, and a
 * summary not loaded yet is reported in `missing`, so an I/O loop can fetch
 * those and call again until nothing is missing.
 */
import { GomirrorError } from '../errors.js';
import { compareSemver } from '../module/index.js';
import { pruningFor, targetKey, versionKey, type ModSummary, type ModuleVersion, type Pruning, type Replacer, type Target } from './types.js';

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
  const mains = new Map(spec.mains.map((m) => [m.path, m.summary]));
  const nodes = new Map<string, GraphNode>();
  const selected = new Map<string, string>();
  const missing = new Map<string, Target>();
  const errors: ModuleGraph['errors'] = [];
  // Requirements of each loaded module version (undefined: not loadable yet).
  const loaded = new Map<string, { require: readonly ModuleVersion[]; pruning: Pruning } | undefined>();
  const enqueued = new Set<string>();

  const select = (m: ModuleVersion): void => {
    const have = selected.get(m.path);
    if (have === undefined || compareVersions(have, m.version) < 0) selected.set(m.path, m.version);
  };
  const addNode = (m: ModuleVersion, by?: ModuleVersion): void => {
    select(m);
    if (m.version === '' && mains.has(m.path)) return;
    const key = versionKey(m);
    if (!nodes.has(key)) nodes.set(key, by ? { module: m, requiredBy: by } : { module: m });
  };

  const loadOne = (m: ModuleVersion): { require: readonly ModuleVersion[]; pruning: Pruning } | undefined => {
    const key = versionKey(m);
    if (loaded.has(key)) return loaded.get(key);
    let summary: ModSummary | GomirrorError | undefined;
    const main = m.version === '' ? mains.get(m.path) : undefined;
    let target: Target | undefined;
    if (main) summary = main;
    else {
      target = spec.replace(m);
      summary = lookup(target);
      if (summary === undefined) missing.set(targetKey(target), target);
    }
    let result: { require: readonly ModuleVersion[]; pruning: Pruning } | undefined;
    if (summary instanceof GomirrorError) {
      errors.push({ module: m, error: summary });
    } else if (summary !== undefined) {
      const problem = target && !spec.anyModuleLine ? checkModuleLine(m, target, summary) : undefined;
      if (problem) errors.push({ module: m, error: problem });
      else {
        const require = summary.require.filter((r) => r.version !== 'none' && !spec.exclude.has(versionKey(r)));
        for (const r of require) addNode(r, m);
        result = { require, pruning: pruningFor(summary.go) };
      }
    }
    // A missing summary is not cached, so the next call (after the fetch) reads it.
    if (summary !== undefined) loaded.set(key, result);
    return result;
  };

  const queue: [ModuleVersion, LoadMode][] = [];
  const enqueue = (m: ModuleVersion, mode: LoadMode): void => {
    const key = `${versionKey(m)} ${mode}`;
    if (m.version === 'none' || enqueued.has(key)) return;
    enqueued.add(key);
    queue.push([m, mode]);
  };
  const drain = (): void => {
    // Breadth-first, so requiredBy names a shortest path from the roots.
    for (let i = 0; i < queue.length; i++) {
      const [m, mode] = queue[i] as [ModuleVersion, LoadMode];
      const summary = loadOne(m);
      if (!summary) continue;
      // Go: follow requirements unless both the way in and the module are pruned.
      if (mode !== 'pruned' || summary.pruning === 'unpruned') {
        const next: Pruning = mode === 'unpruned' ? 'unpruned' : summary.pruning;
        for (const r of summary.require) enqueue(r, next);
      }
    }
    queue.length = 0;
  };

  // Go: the graph's roots are the main modules, at version "", above all others.
  for (const m of spec.mains) selected.set(m.path, '');
  for (const r of spec.roots) {
    addNode(r.module);
    enqueue(r.module, r.mode);
  }
  drain();
  if (spec.workspace) loadWorkspaceSelections(spec, selected, loaded, enqueue, drain);
  return { missing: [...missing.values()], nodes, selected, errors };
}

/**
 * Go (readModGraph, workspace pruning): the requirements of the main modules
 * do not account for each other, so the selected version of every module
 * reached from them is loaded too, until no selection moves.
 */
function loadWorkspaceSelections(
  spec: GraphSpec,
  selected: Map<string, string>,
  loaded: Map<string, { require: readonly ModuleVersion[] } | undefined>,
  enqueue: (m: ModuleVersion, mode: LoadMode) => void,
  drain: () => void,
): void {
  const paths = new Set(spec.mains.map((m) => m.path));
  const seen = new Set<string>();
  for (;;) {
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
    if (needs.size === 0) return;
    for (const [key, m] of needs) {
      enqueue(m, 'root');
      seen.add(key);
      paths.add(m.path);
    }
    drain();
  }
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
