/**
 * The upstream GOPROXY stack: proxy lists, one undici transport with retries
 * and limits, .netrc credentials, file:// upstreams. Commands build it through
 * createUpstreamStack(), one factory for all.
 */
export { createUpstreamClient, type UpstreamClient, type DirectSource } from './client.js';
export { isUnresolvedHost } from './http-errors.js';
export { basicAuthFor, loadNetrc, type NetrcEntry } from './netrc.js';
export { parseProxyList, type ProxyEntry, redactUrl } from './proxy-list.js';
export { DEFAULT_RETRY } from './retry.js';
export { checkUpstreamFlags, createUpstreamStack, loadUpstreamSetup, UPSTREAM_LIMITS, type UpstreamSetup, type UpstreamStack, type UpstreamStackOptions } from './stack.js';
export { createTransport, type Transport } from './transport.js';
