import { matchPrefixPatterns } from '../module/index.js';
import { redactUrl } from '../upstream/index.js';
import { proxyForUrl } from './advice.js';
import type { CheckResult } from './types.js';

const SHOWN = [
  'GOPROXY',
  'GONOPROXY',
  'GOPRIVATE',
  'GOSUMDB',
  'GONOSUMDB',
  'GOFLAGS',
  'GOINSECURE',
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
  'NO_PROXY',
  'no_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
];

/**
 * The environment the go command would run with here (pure): what is set,
 * and the settings that send it elsewhere than the mirror. Values are
 * redacted (a proxy URL may carry a password). `env` should already hold the
 * go env file's settings (go-env.ts); `source` says where they came from.
 */
export function checkEnvironment(proxy: URL, env: NodeJS.ProcessEnv, module?: string, source?: string): CheckResult[] {
  const set = SHOWN.filter((k) => env[k] !== undefined && env[k] !== '').map((k) => `${k}=${redactUrl(String(env[k]))}`);
  const from = source ? ` (from ${source})` : '';
  const checks: CheckResult[] = [
    { id: 'env', title: 'environment', status: 'ok', detail: (set.length > 0 ? set.join(' ') : 'no Go or proxy variables set') + from },
  ];
  // What client-config writes: only the mirror, nothing else when it lacks a module.
  const fix = `go env -w GOPROXY=${proxy.href.replace(/\/+$/, '')},off`;
  const base = proxy.href.replace(/\/+$/, '');
  const goproxy = env.GOPROXY ?? '';
  const entries = goproxy.split(/[,|]/).map((e) => e.trim().replace(/\/+$/, '')).filter(Boolean);
  if (goproxy === '') {
    checks.push({
      id: 'env-goproxy',
      title: 'GOPROXY',
      status: 'warn',
      detail: 'not set here, nor by go env -w: the go command uses https://proxy.golang.org,direct',
      fix,
    });
  } else if (!entries.includes(base)) {
    checks.push({ id: 'env-goproxy', title: 'GOPROXY', status: 'warn', detail: `does not name ${base}`, fix });
  } else if (entries.includes('direct')) {
    checks.push({
      id: 'env-goproxy',
      title: 'GOPROXY',
      status: 'warn',
      detail: 'ends in direct: modules the mirror lacks are fetched from their VCS hosts, which hangs behind a firewall',
      fix: `${fix} (without direct) in a closed network`,
    });
  }
  const noProxy = env.GONOPROXY ?? env.GOPRIVATE ?? '';
  if (module && noProxy !== '' && matchPrefixPatterns(noProxy, module)) {
    checks.push({
      id: 'env-noproxy',
      title: 'GONOPROXY',
      status: 'warn',
      detail: `${module} matches GONOPROXY/GOPRIVATE (${noProxy}): the go command fetches it from its VCS host, not from the mirror`,
      fix: 'Narrow GOPRIVATE/GONOPROXY, or set GONOPROXY=none to send everything through the mirror',
    });
  }
  const via = proxyForUrl(proxy, env);
  if (via) {
    checks.push({
      id: 'env-http-proxy',
      title: 'HTTP proxy',
      status: 'warn',
      detail: `requests to ${proxy.host} go through ${redactUrl(via)}`,
      fix: `If the mirror is internal, add ${proxy.hostname} to NO_PROXY`,
    });
  }
  return checks;
}
