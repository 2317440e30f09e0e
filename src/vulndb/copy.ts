/**
 * Reading the tree's copy of the database: for audit and the sync policy
 * (which versions are affected), and for verify (is the copy whole and
 * consistent, every `.json.gz` the gzip of its `.json`).
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GomirrorError } from '../errors.js';
import { TEMP_FILE_PATTERN } from '../tree/index.js';
import { vulnsAffecting, type VersionVuln } from './affects.js';
import { checkDatabase, type VulnDbProblem } from './check.js';
import { classifyVulnDbPath, entryFile, VULNDB_DIR } from './layout.js';
import { createVulnDbStore } from './store.js';
import { parseDbMeta, parseModulesIndex, parseOsvEntry, parseVulnsIndex, VulnSchemaError, type OsvEntry } from './schema.js';

/** The tree's copy, opened for questions about module versions. */
export interface VulnDbCopy {
  /** `modified` of its `index/db.json`. */
  readonly modified: string;
  /** Module paths the database has entries for. */
  readonly modules: ReadonlySet<string>;
  /** The vulnerabilities (not withdrawn) that affect module@version. */
  vulnsFor(module: string, version: string): Promise<VersionVuln[]>;
}

/**
 * The `vulnerable: refuse-latest` rule, shared by sync and prune: the IDs of
 * the vulnerabilities that affect module@version and have a fix ([] to take
 * the version). A vulnerability without a fix never makes a version skipped:
 * every later version has it too.
 */
export function refuseLatestReasons(copy: VulnDbCopy): (module: string, version: string) => Promise<string[]> {
  return async (module, version) => (await copy.vulnsFor(module, version)).filter((x) => x.fixed !== undefined).map((x) => x.id);
}

/**
 * Opens `<root>/vulndb/`; undefined when the tree holds no copy. Throws
 * E_VULNDB when the copy cannot be read (run gomirror verify).
 */
export async function openVulnDbCopy(root: string): Promise<VulnDbCopy | undefined> {
  const store = createVulnDbStore(root);
  const where = (rel: string): string => `${path.join(path.resolve(root), VULNDB_DIR)}/${rel}`;
  const damaged = (err: unknown): never => {
    if (err instanceof VulnSchemaError) {
      throw new GomirrorError('E_VULNDB', `${where(err.file)}: ${err.message.slice(err.file.length + 2)}`, {
        hint: 'The copy of the vulnerability database is damaged: run gomirror verify, then sync again',
        cause: err,
      });
    }
    throw err;
  };
  const dbBytes = await store.read('index/db.json');
  if (!dbBytes) return undefined;
  const modulesBytes = await store.read('index/modules.json');
  if (!modulesBytes) damaged(new VulnSchemaError('index/modules.json', 'missing'));
  let modified = '';
  const byModule = new Map<string, string[]>();
  try {
    modified = parseDbMeta(dbBytes).modified;
    for (const m of parseModulesIndex(modulesBytes as Buffer)) byModule.set(m.path, [...(byModule.get(m.path) ?? []), ...m.vulns.map((v) => v.id)]);
  } catch (err) {
    damaged(err);
  }
  const entries = new Map<string, Promise<OsvEntry>>();
  const entry = (id: string): Promise<OsvEntry> => {
    let p = entries.get(id);
    if (!p) {
      p = (async () => {
        const data = await store.read(entryFile(id));
        if (!data) throw new VulnSchemaError(entryFile(id), 'missing, but index/modules.json names it');
        return parseOsvEntry(data, id);
      })().catch(damaged);
      entries.set(id, p);
    }
    return p;
  };
  return {
    modified,
    modules: new Set(byModule.keys()),
    async vulnsFor(module, version) {
      const ids = byModule.get(module);
      if (!ids) return [];
      return vulnsAffecting(await Promise.all([...new Set(ids)].map(entry)), module, version);
    },
  };
}

/**
 * Checks the tree's copy; problems name files relative to the root
 * (`vulndb/ID/GO-2024-0001.json`). No copy, no problems.
 */
export async function verifyVulnDbCopy(root: string): Promise<VulnDbProblem[]> {
  const store = createVulnDbStore(root);
  const dir = path.join(path.resolve(root), VULNDB_DIR);
  const files = await listFiles(dir);
  if (files.length === 0) return [];
  const problems: VulnDbProblem[] = [];
  const add = (rel: string, message: string): void => void problems.push({ file: `${VULNDB_DIR}/${rel}`, message });
  const have = new Set(files);
  const entryModified = new Map<string, string>();
  let db: ReturnType<typeof parseDbMeta> | undefined;
  let modules: ReturnType<typeof parseModulesIndex> = [];
  let vulns: ReturnType<typeof parseVulnsIndex> = [];
  for (const rel of files) {
    const p = classifyVulnDbPath(rel);
    if (!p) {
      if (!TEMP_FILE_PATTERN.test(rel)) add(rel, 'not a file of the vulnerability database');
      continue;
    }
    const data = (await store.read(rel)) as Buffer;
    if (p.gz) {
      const plain = rel.slice(0, -'.gz'.length);
      if (!have.has(plain)) {
        add(plain, `missing beside ${rel}`);
        continue;
      }
      let unzipped: Buffer | undefined;
      try {
        unzipped = gunzipSync(data);
      } catch {
        unzipped = undefined;
      }
      if (!unzipped?.equals((await store.read(plain)) as Buffer)) add(rel, `is not the gzip of ${plain}`);
      continue;
    }
    if (!have.has(`${rel}.gz`)) add(`${rel}.gz`, `missing beside ${rel} (HTTP clients read only the .gz files)`);
    try {
      if (p.part === 'entry') entryModified.set(p.id, parseOsvEntry(data, p.id).modified);
      else if (p.name === 'db') db = parseDbMeta(data);
      else if (p.name === 'modules') modules = parseModulesIndex(data);
      else vulns = parseVulnsIndex(data);
    } catch (err) {
      if (!(err instanceof VulnSchemaError)) throw err;
      add(rel, err.message.slice(err.file.length + 2));
    }
  }
  if (db === undefined) {
    if (!problems.some((p) => p.file === `${VULNDB_DIR}/index/db.json`)) add('index/db.json', 'missing');
  } else {
    for (const p of checkDatabase({ db, modules, vulns, entryModified: (id) => entryModified.get(id) })) add(p.file, p.message);
  }
  return problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/** Slash paths of the files under `dir`, sorted; [] when it does not exist. */
async function listFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}
