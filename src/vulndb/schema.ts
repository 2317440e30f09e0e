/**
 * The Go vulnerability database, v1 schema (go.dev/security/vuln/database):
 * `index/db.json`, `index/modules.json`, `index/vulns.json` and one OSV entry
 * per `ID/<id>.json`. Parsers here are pure and strict about what gomirror
 * relies on, lenient about the rest (OSV fields it never reads pass through
 * untouched, since the bytes are mirrored as received).
 */

/** `index/db.json`. */
export interface DbMeta {
  /** RFC 3339; the newest `modified` of any entry. */
  modified: string;
}

/** One vulnerability of a module in `index/modules.json`. */
export interface ModuleVuln {
  id: string;
  modified: string;
  /** The latest fixed version, without the `v` (Go: osv.LatestFixedVersion). */
  fixed?: string;
}

/** One element of `index/modules.json`. */
export interface ModuleMeta {
  path: string;
  vulns: ModuleVuln[];
}

/** One element of `index/vulns.json`. */
export interface VulnMeta {
  id: string;
  modified: string;
  aliases?: string[];
}

/** One event of an OSV range: exactly one of introduced or fixed. */
export interface OsvEvent {
  introduced?: string;
  fixed?: string;
}

export interface OsvRange {
  type: string;
  events: OsvEvent[];
}

export interface OsvAffected {
  package: { name: string; ecosystem?: string };
  ranges: OsvRange[];
}

/** The parts of an OSV entry gomirror reads. */
export interface OsvEntry {
  id: string;
  modified: string;
  withdrawn?: string;
  aliases: string[];
  summary: string;
  affected: OsvAffected[];
}

/** A database file that breaks the schema; `file` is its path in the database (`index/db.json`). */
export class VulnSchemaError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'VulnSchemaError';
  }
}

// IDs become file names: one path element, no dot first, nothing a file system may read twice.
const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Whether `id` may name an `ID/<id>.json` file. */
export function isValidVulnId(id: string): boolean {
  return ID_RE.test(id) && !id.includes('..');
}

// RFC 3339, as Go's time.Time reads it from JSON (the fraction is optional).
const TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

/** Milliseconds since the epoch of an RFC 3339 time; NaN when it is not one. */
export function parseTime(s: string): number {
  return TIME_RE.test(s) ? Date.parse(s) : NaN;
}

function parseJson(data: Buffer | string, file: string): unknown {
  try {
    return JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
  } catch (err) {
    throw new VulnSchemaError(file, `not JSON (${(err as Error).message})`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function time(v: unknown, file: string, where: string): string {
  if (typeof v !== 'string' || Number.isNaN(parseTime(v))) {
    throw new VulnSchemaError(file, `${where}: ${JSON.stringify(v)} is not an RFC 3339 time`);
  }
  return v;
}

function id(v: unknown, file: string, where: string): string {
  if (typeof v !== 'string' || !isValidVulnId(v)) throw new VulnSchemaError(file, `${where}: ${JSON.stringify(v)} is not a vulnerability ID`);
  return v;
}

function strings(v: unknown, file: string, where: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new VulnSchemaError(file, `${where}: must be a list of strings`);
  return v as string[];
}

export function parseDbMeta(data: Buffer | string, file = 'index/db.json'): DbMeta {
  const v = parseJson(data, file);
  if (!isObject(v)) throw new VulnSchemaError(file, 'must be a JSON object');
  return { modified: time(v.modified, file, 'modified') };
}

export function parseModulesIndex(data: Buffer | string, file = 'index/modules.json'): ModuleMeta[] {
  const v = parseJson(data, file);
  if (!Array.isArray(v)) throw new VulnSchemaError(file, 'must be a JSON array');
  return v.map((m: unknown, i) => {
    const at = `[${i}]`;
    if (!isObject(m) || typeof m.path !== 'string' || m.path === '') throw new VulnSchemaError(file, `${at}: needs a "path"`);
    if (!Array.isArray(m.vulns)) throw new VulnSchemaError(file, `${at}.vulns: must be a list`);
    const vulns = m.vulns.map((x: unknown, j) => {
      const w = `${at}.vulns[${j}]`;
      if (!isObject(x)) throw new VulnSchemaError(file, `${w}: must be an object`);
      const fixed = x.fixed;
      if (fixed !== undefined && typeof fixed !== 'string') throw new VulnSchemaError(file, `${w}.fixed: must be a string`);
      return { id: id(x.id, file, `${w}.id`), modified: time(x.modified, file, `${w}.modified`), ...(fixed ? { fixed } : {}) };
    });
    return { path: m.path, vulns };
  });
}

export function parseVulnsIndex(data: Buffer | string, file = 'index/vulns.json'): VulnMeta[] {
  const v = parseJson(data, file);
  if (!Array.isArray(v)) throw new VulnSchemaError(file, 'must be a JSON array');
  return v.map((x: unknown, i) => {
    if (!isObject(x)) throw new VulnSchemaError(file, `[${i}]: must be an object`);
    return {
      id: id(x.id, file, `[${i}].id`),
      modified: time(x.modified, file, `[${i}].modified`),
      aliases: strings(x.aliases, file, `[${i}].aliases`),
    };
  });
}

/**
 * Parses an OSV entry; `expectedId` is the ID its file name says, and the
 * entry must carry exactly that `id` (a database that files one entry under
 * another's name is refused).
 */
export function parseOsvEntry(data: Buffer | string, expectedId: string, file = `ID/${expectedId}.json`): OsvEntry {
  const v = parseJson(data, file);
  if (!isObject(v)) throw new VulnSchemaError(file, 'must be a JSON object (an OSV entry)');
  if (v.id !== expectedId) throw new VulnSchemaError(file, `its id is ${JSON.stringify(v.id)}, but the file is named for ${expectedId}`);
  const modified = time(v.modified, file, 'modified');
  const withdrawn = v.withdrawn === undefined ? undefined : time(v.withdrawn, file, 'withdrawn');
  const affectedRaw = v.affected ?? [];
  if (!Array.isArray(affectedRaw)) throw new VulnSchemaError(file, 'affected: must be a list');
  const affected = affectedRaw.map((a: unknown, i) => {
    const at = `affected[${i}]`;
    if (!isObject(a) || !isObject(a.package) || typeof a.package.name !== 'string') {
      throw new VulnSchemaError(file, `${at}: needs a package name`);
    }
    const rangesRaw = a.ranges ?? [];
    if (!Array.isArray(rangesRaw)) throw new VulnSchemaError(file, `${at}.ranges: must be a list`);
    const ranges = rangesRaw.map((r: unknown, j) => {
      const rw = `${at}.ranges[${j}]`;
      if (!isObject(r) || typeof r.type !== 'string' || !Array.isArray(r.events)) {
        throw new VulnSchemaError(file, `${rw}: needs a type and events`);
      }
      const events = r.events.map((e: unknown, k) => {
        if (!isObject(e)) throw new VulnSchemaError(file, `${rw}.events[${k}]: must be an object`);
        const out: OsvEvent = {};
        if (typeof e.introduced === 'string') out.introduced = e.introduced;
        if (typeof e.fixed === 'string') out.fixed = e.fixed;
        return out;
      });
      return { type: r.type, events };
    });
    const ecosystem = typeof a.package.ecosystem === 'string' ? { ecosystem: a.package.ecosystem } : {};
    return { package: { name: a.package.name, ...ecosystem }, ranges };
  });
  return {
    id: expectedId,
    modified,
    ...(withdrawn !== undefined ? { withdrawn } : {}),
    aliases: strings(v.aliases, file, 'aliases'),
    summary: typeof v.summary === 'string' ? v.summary : '',
    affected,
  };
}
