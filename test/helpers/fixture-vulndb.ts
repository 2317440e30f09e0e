/**
 * A Go vulnerability database in the v1 schema (go.dev/security/vuln/database),
 * written by the tests: `index/db.json`, `index/modules.json`,
 * `index/vulns.json` and `ID/<id>.json`, plus `.json.gz` twins unless told
 * otherwise (a `file://` copy such as a checkout of x/vulndb's data has only
 * the plain files). The index files are derived from the entries the way the
 * database's own generator derives them: `db.modified` is the newest entry's,
 * and `fixed` in modules.json is the latest fixed event of the module's ranges.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

/** One SEMVER range: events as OSV writes them (versions without `v`). */
export type TestEvents = ({ introduced: string } | { fixed: string })[];

export interface TestVuln {
  id: string;
  modified: string;
  aliases?: string[];
  summary?: string;
  withdrawn?: string;
  /** Per module, its SEMVER ranges. */
  affected: { module: string; ranges: TestEvents[] }[];
}

/** The bytes of each database file, by path in the database. */
export type VulnDbFiles = Map<string, Buffer>;

/** The OSV entry of a test vulnerability, as vuln.go.dev would publish it. */
export function osvEntry(v: TestVuln): Record<string, unknown> {
  return {
    schema_version: '1.3.1',
    id: v.id,
    modified: v.modified,
    published: '2024-01-01T00:00:00Z',
    ...(v.withdrawn ? { withdrawn: v.withdrawn } : {}),
    aliases: v.aliases ?? [],
    summary: v.summary ?? `Test vulnerability ${v.id}`,
    details: `Details of ${v.id}.`,
    affected: v.affected.map((a) => ({
      package: { name: a.module, ecosystem: 'Go' },
      ranges: a.ranges.map((events) => ({ type: 'SEMVER', events })),
      ecosystem_specific: { imports: [{ path: a.module, symbols: ['Name'] }] },
    })),
    database_specific: { url: `https://pkg.go.dev/vuln/${v.id}` },
  };
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Compares bare semantic versions well enough for test data (numeric parts, a pre-release sorts first). */
function lessVersion(a: string, b: string): boolean {
  const [ca, pa = ''] = a.split('-', 2);
  const [cb, pb = ''] = b.split('-', 2);
  const na = (ca ?? '').split('.').map(Number);
  const nb = (cb ?? '').split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((na[i] ?? 0) !== (nb[i] ?? 0)) return (na[i] ?? 0) < (nb[i] ?? 0);
  if (pa === pb) return false;
  return pa !== '' && (pb === '' || pa < pb);
}

/** The files of a database holding `vulns`; `dbModified` overrides the derived `modified`. */
export function vulnDbFiles(vulns: readonly TestVuln[], opts: { dbModified?: string } = {}): VulnDbFiles {
  const files: VulnDbFiles = new Map();
  const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));
  const newest = vulns.map((v) => v.modified).sort(cmp).at(-1) ?? '2024-01-01T00:00:00Z';
  files.set('index/db.json', json({ modified: opts.dbModified ?? newest }));
  const modules = new Map<string, { id: string; modified: string; fixed?: string }[]>();
  for (const v of [...vulns].sort((a, b) => cmp(a.id, b.id))) {
    for (const a of v.affected) {
      let fixed = '';
      for (const events of a.ranges) for (const e of events) if ('fixed' in e && (fixed === '' || lessVersion(fixed, e.fixed))) fixed = e.fixed;
      const list = modules.get(a.module) ?? [];
      list.push({ id: v.id, modified: v.modified, ...(fixed ? { fixed } : {}) });
      modules.set(a.module, list);
    }
    files.set(`ID/${v.id}.json`, json(osvEntry(v)));
  }
  files.set(
    'index/modules.json',
    json([...modules].sort(([a], [b]) => cmp(a, b)).map(([p, vs]) => ({ path: p, vulns: vs }))),
  );
  files.set(
    'index/vulns.json',
    json([...vulns].sort((a, b) => cmp(a.id, b.id)).map((v) => ({ id: v.id, modified: v.modified, aliases: v.aliases ?? [] }))),
  );
  return files;
}

/** Writes `files` under `dir` (with `.json.gz` twins unless `gz: false`); returns `dir`. */
export async function writeVulnDb(dir: string, files: VulnDbFiles, opts: { gz?: boolean } = {}): Promise<string> {
  for (const [rel, data] of files) {
    const file = path.join(dir, ...rel.split('/'));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, data);
    if (opts.gz !== false) await writeFile(`${file}.gz`, gzipSync(data));
  }
  return dir;
}
