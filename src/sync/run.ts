import pLimit from 'p-limit';
import { GomirrorError, isGomirrorError } from '../errors.js';
import { compareSemver, isPseudoVersion, pseudoVersionTime } from '../module/index.js';
import type { SumStore } from '../tree/sums.js';
import type { TreeStore } from '../tree/store.js';
import type { UpstreamClient } from '../upstream/client.js';
import { mirrorVersion, type MirrorContext, type VersionOutcome } from './mirror-version.js';
import { resolveQueries, type QueryInput } from './resolve.js';

/** One module to mirror and the queries that pick its versions. */
export interface SyncTarget {
  module: string;
  queries: QueryInput[];
}

export interface ModuleOutcome {
  module: string;
  versions: VersionOutcome[];
  /** Errors that are not about one version (list unavailable, a query matching nothing). */
  errors: GomirrorError[];
  /** Versions a dry run would download. */
  planned: string[];
  /** Wall time from the start of the module's resolution to its list rewrite. */
  seconds?: number;
}

export interface SyncEvents {
  onResolved?(module: string, versions: string[]): void;
  onVersion?(outcome: VersionOutcome): void;
  onModuleError?(module: string, error: GomirrorError): void;
}

export interface SyncOptions {
  targets: SyncTarget[];
  upstream: UpstreamClient;
  store: TreeStore;
  sums: SumStore;
  concurrency: number;
  dryRun?: boolean;
  events?: SyncEvents;
  expected?: MirrorContext['expected'];
  checkZip?: MirrorContext['checkZip'];
  /** Checks each version's hashes with the checksum database before it is written. */
  authenticate?: MirrorContext['authenticate'];
  /** How often recorded hashes are flushed to disk while the run goes on. */
  flushIntervalMs?: number;
}

/**
 * The sync orchestrator: resolve every module's queries, mirror every picked
 * version with bounded concurrency, then rebuild each module's `list` and
 * `@latest` from what is on disk. A failing module does not stop the others;
 * outcomes are collected and returned sorted by module path.
 */
export async function runSync(options: SyncOptions): Promise<ModuleOutcome[]> {
  const { upstream, store, sums, events } = options;
  const ctx: MirrorContext = {
    upstream,
    store,
    sums,
    ...(options.expected ? { expected: options.expected } : {}),
    ...(options.checkZip ? { checkZip: options.checkZip } : {}),
    ...(options.authenticate ? { authenticate: options.authenticate } : {}),
  };
  // Two limiters, so a module waiting for its versions never holds a slot
  // its own versions need.
  const resolveLimit = pLimit(options.concurrency);
  const versionLimit = pLimit(options.concurrency);
  const inFlight = new Map<string, Promise<VersionOutcome>>();

  const flushTimer = setInterval(() => void sums.flush().catch(() => undefined), options.flushIntervalMs ?? 5000);
  flushTimer.unref();

  async function syncModule(target: SyncTarget): Promise<ModuleOutcome> {
    const outcome: ModuleOutcome = { module: target.module, versions: [], errors: [], planned: [] };
    const resolution = await resolveLimit(() => resolveQueries(upstream, target.module, target.queries)).catch(
      (err: unknown) => ({ versions: [] as string[], errors: [asError(err, target.module)], latestInfo: undefined }),
    );
    for (const e of resolution.errors) events?.onModuleError?.(target.module, e);
    outcome.errors.push(...resolution.errors);
    events?.onResolved?.(target.module, resolution.versions);

    if (options.dryRun) {
      for (const v of resolution.versions) {
        const complete = await store.exists(store.layout.versionFile(target.module, v, 'info'));
        if (!complete) outcome.planned.push(v);
      }
      return outcome;
    }

    const onDisk = await store.versionDirNames(target.module);
    outcome.versions = await Promise.all(
      resolution.versions.map((v) => {
        const key = `${target.module}@${v}`;
        let p = inFlight.get(key);
        if (!p) {
          p = versionLimit(() => mirrorVersion(ctx, target.module, v, onDisk)).then((o) => {
            events?.onVersion?.(o);
            return o;
          });
          inFlight.set(key, p);
        }
        return p;
      }),
    );

    try {
      // list is rewritten only now that every version it names is in place.
      await store.rebuildIndex(target.module, async () => latestInfoFor(store, target.module, resolution.latestInfo));
    } catch (err) {
      const e = asError(err, target.module);
      outcome.errors.push(e);
      events?.onModuleError?.(target.module, e);
    }
    return outcome;
  }

  try {
    const timed = async (t: SyncTarget): Promise<ModuleOutcome> => {
      const t0 = performance.now();
      const o = await syncModule(t);
      o.seconds = (performance.now() - t0) / 1000;
      return o;
    };
    const outcomes = await Promise.all(mergeTargets(options.targets).map(timed));
    return outcomes.sort((a, b) => (a.module < b.module ? -1 : a.module > b.module ? 1 : 0));
  } finally {
    clearInterval(flushTimer);
    if (!options.dryRun) await sums.flush();
  }
}

/**
 * The `@latest` body for a module with no tagged version: the upstream's own
 * answer when we asked for it and hold that version, else the .info of the
 * newest pseudo-version on disk (by its timestamp), so `go get m@latest`
 * works against the tree.
 */
async function latestInfoFor(store: TreeStore, module: string, upstreamLatest: Buffer | undefined): Promise<Buffer | undefined> {
  const have = await store.completeVersions(module);
  if (upstreamLatest) {
    const v = (JSON.parse(upstreamLatest.toString()) as { Version?: unknown }).Version;
    if (typeof v === 'string' && have.includes(v)) return upstreamLatest;
  }
  const pseudo = have.filter((v) => isPseudoVersion(v));
  pseudo.sort((a, b) => pseudoVersionTime(b).getTime() - pseudoVersionTime(a).getTime() || compareSemver(b, a));
  const newest = pseudo[0];
  return newest === undefined ? undefined : store.read(store.layout.versionFile(module, newest, 'info'));
}

/** The same module named twice (in the manifest, or by several inputs) is one target. */
function mergeTargets(targets: SyncTarget[]): SyncTarget[] {
  const byModule = new Map<string, SyncTarget>();
  for (const t of targets) {
    const have = byModule.get(t.module);
    if (have) have.queries.push(...t.queries);
    else byModule.set(t.module, { module: t.module, queries: [...t.queries] });
  }
  return [...byModule.values()];
}

function asError(err: unknown, module: string): GomirrorError {
  if (isGomirrorError(err)) return err;
  return new GomirrorError('E_INTERNAL', `${module}: ${(err as Error).message}`, { cause: err });
}
