/**
 * The module graph, pure: loading it as the go command does (pruned and
 * unpruned, replacements, exclusions, workspaces), minimal version selection,
 * and the plan of which .mod files and zips a mirror needs.
 */
export { compareVersions, createGraphLoader, loadModuleGraph, type GraphLoader, type GraphNode, type GraphSpec, type LoadMode, type ModuleGraph, type SummaryLookup } from './load.js';
export { createPlanBuilder, isPathRelated, planMirror, type MirrorPlan, type MirrorPlanInput, type PlanEntry, type PlanSource, type ZipNeed } from './plan.js';
export { createReplacer, type ReplaceSet } from './replace.js';
export { planGraphList, planGraphs, type GraphList, type GraphPlanInput, type MainModuleInput, type PlannedGraph, type WorkspaceInput, type ZipRule } from './specs.js';
export { createVersionTable, noReplacement, pruningFor, targetKey, versionKey, type KeyedVersion, type ModSummary, type ModuleVersion, type Pruning, type Replacer, type Target, type VersionTable } from './types.js';
