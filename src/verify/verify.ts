import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';
import type { Logger } from '../logger.js';
import { createTreeStore } from '../tree/index.js';
import { openSumsByModule } from '../gosum/index.js';
import { createStagePool } from '../mirror/index.js';
import { checkModuleDir, type ModuleCheckContext } from './check-module.js';
import { sortProblems, type TreeProblem, type TreeWarning } from './problems.js';
import { walkModules, type ModuleDir, type TreeScan } from './scan.js';
import { verifyVulnDbCopy } from '../vulndb/index.js';
import { forEachBounded } from '../bounded.js';
import { unescapePath } from '../module/index.js';

/** Module directories checked at once. */
const MODULES_AT_ONCE = 8;

/** Checks the checksum database mirror under `<root>/sumdb/`; returns its bad files. */
export type SumdbMirrorCheck = (root: string) => Promise<TreeProblem[]>;

export interface VerifyTreeOptions {
  /** Parallel zip checks (default: the number of CPUs, at least 2). */
  concurrency?: number;
  /** Zip checks on this many worker threads (default: one per core, at most 4; 0: on this thread). */
  threads?: number;
  logger?: Logger;
  sumdb?: SumdbMirrorCheck;
}

/** The outcome of `gomirror verify` over a whole tree. */
export interface VerifyTreeResult {
  root: string;
  ok: boolean;
  modules: number;
  versions: number;
  /** Bytes of the zips checked. */
  zipBytes: number;
  problems: TreeProblem[];
  warnings: TreeWarning[];
  /** Temp files of a live writer: another run is in progress. */
  liveTemps: string[];
}

/**
 * Verifies the whole tree, reading only: each module directory (see
 * checkModuleDir), stray temp files, and the sumdb mirror when a verifier is
 * given. Zip checks run with bounded parallelism; every problem names a file.
 */
export async function verifyTree(root: string, options: VerifyTreeOptions = {}): Promise<VerifyTreeResult> {
  const store = createTreeStore(root);
  // Each module's recorded hashes are read when the walk reaches it: the whole record is 200,000 lines at 100,000 versions.
  const sums = await openSumsByModule(store.layout.sumsFile());
  // Modules are checked as the walk finds them: what is held is the modules in flight, not the tree.
  const scan: Omit<TreeScan, 'modules'> = { staleTemps: [], liveTemps: [], unexpected: [] };
  const limit = pLimit(options.concurrency ?? Math.max(2, availableParallelism()));
  // Enough versions in flight to keep the zip checks busy, few enough to stay far from the open-file limit.
  const versionLimit = pLimit(32);
  const logger = options.logger;
  const problems: TreeProblem[] = [];
  const warnings: TreeWarning[] = [];
  const versionFile = /\.(info|mod|zip)$/;
  const versionsIn = (dir: ModuleDir): number =>
    new Set([...dir.names].filter((f) => versionFile.test(f)).map((f) => f.replace(versionFile, ''))).size;
  // Counted by a walk of its own, so that progress has its total from the start.
  let total = 0;
  for await (const dir of walkModules(store.layout.root, { staleTemps: [], liveTemps: [], unexpected: [] })) total += versionsIn(dir);
  let done = 0;
  let failed = 0;
  let zipBytes = 0;
  let versions = 0;

  // Modules are walked a few at a time (see forEachBounded); the zip limiter
  // bounds the heavy work, which runs on worker threads so that it uses every core.
  // This thread only reads directories and small files, so every core can check zips.
  const pool = createStagePool(options.threads ?? Math.min(4, availableParallelism()), undefined, (err) =>
    logger?.warn(`zip checks continue on the main thread: ${err.message}`),
  );
  const checkZip: ModuleCheckContext['checkZip'] = async (file, opts) => {
    const { zip } = await pool.stage({ zip: { file, ...opts, fsync: false }, files: [] });
    if (!zip) throw new Error(`no zip check result for ${file}`);
    return zip;
  };
  let modules = 0;
  const checkOne = async (dir: ModuleDir): Promise<void> => {
    let module: string | undefined;
    try {
      module = unescapePath(dir.escaped);
    } catch {
      // A path that does not unescape: checkModuleDir reports it.
    }
    const moduleSums = module === undefined ? { get: () => undefined } : await sums.forModule(module);
    const c = await checkModuleDir(
      {
        store,
        sums: moduleSums,
        limit,
        versionLimit,
        checkZip,
        onVersion: (ok, bytes) => {
          done++;
          if (!ok) failed++;
          zipBytes += bytes;
          logger?.progress({ done, total, failed, bytes: zipBytes });
        },
      },
      dir,
    );
    // Only problems are kept: a module that checks out leaves nothing behind.
    for (const p of c.problems) problems.push(p);
    for (const w of c.warnings) warnings.push(w);
    versions += c.versions;
    if (c.module !== undefined) modules++;
  };
  try {
    await forEachBounded(walkModules(store.layout.root, scan), MODULES_AT_ONCE, checkOne);
  } finally {
    await pool.close();
    await sums.close();
  }
  for (const rel of scan.staleTemps) {
    problems.push({ file: rel, kind: 'temp', message: 'stray temporary file left by an interrupted run (remove it, or run verify --repair)' });
  }
  for (const rel of scan.unexpected) warnings.push({ file: rel, message: 'unexpected file in a GOPROXY tree' });

  if (options.sumdb) problems.push(...(await options.sumdb(store.layout.root)));
  for (const p of await verifyVulnDbCopy(store.layout.root)) {
    problems.push({ file: p.file, kind: 'vulndb', message: `${p.message} (remove it and vulndb/index/db.json, then gomirror sync --vulndb fetches them again)` });
  }
  sortProblems(problems);
  sortProblems(warnings);
  return {
    root: store.layout.root,
    ok: problems.length === 0,
    modules,
    versions,
    zipBytes,
    problems,
    warnings,
    liveTemps: scan.liveTemps,
  };
}

