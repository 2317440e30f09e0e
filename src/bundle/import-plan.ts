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
import { BundleRefusedError } from './errors.js';
import type { StagedBundle } from './import-stage.js';
import type { VerifiedBundle } from './import-verify.js';
import { listVersions, mergeListText, pickLatest, pickSumdbFile } from './merge.js';
import { classifyTreePath, commitRank, isImmutable, type TreePath } from './tree-paths.js';
import type { BundleSource } from './volumes.js';
import { pathExists } from '../tree/index.js';

/** One change to the root. `from` is the staged file to move in. */
export type CommitAction =
  | { readonly kind: 'add' | 'replace'; readonly rel: string; readonly from: string; readonly rank: number; readonly immutable: boolean; readonly sha256: string }
  | { readonly kind: 'remove'; readonly rel: string; readonly rank: number };

export interface CommitPlan {
  readonly actions: readonly CommitAction[];
  /** Bundled files already in the root as they are (or kept because the root's copy is newer). */
  readonly unchanged: number;
}

/** Plans the import of a verified, staged bundle into `root`. */
export async function planCommit(
  source: BundleSource,
  root: string,
  staged: StagedBundle,
  verified: VerifiedBundle,
): Promise<CommitPlan> {
  const abs = (rel: string): string => path.join(root, ...rel.split('/'));
  const actions: CommitAction[] = [];
  let unchanged = 0;
  const stagedFile = (rel: string): string => (staged.files.get(rel) as { file: string }).file;
  const bundledLatest = new Map<string, string>();
  const finalLists = new Map<string, string>();

  for (const f of verified.carried) {
    const t = classifyTreePath(f.path) as TreePath;
    // A database older than the root's never rolls it back (vulndb-check.ts).
    if (t.kind === 'vulndb' && verified.olderVulnDb) {
      unchanged++;
      continue;
    }
    // The bundle's catalog describes the tree it came from; the import regenerates it for the
    // merged tree, so its files are neither added nor counted.
    if (t.kind === 'catalog') continue;
    const from = stagedFile(f.path);
    const rank = commitRank(t);
    if (t.kind === 'vulndb') {
      // Compared as bytes: the .gz files are binary.
      const existing = await sha256IfPresent(abs(f.path));
      if (existing === f.sha256) unchanged++;
      else actions.push({ kind: existing === undefined ? 'add' : 'replace', rel: f.path, from, rank, immutable: false, sha256: f.sha256 });
      continue;
    }
    if (isImmutable(t)) {
      const existing = await sha256IfPresent(abs(f.path));
      if (existing === undefined) actions.push({ kind: 'add', rel: f.path, from, rank, immutable: true, sha256: f.sha256 });
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
      bundledLatest.set(t.modulePath, f.path);
      continue;
    }
    const bundled = await readFile(from, 'utf8');
    const existing = await readIfPresent(abs(f.path));
    let content = bundled;
    if (t.kind === 'list') {
      await checkListComplete(source, root, staged, f.path, t.modulePath, bundled);
      content = mergeListText(existing, bundled);
      finalLists.set(t.modulePath, content);
      if (content !== bundled) await writeFile(from, content);
    } else if (t.kind === 'sumdb' && existing !== undefined && t.part !== 'supported' && pickSumdbFile(existing, bundled) === 'existing') {
      content = existing;
    }
    if (existing === content) unchanged++;
    else actions.push({ kind: existing === undefined ? 'add' : 'replace', rel: f.path, from, rank, immutable: false, sha256: f.sha256 });
  }

  // @latest exists only for modules without a tagged version (TreeStore.rebuildIndex does the same).
  const modules = new Set([...bundledLatest.keys(), ...finalLists.keys()]);
  for (const m of modules) {
    const latestRel = `${escapePath(m)}/@latest`;
    const list = finalLists.get(m) ?? (await readIfPresent(abs(`${escapePath(m)}/@v/list`))) ?? '';
    const existing = await readIfPresent(abs(latestRel));
    const bundledRel = bundledLatest.get(m);
    if (listVersions(list).length > 0) {
      if (bundledRel !== undefined) unchanged++;
      if (existing !== undefined) actions.push({ kind: 'remove', rel: latestRel, rank: 1 });
      continue;
    }
    if (bundledRel === undefined) continue;
    const bundled = await readFile(stagedFile(bundledRel), 'utf8');
    if (existing === bundled || (existing !== undefined && pickLatest(existing, bundled) === 'existing')) unchanged++;
    else {
      actions.push({
        kind: existing === undefined ? 'add' : 'replace',
        rel: bundledRel,
        from: stagedFile(bundledRel),
        rank: 1,
        immutable: false,
        sha256: '',
      });
    }
  }
  const order = { add: 0, replace: 0, remove: 1 };
  actions.sort((a, b) => a.rank - b.rank || order[a.kind] - order[b.kind] || (a.rel < b.rel ? -1 : 1));
  return { actions, unchanged };
}

/**
 * A bundled list may name only versions whose files the bundle carries or the
 * root already has; otherwise the root would serve a version it cannot give.
 */
async function checkListComplete(
  source: BundleSource,
  root: string,
  staged: StagedBundle,
  listRel: string,
  modulePath: string,
  text: string,
): Promise<void> {
  const dir = listRel.slice(0, -'list'.length);
  for (const v of listVersions(text)) {
    for (const ext of ['info', 'mod', 'zip']) {
      const rel = `${dir}${escapeVersion(v)}.${ext}`;
      if (staged.files.has(rel) || (await pathExists(path.join(root, ...rel.split('/'))))) continue;
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
