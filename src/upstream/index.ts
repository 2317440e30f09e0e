/**
 * The upstream GOPROXY stack: proxy lists, HTTP with retries, .netrc, file://.
 * Commands build it through createUpstreamStack(), one factory for all.
 */
export {
  checkUpstreamFlags,
  createUpstreamStack,
  loadUpstreamSetup,
  UPSTREAM_LIMITS,
  type UpstreamSetup,
  type UpstreamStack,
  type UpstreamStackOptions,
} from './stack.js';
export type { UpstreamClient } from './client.js';
export type { Transport } from './transport.js';
