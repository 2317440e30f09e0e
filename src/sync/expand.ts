/**
 * A sync's expand step: from the resolved roots to everything to mirror.
 * The plan comes from the plan cache when its key matches (plan-cache.ts),
 * else from the dependency closure, which then writes the cache; toolchains
 * the project or the roots' go lines ask for are added either way.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SyncConfig } from '../config/index.js';
import type { GomirrorError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { TreeStore } from '../tree/index.js';
import type { UpstreamClient } from '../upstream/index.js';
import { computeClosure, checkGoMod, type MirrorContext, type ModCache } from '../mirror/index.js';
import { createVersionTable } from '../graph/index.js';
import { compareGoVersions, TOOLCHAIN_MODULE } from '../toolchain/index.js';
import { FIRST_SWITCHING, toolchainEntries, type ProjectInputs } from '../project/index.js';
import { planCacheKey, readPlanCache, removePlanCache, writePlanCache, type CachedPlan } from './plan-cache.js';
import type { Expansion, ResolvedRoot } from './run.js';

export interface ExpandContext {
  config: SyncConfig;
  project: ProjectInputs;
  store: TreeStore;
  upstream: UpstreamClient;
  /** Where a fetched go.mod's hash is checked (the tree's record, the project's go.sum). */
  hashSources: Pick<MirrorContext, 'sums' | 'expected'>;
  /** Where the closure leaves the .mod files it fetched, for mirroring (createModCache). */
  modCache: ModCache;
  logger: Logger;
}

/** A computed plan: the cached part, and what only a closure that ran knows. */
type Computed = CachedPlan & {
  errors: { module: string; error: GomirrorError }[];
  goLineOf: (p: string, v: string) => string | null | undefined;
};

export function createExpand(ctx: ExpandContext): { expand: (roots: ResolvedRoot[]) => Promise<Expansion>; graphBytes: () => number } {
  const { config, project, store, upstream, modCache, logger } = ctx;
  let graphBytes = 0;
  const cacheFile = store.layout.planCacheFile();

  /** The dependency closure's plan; written to the plan cache when it went without a problem (removed otherwise). */
  async function closurePlan(roots: ResolvedRoot[], cacheKey: string): Promise<Computed> {
    // A project's own go.sum adds nothing to its graph; other go.sum files start one.
    const gosumRoots = project.gosum.filter((g) => !g.ownedByProject).map((g) => ({ module: g.module, where: g.where }));
    // One object per module version for the whole closure, the roots' included.
    const table = createVersionTable();
    let localDirs = false;
    const closure = await computeClosure({
      table,
      input: {
        roots: roots.map((r) => ({ module: table.get(r.module, r.version), where: r.where })),
        gosum: gosumRoots,
        mains: project.mains,
        workspaces: project.workspaces,
      },
      gosum: project.gosum,
      deps: config.deps,
      allZips: config.zips === 'all',
      concurrency: config.concurrency,
      loadMod: async (p, v, key) => {
        const onDisk = await store.read(store.layout.versionFile(p, v, 'mod'));
        if (onDisk) return onDisk;
        const data = await upstream.mod(p, v);
        graphBytes += data.length;
        // Checked against the recorded hashes as mirrorVersion checks it, so a tampered .mod never steers the graph.
        await checkGoMod(ctx.hashSources, p, v, data);
        // Under the closure's own key string: at 100,000 versions a key per entry was megabytes.
        modCache.set(key, data);
        return data;
      },
      readLocalGoMod: async (dir) => {
        // A local directory's go.mod may change under the same inputs: such a plan is never cached.
        localDirs = true;
        return readFile(path.join(dir, 'go.mod'), 'utf8').catch(() => undefined);
      },
    });
    // The root go lines toolchain switching looks at; any other root's line (or none) asks for nothing.
    // Roots whose go.mod the closure did not read are kept apart: toolchainEntries reads those itself.
    const unread = new Set<string>();
    const goLines = config.deps
      ? roots.flatMap((r) => {
          const go = closure.goLineOf(r.module, r.version);
          if (go === undefined) unread.add(`${r.module}@${r.version}`);
          return go && compareGoVersions(go, FIRST_SWITCHING) > 0 ? [{ module: r.module, version: r.version, go }] : [];
        })
      : [];
    // Answers as closure.goLineOf does for every root, from the lines kept: the closure's own answer holds an
    // object per module version it met, for as long as this plan is used.
    const switching = new Map(goLines.map((g) => [`${g.module}@${g.version}`, g.go]));
    const goLineOf = (p: string, v: string): string | null | undefined => {
      const key = `${p}@${v}`;
      return config.deps ? (switching.get(key) ?? (unread.has(key) ? undefined : null)) : undefined;
    };
    const result = { entries: closure.plan.entries, notes: closure.plan.notes, modsRead: closure.modsRead, goLines, errors: closure.errors, goLineOf };
    if (!config.dryRun) {
      // Only a closure without a single problem is kept; one with problems removes the last one.
      const keep = closure.complete && !localDirs;
      await (keep ? writePlanCache(cacheFile, cacheKey, result) : removePlanCache(cacheFile)).catch((e: unknown) =>
        logger.warn(`${cacheFile}: ${(e as Error).message} (the next sync reads every go.mod again)`),
      );
    }
    return result;
  }

  const expand = async (roots: ResolvedRoot[]): Promise<Expansion> => {
    const cacheKey = planCacheKey({
      deps: config.deps,
      allZips: config.zips === 'all',
      roots,
      gosum: project.gosum,
      mains: project.mains,
      workspaces: project.workspaces,
      goLineRule: `>${FIRST_SWITCHING}`,
    });
    const plan = (await readPlanCache(cacheFile, cacheKey)) ?? (await closurePlan(roots, cacheKey));
    const computed = 'errors' in plan ? (plan as Computed) : undefined;
    for (const note of plan.notes) logger.info(note);
    const goLines = new Map(plan.goLines.map((g) => [`${g.module}@${g.version}`, g.go]));
    // A cached closure read every root's go.mod: a root with no line kept has none that asks for a toolchain.
    const goLineOf = computed?.goLineOf ?? ((p: string, v: string): string | null => goLines.get(`${p}@${v}`) ?? null);
    const toolchains = await toolchainEntries({
      toolchains: config.toolchains,
      project,
      roots,
      deps: config.deps,
      loadMod: async (p, v) => modCache.get(`${p}@${v}`) ?? (await store.read(store.layout.versionFile(p, v, 'mod'))) ?? upstream.mod(p, v),
      goLineOf,
      list: () => upstream.list(TOOLCHAIN_MODULE),
    });
    for (const e of toolchains.entries) logger.info(`toolchain ${e.version}: ${e.from}`, { module: e.module, version: e.version });
    if (config.deps) {
      const deps = plan.entries.filter((e) => e.source === 'dependency').length;
      logger.info(`dependency closure: ${plan.modsRead} go.mod files read, ${deps} versions added by following requirements`, {
        modsRead: plan.modsRead,
        dependencies: deps,
      });
    }
    const entries = plan.entries;
    entries.push(...toolchains.entries);
    return { entries, errors: [...(computed?.errors ?? []), ...toolchains.errors] };
  };
  return { expand, graphBytes: () => graphBytes };
}
