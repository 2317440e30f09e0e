/**
 * Upstream GOPROXY access: proxy lists, one undici transport with retries and
 * limits, .netrc credentials, file:// upstreams.
 */
export { createUpstreamClient, type DirectSource, type UpstreamClient } from './client.js';
export { basicAuthFor, loadNetrc, type NetrcEntry } from './netrc.js';
export { parseProxyList, type ProxyEntry, redactUrl } from './proxy-list.js';
export { DEFAULT_RETRY } from './retry.js';
export { createTransport, type Transport } from './transport.js';
