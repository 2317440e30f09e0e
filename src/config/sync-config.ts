import path from 'node:path';
import { GomirrorError } from '../errors.js';
import type { Manifest, ManifestModule } from '../manifest/index.js';
import { parseProxyList, type ProxyEntry, DEFAULT_RETRY } from '../upstream/index.js';

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
  readonly gomod: readonly string[];
  readonly gosum: readonly string[];
  readonly concurrency: number;
  readonly retries: number;
  readonly dryRun: boolean;
  readonly report?: string;
  readonly metrics?: string;
  readonly logFormat: LogFormat;
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
  concurrency?: number;
  retries?: number;
  dryRun?: boolean;
  report?: string;
  metrics?: string;
  logFormat?: string;
}

export const DEFAULT_UPSTREAM = 'https://proxy.golang.org';
export const DEFAULT_SUMDB = 'sum.golang.org';
export const DEFAULT_CONCURRENCY = 16;
export const DEFAULT_VCS_CONCURRENCY = 4;

/**
 * Layers the sources, lowest first: defaults → environment (the go command's
 * GOPROXY, GOSUMDB, GONOSUMDB/GOPRIVATE) → manifest → flags.
 */
export function buildSyncConfig(flags: SyncFlags, manifest: Manifest | undefined, env: NodeJS.ProcessEnv): SyncConfig {
  if (!flags.out) throw new GomirrorError('E_USAGE', '--out is required: the directory that holds the tree');
  const concurrency = flags.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
    throw new GomirrorError('E_USAGE', `--concurrency: must be a whole number from 1 to 256, not ${flags.concurrency}`);
  }
  const vcsConcurrency = flags.vcsConcurrency ?? DEFAULT_VCS_CONCURRENCY;
  if (!Number.isInteger(vcsConcurrency) || vcsConcurrency < 1 || vcsConcurrency > 64) {
    throw new GomirrorError('E_USAGE', `--vcs-concurrency: must be a whole number from 1 to 64, not ${flags.vcsConcurrency}`);
  }
  const retries = flags.retries ?? DEFAULT_RETRY.retries;
  if (!Number.isInteger(retries) || retries < 0 || retries > 20) {
    throw new GomirrorError('E_USAGE', `--retries: must be a whole number from 0 to 20, not ${flags.retries}`);
  }
  const zips = flags.zips ?? 'selected';
  if (zips !== 'selected' && zips !== 'all') {
    throw new GomirrorError('E_USAGE', `--zips: must be selected or all, not "${zips}"`);
  }
  const logFormat = flags.logFormat ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') {
    throw new GomirrorError('E_USAGE', `--log-format: must be text or json, not "${logFormat}"`);
  }
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
  if (modules.length === 0 && gomod.length === 0 && gosum.length === 0) {
    throw new GomirrorError('E_USAGE', 'nothing to mirror: give --manifest FILE with "modules", or --gomod/--gosum files', {
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
    gomod,
    gosum,
    concurrency,
    retries,
    dryRun: flags.dryRun ?? false,
    ...(flags.report ? { report: path.resolve(flags.report) } : {}),
    ...(flags.metrics ? { metrics: path.resolve(flags.metrics) } : {}),
    logFormat,
  });
}

/** A comma-separated pattern list (GOPRIVATE syntax); undefined when unset or blank. */
function patterns(v: string | undefined): string[] | undefined {
  if (nonEmpty(v) === undefined) return undefined;
  return (v as string).split(',').map((x) => x.trim()).filter(Boolean);
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v;
}
