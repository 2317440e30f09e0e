/**
 * A project's own files as inputs of a mirror: its go.mod, go.work and
 * go.sum files, and the Go toolchains they (and the configured queries) make
 * the go command switch to. Shared by sync, which mirrors what they need, and
 * prune, which keeps it.
 */
export { readProjectInputs, type ProjectInputs } from './inputs.js';
export { FIRST_SWITCHING, toolchainEntries, type ToolchainEntriesOptions } from './toolchains.js';
