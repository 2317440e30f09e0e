/** `gomirror nginx`: the Nginx config that serves a tree (the client side is client-config/). */
export { generateNginxConfig, nodeNginxIo, type NginxConfigResult, type NginxIo } from './generate.js';
export { DEFAULT_LIST_MAX_AGE, parseListen, parseMaxAge, type NginxOptions } from './options.js';
export { TEMPLATES_DIR, renderNginxConfig } from './render.js';
export { IMMUTABLE_MAX_AGE, VULNDB_ENTRY_MAX_AGE, buildNginxViewModel, type AuthLocation, type NginxViewModel } from './view-model.js';
