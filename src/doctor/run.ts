import { isIP } from 'node:net';
import { GomirrorError } from '../errors.js';
import { checkModuleVersion, checkPath } from '../module/index.js';
import { basicAuthFor, type NetrcEntry, redactUrl } from '../upstream/index.js';
import { adviseNetworkError, proxyForUrl } from './advice.js';
import { checkEnvironment } from './env.js';
import { checkModuleFiles, checkNotFound, checkSumdb, type HttpCheckContext } from './http-checks.js';
import { checkToolchain, type DoctorGoClient, type DoctorProject } from './toolchain.js';
import type { CheckResult, DoctorProbes, DoctorReport } from './types.js';

export interface DoctorOptions {
  /** The mirror's base URL, as it would stand in GOPROXY. */
  proxy: string;
  /** `PATH` or `PATH@VERSION` to fetch list, .info, .mod and .zip of. */
  module?: string;
  /** Checksum database name, or `off`; default $GOSUMDB's name, else sum.golang.org. */
  sumdb?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Where the go settings in `env` came from (`go env`, the go env file). */
  envSource?: string;
  netrc?: Map<string, NetrcEntry>;
  /** The project here and the local go command: checks the toolchain a switch would download. */
  toolchain?: { project: DoctorProject; client: DoctorGoClient };
}

const CERT_WARN_DAYS = 14;

/**
 * Walks the checks a person would do by hand, each only when the one before
 * it passed: the environment, DNS, TCP connect, the TLS handshake and
 * certificate, a not-found answer, the module's files, the checksum database
 * endpoint, and latency. Returns the checklist; never throws for what it
 * finds (only for a malformed --proxy or --module).
 */
export async function runDoctor(options: DoctorOptions, probes: DoctorProbes, now: () => number = Date.now): Promise<DoctorReport> {
  const env = options.env ?? process.env;
  const timeoutMs = options.timeoutMs ?? 5000;
  const url = parseProxyUrl(options.proxy);
  const [module, version] = splitModule(options.module);
  const checks: CheckResult[] = [...checkEnvironment(url, env, module, options.envSource)];
  const skip = (id: string, title: string, why: string): CheckResult => ({ id, title, status: 'skip', detail: `not run: ${why}` });
  const finish = (): DoctorReport => report(options.proxy, options.module, checks);

  // Through an HTTP proxy, the sockets go to the proxy; TLS to the mirror runs inside its tunnel.
  const via = proxyForUrl(url, env);
  const target = via ? new URL(via) : url;
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const port = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
  const label = via ? ` (HTTP proxy ${redactUrl(via)})` : '';

  let address = host;
  if (isIP(host)) {
    checks.push({ id: 'dns', title: 'DNS', status: 'ok', detail: `${host} is an IP address${label}` });
  } else {
    try {
      const r = await probes.lookup(host, timeoutMs);
      address = r.addresses[0] ?? host;
      checks.push({ id: 'dns', title: 'DNS', status: r.ms > 1000 ? 'warn' : 'ok', detail: `${host} → ${r.addresses.join(', ')}${label}`, ms: r.ms, ...(r.ms > 1000 ? { fix: 'The resolver is slow: every new connection of the go command waits for it.' } : {}) });
    } catch (err) {
      checks.push({ id: 'dns', title: 'DNS', status: 'fail', ...adviseNetworkError('dns', (err as { code?: string }).code, host, (err as Error).message) });
      return finish();
    }
  }

  try {
    const r = await probes.connect(address, port, timeoutMs);
    checks.push({ id: 'tcp', title: 'TCP connect', status: 'ok', detail: `${address}:${port} in ${r.ms.toFixed(1)} ms${label}`, ms: r.ms });
  } catch (err) {
    checks.push({ id: 'tcp', title: 'TCP connect', status: 'fail', ...adviseNetworkError('tcp', (err as { code?: string }).code, `${address}:${port}`, (err as Error).message) });
    return finish();
  }

  if (url.protocol !== 'https:') {
    checks.push({ id: 'tls', title: 'TLS', status: 'skip', detail: 'not used (http://); fine on a trusted network, and the go command sends no .netrc credentials over http' });
  } else if (via) {
    checks.push(skip('tls', 'TLS', 'the HTTP proxy tunnels it; the HTTP checks below cover it'));
  } else {
    try {
      const t = await probes.tls(address, port, isIP(url.hostname) ? undefined : url.hostname, timeoutMs);
      const days = Math.floor((t.validTo.getTime() - now()) / 86_400_000);
      const cert = `${t.protocol}, certificate for ${t.subject} (${t.altNames || 'no subjectAltName'}) from ${t.issuer}, valid until ${t.validTo.toISOString().slice(0, 10)}`;
      if (!t.authorized) {
        const advice = adviseNetworkError('tls', t.authorizationError, url.host, t.authorizationError ?? 'not trusted');
        checks.push({ id: 'tls', title: 'TLS', status: 'fail', detail: `${advice.detail}: ${cert}`, fix: advice.fix, ms: t.ms });
        return finish();
      }
      const soon = days < CERT_WARN_DAYS;
      checks.push({ id: 'tls', title: 'TLS', status: soon ? 'warn' : 'ok', detail: `${cert} (${days} day${days === 1 ? '' : 's'} left)`, ms: t.ms, ...(soon ? { fix: 'Renew the certificate before it expires' } : {}) });
    } catch (err) {
      checks.push({ id: 'tls', title: 'TLS', status: 'fail', ...adviseNetworkError('tls', (err as { code?: string }).code, url.host, (err as Error).message) });
      return finish();
    }
  }

  const auth = url.protocol === 'https:' && options.netrc ? basicAuthFor(options.netrc, url.hostname) : undefined;
  const ctx: HttpCheckContext = { base: url.href.replace(/\/+$/, ''), probes, timeoutMs, ...(via ? { via } : {}), ...(auth ? { authorization: auth } : {}) };
  checks.push(await checkNotFound(ctx));
  if (module) checks.push(...(await checkModuleFiles(ctx, module, version)));
  const sumdb = sumdbName(options.sumdb ?? env.GOSUMDB);
  if (sumdb === undefined) checks.push({ id: 'sumdb', title: 'sumdb', status: 'skip', detail: 'not run: GOSUMDB=off' });
  else checks.push(...(await checkSumdb(ctx, sumdb)));
  const unreadable = everyFileNotFound(checks);
  if (unreadable) checks.push(unreadable);
  if (options.toolchain) checks.push(await checkToolchain(ctx, options.toolchain.project, options.toolchain.client, sumdb));
  checks.push(judgeLatency(checks));
  return finish();
}

/**
 * Every file asked for (the module's list and the checksum database's
 * `supported`) answered 404: the usual cause is not a short manifest but a
 * tree the web server cannot read (sync under umask 077, a home directory
 * of mode 700), which nginx answers with 404.
 */
function everyFileNotFound(checks: CheckResult[]): CheckResult | undefined {
  const files = checks.filter((c) => c.http !== undefined || ['list', 'sumdb'].includes(c.id));
  if (files.length < 2 || !files.every((c) => c.http === 404 || c.http === 410)) return undefined;
  return {
    id: 'tree-readable',
    title: 'tree readable',
    status: 'fail',
    detail: `every file asked for answered 404 (${files.map((c) => c.title).join(', ')}): the web server probably cannot read the tree`,
    fix:
      'Check permissions: files 0644, directories 0755, and every directory up to the root searchable by nginx\'s user ' +
      '(namei -l ROOT/MODULE/@v/list), and nginx\'s error.log ("Permission denied"). ' +
      'If the tree really lacks these files, add the module to the manifest and run gomirror sync.',
  };
}

/** Median time to first byte over the HTTP checks. */
function judgeLatency(checks: CheckResult[]): CheckResult {
  const times = checks.filter((c) => c.ms !== undefined && !['dns', 'tcp', 'tls'].includes(c.id)).map((c) => c.ms as number).sort((a, b) => a - b);
  if (times.length === 0) return { id: 'latency', title: 'latency', status: 'skip', detail: 'not run: no HTTP answer' };
  const median = times[Math.floor(times.length / 2)] as number;
  const detail = `median ${median.toFixed(0)} ms to first byte over ${times.length} requests (max ${(times.at(-1) as number).toFixed(0)} ms)`;
  if (median > 1000) {
    return { id: 'latency', title: 'latency', status: 'warn', detail, fix: 'Slow answers add up over hundreds of requests: check the server load and the network path.', ms: median };
  }
  return { id: 'latency', title: 'latency', status: 'ok', detail, ms: median };
}

function report(proxy: string, module: string | undefined, checks: CheckResult[]): DoctorReport {
  const failures = checks.filter((c) => c.status === 'fail').length;
  const warnings = checks.filter((c) => c.status === 'warn').length;
  return { proxy, ...(module ? { module } : {}), checks, ok: failures === 0, failures, warnings };
}

function parseProxyUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new GomirrorError('E_USAGE', `--proxy: not a URL: "${redactUrl(raw)}"`, { hint: 'Give the mirror\'s base URL, e.g. https://goproxy.corp.example' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new GomirrorError('E_USAGE', `--proxy: only http:// and https:// mirrors can be checked, not ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new GomirrorError('E_USAGE', `--proxy: "${redactUrl(raw)}" carries credentials`, { hint: 'The go command refuses them too: put them in ~/.netrc' });
  }
  return url;
}

/** `PATH[@VERSION]`, checked as the go command would; throws InvalidModuleError (exit 2). */
function splitModule(spec: string | undefined): [string | undefined, string | undefined] {
  if (!spec) return [undefined, undefined];
  const at = spec.lastIndexOf('@');
  const [path, version] = at > 0 ? [spec.slice(0, at), spec.slice(at + 1)] : [spec, undefined];
  if (version === undefined) checkPath(path);
  else checkModuleVersion(path, version);
  return [path, version];
}

/** The database name from GOSUMDB syntax (`name[+key] [url]`), undefined for off. */
function sumdbName(spec: string | undefined): string | undefined {
  const s = (spec ?? '').trim();
  if (s === 'off') return undefined;
  if (s === '') return 'sum.golang.org';
  return (s.split(/\s+/)[0] ?? '').split('+')[0];
}
