/**
 * The parts of undici the transport uses, loaded on the first request
 * (transport.ts imports this file dynamically). Each part is imported from
 * its own file: undici's index also loads fetch, WebSocket, the caches and
 * the mocks, which took three times as long to evaluate as these four, on
 * every sync that downloads anything. Default imports, because a dynamic
 * import of a CommonJS file exposes only `default` inside the bundle
 * (scripts/bundle.ts). Their types are undici's own (undici-parts.d.ts).
 */
import { setFlagsFromString } from 'node:v8';
import Agent from 'undici/lib/dispatcher/agent.js';
import EnvHttpProxyAgent from 'undici/lib/dispatcher/env-http-proxy-agent.js';
import buildConnector from 'undici/lib/core/connect.js';
import redirect from 'undici/lib/interceptor/redirect.js';

// undici parses HTTP with llhttp compiled to WebAssembly (compiled on the
// first connection, after this line). V8 first compiles it with its baseline
// compiler, Liftoff, then, once it runs hot, compiles its big parser function
// again with TurboFan: on the 2-core benchmark machine that took 0.3-0.5 s of
// CPU and up to 40 MB of compiler memory, on every sync that downloads a few
// hundred files, to speed up a parser that only reads status lines and
// headers (bodies are handed over as they arrive, unparsed). So the process's
// WebAssembly stays on Liftoff code; llhttp is the only WebAssembly it runs.
setFlagsFromString('--liftoff-only');

export { Agent, EnvHttpProxyAgent, buildConnector };
export const interceptors = { redirect };
