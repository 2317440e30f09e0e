/**
 * The tree as an S3 publish sees it: every file nginx would serve, with size
 * and mtime (one readdir and one stat per file, no reads), sha256 on demand,
 * shared by all targets of a run so a file is hashed once at most.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import { servedKind, type ServedKind } from '../tree/index.js';
import { namedVersions, type LocalFile } from './s3-plan.js';

export interface LocalTree {
  readonly root: string;
  readonly files: readonly LocalFile[];
  /** Files nginx would not serve (temp files, tool state excluded): not published to S3. */
  readonly skipped: readonly string[];
  sha256(rel: string): Promise<string>;
  /** Escaped versions named by `<dir>/@v/list` and `<dir>/@latest`; undefined when neither exists. */
  named(dir: string): Promise<Set<string> | undefined>;
}

export async function scanLocalTree(root: string): Promise<LocalTree> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const served: { rel: string; kind: ServedKind }[] = [];
  const skipped: string[] = [];
  for (const e of entries) {
    if (!e.isFile()) continue;
    const rel = path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/');
    if (rel.startsWith('.gomirror/')) continue;
    const kind = servedKind(rel);
    if (kind) served.push({ rel, kind });
    else skipped.push(rel);
  }
  // Plain batches: for 60k files a limiter's per-file bookkeeping costs more than the stats.
  const files: LocalFile[] = [];
  for (let i = 0; i < served.length; i += 512) {
    const batch = await Promise.all(
      served.slice(i, i + 512).map(async ({ rel, kind }): Promise<LocalFile> => {
        const st = await stat(path.join(root, rel));
        return { rel, size: st.size, mtimeMs: st.mtimeMs, kind };
      }),
    );
    files.push(...batch);
  }
  const hashes = new Map<string, Promise<string>>();
  const hashLimit = pLimit(4);
  return {
    root,
    files,
    skipped: skipped.sort(),
    sha256(rel) {
      let p = hashes.get(rel);
      if (!p) {
        p = hashLimit(() => hashFile(path.join(root, rel)));
        hashes.set(rel, p);
      }
      return p;
    },
    async named(dir) {
      const list = await readFile(path.join(root, dir, '@v', 'list'), 'utf8').catch(() => undefined);
      const latest = await readFile(path.join(root, dir, '@latest'), 'utf8').catch(() => undefined);
      return list === undefined && latest === undefined ? undefined : namedVersions(list, latest);
    },
  };
}

async function hashFile(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}
