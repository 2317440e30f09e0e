/**
 * `gomirror verify`: checks a whole tree (completeness, list and @latest,
 * recorded hashes, module zip rules, stray temp files, the sumdb mirror) and
 * with --repair fetches bad or missing files again from the upstream.
 */
export { checkModuleDir, type ModuleCheck } from './check-module.js';
export { compareListWithDisk, type ProblemKind, type TreeProblem, type TreeWarning } from './problems.js';
export { repairTree, type RepairContext, type RepairResult } from './repair.js';
export { scanTree, type ModuleDir, type TreeScan } from './scan.js';
export { buildVerifyConfig, verifyTreeService, type VerifyConfig, type VerifyFlags, type VerifyOutcome, type VerifyServiceOptions } from './service.js';
export { verifyTree, type SumdbMirrorCheck, type VerifyTreeOptions, type VerifyTreeResult } from './verify.js';
