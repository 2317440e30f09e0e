import path from 'node:path';
import { GomirrorError } from '../errors.js';
import { checkUpstreamFlags, parseProxyList, type ProxyEntry } from '../upstream/index.js';
import { VULNERABLE_POLICIES, type Manifest, type ManifestModule, type ManifestToolchains, type VulnerablePolicy } from '../manifest/index.js';
import { parseVulnDbSetting } from '../vulndb/index.js';
import { goPlatformOf, isValidPlatform, parseToolchainQuery, toolchainPlatforms } from '../toolchain/index.js';

export type LogFormat = 'text' | 'json';

/** Everything `gomirror sync` needs, validated once; immutable. */
export interface SyncConfig {
  readonly out: string;
  readonly upstreamText: string;
  readonly upstream: readonly ProxyEntry[];
  readonly sumdb: string;
  readonly nosumdb: readonly string[];
  /** GOPRIVATE patterns: the defaults of noproxy and nosumdb. */
  readonly private: readonly string[];
  /** GONOPROXY patterns: modules always fetched from version control. */
  readonly noproxy: readonly string[];
  /** Whether a module may come from version control (`direct` in upstream, or noproxy patterns): needs the go command. */
  readonly vcs: boolean;
  /** `--go`: the go command to drive for direct modules (default: go on $PATH). */
  readonly go?: string;
  /** `--vcs-concurrency`: go commands at once for direct modules. */
  readonly vcsConcurrency: number;
  readonly deps: boolean;
  /** Which zips of the module graph to mirror: the selected versions (default), or every version. */
  readonly zips: 'selected' | 'all';
  readonly modules: readonly ManifestModule[];
  /** Toolchain queries (manifest `toolchains.versions` or --toolchains) and the platforms every toolchain is mirrored for. */
  readonly toolchains: { readonly queries: ManifestToolchains['queries']; readonly platforms: readonly string[] };
  readonly gomod: readonly string[];
  readonly gosum: readonly string[];
  readonly concurrency: number;
  readonly retries: number;
  readonly dryRun: boolean;
  readonly report?: string;
  readonly metrics?: string;
  readonly logFormat: LogFormat;
  /** URL of the vulnerability database to mirror into `<out>/vulndb/`; undefined when off. */
  readonly vulndb?: string;
  /** Publish a database older than the tree's copy (refused otherwise). */
  readonly allowRollback: boolean;
  readonly vulnerable: VulnerablePolicy;
}

/** Command-line flags of sync, as parsed (all optional but out). */
export interface SyncFlags {
  out?: string;
  upstream?: string;
  sumdb?: string;
  private?: string;
  noproxy?: string;
  go?: string;
  vcsConcurrency?: number;
  gomod?: string[];
  gosum?: string[];
  deps?: boolean;
  zips?: string;
  toolchains?: string[];
  platforms?: string[];
  concurrency?: number;
  retries?: number;
  dryRun?: boolean;
  report?: string;
  metrics?: string;
  logFormat?: string;
  vulndb?: string;
  allowRollback?: boolean;
  vulnerable?: string;
}

export const DEFAULT_UPSTREAM = 'https://proxy.golang.org';
export const DEFAULT_SUMDB = 'sum.golang.org';
export const DEFAULT_CONCURRENCY = 16;
export const DEFAULT_VCS_CONCURRENCY = 4;

/**
 * Layers the sources, lowest first: defaults → environment (the go command's
 * GOPROXY, GOSUMDB, GONOSUMDB/GOPRIVATE) → manifest → flags.
 */
export function buildSyncConfig(
  flags: SyncFlags,
  manifest: Manifest | undefined,
  env: NodeJS.ProcessEnv,
  hostPlatform: string | undefined = goPlatformOf(process.platform, process.arch),
): SyncConfig {
  if (!flags.out) throw new GomirrorError('E_USAGE', '--out is required: the directory that holds the tree');
  const { concurrency, retries } = checkUpstreamFlags(flags, { concurrency: DEFAULT_CONCURRENCY });
  const vcsConcurrency = flags.vcsConcurrency ?? DEFAULT_VCS_CONCURRENCY;
  if (!Number.isInteger(vcsConcurrency) || vcsConcurrency < 1 || vcsConcurrency > 64) {
    throw new GomirrorError('E_USAGE', `--vcs-concurrency: must be a whole number from 1 to 64, not ${flags.vcsConcurrency}`);
  }
  const zips = flags.zips ?? 'selected';
  if (zips !== 'selected' && zips !== 'all') {
    throw new GomirrorError('E_USAGE', `--zips: must be selected or all, not "${zips}"`);
  }
  const logFormat = flags.logFormat ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') {
    throw new GomirrorError('E_USAGE', `--log-format: must be text or json, not "${logFormat}"`);
  }
  const vulnerable = flags.vulnerable ?? manifest?.vulnerable ?? 'allow';
  if (!VULNERABLE_POLICIES.includes(vulnerable as VulnerablePolicy)) {
    throw new GomirrorError('E_USAGE', `--vulnerable: must be ${VULNERABLE_POLICIES.join(', ')}, not "${vulnerable}"`);
  }
  const vulndb = parseVulnDbSetting(flags.vulndb ?? manifest?.vulndb ?? 'off', flags.vulndb !== undefined ? '--vulndb' : 'manifest vulndb');
  const upstreamText = flags.upstream ?? manifest?.upstream ?? nonEmpty(env.GOPROXY) ?? DEFAULT_UPSTREAM;
  const where = flags.upstream ? '--upstream' : manifest?.upstream ? 'manifest upstream' : env.GOPROXY ? '$GOPROXY' : 'upstream';
  const upstream = parseProxyList(upstreamText, where);
  const sumdb = flags.sumdb ?? manifest?.sumdb ?? nonEmpty(env.GOSUMDB) ?? DEFAULT_SUMDB;
  // The go command's defaults: GONOPROXY and GONOSUMDB fall back to GOPRIVATE.
  const priv = patterns(flags.private) ?? manifest?.private ?? patterns(env.GOPRIVATE) ?? [];
  const noproxy = patterns(flags.noproxy) ?? manifest?.noproxy ?? patterns(env.GONOPROXY) ?? priv;
  const nosumdb = manifest?.nosumdb ?? patterns(env.GONOSUMDB) ?? priv;
  const vcs = upstream.some((e) => e.kind === 'direct') || noproxy.length > 0;
  const gomod = [...(manifest?.gomod ?? []), ...(flags.gomod ?? []).map((p) => path.resolve(p))];
  const gosum = [...(manifest?.gosum ?? []), ...(flags.gosum ?? []).map((p) => path.resolve(p))];
  const modules = manifest?.modules ?? [];
  const toolchains = buildToolchains(flags, manifest, hostPlatform);
  if (modules.length === 0 && gomod.length === 0 && gosum.length === 0 && toolchains.queries.length === 0) {
    throw new GomirrorError('E_USAGE', 'nothing to mirror: give --manifest FILE with "modules" or "toolchains", or --gomod/--gosum/--toolchains', {
      hint: 'See mirror-manifest.example.json for a working manifest',
    });
  }
  return Object.freeze({
    out: path.resolve(flags.out),
    upstreamText,
    upstream,
    sumdb,
    nosumdb,
    private: priv,
    noproxy,
    vcs,
    ...(flags.go ? { go: flags.go } : {}),
    vcsConcurrency,
    deps: flags.deps ?? manifest?.deps ?? true,
    zips,
    modules,
    toolchains,
    gomod,
    gosum,
    concurrency,
    retries,
    dryRun: flags.dryRun ?? false,
    ...(flags.report ? { report: path.resolve(flags.report) } : {}),
    ...(flags.metrics ? { metrics: path.resolve(flags.metrics) } : {}),
    logFormat,
    ...(vulndb !== undefined ? { vulndb } : {}),
    allowRollback: flags.allowRollback ?? false,
    vulnerable: vulnerable as VulnerablePolicy,
  });
}

/** --toolchains and --platforms (comma-separated, repeatable) override the manifest's `toolchains` key. */
function buildToolchains(flags: SyncFlags, manifest: Manifest | undefined, host: string | undefined): SyncConfig['toolchains'] {
  const split = (v: string[]): string[] => v.flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);
  const queries = flags.toolchains
    ? split(flags.toolchains).map((text, i) => {
        const where = `--toolchains[${i}]`;
        try {
          return { text, query: parseToolchainQuery(text), where };
        } catch (err) {
          throw new GomirrorError('E_USAGE', `${where}: ${(err as Error).message}`, { cause: err, hint: (err as GomirrorError).hint });
        }
      })
    : (manifest?.toolchains?.queries ?? []);
  let platforms = manifest?.toolchains?.platforms;
  if (flags.platforms) {
    platforms = split(flags.platforms);
    for (const p of platforms) {
      if (!isValidPlatform(p)) {
        throw new GomirrorError('E_USAGE', `--platforms: invalid platform "${p}"`, { hint: 'Platforms are GOOS-GOARCH, e.g. linux-amd64,darwin-arm64' });
      }
    }
  }
  return Object.freeze({ queries, platforms: Object.freeze(toolchainPlatforms(platforms, host)) });
}

/** A comma-separated pattern list (GOPRIVATE syntax); undefined when unset or blank. */
function patterns(v: string | undefined): string[] | undefined {
  if (nonEmpty(v) === undefined) return undefined;
  return (v as string).split(',').map((x) => x.trim()).filter(Boolean);
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v;
}
