/**
 * Reaching the checksum database over HTTP (or file://), the way the go
 * command does (modfetch dbClient.initBase, protocol doc §11): an explicit
 * URL in GOSUMDB wins; otherwise each GOPROXY entry is asked for
 * `<proxy>/sumdb/<name>/supported`, and the first that answers 200 serves
 * everything; not-found moves on, any other error stops the walk unless the
 * entry is followed by `|`; no proxy left, `direct` or `off` mean
 * `https://<name>`. Requests go through the shared transport, so they get
 * the same retries and timeouts as module downloads.
 */
import { GomirrorError } from '../../errors.js';
import type { ProxyEntry, Transport } from '../../upstream/index.js';
import { redactUrl, isUnresolvedHost } from '../../upstream/index.js';
import type { SumdbSpec } from '../index.js';

/** Reads paths like `/lookup/...` and `/tile/...` from the database. */
export interface SumdbRemote {
  read(path: string, maxBytes: number): Promise<Buffer>;
  /** The base URL in use, once decided (for messages). */
  base(): Promise<string>;
}

export function createSumdbRemote(opts: {
  spec: SumdbSpec;
  upstream: readonly ProxyEntry[];
  transport: Transport;
  /** Consecutive network failures after which the database counts as down for the run. */
  maxFails?: number;
}): SumdbRemote {
  const { spec, transport } = opts;
  const maxFails = opts.maxFails ?? 5;
  let base: Promise<string> | undefined;
  // A failure budget, so an unreachable database costs a few timeouts, not one per version.
  let fails = 0;
  // A database host DNS does not know stays unknown for the run: one error, said once, with the fix.
  let unresolved: GomirrorError | undefined;

  async function findBase(): Promise<string> {
    if (spec.url) return spec.url;
    for (const entry of opts.upstream) {
      if (entry.kind !== 'url') break;
      const probe = `${entry.url}/sumdb/${spec.name}/supported`;
      try {
        await transport.getBuffer(probe, 1 << 16);
        return `${entry.url}/sumdb/${spec.name}`;
      } catch (err) {
        const e = err instanceof GomirrorError ? err : new GomirrorError('E_INTERNAL', String(err), { cause: err });
        if (e.code === 'E_NOT_FOUND' || entry.fallBackOnAnyError) continue;
        throw new GomirrorError('E_SUMDB', `checksum database ${spec.name} is unavailable through ${redactUrl(entry.url)}: ${e.message}`, {
          cause: e,
          hint: 'The proxy must answer 200 or 404 for /sumdb/<name>/supported; or name the database URL in GOSUMDB ("<key> <url>")',
        });
      }
    }
    return spec.directUrl;
  }

  return {
    base() {
      base ??= findBase();
      return base;
    },
    async read(path, maxBytes) {
      base ??= findBase();
      const url = `${await base}${path}`;
      if (unresolved) throw unresolved;
      if (fails >= maxFails) {
        throw new GomirrorError('E_NETWORK', `${redactUrl(url)}: skipped, the checksum database failed ${maxFails} times in a row`);
      }
      try {
        const data = await transport.getBuffer(url, maxBytes);
        fails = 0;
        return data;
      } catch (err) {
        if (isUnresolvedHost(err)) {
          unresolved ??= new GomirrorError('E_SUMDB', `checksum database ${spec.name}: cannot resolve host ${new URL(url).hostname} (DNS: no such host)`, {
            cause: err,
            hint:
              'This host cannot reach the database directly: use an upstream that proxies it (GET <upstream>/sumdb/' +
              `${spec.name}/supported answers 200), name a reachable URL ("--sumdb '<key> <url>'"), or run with --sumdb off`,
          });
          throw unresolved;
        }
        if (err instanceof GomirrorError && (err.code === 'E_NETWORK' || err.code === 'E_SHORT_BODY')) fails++;
        throw err;
      }
    },
  };
}
