import { mkdir, mkdtemp, rm } from 'node:fs/promises';
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
import { matchPrefixPatterns } from '../module/index.js';
import type { VcsDirectSource } from '../vcs/index.js';
import { TOOL_VERSION } from '../version.js';
import { writeSyncMetrics } from './metrics.js';
import { withModCache, createModCache, createStagePool } from '../mirror/index.js';
import { readProjectInputs, type ProjectInputs } from '../project/index.js';
import { createExpand } from './expand.js';
import { type SyncReport, upstreamUnreachable } from './report.js';
import { createReportRows, type ReportRows } from './report-rows.js';
import { runSync, type SyncTarget, type ModuleOutcome } from './run.js';
import { onInterrupt } from './interrupt.js';
import { finishSumdb } from './sumdb-finish.js';
import { moduleOfUrl } from './retries.js';
import { endInterruptedRun, type RunSoFar } from './interrupted-run.js';
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
    ? onInterrupt((signal) => endInterruptedRun({ config, logger, lock, started, soFar }, signal), options.exit)
    : (): void => undefined;
  // The catalog reads each module this run changed for its page while other modules download; its
  // code (handlebars, marked) loads with the first such module, not at start-up.
  // Modules this run mirrors (the pages rendered ahead link them), gathered here until then.
  const expected: string[] = [];
  const loadReadAhead = async () => new (await import('../catalog/index.js')).PreparedModules(config.out, expected.splice(0));
  let prepared: ReturnType<typeof loadReadAhead> | undefined;
  const readAhead = lock
    ? {
        expect: (m: string): void => void (prepared ? prepared.then((p) => p.expect(m)).catch(() => undefined) : expected.push(m)),
        indexed: (m: string): void => void (prepared ??= loadReadAhead()).then((p) => p.moduleDone(m)).catch(() => undefined),
      }
    : undefined;
  try {
    const result = await syncLocked(config, logger, inputs, soFar, go?.goBin, readAhead);
    report = result.report;
    if (report.fatal) fatalCode = report.fatal.code;
    if (lock) {
      const ahead = await prepared?.catch(() => undefined);
      await (await import('../catalog/index.js')).refreshCatalog(config.out, logger, { report, changed: [...result.changed], ...(ahead ? { prepared: ahead } : {}) });
    }
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
  readAhead?: { expect(module: string): void; indexed(module: string): void },
): Promise<{ report: SyncReport; changed: readonly string[] }> {
  const { project, sumdbSpec } = inputs;
  const env = inputs.upstreamSetup.env;
  const startedAt = new Date();
  // The manifest's own query arrays: runSync never changes a target.
  const targets: SyncTarget[] = config.modules.map((m) => ({ module: m.path, queries: m.queries }));
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
  // .mod files the closure fetched, kept (up to a limit) so mirroring does not fetch them again.
  const modCache = createModCache();
  const planner = createExpand({ config, project, store, upstream, hashSources, modCache, logger });
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
      expand: planner.expand,
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
        onResolved: (m, versions) => {
          if (versions.length > 0) readAhead?.expect(m);
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
        ...(readAhead ? { onIndexed: readAhead.indexed } : {}),
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
      graphBytes: planner.graphBytes(),
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
