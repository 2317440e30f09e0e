import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import { GomirrorError } from '../errors.js';
import type { Logger } from '../logger.js';
import { compareSemver, isPseudoVersion, pseudoVersionTime } from '../module/index.js';
import { parseInfo, mirrorVersion } from '../mirror/index.js';
import type { TreeStore } from '../tree/index.js';
import type { SumStore } from '../gosum/index.js';
import type { UpstreamClient } from '../upstream/index.js';
import { VERSION_PROBLEMS, type TreeProblem } from './problems.js';

export interface RepairContext {
  store: TreeStore;
  sums: SumStore;
  upstream: UpstreamClient;
  logger: Logger;
  /** Where bad files are moved before the refetch, e.g. `.gomirror/quarantine/<time>`. */
  quarantineDir: string;
  concurrency?: number;
}

/** What `verify --repair` did. */
export interface RepairResult {
  /** `module@version`s fetched again and verified. */
  repaired: string[];
  /** What could not be repaired, and why. A ChecksumMismatchError here is a security error. */
  failed: { target: string; error: GomirrorError }[];
  /** Stray temp files removed (relative paths). */
  removed: string[];
  /** Bad files moved into quarantineDir (relative paths). */
  quarantined: string[];
  /** Modules whose list and @latest were rebuilt from the disk. */
  reindexed: string[];
}

/**
 * Repairs what verify found, holding the tree's lock (the caller takes it).
 * Each bad file is moved aside into the quarantine (kept for inspection,
 * never served), then its version is mirrored again as sync does: the new
 * bytes must match the hash recorded in `.gomirror/go.sum`, so an upstream
 * that now serves different content is a security error and nothing is
 * replaced. A version that cannot be repaired drops out of its list, since
 * the list is rebuilt from the complete versions on disk. Stray temp files
 * are removed.
 */
export async function repairTree(ctx: RepairContext, problems: readonly TreeProblem[]): Promise<RepairResult> {
  const { store, sums, logger } = ctx;
  const root = store.layout.root;
  const result: RepairResult = { repaired: [], failed: [], removed: [], quarantined: [], reindexed: [] };
  const byVersion = new Map<string, { module: string; version: string; problems: TreeProblem[] }>();
  const reindex = new Set<string>();

  for (const p of problems) {
    if (p.kind === 'temp') {
      await rm(path.join(root, p.file), { force: true });
      result.removed.push(p.file);
    } else if (p.module !== undefined && p.version !== undefined && VERSION_PROBLEMS.has(p.kind)) {
      const key = `${p.module}@${p.version}`;
      const entry = byVersion.get(key) ?? { module: p.module, version: p.version, problems: [] };
      entry.problems.push(p);
      byVersion.set(key, entry);
    } else if (p.module !== undefined && (p.kind === 'list' || p.kind === 'latest')) {
      reindex.add(p.module);
    } else {
      result.failed.push({ target: p.file, error: new GomirrorError('E_FS', `${p.file}: cannot be repaired automatically: ${p.message}`) });
    }
  }

  const limit = pLimit(ctx.concurrency ?? 4);
  await Promise.all(
    [...byVersion].map(([key, v]) =>
      limit(async () => {
        for (const p of v.problems) {
          // A missing file has nothing to move; any other bad file goes aside first,
          // or mirrorVersion would trust it.
          if (p.kind === 'missing') continue;
          const dest = path.join(ctx.quarantineDir, p.file);
          await mkdir(path.dirname(dest), { recursive: true });
          await rename(path.join(root, p.file), dest);
          result.quarantined.push(p.file);
        }
        const outcome = await mirrorVersion({ upstream: ctx.upstream, store, sums }, v.module, v.version);
        reindex.add(v.module);
        if (outcome.status === 'failed' && outcome.error) {
          result.failed.push({ target: key, error: outcome.error });
          logger.error(outcome.error.message, { module: v.module, version: v.version, code: outcome.error.code, hint: outcome.error.hint });
        } else {
          result.repaired.push(key);
          logger.info(`repaired ${key}`, { module: v.module, version: v.version });
        }
      }),
    ),
  );

  for (const module of [...reindex].sort()) {
    await store.rebuildIndex(module, () => latestInfoFor(store, module));
    result.reindexed.push(module);
  }
  await sums.flush();
  result.repaired.sort();
  result.quarantined.sort();
  return result;
}

/**
 * `@latest` for a module with no tagged version: the one on disk while it
 * names a complete version, else the .info of the newest pseudo-version.
 */
async function latestInfoFor(store: TreeStore, module: string): Promise<Buffer | undefined> {
  const complete = await store.completeVersions(module);
  const current = await store.read(store.layout.latestFile(module));
  if (current) {
    try {
      if (complete.includes(parseInfo(current, '@latest').Version)) return current;
    } catch {
      // Unparseable: replaced below.
    }
  }
  const pseudo = complete.filter((v) => isPseudoVersion(v));
  pseudo.sort((a, b) => pseudoVersionTime(b).getTime() - pseudoVersionTime(a).getTime() || compareSemver(b, a));
  const newest = pseudo[0];
  return newest === undefined ? undefined : store.read(store.layout.versionFile(module, newest, 'info'));
}
