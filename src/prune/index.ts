/**
 * `gomirror prune`: removes module versions no manifest input needs any
 * longer, rewriting each affected list before any file goes.
 */
export { applyPrune, dropSums, graceWait, removeVersions, rewriteIndexes, type ApplyPruneOptions } from './apply.js';
export { listModules, moduleLookup, readModuleOnDisk, readModulesOnDisk, type ModuleLookup } from './inventory.js';
export { findNeededVersions, type NeedInputs } from './needed.js';
export { planModule, planPrune, type ModuleOnDisk, type ModulePrunePlan, type PrunePlan, type PrunePolicy, type VersionOnDisk } from './plan.js';
export { checkPruneNumbers, pruneTree, type PruneConfig, type PruneResult, type PruneTotals } from './service.js';
