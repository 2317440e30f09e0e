/**
 * go.mod and go.work files, pure: the line syntax, the directives the go
 * command reads (module, go, require, exclude, replace, retract; go.work use
 * and replace), and the questions asked of them.
 */
export { isDirectoryPath, parseGoMod, parseGoWork, type ParseGoModOptions } from './parse.js';
export { findRetraction, goVersionAtLeast } from './query.js';
export type { DirectiveLines, Exclude, GoModFile, GoWorkFile, ModuleVersion, Replace, Require, Retract } from './types.js';
