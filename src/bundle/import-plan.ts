/**
 * Third step of `bundle import`: compares the verified bundle with the root
 * and decides, per file, what the commit will do. Reads the root, writes only
 * into staging (merged `list` files). Refuses a bundle that would replace an
 * immutable file with other bytes, or whose lists name versions that neither
 * the bundle nor the root holds.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GomirrorError } from '../errors.js';
import { escapePath, escapeVersion } from '../module/index.js';
import { carriedGroups } from './carried-groups.js';
import { BundleRefusedError } from './errors.js';
import { JsonLinesSpool, mergeSorted } from './export-index.js';
import { stagedFile, type StagedBundle } from './import-stage.js';
import type { VerifiedBundle } from './import-verify.js';
import { listVersions, mergeListText, pickLatest, pickSumdbFile } from './merge.js';
import { classifyTreePath, commitRank, isImmutable, type TreePath } from './tree-paths.js';
import type { BundleSource } from './volumes.js';
import { pathExists } from '../tree/index.js';

/** One change to the root. `from` is the staged file to move in. */
export type CommitAction =
  | { readonly kind: 'add' | 'replace'; readonly rel: string; readonly from: string; readonly rank: number; readonly immutable: boolean }
  | { readonly kind: 'remove'; readonly rel: string; readonly rank: number };

export interface CommitPlan {
  /** The changes in commit order: by rank, additions before removals, then by path. Read once. */
  actions(): AsyncIterable<CommitAction>;
  readonly added: number;
  readonly updated: number;
  readonly removed: number;
  /** Bundled files already in the root as they are (or kept because the root's copy is newer). */
  readonly unchanged: number;
  /** The modules whose files the commit changes. */
  readonly changedModules: readonly string[];
  /** Closes the work files (when the actions were not all read). */
  close(): Promise<void>;
}

type Change = { kind: 'add' | 'replace'; rel: string; immutable: boolean };
/** A module whose `@latest` is decided once every file was planned (as before: after every refusal a file can cause). */
type LatestCase = { m: string; bundledRel?: string; listHasVersions?: boolean };

/**
 * Plans the import of a verified, staged bundle into `root`, a module at a
 * time; the changes go to work files under `workDir`, by commit rank.
 */
export async function planCommit(
  source: BundleSource,
  root: string,
  staged: StagedBundle,
  verified: VerifiedBundle,
  workDir: string,
): Promise<CommitPlan> {
  const abs = (rel: string): string => path.join(root, ...rel.split('/'));
  let unchanged = 0;
  const counts = { add: 0, replace: 0, remove: 0 };
  const changed = new Set<string>();
  const byRank = new Map<number, JsonLinesSpool<Change>>();
  const note = async (rank: number, c: Change): Promise<void> => {
    counts[c.kind]++;
    noteModule(changed, c.rel);
    let spool = byRank.get(rank);
    if (spool === undefined) byRank.set(rank, (spool = await JsonLinesSpool.create<Change>(path.join(workDir, `plan-${rank}`))));
    await spool.add(c);
  };
  // Modules with a bundled @latest, and those with only a list: decided in that order, as before.
  const withLatest = await JsonLinesSpool.create<LatestCase>(path.join(workDir, 'plan-latest-bundled'));
  const listOnly = await JsonLinesSpool.create<LatestCase>(path.join(workDir, 'plan-latest-list'));

  const latestAdds = await JsonLinesSpool.create<Change>(path.join(workDir, 'plan-latest'));
  const removes: string[] = [];
  let latestAddCount = 0;
  const closeAll = async (): Promise<void> => {
    for (const sp of [withLatest, listOnly, latestAdds, ...byRank.values()]) await sp.close().catch(() => undefined);
  };
  try {
  for await (const group of carriedGroups(verified.index)) {
    const groupPaths = new Set(group.map((f) => f.path));
    let bundledLatest: string | undefined;
    let finalList: string | undefined;
    let modulePath: string | undefined;
    for (const f of group) {
      const t = classifyTreePath(f.path) as TreePath;
      // A database older than the root's never rolls it back (vulndb-check.ts).
      if (t.kind === 'vulndb' && verified.olderVulnDb) {
        unchanged++;
        continue;
      }
      // The bundle's catalog describes the tree it came from; the import regenerates it for the
      // merged tree, so its files are neither added nor counted.
      if (t.kind === 'catalog') continue;
      const from = stagedFile(staged, f.path);
      const rank = commitRank(t);
      if (t.kind === 'vulndb') {
        // Compared as bytes: the .gz files are binary.
        const existing = await sha256IfPresent(abs(f.path));
        if (existing === f.sha256) unchanged++;
        else await note(rank, { kind: existing === undefined ? 'add' : 'replace', rel: f.path, immutable: false });
        continue;
      }
      if (isImmutable(t)) {
        const existing = await sha256IfPresent(abs(f.path));
        if (existing === undefined) await note(rank, { kind: 'add', rel: f.path, immutable: true });
        else if (existing === f.sha256) unchanged++;
        else {
          throw new BundleRefusedError(
            source.name,
            f.path,
            'conflict',
            `the root holds other bytes here (sha256 ${existing}, the bundle's is ${f.sha256}); module files never change once written`,
            'Find out which copy is genuine (gomirror verify --root) before importing.',
          );
        }
        continue;
      }
      if (t.kind === 'latest') {
        bundledLatest = f.path;
        modulePath = t.modulePath;
        continue;
      }
      const bundled = await readFile(from, 'utf8');
      const existing = await readIfPresent(abs(f.path));
      let content = bundled;
      if (t.kind === 'list') {
        await checkListComplete(source, root, groupPaths, f.path, t.modulePath, bundled);
        content = mergeListText(existing, bundled);
        finalList = content;
        modulePath = t.modulePath;
        if (content !== bundled) await writeFile(from, content);
      } else if (t.kind === 'sumdb' && existing !== undefined && t.part !== 'supported' && pickSumdbFile(existing, bundled) === 'existing') {
        content = existing;
      }
      if (existing === content) unchanged++;
      else await note(rank, { kind: existing === undefined ? 'add' : 'replace', rel: f.path, immutable: false });
    }
    if (modulePath !== undefined) {
      await (bundledLatest !== undefined ? withLatest : listOnly).add({
        m: modulePath,
        ...(bundledLatest !== undefined ? { bundledRel: bundledLatest } : {}),
        ...(finalList !== undefined ? { listHasVersions: listVersions(finalList).length > 0 } : {}),
      });
    }
  }

  // @latest exists only for modules without a tagged version (TreeStore.rebuildIndex does the same).
  // Modules with a bundled @latest first, then those with only a list, each in index order.
  for (const cases of [withLatest, listOnly]) {
    for await (const c of cases.read()) {
      const latestRel = `${escapePath(c.m)}/@latest`;
      const hasVersions = c.listHasVersions ?? listVersions((await readIfPresent(abs(`${escapePath(c.m)}/@v/list`))) ?? '').length > 0;
      const existing = await readIfPresent(abs(latestRel));
      if (hasVersions) {
        if (c.bundledRel !== undefined) unchanged++;
        if (existing !== undefined) {
          counts.remove++;
          noteModule(changed, latestRel);
          removes.push(latestRel);
        }
        continue;
      }
      if (c.bundledRel === undefined) continue;
      const bundled = await readFile(stagedFile(staged, c.bundledRel), 'utf8');
      if (existing === bundled || (existing !== undefined && pickLatest(existing, bundled) === 'existing')) unchanged++;
      else {
        const kind = existing === undefined ? 'add' : 'replace';
        counts[kind]++;
        noteModule(changed, c.bundledRel);
        latestAddCount++;
        await latestAdds.add({ kind, rel: c.bundledRel, immutable: false });
      }
    }
  }
  } catch (err) {
    await closeAll();
    throw err;
  }
  removes.sort();
  const ranks = [...new Set([...byRank.keys(), ...(removes.length > 0 || latestAddCount > 0 ? [1] : [])])].sort((a, b) => a - b);
  // Closes its work file when rank 1 will not read it.
  if (!ranks.includes(1)) for await (const c of latestAdds.read()) void c;

  return {
    close: closeAll,
    added: counts.add,
    updated: counts.replace,
    removed: counts.remove,
    unchanged,
    changedModules: [...changed],
    actions: async function* () {
      for (const rank of ranks) {
        const spool = byRank.get(rank);
        const main: AsyncIterable<Change> = spool ? spool.read() : none();
        for await (const c of rank === 1 ? mergeSorted(main, latestAdds.read(), (c) => c.rel) : main) {
          yield { kind: c.kind, rel: c.rel, from: stagedFile(staged, c.rel), rank, immutable: c.immutable };
        }
        if (rank === 1) for (const rel of removes) yield { kind: 'remove', rel, rank: 1 };
      }
    },
  };
}

function noteModule(changed: Set<string>, rel: string): void {
  const t = classifyTreePath(rel);
  if (t && t.kind !== 'sumdb' && t.kind !== 'catalog' && t.kind !== 'vulndb') changed.add(t.modulePath);
}

 
async function* none<T>(): AsyncGenerator<T> {}

/**
 * A bundled list may name only versions whose files the bundle carries or the
 * root already has; otherwise the root would serve a version it cannot give.
 */
async function checkListComplete(
  source: BundleSource,
  root: string,
  /** The module's files the bundle carries. */
  carried: ReadonlySet<string>,
  listRel: string,
  modulePath: string,
  text: string,
): Promise<void> {
  const dir = listRel.slice(0, -'list'.length);
  for (const v of listVersions(text)) {
    for (const ext of ['info', 'mod', 'zip']) {
      const rel = `${dir}${escapeVersion(v)}.${ext}`;
      if (carried.has(rel) || (await pathExists(path.join(root, ...rel.split('/'))))) continue;
      throw new BundleRefusedError(
        source.name,
        listRel,
        'completeness',
        `the list names ${modulePath}@${v}, but ${rel} is neither in the bundle nor in the root`,
        'This bundle continues an earlier one (--since): import the earlier bundles first, in order.',
      );
    }
  }
}


async function sha256IfPresent(file: string): Promise<string | undefined> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw inTheWay(err, file);
  }
  return hash.digest('hex');
}

async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw inTheWay(err, file);
  }
}

/** The root cannot take a bundled file here: a directory where the file goes, or a file where a directory must be. */
function inTheWay(err: unknown, file: string): GomirrorError {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'EISDIR' ? 'a directory is where this file must go' : code === 'ENOTDIR' ? 'a file is where a directory of this path must be' : (err as Error).message;
  return new GomirrorError('E_FS', `${file}: ${why}`, {
    cause: err,
    hint: 'Move the thing in the way out of the root, then import again. Nothing was imported.',
  });
}
