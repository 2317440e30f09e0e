/**
 * The parts of undici the transport uses, loaded on the first request
 * (transport.ts imports this file dynamically). Each part is imported from
 * its own file: undici's index also loads fetch, WebSocket, the caches and
 * the mocks, which took three times as long to evaluate as these four, on
 * every sync that downloads anything. Default imports, because a dynamic
 * import of a CommonJS file exposes only `default` inside the bundle
 * (scripts/bundle.ts). Their types are undici's own (undici-parts.d.ts).
 */
import Agent from 'undici/lib/dispatcher/agent.js';
import EnvHttpProxyAgent from 'undici/lib/dispatcher/env-http-proxy-agent.js';
import buildConnector from 'undici/lib/core/connect.js';
import redirect from 'undici/lib/interceptor/redirect.js';

export { Agent, EnvHttpProxyAgent, buildConnector };
export const interceptors = { redirect };
