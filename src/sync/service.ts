import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { rootCertificates } from 'node:tls';
import type { SyncConfig } from '../config/index.js';
import { ChecksumMismatchError, GomirrorError, isGomirrorError } from '../errors.js';
import type { Logger } from '../logger.js';
import { acquireTreeLock, STATE_DIR, createTreeStore, sweepStaleTemps, writeFileAtomic } from '../tree/index.js';
import { openSumStore } from '../gosum/index.js';
import { createUpstreamClient, loadNetrc, redactUrl, DEFAULT_RETRY, createTransport } from '../upstream/index.js';
import { hashGoMod } from '../dirhash/index.js';
import { parseGosumdb } from '../sumdb/index.js';
import { createSumdbVerifier, type SumdbVerifier } from '../sumdb/client/index.js';
import { matchPrefixPatterns, unescapePath } from '../module/index.js';
import { createDirectSource, locateGo, type VcsDirectSource } from '../vcs/index.js';
import { TOOL_VERSION } from '../version.js';
import { writeSyncMetrics } from './metrics.js';
import { computeClosure, withModCache, expectedHash, createStagePool } from '../mirror/index.js';
import { readProjectInputs } from './project-inputs.js';
import { buildSyncReport, type SyncReport } from './report.js';
import { runSync, type Expansion, type ResolvedRoot, type SyncTarget } from './run.js';

export interface SyncServiceOptions {
  env?: NodeJS.ProcessEnv;
  /** Extra CA certificates for https upstreams (tests, private CAs). */
  ca?: string | Buffer;
}

/**
 * `gomirror sync`: takes the tree's lock (not for a dry run; E_LOCKED when
 * another run holds it), wires the real network and disk to the orchestrator,
 * writes `--report` and `--metrics`, and returns the report. A run that fails
 * after taking the lock still writes its metrics, with the error's code.
 */
export async function syncTree(config: SyncConfig, logger: Logger, options: SyncServiceOptions = {}): Promise<SyncReport> {
  // A run that may need version control checks the go command before any work (exit 2 without it).
  const go = config.vcs ? await locateGo(config.go, options.env ?? process.env) : undefined;
  const lock = config.dryRun ? undefined : await acquireTreeLock(config.out, { command: 'sync' });
  if (lock?.tookOver) logger.warn(`took over a stale lock: ${lock.tookOver}`);
  // A run killed while writing go.sum or the lock leaves temp files here; @v directories are swept per module.
  if (lock) await sweepStaleTemps(path.join(config.out, STATE_DIR));
  const started = Date.now();
  let report: SyncReport | undefined;
  let fatalCode: string | undefined;
  try {
    report = await syncLocked(config, logger, { ...options, ...(go ? { goBin: go.goBin } : {}) });
    return report;
  } catch (err) {
    fatalCode = isGomirrorError(err) ? err.code : 'E_INTERNAL';
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
    await lock?.release();
  }
}

async function syncLocked(config: SyncConfig, logger: Logger, options: SyncServiceOptions & { goBin?: string }): Promise<SyncReport> {
  const env = options.env ?? process.env;
  const startedAt = new Date();
  const targets: SyncTarget[] = config.modules.map((m) => ({ module: m.path, queries: [...m.queries] }));
  const project = await readProjectInputs(config.gomod, config.gosum);
  const expected = project.expected;
  const sumdbSpec = parseGosumdb(config.sumdb, 'sumdb');
  if (!config.dryRun) await mkdir(config.out, { recursive: true });
  const moduleRetries = new Map<string, number>();
  const bases = config.upstream.flatMap((e) => (e.kind === 'url' ? [e.url] : []));
  const transport = createTransport({
    concurrency: config.concurrency,
    retry: { ...DEFAULT_RETRY, retries: config.retries },
    netrc: await loadNetrc(env),
    env,
    ...(await extraCa(options.ca, env)),
    userAgent: `gomirror/${TOOL_VERSION}`,
    onRetry: (url, attempt, delayMs, reason) => {
      const module = moduleOfUrl(url, bases);
      if (module) moduleRetries.set(module, (moduleRetries.get(module) ?? 0) + 1);
      logger.warn(`retrying ${url} (${reason})`, { attempt, delayMs });
    },
  });
  const store = createTreeStore(config.out);
  const sums = await openSumStore(store.layout.sumsFile());
  const stagePool = createStagePool();
  const sumdb =
    sumdbSpec && !config.dryRun
      ? createSumdbVerifier({
          spec: sumdbSpec,
          root: config.out,
          upstream: config.upstream,
          transport,
          nosumdb: config.nosumdb,
          concurrency: config.concurrency,
          logger,
        })
      : undefined;
  let done = 0;
  let failed = 0;
  let total = 0;
  let bytes = 0;
  // A dry run writes nothing to the tree: its go commands get a throw-away cache.
  const scratch = options.goBin && config.dryRun ? await mkdtemp(path.join(tmpdir(), 'gomirror-vcs-')) : undefined;
  const direct: VcsDirectSource | undefined = options.goBin
    ? createDirectSource({
        goBin: options.goBin,
        root: scratch ?? config.out,
        env,
        concurrency: config.vcsConcurrency,
        private: config.private,
        noproxy: config.noproxy,
        nosumdb: config.nosumdb,
      })
    : undefined;
  const noproxy = config.noproxy.join(',');
  const upstream = createUpstreamClient({
    entries: [...config.upstream],
    transport,
    ...(direct ? { direct, noproxy: (m: string) => matchPrefixPatterns(noproxy, m) } : {}),
  });
  const hashSources = {
    sums,
    expected: (m: string, v: string, goMod: boolean) => expected.get(`${m} ${v}${goMod ? '/go.mod' : ''}`),
  };
  // .mod files fetched to walk the graph, kept so mirroring does not fetch them again.
  const modCache = new Map<string, Buffer>();
  let graphBytes = 0;
  const expand = async (roots: ResolvedRoot[]): Promise<Expansion> => {
    const closure = await computeClosure({
      input: {
        roots: roots.map((r) => ({ module: { path: r.module, version: r.version }, where: r.where })),
        // A project's own go.sum adds nothing to its graph; other go.sum files start one.
        gosum: project.gosum.filter((g) => !g.ownedByProject).map((g) => ({ module: g.module, where: g.where })),
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
        // Checked as mirrorVersion checks it, so a tampered .mod never steers the graph.
        const want = expectedHash(hashSources, p, v, true);
        const got = hashGoMod(data);
        if (want && want.hash !== got) {
          throw new ChecksumMismatchError({ module: p, version: v, file: '.mod', expected: want.hash, actual: got, source: want.source });
        }
        modCache.set(`${p}@${v}`, data);
        return data;
      },
      readLocalGoMod: async (dir) => readFile(path.join(dir, 'go.mod'), 'utf8').catch(() => undefined),
    });
    for (const note of closure.plan.notes) logger.info(note);
    if (config.deps) {
      const deps = closure.plan.entries.filter((e) => e.source === 'dependency').length;
      logger.info(`dependency closure: ${closure.modsRead} go.mod files read, ${deps} versions added by following requirements`, {
        modsRead: closure.modsRead,
        dependencies: deps,
      });
    }
    return { entries: closure.plan.entries, errors: closure.errors };
  };
  try {
    let sumdbError: GomirrorError | undefined;
    const outcomes = await runSync({
      targets,
      expand,
      upstream: withModCache(upstream, modCache),
      store,
      sums,
      concurrency: config.concurrency,
      dryRun: config.dryRun,
      expected: hashSources.expected,
      stage: (job) => stagePool.stage(job),
      ...(sumdb ? { authenticate: (m: string, v: string, h: { mod: string; zip?: string }) => sumdb.authenticate(m, v, h) } : {}),
      // Publish the database's lookups and tiles before any list names the new versions.
      ...(sumdb
        ? {
            beforeIndex: async () => {
              sumdbError = await finishSumdb(sumdb, logger);
            },
          }
        : {}),
      events: {
        onResolved: (_m, versions) => {
          total += versions.length;
          logger.progress({ done, total, failed, bytes });
        },
        onVersion: (o) => {
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
        onModuleError: (m, e) => logger.error(e.message, { module: m, code: e.code, hint: e.hint }),
        onNote: (m, note) => logger.info(note, { module: m }),
      },
    });
    if (direct && direct.stats.runs > 0) {
      const { runs, downloads, lists } = direct.stats;
      logger.info(`version control: ${runs} go commands (${downloads} go mod download, ${lists} go list)`, { goRuns: runs, goDownloads: downloads, goLists: lists });
    }
    const report = buildSyncReport({
      outcomes,
      toolVersion: TOOL_VERSION,
      dryRun: config.dryRun,
      root: config.out,
      upstream: redactUrl(config.upstreamText),
      startedAt,
      finishedAt: new Date(),
      requests: transport.stats.requests,
      retries: transport.stats.retries,
      moduleRetries,
      graphBytes,
    });
    if (config.report) await writeFileAtomic(config.report, JSON.stringify(report, null, 2) + '\n');
    // Versions that failed already make the run fail; otherwise the database's own failure must.
    if (sumdbError && report.ok) throw sumdbError;
    return report;
  } finally {
    await Promise.all([transport.close(), stagePool.close(), ...(scratch ? [rm(scratch, { recursive: true, force: true })] : [])]);
  }
}

/**
 * Publishes the checksum-database mirror and logs the outcome; returns the
 * error that stopped it, if any (already logged).
 */
async function finishSumdb(sumdb: SumdbVerifier, logger: Logger): Promise<GomirrorError | undefined> {
  let error: GomirrorError | undefined;
  try {
    const r = await sumdb.finish();
    error = r.refused;
    if (!error) {
      logger.info(
        `sumdb ${r.name}: ${r.verified} versions verified, ${r.skipped} skipped (nosumdb); tree size ${r.treeSize}; ` +
          `wrote ${r.lookupsWritten} lookups and ${r.tilesWritten} tiles`,
        { sumdb: r.name, verified: r.verified, skipped: r.skipped, treeSize: r.treeSize },
      );
    }
  } catch (err) {
    error = isGomirrorError(err) ? err : new GomirrorError('E_INTERNAL', `sumdb: ${(err as Error).message}`, { cause: err });
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

/**
 * Trust for https upstreams: the system roots plus, like the go command,
 * the PEM bundle named by $SSL_CERT_FILE (private corporate CAs).
 */
async function extraCa(ca: string | Buffer | undefined, env: NodeJS.ProcessEnv): Promise<{ ca?: string[] }> {
  const extra: string[] = [];
  if (ca) extra.push(ca.toString());
  if (env.SSL_CERT_FILE) {
    try {
      extra.push(await readFile(env.SSL_CERT_FILE, 'utf8'));
    } catch (err) {
      throw new GomirrorError('E_USAGE', `$SSL_CERT_FILE: cannot read ${env.SSL_CERT_FILE}: ${(err as Error).message}`);
    }
  }
  return extra.length > 0 ? { ca: [...rootCertificates, ...extra] } : {};
}
