import path from 'node:path';
import pLimit from 'p-limit';
import { forEachBounded } from '../bounded.js';
import { flatString } from '../flat-string.js';
import type { GomirrorError } from '../errors.js';
import { isGomirrorError, toGomirrorError } from '../errors.js';
import type { PlanEntry } from '../graph/index.js';
import { compareSemver, isPseudoVersion, pseudoVersionTime } from '../module/index.js';
import type { SumStore } from '../gosum/index.js';
import type { TreeStore } from '../tree/index.js';
import type { UpstreamClient } from '../upstream/index.js';
import { mirrorVersion, type MirrorContext, type VersionOutcome, resolveQueries, type QueryInput, type Resolution, checkGoMod, createModCache, loadQueryRules, withModCache, type AvoidVersion, type SkippedVersion } from '../mirror/index.js';

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
  /** What a dry run would mirror of this module: every planned version, whether it is downloaded or present. */
  plan?: (PlanEntry & { download: boolean })[];
  /** Wall time from the start of the module's resolution to its list rewrite. */
  seconds?: number;
  /** Versions a non-exact query skipped by policy (SyncOptions.avoid). */
  skipped?: SkippedVersion[];
  /** What branch or commit queries resolved to (`main` is v0.0.0-2024…-abcdef). */
  resolved?: string[];
}

export interface SyncEvents {
  onResolved?(module: string, versions: string[]): void;
  onVersion?(outcome: VersionOutcome): void;
  onModuleError?(module: string, error: GomirrorError): void;
  onNote?(module: string, note: string): void;
  /** A module's list was rewritten naming versions this run renamed in (the catalog reads it ahead). */
  onIndexed?(module: string): void;
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
  stage?: MirrorContext['stage'];
  /** Checks each version's hashes with the checksum database before it is written. */
  authenticate?: MirrorContext['authenticate'];
  /** How often recorded hashes are flushed to disk while the run goes on. */
  flushIntervalMs?: number;
  /**
   * Turns the resolved versions into everything to mirror (the dependency
   * closure, go.sum lines). Default: each resolved version with its zip.
   */
  expand?: (roots: ResolvedRoot[]) => Promise<Expansion>;
  /**
   * Runs after every version is in place and before any `list`/`@latest` is
   * rewritten (the checksum database publishes its lookups and tiles here),
   * so no index offers a version a GOSUMDB client cannot yet verify.
   * Returning false (publishing failed) leaves every list as it was.
   */
  beforeIndex?: () => Promise<boolean>;
  /**
   * Which modules' lists wait for beforeIndex (default: all). With no
   * checksum database of the sync's own, only toolchains do (the go command
   * checks them against one anyway); the others are listed as they complete.
   */
  waitsForIndex?: (module: string) => boolean;
  /** Keeps versions out of non-exact queries (the `vulnerable: refuse-latest` policy). */
  avoid?: AvoidVersion;
  /** Told when a module has files to download, before they are asked for (to start staging workers early). */
  onDownloadsAhead?: () => void;
  /**
   * Takes each module's outcome when the module is done (its list rewritten
   * or left as it was). Given, runSync keeps no outcome of a finished module
   * and returns none: a run of 100,000 versions does not hold them all.
   */
  onModuleDone?: (outcome: ModuleOutcome) => Promise<void>;
}

/** A version a target's queries picked, with the manifest entry that named it. */
export interface ResolvedRoot {
  module: string;
  version: string;
  where: string;
}

/** What expand() returns: the versions to mirror, and problems found on the way (by module). */
export interface Expansion {
  entries: PlanEntry[];
  errors?: { module: string; error: GomirrorError }[];
}

/** Versions in flight (downloading, staged, committing) per download slot. */
const STAGED_PER_DOWNLOAD = 4;

/**
 * The sync orchestrator: resolve every module's queries, expand the picked
 * versions (dependency closure, go.sum lines), mirror every planned version
 * with bounded concurrency, then rebuild each module's `list` and
 * `@latest` from what is on disk. A failing module does not stop the others;
 * outcomes are collected and returned sorted by module path.
 */
export async function runSync(options: SyncOptions): Promise<ModuleOutcome[]> {
  const { upstream, store, sums, events } = options;
  // .mod files queries read (checked), kept so mirroring the picked version does not fetch them again
  // (one a module at most, the latest's: held compactly, 25,000 of them wait for the closure at scale).
  const queryMods = createModCache(Number.POSITIVE_INFINITY);
  const ctx: MirrorContext = {
    upstream: withModCache(upstream, queryMods),
    store,
    sums,
    ...(options.expected ? { expected: options.expected } : {}),
    ...(options.stage ? { stage: options.stage } : {}),
    ...(options.authenticate ? { authenticate: options.authenticate } : {}),
    downloadSlot: (fetch) => downloadLimit(fetch),
  };
  // Separate limiters, so a module waiting for its versions never holds a slot
  // its own versions need. A version holds a download slot only while its
  // files download: the zip check, the checksum database and the renames of
  // one version overlap the downloads of the next ones (at most
  // STAGED_PER_DOWNLOAD times as many versions in flight as downloads).
  const resolveLimit = pLimit(options.concurrency);
  const versionLimit = pLimit(options.concurrency * STAGED_PER_DOWNLOAD);
  const downloadLimit = pLimit(options.concurrency);
  const inFlight = new Map<string, Promise<VersionOutcome>>();

  const flushTimer = setInterval(() => void sums.checkpoint().catch(() => undefined), options.flushIntervalMs ?? 5000);
  flushTimer.unref();

  // Retraction checks and resolution read the same @v/list: fetch it once.
  // The go.mod files queries read come from the tree when they are there, else
  // from upstream checked like every other download.
  const lists = new Map<string, Promise<string[]>>();
  const listing: UpstreamClient = {
    ...upstream,
    list: (p) => {
      let l = lists.get(p);
      if (!l) lists.set(p, (l = upstream.list(p)));
      return l;
    },
    mod: async (p, v) => {
      const onDisk = await store.read(store.layout.versionFile(p, v, 'mod'));
      if (onDisk) return onDisk;
      const data = await checkGoMod(ctx, p, v, await upstream.mod(p, v));
      queryMods.set(`${p}@${v}`, data);
      return data;
    },
  };

  async function resolveTarget(target: SyncTarget): Promise<{ target: SyncTarget; resolution: Resolution }> {
    const resolve = async (): Promise<Resolution> =>
      resolveQueries(listing, target.module, target.queries, await loadQueryRules(listing, target.module, target.queries), options.avoid);
    const resolution = await resolveLimit(resolve).catch(
      (err: unknown): Resolution => ({ versions: [], errors: [asError(err, target.module)] }),
    );
    // Targets are merged per module: nothing reads this list again.
    lists.delete(target.module);
    for (const e of resolution.errors) events?.onModuleError?.(target.module, e);
    for (const n of resolution.notes ?? []) events?.onNote?.(target.module, n);
    return { target, resolution };
  }

  async function syncModule(module: string, entries: PlanEntry[], outcome: ModuleOutcome, latestInfo?: Buffer): Promise<void> {
    events?.onResolved?.(module, entries.map((e) => e.version));
    const onDisk = await store.versionDirNames(module);
    const downloads = (e: PlanEntry): boolean => {
      const name = (kind: 'info' | 'zip'): string => path.basename(store.layout.versionFile(module, e.version, kind));
      return !onDisk.has(name('info')) || (e.zip !== 'no' && !onDisk.has(name('zip')));
    };
    if (options.dryRun) {
      outcome.plan = entries.map((e) => {
        const download = downloads(e);
        if (download) outcome.planned.push(e.version);
        return { ...e, download };
      });
      return;
    }
    if (options.onDownloadsAhead && entries.some(downloads)) options.onDownloadsAhead();

    // Every version settles before this module is done: a failure here never
    // leaves another download running behind the caller's back.
    const settledVersions = await Promise.allSettled(
      entries.map((e) => {
        const key = `${module}@${e.version}`;
        let p = inFlight.get(key);
        if (!p) {
          p = versionLimit(() => mirrorVersion(ctx, module, e.version, onDisk, e.zip)).then((o) => {
            const labelled: VersionOutcome = { ...o, source: e.source, from: e.from };
            events?.onVersion?.(labelled);
            return labelled;
          });
          inFlight.set(key, p);
          // Only while it runs: a settled version needs no de-duplication, and 100,000 kept promises are memory.
          void p.finally(() => inFlight.delete(key)).catch(() => undefined);
        }
        return p;
      }),
    );
    outcome.versions = settledVersions.map((r, i) =>
      r.status === 'fulfilled'
        ? r.value
        : { module, version: (entries[i] as PlanEntry).version, status: 'failed', bytes: 0, error: asError(r.reason, module) },
    );

    // A new module none of whose versions made it (refused by the checksum
    // database, say) gets no files at all, not even an empty list.
    if (onDisk.size === 0 && outcome.versions.length > 0 && outcome.versions.every((v) => v.status === 'failed')) return;
    const index = async (): Promise<void> => {
      try {
        // Hashes are on disk (fsynced) before any list names their versions,
        // so a crash never leaves a listed version without its record.
        await sums.checkpoint();
        // list is rewritten only now that every version it names is in place.
        // A failed version may have renamed some of its files before it failed.
        const renamed = outcome.versions.some((v) => v.status !== 'present');
        // Nothing renamed: the directory is as listed when the module started.
        await store.rebuildIndex(module, async () => latestInfoFor(store, module, latestInfo), renamed ? { renamed } : { renamed, names: onDisk });
        if (renamed) events?.onIndexed?.(module);
      } catch (err) {
        const e = asError(err, module);
        outcome.errors.push(e);
        events?.onModuleError?.(module, e);
      }
    };
    if (options.beforeIndex && (options.waitsForIndex?.(module) ?? true)) deferredIndexes.set(module, index);
    else await index();
  }
  /**
   * Every target's resolution, in target order. A function of its own: no
   * variable of planModules holds the array once planModules lets it go.
   */
  async function resolveAll(merged: SyncTarget[]): Promise<{ target: SyncTarget; resolution: Resolution }[]> {
    const into: { target: SyncTarget; resolution: Resolution }[] = new Array(merged.length);
    await forEachBounded(merged.keys(), options.concurrency, async (i) => {
      into[i] = await resolveTarget(merged[i] as SyncTarget);
    });
    return into;
  }
  // Modules whose list waits for beforeIndex: they are done only after it.
  const deferredIndexes = new Map<string, () => Promise<void>>();

  interface Slot {
    outcome: ModuleOutcome;
    entries: PlanEntry[];
    latestInfo?: Buffer;
  }
  /**
   * Resolves every target, expands the picked versions and groups the plan by
   * module. Only the groups outlive it: the resolutions, roots and the
   * expansion's array are let go before any module is mirrored.
   */
  async function planModules(): Promise<Map<string, Slot>> {
    // Bounded, not a Promise.all over the limiter: 25,000 pending chains (a promise and closures each) were a large part of a no-op's heap.
    let resolved: { target: SyncTarget; resolution: Resolution }[] | undefined = await resolveAll(mergeTargets(options.targets));
    // One string per distinct version (v1.0.0 is in most modules' lists), not one cut from each list.
    const versions = new Map<string, string>();
    const one = (v: string): string => {
      let have = versions.get(v);
      if (have === undefined) versions.set(v, (have = flatString(v)));
      return have;
    };
    const roots = resolved.flatMap(({ target, resolution }) => {
      const where = entryOf(target);
      return resolution.versions.map((version) => ({ module: target.module, version: one(version), where }));
    });
    versions.clear();
    const slots = new Map<string, Slot>();
    const slot = (module: string): Slot => {
      let s = slots.get(module);
      if (!s) {
        s = { outcome: { module, versions: [], errors: [], planned: [] }, entries: [] };
        slots.set(module, s);
      }
      return s;
    };
    for (const { target, resolution } of resolved) {
      const s = slot(target.module);
      s.outcome.errors.push(...resolution.errors);
      if (resolution.latestInfo) s.latestInfo = resolution.latestInfo;
      if (resolution.skipped) s.outcome.skipped = [...(s.outcome.skipped ?? []), ...resolution.skipped];
      if (resolution.notes) s.outcome.resolved = [...(s.outcome.resolved ?? []), ...resolution.notes];
    }
    // The resolutions' version lists are in roots now: let them go before the closure runs.
    resolved = undefined;
    const expansion: Expansion = options.expand
      ? await options.expand(roots)
      : { entries: roots.map((r) => ({ module: r.module, version: r.version, zip: 'required', source: 'root', from: r.where })) };
    for (const e of expansion.entries) slot(e.module).entries.push(e);
    for (const { module, error } of expansion.errors ?? []) {
      slot(module).outcome.errors.push(error);
      events?.onModuleError?.(module, error);
    }
    return slots;
  }

  let failed = false;
  try {
    const slots = await planModules();
    const finished: ModuleOutcome[] = [];
    const finish = async (outcome: ModuleOutcome): Promise<void> => {
      slots.delete(outcome.module);
      if (options.onModuleDone) await options.onModuleDone(outcome);
      else finished.push(outcome);
    };
    const timed = async (module: string): Promise<void> => {
      const s = slots.get(module) as Slot;
      const t0 = performance.now();
      try {
        await syncModule(module, s.entries, s.outcome, s.latestInfo);
      } catch (err) {
        // Its error goes into its outcome; the other modules go on.
        const e = asError(err, module);
        s.outcome.errors.push(e);
        events?.onModuleError?.(module, e);
      }
      s.outcome.seconds = (performance.now() - t0) / 1000;
      // What it was to mirror is done with: only the outcome stays until it is handed on.
      s.entries = [];
      delete s.latestInfo;
      if (!deferredIndexes.has(module)) await finish(s.outcome);
    };
    // Bounded, not all at once: a module that throws must not return while
    // other modules still download and rename (the caller then closes the
    // transport and releases the lock). A few modules at a time (their
    // versions share versionLimit): started all at once, 25,000 modules
    // would list their directories and queue every version of the plan up front.
    await forEachBounded(slots.keys(), Math.max(2, options.concurrency * 2), timed);
    if (options.beforeIndex && !options.dryRun && (await options.beforeIndex())) {
      const indexLimit = pLimit(options.concurrency);
      await Promise.all([...deferredIndexes.values()].map((index) => indexLimit(index)));
    }
    for (const module of [...deferredIndexes.keys()].sort()) await finish((slots.get(module) as Slot).outcome);
    deferredIndexes.clear();
    return finished.sort((a, b) => (a.module < b.module ? -1 : a.module > b.module ? 1 : 0));
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    clearInterval(flushTimer);
    // Also on the way out of a failed run: hashes of what was written are kept.
    // A flush failure then must not hide the error that stopped the run.
    if (!options.dryRun) await sums.flush().catch((e: unknown) => {
      if (!failed) throw e;
    });
  }
}

/** The manifest entry a target came from (`mirror.json: modules[2]`), for reports. */
function entryOf(target: SyncTarget): string {
  return target.queries[0]?.where.replace(/\.versions\[\d+\]$/, '') ?? target.module;
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
    // A new target only for a module named twice: one copy of 25,000 targets is memory the run keeps.
    if (have) byModule.set(t.module, { module: t.module, queries: [...have.queries, ...t.queries] });
    else byModule.set(t.module, t);
  }
  return [...byModule.values()];
}

function asError(err: unknown, module: string): GomirrorError {
  if (isGomirrorError(err)) return err;
  return toGomirrorError(err, module, 'E_INTERNAL');
}
