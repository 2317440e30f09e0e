/**
 * Which module graphs a sync must load (pure): the go command's graph for
 * each main module (go.mod or go.work) and for each module version named as
 * a root, plus the unpruned graphs that `go mod tidy`'s go 1.16
 * compatibility check reads.
 */
import path from 'node:path';
import type { GoModFile, GoWorkFile } from '../modfile/index.js';
import type { GraphSpec, LoadMode } from './load.js';
import { createReplacer, type ReplaceSet } from './replace.js';
import { noReplacement, pruningFor, versionKey, type ModSummary, type ModuleVersion } from './types.js';

/** A project's go.mod: a main module. Its requirements are roots; its replace and exclude apply. */
export interface MainModuleInput {
  readonly file: string;
  readonly gomod: GoModFile;
}

/** A go.work file and the go.mod of each module it uses. */
export interface WorkspaceInput {
  readonly file: string;
  readonly work: GoWorkFile;
  readonly modules: readonly MainModuleInput[];
}

/** How zips are chosen from a loaded graph. */
export type ZipRule =
  /** The version selected for every module path (the build list). */
  | { readonly kind: 'selected' }
  /**
   * Selected versions whose path is a path prefix of, or extends, a path
   * selected in one of the graphs `of`: the modules the go command fetches to
   * rule out ambiguous imports when it re-resolves packages in a
   * compatibility graph.
   */
  | { readonly kind: 'related'; readonly of: readonly number[] }
  | { readonly kind: 'none' };

/** One graph to load, and how to read it. */
export interface PlannedGraph {
  readonly spec: GraphSpec;
  readonly zips: ZipRule;
  /** Whom to credit for a graph root: the main module's go.mod, the manifest entry, or go.sum. */
  readonly rootFrom: string;
  readonly rootSource: 'root' | 'gosum';
  /** Main module paths (never mirrored). */
  readonly mains: ReadonlySet<string>;
}

export interface GraphPlanInput {
  /** Module versions named directly (manifest), each a root of its own graph. */
  readonly roots: readonly { readonly module: ModuleVersion; readonly where: string }[];
  /** go.sum lines of no main module input; their versions' requirements are followed like a pruned graph's. */
  readonly gosum: readonly { readonly module: ModuleVersion; readonly where: string }[];
  readonly mains: readonly MainModuleInput[];
  readonly workspaces: readonly WorkspaceInput[];
}

/**
 * The graphs to load, by index. A named version's graph is built each time
 * it is asked for, not kept: a manifest of 100,000 versions has 100,000 of
 * them, and only a window is loading at a time.
 */
export interface GraphList {
  readonly length: number;
  at(i: number): PlannedGraph;
  /** The indices of graphs whose zip rule is `related`. */
  readonly related: readonly number[];
}

/** Lists the graphs to load (pure). Throws E_GOMOD on conflicting replace directives. */
export function planGraphs(input: GraphPlanInput): PlannedGraph[] {
  const list = planGraphList(input);
  return Array.from({ length: list.length }, (_, i) => list.at(i));
}

/** planGraphs, with the named versions' graphs made on demand (see GraphList). */
export function planGraphList(input: GraphPlanInput): GraphList {
  const rest: PlannedGraph[] = [];
  const none: ReadonlySet<string> = new Set();
  const base = { mains: [], replace: noReplacement, exclude: none };
  const named = input.roots.length;
  // One graph per named version: 100,000 at scale. Written as literals of one
  // shape (not `{ ...base, roots }`, whose copies each got a hidden class and
  // a property array of their own).
  const selected: ZipRule = { kind: 'selected' };
  const rootGraph = (r: GraphPlanInput['roots'][number]): PlannedGraph => ({
    spec: { mains: base.mains, replace: base.replace, exclude: base.exclude, roots: [{ module: r.module, mode: 'root' }] },
    zips: selected,
    rootFrom: r.where,
    rootSource: 'root',
    mains: none,
  });
  if (named > 0) {
    // A consumer on go 1.17 also checks the unpruned graph beneath its roots.
    // One graph for all roots: the same go.mod files, at a fraction of the cost.
    rest.push({
      // input.roots themselves, with the mode beside them: 100,000 roots at scale.
      spec: { ...base, roots: [], rootsWithMode: { roots: input.roots, mode: 'unpruned' } },
      zips: { kind: 'related', of: Array.from({ length: named }, (_, i) => i) },
      rootFrom: input.roots.length === 1 ? (input.roots[0]?.where ?? '') : 'the manifest',
      rootSource: 'root',
      mains: none,
    });
  }
  if (input.gosum.length > 0) {
    rest.push({
      spec: {
        mains: [],
        replace: noReplacement,
        exclude: none,
        roots: input.gosum.map((g) => ({ module: g.module, mode: 'pruned' as const })),
        anyModuleLine: true,
      },
      zips: { kind: 'none' },
      rootFrom: 'go.sum',
      rootSource: 'gosum',
      mains: none,
    });
  }
  for (const m of input.mains) rest.push(...mainModuleGraphs(m, named + rest.length));
  for (const w of input.workspaces) {
    // `go mod tidy` and GOWORK=off builds see each module on its own.
    for (const m of w.modules) rest.push(...mainModuleGraphs(m, named + rest.length, workReplaceSet(w)));
    rest.push(workspaceGraph(w));
  }
  const related = rest.flatMap((g, i) => (g.zips.kind === 'related' ? [named + i] : []));
  return {
    length: named + rest.length,
    at: (i) => (i < named ? rootGraph(input.roots[i] as GraphPlanInput['roots'][number]) : (rest[i - named] as PlannedGraph)),
    related,
  };
}

function replaceSetOf(m: MainModuleInput): ReplaceSet {
  return { replace: m.gomod.replace, dir: path.dirname(m.file), file: m.file };
}

function workReplaceSet(w: WorkspaceInput): ReplaceSet {
  return { replace: w.work.replace, dir: path.dirname(w.file), file: w.file };
}

function summaryOf(gomod: GoModFile): ModSummary {
  return { ...(gomod.module !== undefined ? { module: gomod.module } : {}), ...(gomod.go ? { go: gomod.go } : {}), require: gomod.require };
}

function excludesOf(mods: readonly MainModuleInput[]): Set<string> {
  return new Set(mods.flatMap((m) => m.gomod.exclude.map((x) => versionKey(x))));
}

/**
 * A main module's graph (Go: requirementsFromModFiles + readModGraph), and
 * for a go 1.17 module the unpruned graph `go mod tidy` checks against go
 * 1.16 (its default -compat is the previous go version; 1.16 is the last
 * unpruned one).
 */
function mainModuleGraphs(m: MainModuleInput, at: number, workspace?: ReplaceSet): PlannedGraph[] {
  const path = m.gomod.module ?? '';
  const exclude = excludesOf([m]);
  // Go: requirements on excluded versions are dropped from the roots too.
  const require = m.gomod.require.filter((r) => !exclude.has(versionKey(r)));
  const pruning = pruningFor(m.gomod.go);
  const spec = (mode: LoadMode): GraphSpec => ({
    mains: [{ path, summary: summaryOf(m.gomod) }],
    roots: require.map((r) => ({ module: { path: r.path, version: r.version }, mode })),
    replace: createReplacer([replaceSetOf(m)], workspace),
    exclude,
  });
  const mains = new Set([path]);
  const graphs: PlannedGraph[] = [{ spec: spec(pruning), zips: { kind: 'selected' }, rootFrom: m.file, rootSource: 'root', mains }];
  if (pruning === 'pruned' && /^1\.17(\.|$|[a-z])/.test(m.gomod.go ?? '')) {
    graphs.push({ spec: spec('unpruned'), zips: { kind: 'related', of: [at] }, rootFrom: m.file, rootSource: 'root', mains });
  }
  return graphs;
}

/** Go: workspace mode: the used modules are all main modules of one graph. */
function workspaceGraph(w: WorkspaceInput): PlannedGraph {
  const mains = w.modules.map((m) => ({ path: m.gomod.module ?? '', summary: summaryOf(m.gomod) }));
  return {
    spec: {
      mains,
      roots: mains.map((m) => ({ module: { path: m.path, version: '' }, mode: 'root' as const })),
      workspace: true,
      replace: createReplacer(w.modules.map(replaceSetOf), workReplaceSet(w)),
      exclude: excludesOf(w.modules),
    },
    zips: { kind: 'selected' },
    rootFrom: w.file,
    rootSource: 'root',
    mains: new Set(mains.map((m) => m.path)),
  };
}
