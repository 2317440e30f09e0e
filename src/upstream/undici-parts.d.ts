// Types of the undici files that upstream/undici.ts imports one by one: the
// same values undici's index exports under these names.
declare module 'undici/lib/dispatcher/agent.js' {
  import type { Agent } from 'undici';
  const value: typeof Agent;
  export = value;
}
declare module 'undici/lib/dispatcher/env-http-proxy-agent.js' {
  import type { EnvHttpProxyAgent } from 'undici';
  const value: typeof EnvHttpProxyAgent;
  export = value;
}
declare module 'undici/lib/core/connect.js' {
  import type { buildConnector } from 'undici';
  const value: typeof buildConnector;
  export = value;
}
declare module 'undici/lib/interceptor/redirect.js' {
  import type { interceptors } from 'undici';
  const value: typeof interceptors.redirect;
  export = value;
}
