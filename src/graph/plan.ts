/**
 * The mirror plan (pure): from the loaded graphs, the named roots and the
 * go.sum lines, every module version to mirror, whether its zip is needed,
 * and why it is there.
 */
import type { ModuleGraph } from './load.js';
import type { GraphList, PlannedGraph } from './specs.js';
import { compareSemver } from '../module/index.js';
import { createVersionTable, versionKey, type KeyedVersion, type ModuleVersion, type VersionTable } from './types.js';

/** Why a module version is mirrored, strongest first. */
export type PlanSource = 'root' | 'gosum' | 'dependency';

/**
 * Whether the zip is mirrored: `required` (named, or a go.sum zip line: a
 * missing zip is a failure), `wanted` (picked by selection: when upstream
 * has no zip, the go command cannot need it, so .info and .mod suffice),
 * `no` (.info and .mod only).
 */
export type ZipNeed = 'required' | 'wanted' | 'no';

export interface PlanEntry {
  /** The module version downloaded (after replacement). */
  readonly module: string;
  readonly version: string;
  readonly zip: ZipNeed;
  readonly source: PlanSource;
  /** root: the manifest entry or go.mod that names it; gosum: file:line; dependency: the requiring module@version. */
  readonly from: string;
}

export interface MirrorPlan {
  /** Sorted by module path, then version. */
  readonly entries: PlanEntry[];
  /** Things left out on purpose (local-directory replacements), for the log. */
  readonly notes: string[];
}

export interface MirrorPlanInput {
  readonly roots: readonly { readonly module: ModuleVersion; readonly where: string }[];
  readonly gosum: readonly { readonly module: ModuleVersion; readonly goMod: boolean; readonly where: string }[];
  /** The planned graphs and, at the same index, their loaded results. */
  readonly graphs: readonly PlannedGraph[] | GraphList;
  readonly loaded: readonly ModuleGraph[];
  /** `--zips all`: a zip for every version in every graph. */
  readonly allZips?: boolean;
  /** Where the entries' keys come from (shared with the graphs'), so no key is kept twice. */
  readonly table?: VersionTable;
}

const SOURCE_RANK: Record<PlanSource, number> = { root: 0, gosum: 1, dependency: 2 };
const ZIP_RANK: Record<ZipNeed, number> = { required: 0, wanted: 1, no: 2 };
const SOURCES: readonly PlanSource[] = ['root', 'gosum', 'dependency'];
const ZIPS: readonly ZipNeed[] = ['required', 'wanted', 'no'];

/** KeyedVersion.plan: 0 for none, else the zip and source ranks in one small integer. */
function packPlan(zip: number, source: number): number {
  return 1 + zip + source * 4;
}
function unpackPlan(plan: number): [zip: number, source: number] {
  return [(plan - 1) % 4, Math.floor((plan - 1) / 4)];
}

/** Builds the plan (pure). */
export function planMirror(input: MirrorPlanInput): MirrorPlan {
  const builder = createPlanBuilder(input);
  input.loaded.forEach((graph, i) => builder.add(i, graph));
  return builder.finish();
}

/**
 * planMirror one graph at a time: add() each graph as soon as it is loaded
 * and drop it. A sync of 100,000 named versions loads 100,000 small graphs;
 * holding them all until the plan is built costs more than the plan. A graph
 * with a `related` zip rule needs the selected paths of the graphs it names,
 * so only those paths are kept (one set per such graph), and the graph
 * itself waits for finish().
 */
export function createPlanBuilder(input: Omit<MirrorPlanInput, 'loaded'>): {
  add(index: number, graph: ModuleGraph): void;
  finish(): MirrorPlan;
} {
  const graphs = asList(input.graphs);
  // Each entry lives on its version's table object (KeyedVersion.plan and .from), and becomes a PlanEntry only in
  // finish(): a map entry and an object per version were megabytes at 100,000 versions, held while the graphs
  // load. `planned` lists the objects with an entry, in the order they got it.
  const table = input.table ?? createVersionTable();
  const planned: KeyedVersion[] = [];
  const notes = new Set<string>();
  const put = (at: KeyedVersion, zip: ZipNeed, source: PlanSource, from: string): void => {
    if (at.plan === 0) {
      at.plan = packPlan(ZIP_RANK[zip], SOURCE_RANK[source]);
      at.from = from;
      planned.push(at);
      return;
    }
    const [haveZip, haveSource] = unpackPlan(at.plan);
    // The stronger source (the first one met on a tie) and its `from`; the strongest zip need of all.
    const better = SOURCE_RANK[source] < haveSource;
    at.plan = packPlan(Math.min(ZIP_RANK[zip], haveZip), better ? SOURCE_RANK[source] : haveSource);
    if (better) at.from = from;
  };
  for (const r of input.roots) put(table.get(r.module.path, r.module.version), 'required', 'root', r.where);
  for (const g of input.gosum) put(table.get(g.module.path, g.module.version), g.goMod ? 'no' : 'required', 'gosum', g.where);

  // For each graph with a `related` rule: the union of the paths its graphs selected.
  const relatedOf = new Map<number, Set<string>>();
  // By graph index (an array: a map of 100,000 entries costs more).
  const feeds: (Set<string>[] | undefined)[] = [];
  for (const i of graphs.related) {
    const g = graphs.at(i);
    if (g.zips.kind !== 'related') continue;
    const union = new Set<string>();
    relatedOf.set(i, union);
    // The compatibility graph names every root graph (100,000 at scale): they share one list.
    const only = [union];
    for (const j of g.zips.of) {
      const have = feeds[j];
      feeds[j] = have ? [...have, union] : only;
    }
  }
  const deferred: [number, ModuleGraph][] = [];

  const planGraph = (i: number, graph: ModuleGraph): void => {
    const plannedGraph = graphs.at(i);
    const zipped = zipSet(plannedGraph, graph, relatedOf.get(i));
    for (const [key, node] of graph.nodes) {
      if (plannedGraph.mains.has(node.module.path) && node.module.version === '') continue;
      const target = plannedGraph.spec.replace(node.module);
      if (target.kind === 'dir') {
        notes.add(`${node.module.path}@${node.module.version} is replaced by the local directory ${target.dir}: not mirrored`);
        continue;
      }
      const by = node.requiredBy;
      const isRoot = by === undefined || (by.version === '' && plannedGraph.mains.has(by.path));
      // Not replaced (nearly always): the node's key is the entry's.
      const same = target.path === node.module.path && target.version === node.module.version;
      const zip: ZipNeed = input.allZips || zipped.has(key) ? 'wanted' : 'no';
      // Not replaced (nearly always): the node's own object when the graph was loaded with this table (no lookup by key).
      const at = same && input.table && (node.module as Partial<KeyedVersion>).key !== undefined ? (node.module as KeyedVersion) : table.get(target.path, target.version);
      put(at, zip, isRoot ? plannedGraph.rootSource : 'dependency', isRoot ? plannedGraph.rootFrom : table.key(by));
    }
  };

  return {
    add(i, graph) {
      for (const union of feeds[i] ?? []) for (const p of graph.selected.keys()) union.add(p);
      if (relatedOf.has(i)) deferred.push([i, graph]);
      else planGraph(i, graph);
    },
    finish() {
      for (const [i, graph] of deferred) planGraph(i, graph);
      // The graphs are let go before an entry object is made for every version.
      deferred.length = 0;
      const sorted: PlanEntry[] = new Array(planned.length);
      planned.forEach((m, i) => {
        const [zip, source] = unpackPlan(m.plan);
        sorted[i] = entry(m.path, m.version, ZIPS[zip] as ZipNeed, SOURCES[source] as PlanSource, m.from);
        m.plan = 0;
        m.from = '';
      });
      planned.length = 0;
      sorted.sort((a, b) => (a.module < b.module ? -1 : a.module > b.module ? 1 : compareKeys(a.version, b.version)));
      return { entries: sorted, notes: [...notes].sort() };
    },
  };
}

function asList(graphs: readonly PlannedGraph[] | GraphList): GraphList {
  if (!Array.isArray(graphs)) return graphs as GraphList;
  const all = graphs as readonly PlannedGraph[];
  return { length: all.length, at: (i) => all[i] as PlannedGraph, related: all.flatMap((g, i) => (g.zips.kind === 'related' ? [i] : [])) };
}

/** Node keys (as required) whose zip the graph's rule asks for; `related`: the paths selected by the rule's graphs. */
function zipSet(planned: PlannedGraph, graph: ModuleGraph, relatedTo: ReadonlySet<string> | undefined): Set<string> {
  const out = new Set<string>();
  const rule = planned.zips;
  if (rule.kind === 'none') return out;
  const related = rule.kind === 'related' ? relatedPaths([...(relatedTo ?? [])]) : undefined;
  for (const [p, v] of graph.selected) {
    if (v === '' || v === 'none') continue;
    if (related && !related(p)) continue;
    out.add(versionKey({ path: p, version: v }));
  }
  return out;
}

/** A test for isPathRelated against every path in `paths` at once, in time proportional to the path's depth. */
function relatedPaths(paths: readonly string[]): (p: string) => boolean {
  const exact = new Set(paths);
  const ancestors = new Set<string>();
  for (const q of paths) for (let i = q.indexOf('/'); i >= 0; i = q.indexOf('/', i + 1)) ancestors.add(q.slice(0, i));
  return (p) => {
    if (exact.has(p) || ancestors.has(p)) return true;
    for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) if (exact.has(p.slice(0, i))) return true;
    return false;
  };
}

/** Whether one module path is the other or lies beneath it (`a/b` and `a/b/c`). */
export function isPathRelated(p: string, q: string): boolean {
  return p === q || q.startsWith(`${p}/`) || p.startsWith(`${q}/`);
}

/**
 * A plan entry, always built as this one literal: entries made by spreading
 * (`{ ...flat(m), zip }`) each got a hidden class and a property array of
 * their own, 100,000 of them at scale.
 */
function entry(module: string, version: string, zip: ZipNeed, source: PlanSource, from: string): PlanEntry {
  return { module, version, zip, source, from };
}

function compareKeys(a: string, b: string): number {
  return compareSemver(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}
