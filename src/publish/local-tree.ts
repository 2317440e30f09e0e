/**
 * The tree as an S3 publish sees it: every file nginx would serve, with size
 * and mtime (one readdir per directory and one stat per file, no reads),
 * walked in path order (plain string order of the whole path, the order the
 * bucket's record is kept in) one directory at a time, so nothing of the
 * tree is held but the directories on the way down.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { servedKind } from '../tree/index.js';
import { namedVersions, type LocalFile } from './s3-plan.js';

export interface LocalTree {
  readonly root: string;
  /** The served files in path order. */
  walk(): AsyncGenerator<LocalFile>;
  /** Files nginx would not serve (temp files, tool state excluded): not published to S3. Sorted. */
  skipped(): Promise<string[]>;
  sha256(rel: string): Promise<string>;
  /** Whether `rel` is a file of the tree. */
  exists(rel: string): Promise<boolean>;
  /** Escaped versions named by `<dir>/@v/list` and `<dir>/@latest`; undefined when neither exists. */
  named(dir: string): Promise<Set<string> | undefined>;
}

/** Stats at once within a directory. */
const STAT_BATCH = 256;

export function openLocalTree(root: string): LocalTree {
  let skipped: string[] | undefined;
  const walk = async function* (withStats: boolean): AsyncGenerator<LocalFile> {
    const found: string[] = [];
    yield* walkDir(root, '', found, withStats);
    skipped = found.sort();
  };
  return {
    root,
    walk: () => walk(true),
    async skipped() {
      if (!skipped) for await (const f of walk(false)) void f;
      return skipped as string[];
    },
    sha256: (rel) => hashFile(path.join(root, rel)),
    exists: (rel) => stat(path.join(root, rel)).then((st) => st.isFile(), () => false),
    async named(dir) {
      const list = await readFile(path.join(root, dir, '@v', 'list'), 'utf8').catch(() => undefined);
      const latest = await readFile(path.join(root, dir, '@latest'), 'utf8').catch(() => undefined);
      return list === undefined && latest === undefined ? undefined : namedVersions(list, latest);
    },
  };
}

/**
 * Depth first, each directory's entries sorted by name, a directory's name
 * with its `/`: that is the plain string order of the whole paths (`a.b`
 * before `a/`, `a/` before `a0`).
 */
async function* walkDir(root: string, relDir: string, skipped: string[], withStats: boolean): AsyncGenerator<LocalFile> {
  const entries = await readdir(relDir === '' ? root : path.join(root, relDir), { withFileTypes: true });
  const items = entries
    .filter((e) => e.isFile() || e.isDirectory())
    .map((e) => ({ rel: relDir === '' ? e.name : `${relDir}/${e.name}`, dir: e.isDirectory(), key: e.isDirectory() ? `${e.name}/` : e.name }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (let i = 0; i < items.length; ) {
    const item = items[i] as (typeof items)[number];
    if (item.dir) {
      i++;
      if (item.rel !== '.gomirror') yield* walkDir(root, item.rel, skipped, withStats);
      continue;
    }
    // A run of files: stat them together.
    const batch: { rel: string; kind: NonNullable<ReturnType<typeof servedKind>> }[] = [];
    for (; i < items.length && !(items[i] as (typeof items)[number]).dir && batch.length < STAT_BATCH; i++) {
      const rel = (items[i] as (typeof items)[number]).rel;
      const kind = servedKind(rel);
      if (kind) batch.push({ rel, kind });
      else skipped.push(rel);
    }
    if (!withStats) continue;
    const stats = await Promise.all(batch.map((b) => stat(path.join(root, b.rel))));
    for (const [j, b] of batch.entries()) {
      const st = stats[j] as Awaited<ReturnType<typeof stat>>;
      yield { rel: b.rel, size: Number(st.size), mtimeMs: Number(st.mtimeMs), kind: b.kind };
    }
  }
}

async function hashFile(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}
