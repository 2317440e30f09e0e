/**
 * Mirrors a vulnerability database (v1 schema) into the tree, incrementally:
 * 1. `index/db.json` byte-for-byte unchanged since the last run: nothing
 *    else is asked for.
 * 2. Otherwise the new `modified` must not be older than the tree's copy
 *    (a rollback is refused unless allowed), then `index/vulns.json` and
 *    `index/modules.json` are fetched and only the entries whose `modified`
 *    differs from the tree's `index/vulns.json` (or that the tree lacks).
 * 3. Everything is checked before a byte is written (checkDatabase, and each
 *    entry carries the id its name says); a refused database leaves the
 *    tree's copy as it was.
 * 4. Entries are published first, then `index/vulns`, `index/modules`, and
 *    `index/db` last, each file atomically and as `.json` and `.json.gz`.
 * Crash cases: killed in 4, the tree keeps its old indexes, which name only
 * entries that are there (entries are never removed); the next run sees a
 * changed `db.json` and fetches what its old `vulns.json` says has changed.
 */
import { gzipSync } from 'node:zlib';
import pLimit from 'p-limit';
import { GomirrorError, isGomirrorError } from '../errors.js';
import { checkDatabase, isRollback } from './check.js';
import { entryFile, INDEX_FILES, type IndexFile } from './layout.js';
import { parseDbMeta, parseModulesIndex, parseOsvEntry, parseVulnsIndex, VulnSchemaError, type DbMeta, type VulnMeta } from './schema.js';

/** Size limits: vuln.go.dev's largest index is a few MiB. */
export const VULNDB_LIMITS = { db: 1 << 20, index: 64 << 20, entry: 8 << 20 } as const;

/** Reads files of the source database by their path in it (`index/db.json`). */
export interface VulnDbSource {
  /** For messages: the database URL without credentials. */
  readonly name: string;
  get(rel: string, maxBytes: number): Promise<Buffer>;
}

/** The tree's copy, by path under `vulndb/`. */
export interface VulnDbStore {
  read(rel: string): Promise<Buffer | undefined>;
  exists(rel: string): Promise<boolean>;
  /** Writes the file atomically (write aside, fsync, rename). */
  write(rel: string, data: Buffer): Promise<void>;
}

export interface VulnDbMirrorResult {
  /** The database's `modified` now in the tree. */
  modified: string;
  changed: boolean;
  /** Entries the database lists. */
  entries: number;
  /** Entries downloaded in this run. */
  fetched: number;
  /** Set when an older database was published with allowRollback. */
  rolledBackFrom?: string;
}

export interface MirrorVulnDbOptions {
  source: VulnDbSource;
  store: VulnDbStore;
  allowRollback?: boolean;
  concurrency?: number;
}

/** Refused database: E_VULNDB, or E_VULNDB_ROLLBACK for a database older than the tree's. */
export class VulnDbRefusedError extends GomirrorError {
  constructor(source: string, detail: string, rollback = false) {
    super(rollback ? 'E_VULNDB_ROLLBACK' : 'E_VULNDB', `vulnerability database ${source}: refused: ${detail}`, {
      hint: rollback
        ? 'The database went back in time: someone may be hiding new vulnerabilities. If the source was restored on purpose, run sync once with --allow-rollback'
        : "Nothing was changed in the tree's copy. Check the source database (or wait for its publisher to finish) and run sync again",
    });
    this.name = 'VulnDbRefusedError';
  }
}

export async function mirrorVulnDb(opts: MirrorVulnDbOptions): Promise<VulnDbMirrorResult> {
  const { source, store } = opts;
  const refuse = (detail: string, rollback = false): never => {
    throw new VulnDbRefusedError(source.name, detail, rollback);
  };
  const get = async (rel: string, max: number): Promise<Buffer> => {
    try {
      return await source.get(rel, max);
    } catch (err) {
      if (!isGomirrorError(err)) throw err;
      if (err.code === 'E_NOT_FOUND') return refuse(`${rel} is missing`);
      throw new GomirrorError(err.code, `vulnerability database ${source.name}: ${rel}: ${err.message}`, { hint: err.hint, cause: err });
    }
  };
  const parsed = <T>(f: () => T): T => {
    try {
      return f();
    } catch (err) {
      if (err instanceof VulnSchemaError) return refuse(err.message);
      throw err;
    }
  };

  const dbBytes = await get('index/db.json', VULNDB_LIMITS.db);
  const db = parsed(() => parseDbMeta(dbBytes));
  const oldDbBytes = await store.read('index/db.json');
  let oldDb: DbMeta | undefined;
  try {
    oldDb = oldDbBytes ? parseDbMeta(oldDbBytes) : undefined;
  } catch {
    oldDb = undefined; // A damaged copy is replaced; verify reports it.
  }
  const oldVulns = await readOldVulns(store);
  if (oldDbBytes?.equals(dbBytes) && oldVulns !== undefined) {
    return { modified: db.modified, changed: false, entries: oldVulns.size, fetched: 0 };
  }
  const rollback = oldDb !== undefined && isRollback(oldDb, db);
  if (rollback && !opts.allowRollback) {
    refuse(`its index/db.json says modified ${db.modified}, older than the copy in the tree (${oldDb?.modified})`, true);
  }

  const vulnsBytes = await get('index/vulns.json', VULNDB_LIMITS.index);
  const modulesBytes = await get('index/modules.json', VULNDB_LIMITS.index);
  const vulns = parsed(() => parseVulnsIndex(vulnsBytes));
  const modules = parsed(() => parseModulesIndex(modulesBytes));

  // Every ID an index names, with the modified time the index gives it.
  const wanted = new Map<string, string>();
  for (const v of vulns) wanted.set(v.id, v.modified);
  for (const m of modules) for (const v of m.vulns) if (!wanted.has(v.id)) wanted.set(v.id, v.modified);
  refuseCaseCollisions(wanted.keys(), refuse);

  const fetchedEntries = new Map<string, { data: Buffer; modified: string }>();
  const kept = new Map<string, string>();
  const limit = pLimit(Math.max(1, opts.concurrency ?? 8));
  await Promise.all(
    [...wanted].map(([id, modified]) =>
      limit(async () => {
        const rel = entryFile(id);
        if (oldVulns?.get(id) === modified && (await store.exists(rel)) && (await store.exists(`${rel}.gz`))) {
          kept.set(id, modified);
          return;
        }
        let data: Buffer;
        try {
          data = await source.get(entryFile(id), VULNDB_LIMITS.entry);
        } catch (err) {
          if (isGomirrorError(err) && err.code === 'E_NOT_FOUND') return; // reported by checkDatabase
          throw err;
        }
        const entry = parsed(() => parseOsvEntry(data, id));
        fetchedEntries.set(id, { data, modified: entry.modified });
      }),
    ),
  );

  const problems = checkDatabase({
    db,
    modules,
    vulns,
    entryModified: (id) => fetchedEntries.get(id)?.modified ?? kept.get(id),
  });
  if (problems.length > 0) {
    const shown = problems.slice(0, 5).map((p) => `${p.file}: ${p.message}`);
    refuse(shown.join('; ') + (problems.length > 5 ? `; and ${problems.length - 5} more` : ''));
  }

  const ids = [...fetchedEntries.keys()].sort();
  await Promise.all(ids.map((id) => limit(() => writeBoth(store, entryFile(id), (fetchedEntries.get(id) as { data: Buffer }).data))));
  const indexBytes: Record<IndexFile, Buffer> = { 'index/vulns.json': vulnsBytes, 'index/modules.json': modulesBytes, 'index/db.json': dbBytes };
  for (const rel of INDEX_FILES) await writeBoth(store, rel, indexBytes[rel]);
  return {
    modified: db.modified,
    changed: true,
    entries: wanted.size,
    fetched: fetchedEntries.size,
    ...(rollback && oldDb ? { rolledBackFrom: oldDb.modified } : {}),
  };
}

/** The gzip copy first: a file:// reader sees the plain one only once both are there. */
async function writeBoth(store: VulnDbStore, rel: string, data: Buffer): Promise<void> {
  await store.write(`${rel}.gz`, gzipSync(data, { level: 9 }));
  await store.write(rel, data);
}

/** The tree's `index/vulns.json` as id → modified; undefined when absent or unreadable. */
async function readOldVulns(store: VulnDbStore): Promise<Map<string, string> | undefined> {
  const data = await store.read('index/vulns.json');
  if (!data) return undefined;
  try {
    return new Map(parseVulnsIndex(data).map((v: VulnMeta) => [v.id, v.modified]));
  } catch {
    return undefined;
  }
}

/** Two IDs differing only in case would share one file on a case-insensitive disk. */
function refuseCaseCollisions(ids: Iterable<string>, refuse: (detail: string) => never): void {
  const folded = new Map<string, string>();
  for (const id of ids) {
    const other = folded.get(id.toLowerCase());
    if (other !== undefined && other !== id) refuse(`IDs ${other} and ${id} differ only in case`);
    folded.set(id.toLowerCase(), id);
  }
}
