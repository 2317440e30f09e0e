import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SyncConfig } from '../config/index.js';
import { toGomirrorError, type GomirrorError } from '../errors.js';
import type { Logger } from '../logger.js';
import { acquireTreeLock, createTreeStore, sweepAfterUncleanRun } from '../tree/index.js';
import { openSumStore } from '../gosum/index.js';
import { createUpstreamClient, createUpstreamStack, loadUpstreamSetup, redactUrl, type UpstreamSetup } from '../upstream/index.js';
import { parseGosumdb } from '../sumdb/index.js';
import type { SumdbVerifier } from '../sumdb/client/index.js';
import { matchPrefixPatterns, unescapePath } from '../module/index.js';
import type { VcsDirectSource } from '../vcs/index.js';
import { TOOL_VERSION } from '../version.js';
import { writeSyncMetrics } from './metrics.js';
import { computeClosure, withModCache, checkGoMod, createStagePool } from '../mirror/index.js';
import { createVersionTable } from '../graph/index.js';
import { compareGoVersions } from '../toolchain/index.js';
import { planCacheKey, readPlanCache, removePlanCache, writePlanCache, type CachedPlan } from './plan-cache.js';
import { FIRST_SWITCHING, readProjectInputs, toolchainEntries, type ProjectInputs } from '../project/index.js';
import { type SyncReport, upstreamUnreachable } from './report.js';
import { createReportRows, type ReportRows } from './report-rows.js';
import { runSync, type Expansion, type ResolvedRoot, type SyncTarget, type ModuleOutcome } from './run.js';
import { onInterrupt } from './interrupt.js';
import { tightenHeapGrowth } from './heap-growth.js';
import { prepareVulnerable } from './vulnerable.js';
import { TOOLCHAIN_MODULE } from '../toolchain/index.js';
import { DEFAULT_SUMDB } from '../config/index.js';

export interface SyncServiceOptions {
  env?: NodeJS.ProcessEnv;
  /** Extra CA certificates for https upstreams (tests, private CAs). */
  ca?: string | Buffer;
  /** How an interrupted run ends (default process.exit); tests replace it. */
  exit?: (code: number) => void;
}

/** What a run has done so far: the report of an interrupted run is built from it. */
interface RunSoFar {
  /** Modules not finished yet, as they stand. */
  outcomes: Map<string, ModuleOutcome>;
  /** The finished modules' rows. */
  rows?: ReportRows;
  stats: () => { requests: number; retries: number };
}

/**
 * `gomirror sync`: takes the tree's lock (not for a dry run; E_LOCKED when
 * another run holds it), wires the real network and disk to the orchestrator,
 * writes `--report` and `--metrics`, and returns the report. A run that fails
 * after taking the lock still writes its metrics, with the error's code.
 */
export async function syncTree(config: SyncConfig, logger: Logger, options: SyncServiceOptions = {}): Promise<SyncReport> {
  // Every input is read and checked before the lock: an input error (exit 2)
  // does no work and creates neither --out nor its .gomirror.
  const inputs = await readSyncInputs(config, options);
  tightenHeapGrowth(options.env);
  // A run that may need version control checks the go command before any work (exit 2 without it).
  // Loaded only when needed, like the checksum database client: start-up is a large part of a short run.
  const go = config.vcs ? await (await import('../vcs/index.js')).locateGo(config.go, options.env ?? process.env) : undefined;
  const lock = config.dryRun ? undefined : await acquireTreeLock(config.out, { command: 'sync' });
  if (lock?.tookOver) logger.warn(`took over a stale lock: ${lock.tookOver}`);
  // Temp files of runs that died (killed mid-download), anywhere in the tree:
  // looked for only after a run that did not end cleanly.
  if (lock) {
    const swept = await sweepAfterUncleanRun(config.out, lock);
    if (swept.length > 0) logger.info(`removed ${swept.length} temp files left by runs that died`);
  }
  const started = Date.now();
  let report: SyncReport | undefined;
  let fatalCode: string | undefined;
  const soFar: RunSoFar = { outcomes: new Map(), stats: () => ({ requests: 0, retries: 0 }) };
  const stopWatching = lock
    ? onInterrupt(async (signal) => {
        logger.error(`interrupted by ${signal}: the run stopped early`, {
          code: 'E_INTERRUPTED',
          signal,
          hint: 'Every file already in the tree is complete; the next run goes on from there. Run gomirror sync again.',
        });
        const rows = soFar.rows ?? createReportRows({ dryRun: false });
        const { report: partial, extra } = rows.report(
          {
            toolVersion: TOOL_VERSION,
            dryRun: false,
            root: config.out,
            upstream: redactUrl(config.upstreamText),
            startedAt: new Date(started),
            finishedAt: new Date(),
            ...soFar.stats(),
          },
          [...soFar.outcomes.values()],
        );
        const interrupted: SyncReport = { ...partial, ok: false, fatal: { code: 'E_INTERRUPTED', message: `interrupted by ${signal}` } };
        if (config.report) {
          await rows.write(config.report, interrupted, extra).catch((e: unknown) =>
            logger.error(`${config.report}: cannot write the report: ${(e as Error).message}`),
          );
        }
        await rows.close();
        if (config.metrics) {
          await writeSyncMetrics(config.metrics, {
            root: config.out,
            startedAt: started / 1000,
            finishedAt: Date.now() / 1000,
            report: interrupted,
            fatalCode: 'E_INTERRUPTED',
          }).catch((e: unknown) => logger.error(`${config.metrics}: cannot write metrics: ${(e as Error).message}`));
        }
        // Downloads are still in flight: the next run sweeps their temp files.
        await lock.release({ unclean: true });
      }, options.exit)
    : (): void => undefined;
  try {
    const result = await syncLocked(config, logger, inputs, soFar, go?.goBin);
    report = result.report;
    if (report.fatal) fatalCode = report.fatal.code;
    // Loaded here, not at start-up (handlebars, marked): start-up is a large part of a short run.
    if (lock) await (await import('../catalog/index.js')).refreshCatalog(config.out, logger, { report, changed: [...result.changed] });
    return report;
  } catch (err) {
    fatalCode = toGomirrorError(err, 'sync', 'E_INTERNAL').code;
    throw err;
  } finally {
    if (config.metrics && !config.dryRun) {
      await writeSyncMetrics(config.metrics, {
        root: config.out,
        startedAt: started / 1000,
        finishedAt: Date.now() / 1000,
        ...(report ? { report } : {}),
        ...(fatalCode ? { fatalCode } : {}),
      }).catch((e: unknown) => logger.error(`${config.metrics}: cannot write metrics: ${(e as Error).message}`));
    }
    stopWatching();
    await lock?.release();
  }
}

interface SyncInputs {
  project: ProjectInputs;
  sumdbSpec: ReturnType<typeof parseGosumdb>;
  upstreamSetup: UpstreamSetup;
}

async function readSyncInputs(config: SyncConfig, options: SyncServiceOptions): Promise<SyncInputs> {
  const project = await readProjectInputs(config.gomod, config.gosum);
  const sumdbSpec = parseGosumdb(config.sumdb, 'sumdb');
  const upstreamSetup = await loadUpstreamSetup(options.env ?? process.env, options.ca);
  return { project, sumdbSpec, upstreamSetup };
}

/**
 * The run itself. The report it returns has the summary and the rows of the
 * modules that did not go well (every row in a dry run); `--report` gets
 * every row, written from the spill file as modules finish (report-rows.ts).
 */
async function syncLocked(
  config: SyncConfig,
  logger: Logger,
  inputs: SyncInputs,
  soFar: RunSoFar,
  goBin?: string,
): Promise<{ report: SyncReport; changed: readonly string[] }> {
  const { project, sumdbSpec } = inputs;
  const env = inputs.upstreamSetup.env;
  const startedAt = new Date();
  const targets: SyncTarget[] = config.modules.map((m) => ({ module: m.path, queries: [...m.queries] }));
  const expected = project.expected;
  if (!config.dryRun) await mkdir(config.out, { recursive: true });
  const moduleRetries = new Map<string, number>();
  const bases = config.upstream.flatMap((e) => (e.kind === 'url' ? [e.url] : []));
  const stack = createUpstreamStack(inputs.upstreamSetup, {
    entries: config.upstream,
    concurrency: config.concurrency,
    retries: config.retries,
    onRetry: (url, attempt, delayMs, reason) => {
      const module = moduleOfUrl(url, bases);
      if (module) moduleRetries.set(module, (moduleRetries.get(module) ?? 0) + 1);
      logger.warn(`retrying ${url} (${reason})`, { attempt, delayMs });
    },
  });
  const transport = stack.transport;
  soFar.stats = () => ({ requests: transport.stats.requests, retries: transport.stats.retries });
  const slot = (module: string): ModuleOutcome => {
    let o = soFar.outcomes.get(module);
    if (!o) soFar.outcomes.set(module, (o = { module, versions: [], errors: [], planned: [] }));
    return o;
  };
  const store = createTreeStore(config.out, { toolchainPlatforms: config.toolchains.platforms });
  const sums = await openSumStore(store.layout.sumsFile());
  const stagePool = createStagePool(undefined, undefined, (err) =>
    logger.warn(`staging continues on the main thread (slower): ${err.message}`),
  );
  // Go verifies toolchains with the checksum database even with GOSUMDB=off
  // (modfetch useSumDB), so they are verified, and published, with the
  // default database then; every other module is skipped as configured.
  // The verifier is built on first use: with sumdb off, a run without
  // toolchains never needs it.
  let verifier: Promise<SumdbVerifier> | undefined;
  const sumdbVerifier = (): Promise<SumdbVerifier> =>
    (verifier ??= import('../sumdb/client/index.js').then(({ createSumdbVerifier }) =>
      createSumdbVerifier({
        spec: sumdbSpec ?? (parseGosumdb(DEFAULT_SUMDB) as NonNullable<typeof sumdbSpec>),
        root: config.out,
        upstream: config.upstream,
        transport,
        nosumdb: sumdbSpec ? config.nosumdb : ['*'],
        alwaysVerify: [TOOLCHAIN_MODULE],
        concurrency: config.concurrency,
        logger,
      }),
    ));
  const sumdb = !config.dryRun
    ? {
        authenticate: async (m: string, v: string, h: { mod: string; zip?: string }): Promise<void> => {
          if (sumdbSpec === null && m !== TOOLCHAIN_MODULE) return;
          await (await sumdbVerifier()).authenticate(m, v, h);
        },
        // With sumdb off and no toolchain, there is nothing to publish (nor to say).
        finish: async () => (verifier || sumdbSpec !== null ? finishSumdb(await sumdbVerifier(), logger, sumdbSpec === null) : undefined),
      }
    : undefined;
  let done = 0;
  let failed = 0;
  let total = 0;
  let bytes = 0;
  // A dry run writes nothing to the tree: its go commands get a throw-away cache.
  const scratch = goBin && config.dryRun ? await mkdtemp(path.join(tmpdir(), 'gomirror-vcs-')) : undefined;
  const direct: VcsDirectSource | undefined = goBin
    ? (await import('../vcs/index.js')).createDirectSource({
        goBin: goBin,
        root: scratch ?? config.out,
        env,
        concurrency: config.vcsConcurrency,
        private: config.private,
        noproxy: config.noproxy,
        nosumdb: config.nosumdb,
      })
    : undefined;
  const noproxy = config.noproxy.join(',');
  // Version control behind `direct` (and GONOPROXY modules) when the run may need it.
  const upstream = direct
    ? createUpstreamClient({ entries: [...config.upstream], transport, direct, noproxy: (m: string) => matchPrefixPatterns(noproxy, m) })
    : stack.client;
  const hashSources = {
    sums,
    expected: (m: string, v: string, goMod: boolean) => expected.get(`${m} ${v}${goMod ? '/go.mod' : ''}`),
  };
  // .mod files fetched to walk the graph, kept so mirroring does not fetch them again.
  // At most MOD_CACHE_BYTES of them: a first sync of 100,000 versions reads
  // every .mod to walk the graph, and all of them held until mirroring were
  // a large part of its memory. Past the limit, mirroring fetches the .mod again.
  const modCache = new BoundedBufferMap(MOD_CACHE_BYTES);
  let graphBytes = 0;
  const cacheFile = store.layout.planCacheFile();
  const expand = async (roots: ResolvedRoot[]): Promise<Expansion> => {
    // A project's own go.sum adds nothing to its graph; other go.sum files start one.
    const gosumRoots = project.gosum.filter((g) => !g.ownedByProject).map((g) => ({ module: g.module, where: g.where }));
    const cacheKey = planCacheKey({
      deps: config.deps,
      allZips: config.zips === 'all',
      roots,
      gosum: project.gosum,
      mains: project.mains,
      workspaces: project.workspaces,
      goLineRule: `>${FIRST_SWITCHING}`,
    });
    const plan = (await readPlanCache(cacheFile, cacheKey)) ?? (await closurePlan());
    type Computed = CachedPlan & { errors: { module: string; error: GomirrorError }[]; goLineOf: (p: string, v: string) => string | null | undefined };
    async function closurePlan(): Promise<Computed> {
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
        loadMod: async (p, v) => {
          const onDisk = await store.read(store.layout.versionFile(p, v, 'mod'));
          if (onDisk) return onDisk;
          const data = await upstream.mod(p, v);
          graphBytes += data.length;
          // Checked against the recorded hashes as mirrorVersion checks it, so a tampered .mod never steers the graph.
          await checkGoMod(hashSources, p, v, data);
          // A copy of its own: a small body may be a view of a much larger buffer.
          modCache.set(`${p}@${v}`, data.byteLength * 2 < data.buffer.byteLength ? Buffer.from(data) : data);
          return data;
        },
        readLocalGoMod: async (dir) => {
          // A local directory's go.mod may change under the same inputs: such a plan is never cached.
          localDirs = true;
          return readFile(path.join(dir, 'go.mod'), 'utf8').catch(() => undefined);
        },
      });
      // The root go lines toolchain switching looks at; any other root's line (or none) asks for nothing.
      const goLines = config.deps
        ? roots.flatMap((r) => {
            const go = closure.goLineOf(r.module, r.version);
            return go && compareGoVersions(go, FIRST_SWITCHING) > 0 ? [{ module: r.module, version: r.version, go }] : [];
          })
        : [];
      const result = { entries: closure.plan.entries, notes: closure.plan.notes, modsRead: closure.modsRead, goLines, errors: closure.errors, goLineOf: closure.goLineOf };
      if (!config.dryRun) {
        // Only a closure without a single problem is kept; one with problems removes the last one.
        const keep = closure.complete && !localDirs;
        await (keep ? writePlanCache(cacheFile, cacheKey, result) : removePlanCache(cacheFile)).catch((e: unknown) =>
          logger.warn(`${cacheFile}: ${(e as Error).message} (the next sync reads every go.mod again)`),
        );
      }
      return result;
    }
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
    return { entries: [...plan.entries, ...toolchains.entries], errors: [...(computed?.errors ?? []), ...toolchains.errors] };
  };
  let rows: ReportRows | undefined;
  try {
    // Before any module: the policy and the counts go by the newest database.
    const vulnerable = await prepareVulnerable(config, transport, logger);
    rows = createReportRows({
      dryRun: config.dryRun,
      ...(config.report ? { file: config.report } : {}),
      moduleRetries,
      annotate: (row, outcome) => vulnerable.annotate(row, outcome),
    });
    soFar.rows = rows;
    let sumdbError: GomirrorError | undefined;
    await runSync({
      targets,
      expand,
      upstream: withModCache(upstream, modCache),
      store,
      sums,
      concurrency: config.concurrency,
      dryRun: config.dryRun,
      expected: hashSources.expected,
      stage: (job) => stagePool.stage(job),
      onDownloadsAhead: () => stagePool.warm(),
      // The module's row goes to the report now; nothing of it stays here.
      onModuleDone: (o) => (rows as ReportRows).add(o, () => soFar.outcomes.delete(o.module)),
      ...(vulnerable.avoid ? { avoid: vulnerable.avoid } : {}),
      ...(sumdb ? { authenticate: sumdb.authenticate } : {}),
      // Publish the database's lookups and tiles before any list names the new versions.
      ...(sumdb
        ? {
            beforeIndex: async () => {
              sumdbError = await sumdb.finish();
              // No list may offer a version a GOSUMDB client cannot verify through this tree.
              if (sumdbError) logger.error(`lists not updated: the checksum database mirror was not published`, { code: sumdbError.code });
              return sumdbError === undefined;
            },
            // With sumdb off the database is there for toolchains only: other lists need not wait.
            ...(sumdbSpec === null ? { waitsForIndex: (m: string) => m === TOOLCHAIN_MODULE } : {}),
          }
        : {}),
      events: {
        onResolved: (_m, versions) => {
          total += versions.length;
          logger.progress({ done, total, failed, bytes });
        },
        onVersion: (o) => {
          slot(o.module).versions.push(o);
          done++;
          bytes += o.bytes;
          if (o.status === 'failed' && o.error) {
            failed++;
            logger.error(o.error.message, { module: o.module, version: o.version, code: o.error.code, hint: o.error.hint });
          } else if (o.status === 'fetched') {
            logger.info(`fetched ${o.module}@${o.version}`, { module: o.module, version: o.version, bytes: o.bytes });
          }
          logger.progress({ done, total, failed, bytes });
        },
        onModuleError: (m, e) => {
          slot(m).errors.push(e);
          logger.error(e.message, { module: m, code: e.code, hint: e.hint });
        },
        onNote: (m, note) => logger.info(note, { module: m }),
      },
    });
    if (direct && direct.stats.runs > 0) {
      const { runs, downloads, lists } = direct.stats;
      logger.info(`version control: ${runs} go commands (${downloads} go mod download, ${lists} go list)`, { goRuns: runs, goDownloads: downloads, goLists: lists });
    }
    const { report } = rows.report({
      toolVersion: TOOL_VERSION,
      dryRun: config.dryRun,
      root: config.out,
      upstream: redactUrl(config.upstreamText),
      startedAt,
      finishedAt: new Date(),
      requests: transport.stats.requests,
      retries: transport.stats.retries,
      graphBytes,
    });
    vulnerable.finish(report);
    // Nothing reached: name the cause once, as the run's fatal error (metrics, report), not only per module.
    const unreachable = upstreamUnreachable(report);
    if (unreachable) {
      report.fatal = unreachable;
      logger.error(unreachable.message, { code: unreachable.code, hint: unreachable.hint });
    }
    if (config.report) await rows.write(config.report, report);
    // Versions that failed already make the run fail; otherwise the database's own failure must.
    if (sumdbError && report.ok) throw sumdbError;
    return { report, changed: rows.changed };
  } finally {
    await Promise.all([stack.close(), stagePool.close(), ...(rows ? [rows.close()] : []), ...(scratch ? [rm(scratch, { recursive: true, force: true })] : [])]);
  }
}

const MOD_CACHE_BYTES = 16 << 20;

/** A map of buffers that takes no more once it holds `limit` bytes (a new entry past it is not kept). */
class BoundedBufferMap extends Map<string, Buffer> {
  private bytes = 0;
  constructor(private readonly limit: number) {
    super();
  }
  override set(key: string, value: Buffer): this {
    const old = super.get(key);
    if (this.bytes - (old?.length ?? 0) + value.length > this.limit) return this;
    this.bytes += value.length - (old?.length ?? 0);
    return super.set(key, value);
  }
  override delete(key: string): boolean {
    const old = super.get(key);
    if (old) this.bytes -= old.length;
    return super.delete(key);
  }
}

/**
 * Publishes the checksum-database mirror and logs the outcome; returns the
 * error that stopped it, if any (already logged).
 */
async function finishSumdb(sumdb: SumdbVerifier, logger: Logger, toolchainsOnly: boolean): Promise<GomirrorError | undefined> {
  let error: GomirrorError | undefined;
  try {
    const r = await sumdb.finish();
    error = r.refused;
    if (!error && !(toolchainsOnly && r.verified === 0)) {
      logger.info(
        `sumdb ${r.name}: ${r.verified} versions verified, ${r.skipped} skipped (nosumdb); tree size ${r.treeSize}; ` +
          `wrote ${r.lookupsWritten} lookups and ${r.tilesWritten} tiles`,
        { sumdb: r.name, verified: r.verified, skipped: r.skipped, treeSize: r.treeSize },
      );
    }
  } catch (err) {
    error = toGomirrorError(err, `sumdb ${sumdb.name}`, 'E_SUMDB');
  }
  if (error) {
    logger.error(`sumdb ${sumdb.name}: nothing published: ${error.message}`, { code: error.code, hint: error.hint });
  }
  return error;
}

/** The module a proxy URL is about (`<base>/<escaped path>/@v/...` or `/@latest`), for per-module retry counts. */
function moduleOfUrl(url: string, bases: readonly string[]): string | undefined {
  const base = bases.find((b) => url.startsWith(`${b}/`));
  if (base === undefined) return undefined;
  const rest = url.slice(base.length + 1);
  const end = rest.search(/\/@(v\/|latest$)/);
  if (end <= 0) return undefined;
  try {
    return unescapePath(decodeURIComponent(rest.slice(0, end)));
  } catch {
    return undefined;
  }
}
