/** Serving the tree: the Nginx config emitter and the client setup that goes with it. */
export { buildClientConfig, quoteShellWord, type ClientConfig, type ClientConfigOptions } from './client-config.js';
export { generateNginxConfig, nodeNginxIo, type NginxConfigResult, type NginxIo } from './generate.js';
export { compileModulePattern, splitModulePatterns } from './module-pattern.js';
export { DEFAULT_LIST_MAX_AGE, parseListen, parseMaxAge, type NginxOptions } from './options.js';
export { TEMPLATES_DIR, renderNginxConfig } from './render.js';
export { IMMUTABLE_MAX_AGE, VULNDB_ENTRY_MAX_AGE, buildNginxViewModel, type AuthLocation, type NginxViewModel } from './view-model.js';
