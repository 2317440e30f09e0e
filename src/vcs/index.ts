/**
 * Modules straight from version control (`direct` in the upstream list, and
 * modules matching noproxy/private), by driving the go command with
 * GOPROXY=direct and a repository and module cache under `.gomirror/vcs/`.
 */
export { createDirectSource, type DirectSourceOptions, type VcsDirectSource } from './direct.js';
export { vcsDirs } from './env.js';
export { type GoStats } from './go-command.js';
export { locateGo } from './locate.js';
