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
import { GomirrorError } from '../errors.js';
import type { ProxyEntry } from '../upstream/proxy-list.js';
import { redactUrl } from '../upstream/proxy-list.js';
import type { Transport } from '../upstream/transport.js';
import type { SumdbSpec } from '../verify/sumdb/index.js';

/** Reads paths like `/lookup/...` and `/tile/...` from the database. */
export interface SumdbRemote {
  read(path: string, maxBytes: number): Promise<Buffer>;
  /** The base URL in use, once decided (for messages). */
  base(): Promise<string>;
}

export function createSumdbRemote(opts: { spec: SumdbSpec; upstream: readonly ProxyEntry[]; transport: Transport }): SumdbRemote {
  const { spec, transport } = opts;
  let base: Promise<string> | undefined;

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
      return transport.getBuffer(`${await base}${path}`, maxBytes);
    },
  };
}
