/**
 * The parts of undici the transport uses, loaded on the first request
 * (transport.ts imports this file dynamically). Named imports through a file
 * of ours, because a dynamic import of a CommonJS package exposes its named
 * exports under Node's loader but only `default` in the bundle
 * (scripts/bundle.mjs).
 */
export { Agent, EnvHttpProxyAgent, buildConnector, interceptors } from 'undici';
