/**
 * `gomirror prune`: removes module versions no manifest input needs any
 * longer, rewriting each affected list before any file goes.
 */
export { applyPrune, type ApplyPruneOptions } from './apply.js';
export { readModulesOnDisk } from './inventory.js';
export { findNeededVersions, type NeedInputs } from './needed.js';
export { planPrune, type ModuleOnDisk, type ModulePrunePlan, type PrunePlan, type PrunePolicy, type VersionOnDisk } from './plan.js';
export { checkPruneNumbers, pruneTree, type PruneConfig, type PruneResult } from './service.js';
