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

/** Version control behind a `direct` list entry (src/vcs/): the same operations as a proxy. */
export type DirectSource = UpstreamClient;

export interface UpstreamClientOptions {
  entries: ProxyEntry[];
  transport: Transport;
  /** Serves `direct`; without it `direct` is refused as before. */
  direct?: DirectSource;
  /** Modules that skip the proxies and go straight to `direct` (GONOPROXY). */
  noproxy?: (modulePath: string) => boolean;
}

export function createUpstreamClient(options: UpstreamClientOptions): UpstreamClient {
  const { entries, transport, direct, noproxy } = options;

  async function tryProxies<T>(
    what: string,
    suffix: string,
    get: (url: string) => Promise<T>,
    fromVcs?: { module: string; run: (d: DirectSource) => Promise<T> },
  ): Promise<T> {
    // Go: a GONOPROXY module is fetched from version control whatever GOPROXY says.
    if (direct && fromVcs && noproxy?.(fromVcs.module)) return fromVcs.run(direct);
    const errors: GomirrorError[] = [];
    for (const entry of entries) {
      if (entry.kind === 'off') {
        errors.push(new GomirrorError('E_UPSTREAM_OFF', `${what}: module lookup disabled by GOPROXY=off`));
        break;
      }
      if (entry.kind === 'direct') {
        if (direct && fromVcs) {
          try {
            return await fromVcs.run(direct);
          } catch (err) {
            errors.push(err instanceof GomirrorError ? err : new GomirrorError('E_INTERNAL', String(err), { cause: err }));
            break;
          }
        }
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
        { module: modulePath, run: async (d) => Buffer.from((await d.list(modulePath)).join('\n')) },
      );
      return body
        .toString('utf8')
        .split('\n')
        .map((line) => line.trim().split(/\s+/)[0] ?? '')
        .filter((v) => v !== '');
    },
    latest(modulePath) {
      return tryProxies(`${modulePath}@latest`, `${modPath(modulePath)}/@latest`, (url) => transport.getBuffer(url, LIMITS.info), {
        module: modulePath,
        run: (d) => d.latest(modulePath),
      });
    },
    info(modulePath, version) {
      return tryProxies(
        `${modulePath}@${version}: .info`,
        `${modPath(modulePath)}/@v/${verPath(version)}.info`,
        (url) => transport.getBuffer(url, LIMITS.info),
        { module: modulePath, run: (d) => d.info(modulePath, version) },
      );
    },
    mod(modulePath, version) {
      return tryProxies(
        `${modulePath}@${version}: .mod`,
        `${modPath(modulePath)}/@v/${verPath(version)}.mod`,
        (url) => transport.getBuffer(url, LIMITS.mod),
        { module: modulePath, run: (d) => d.mod(modulePath, version) },
      );
    },
    zip(modulePath, version, file) {
      return tryProxies(
        `${modulePath}@${version}: .zip`,
        `${modPath(modulePath)}/@v/${verPath(version)}.zip`,
        (url) => transport.getToFile(url, file, LIMITS.zip),
        { module: modulePath, run: (d) => d.zip(modulePath, version, file) },
      );
    },
  };
}

/** Go percent-encodes the escaped path on the wire: `!` travels as %21. */
function wire(escaped: string): string {
  return escaped.replaceAll('!', '%21');
}
