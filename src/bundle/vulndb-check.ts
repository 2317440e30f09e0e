/**
 * `bundle import` and the vulnerability database: the files a bundle carries
 * under `vulndb/`, together with what the root already has, must form a
 * whole, consistent database (every named entry present, ids as their names
 * say, `db.json` not older than any entry, every `.json.gz` the gzip of its
 * `.json`). A bundle whose database is older than the root's does not roll
 * the root back: its vulndb files are left out and the root keeps its copy.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { checkDatabase, classifyVulnDbPath, entryFile, isRollback, parseDbMeta, parseModulesIndex, parseOsvEntry, parseVulnsIndex, VULNDB_DIR, VulnSchemaError } from '../vulndb/index.js';

export interface BundledVulnDbCheck {
  /** The first problem found: the tree path and what is wrong. */
  problem?: { file: string; detail: string };
  /** The bundle's database is older than the root's: leave its vulndb files out. */
  older: boolean;
}

/**
 * Checks the bundle's vulndb files. `staged(rel)` is the staged file of a
 * carried tree path, `existing(rel)` the root's bytes.
 */
export async function checkBundledVulnDb(
  carried: readonly string[],
  staged: (rel: string) => string | undefined,
  existing: (rel: string) => Promise<Buffer | undefined>,
): Promise<BundledVulnDbCheck> {
  const prefix = `${VULNDB_DIR}/`;
  const mine = carried.filter((p) => p.startsWith(prefix));
  if (mine.length === 0) return { older: false };
  const read = async (rel: string): Promise<Buffer | undefined> => {
    const file = staged(prefix + rel);
    return file !== undefined ? readFile(file) : existing(prefix + rel);
  };
  const fail = (rel: string, detail: string): BundledVulnDbCheck => ({ problem: { file: prefix + rel, detail }, older: false });
  try {
    for (const path of mine) {
      const rel = path.slice(prefix.length);
      const p = classifyVulnDbPath(rel);
      if (!p) return fail(rel, 'not a file of the vulnerability database');
      const plainRel = p.gz ? rel.slice(0, -'.gz'.length) : rel;
      const [plain, gz] = [await read(plainRel), await read(`${plainRel}.gz`)];
      if (plain === undefined || gz === undefined) return fail(plain === undefined ? plainRel : `${plainRel}.gz`, 'missing: neither the bundle nor the root has it');
      let unzipped: Buffer | undefined;
      try {
        unzipped = gunzipSync(gz);
      } catch {
        unzipped = undefined;
      }
      if (!unzipped?.equals(plain)) return fail(`${plainRel}.gz`, `is not the gzip of ${plainRel}`);
      if (p.part === 'entry' && !p.gz) parseOsvEntry(plain, p.id);
    }
    const need = async (rel: string): Promise<Buffer> => {
      const data = await read(rel);
      if (data === undefined) throw new VulnSchemaError(rel, 'missing: neither the bundle nor the root has it');
      return data;
    };
    const db = parseDbMeta(await need('index/db.json'));
    const vulns = parseVulnsIndex(await need('index/vulns.json'));
    const modules = parseModulesIndex(await need('index/modules.json'));
    const ids = new Set([...vulns.map((v) => v.id), ...modules.flatMap((m) => m.vulns.map((v) => v.id))]);
    const modified = new Map<string, string>();
    for (const id of ids) {
      const data = await read(entryFile(id));
      if (data !== undefined) modified.set(id, parseOsvEntry(data, id).modified);
    }
    const problems = checkDatabase({ db, vulns, modules, entryModified: (id) => modified.get(id) });
    const first = problems[0];
    if (first) return fail(first.file, first.message);
    const rootDb = await existing(`${prefix}index/db.json`);
    let older = false;
    try {
      older = rootDb !== undefined && isRollback(parseDbMeta(rootDb), db);
    } catch {
      older = false; // a damaged root copy is replaced
    }
    return { older };
  } catch (err) {
    if (err instanceof VulnSchemaError) return fail(err.file, err.message.slice(err.file.length + 2));
    throw err;
  }
}
