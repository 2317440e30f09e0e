import { GomirrorError, toGomirrorError } from '../errors.js';
import { escapePath, escapeVersion } from '../module/index.js';
import type { ProxyEntry } from './proxy-list.js';
import type { FileFetchResult, Transport } from './transport.js';

/** Size limits from the go command: it refuses larger answers. */
export const LIMITS = {
  list: 16 << 20,
  info: 1 << 20,
  mod: 16 << 20,
  zip: 500 << 20,
} as const;

/**
 * The GOPROXY protocol over a proxy list. Each call walks the list as the go
 * command's TryProxies does (protocol doc §2.2): success stops the walk;
 * not-found moves on; any other error moves on only after a `|`.
 */
export interface UpstreamClient {
  /** Versions named in `@v/list` (first field of each line, unfiltered). */
  list(modulePath: string): Promise<string[]>;
  /** The raw `@latest` JSON. */
  latest(modulePath: string): Promise<Buffer>;
  info(modulePath: string, version: string): Promise<Buffer>;
  mod(modulePath: string, version: string): Promise<Buffer>;
  /** Streams the zip into `file`, which the caller owns. */
  zip(modulePath: string, version: string, file: string): Promise<FileFetchResult>;
}

export interface UpstreamClientOptions {
  entries: ProxyEntry[];
  transport: Transport;
}

export function createUpstreamClient(options: UpstreamClientOptions): UpstreamClient {
  const { entries, transport } = options;

  async function tryProxies<T>(what: string, suffix: string, get: (url: string) => Promise<T>): Promise<T> {
    const errors: GomirrorError[] = [];
    for (const entry of entries) {
      if (entry.kind === 'off') {
        errors.push(new GomirrorError('E_UPSTREAM_OFF', `${what}: module lookup disabled by GOPROXY=off`));
        break;
      }
      if (entry.kind === 'direct') {
        errors.push(
          new GomirrorError('E_NOT_FOUND', `${what}: not found on any proxy ("direct" is not supported)`, {
            hint: 'gomirror mirrors from GOPROXY servers only; it does not clone version control repositories',
          }),
        );
        break;
      }
      try {
        return await get(`${entry.url}/${suffix}`);
      } catch (err) {
        // Local file errors (file:// upstreams) are E_FS; anything else failed on the way.
        const e = toGomirrorError(err, what, 'E_NETWORK');
        errors.push(e);
        if (e.code !== 'E_NOT_FOUND' && !entry.fallBackOnAnyError) break;
      }
    }
    // Go ranks the message: real errors before not-found ones.
    const best = errors.find((e) => e.code !== 'E_NOT_FOUND') ?? errors[0];
    throw best ?? new GomirrorError('E_NOT_FOUND', `${what}: not found`);
  }

  const modPath = (p: string): string => wire(escapePath(p));
  const verPath = (v: string): string => wire(escapeVersion(v));

  return {
    async list(modulePath) {
      const body = await tryProxies(`${modulePath}: list`, `${modPath(modulePath)}/@v/list`, (url) =>
        transport.getBuffer(url, LIMITS.list),
      );
      return body
        .toString('utf8')
        .split('\n')
        .map((line) => line.trim().split(/\s+/)[0] ?? '')
        .filter((v) => v !== '');
    },
    latest(modulePath) {
      return tryProxies(`${modulePath}@latest`, `${modPath(modulePath)}/@latest`, (url) =>
        transport.getBuffer(url, LIMITS.info),
      );
    },
    info(modulePath, version) {
      return tryProxies(`${modulePath}@${version}: .info`, `${modPath(modulePath)}/@v/${verPath(version)}.info`, (url) =>
        transport.getBuffer(url, LIMITS.info),
      );
    },
    mod(modulePath, version) {
      return tryProxies(`${modulePath}@${version}: .mod`, `${modPath(modulePath)}/@v/${verPath(version)}.mod`, (url) =>
        transport.getBuffer(url, LIMITS.mod),
      );
    },
    zip(modulePath, version, file) {
      return tryProxies(`${modulePath}@${version}: .zip`, `${modPath(modulePath)}/@v/${verPath(version)}.zip`, (url) =>
        transport.getToFile(url, file, LIMITS.zip),
      );
    },
  };
}

/** Go percent-encodes the escaped path on the wire: `!` travels as %21. */
function wire(escaped: string): string {
  return escaped.replaceAll('!', '%21');
}
