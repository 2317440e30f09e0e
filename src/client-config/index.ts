/**
 * The go command settings that point a client at the mirror (`go env -w`
 * line, `.netrc` entry, govulncheck line): printed by `gomirror
 * client-config` and shown on the catalog's front page.
 */
export { buildClientConfig, quoteShellWord, type ClientConfig, type ClientConfigOptions } from './client-config.js';
