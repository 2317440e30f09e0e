/**
 * The one way every command builds its upstream HTTP stack (sync, verify
 * --repair): the transport (one undici Agent), .netrc credentials, trust
 * ($SSL_CERT_FILE like the go command), retries and the concurrency cap.
 * Two commands building theirs apart is how one of them came to ignore
 * $SSL_CERT_FILE.
 */
import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import { GomirrorError } from '../errors.js';
import { TOOL_VERSION } from '../version.js';
import { createUpstreamClient, type UpstreamClient } from './client.js';
import { loadNetrc, type NetrcEntry } from './netrc.js';
import type { ProxyEntry } from './proxy-list.js';
import { DEFAULT_RETRY } from './retry.js';
import { createTransport, type Transport, type TransportOptions } from './transport.js';

/** Limits of `--concurrency` and `--retries`, the same for every command. */
export const UPSTREAM_LIMITS = { concurrency: { min: 1, max: 256 }, retries: { min: 0, max: 20 } } as const;

/** Checks `--concurrency` and `--retries` (E_USAGE, exit 2); returns them with defaults filled in. */
export function checkUpstreamFlags(
  flags: { concurrency?: number; retries?: number },
  defaults: { concurrency: number },
): { concurrency: number; retries: number } {
  const concurrency = flags.concurrency ?? defaults.concurrency;
  const c = UPSTREAM_LIMITS.concurrency;
  if (!Number.isInteger(concurrency) || concurrency < c.min || concurrency > c.max) {
    throw new GomirrorError('E_USAGE', `--concurrency: must be a whole number from ${c.min} to ${c.max}, not ${flags.concurrency}`);
  }
  const retries = flags.retries ?? DEFAULT_RETRY.retries;
  const r = UPSTREAM_LIMITS.retries;
  if (!Number.isInteger(retries) || retries < r.min || retries > r.max) {
    throw new GomirrorError('E_USAGE', `--retries: must be a whole number from ${r.min} to ${r.max}, not ${flags.retries}`);
  }
  return { concurrency, retries };
}

/** What the stack reads from the environment: read before any work, so its errors are input errors. */
export interface UpstreamSetup {
  readonly env: NodeJS.ProcessEnv;
  readonly netrc: Map<string, NetrcEntry>;
  readonly ca?: string[];
}

/** Reads .netrc ($NETRC) and $SSL_CERT_FILE; E_NETRC / E_USAGE when they cannot be used. */
export async function loadUpstreamSetup(env: NodeJS.ProcessEnv, extraCa?: string | Buffer): Promise<UpstreamSetup> {
  const ca = await trust(extraCa, env);
  return { env, netrc: await loadNetrc(env), ...ca };
}

export interface UpstreamStackOptions {
  entries: readonly ProxyEntry[];
  concurrency: number;
  retries: number;
  onRetry?: TransportOptions['onRetry'];
}

export interface UpstreamStack {
  readonly transport: Transport;
  readonly client: UpstreamClient;
  close(): Promise<void>;
}

export function createUpstreamStack(setup: UpstreamSetup, options: UpstreamStackOptions): UpstreamStack {
  const transport = createTransport({
    concurrency: options.concurrency,
    retry: { ...DEFAULT_RETRY, retries: options.retries },
    netrc: setup.netrc,
    env: setup.env,
    ...(setup.ca ? { ca: setup.ca } : {}),
    userAgent: `gomirror/${TOOL_VERSION}`,
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
  });
  const client = createUpstreamClient({ entries: [...options.entries], transport });
  return { transport, client, close: () => transport.close() };
}

/**
 * Trust for https upstreams: the system roots plus, like the go command,
 * the PEM bundle named by $SSL_CERT_FILE (private corporate CAs).
 */
async function trust(ca: string | Buffer | undefined, env: NodeJS.ProcessEnv): Promise<{ ca?: string[] }> {
  const extra: string[] = [];
  if (ca) extra.push(ca.toString());
  if (env.SSL_CERT_FILE) {
    try {
      extra.push(await readFile(env.SSL_CERT_FILE, 'utf8'));
    } catch (err) {
      throw new GomirrorError('E_USAGE', `$SSL_CERT_FILE: cannot read ${env.SSL_CERT_FILE}: ${(err as Error).message}`);
    }
  }
  return extra.length > 0 ? { ca: [...rootCertificates, ...extra] } : {};
}
