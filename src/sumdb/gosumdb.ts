/**
 * GOSUMDB values, as the go command reads them (modfetch.dbDial), pure.
 */
import { GomirrorError } from '../errors.js';
import { parseVerifierKey, type Verifier } from './note.js';

/** Databases the go command knows by name alone. */
export const KNOWN_SUMDB_KEYS: Readonly<Record<string, string>> = {
  'sum.golang.org': 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8',
};

/** A checksum database to verify against. */
export interface SumdbSpec {
  /** The database name, `host[/path]`; also its directory under `sumdb/`. */
  name: string;
  verifier: Verifier;
  /** `https://<name>`, where the go command goes when no proxy serves the database. */
  directUrl: string;
  /** An explicit URL from GOSUMDB: then proxies are skipped. */
  url?: string;
}

/**
 * Parses a GOSUMDB value: `off` (returns null), a known name, `<key>`, or
 * `<key> <url>`. `sum.golang.google.cn` is an alias for sum.golang.org served
 * at https://sum.golang.google.cn. Throws E_SUMDB_SPEC naming `where`.
 */
export function parseGosumdb(value: string, where = 'GOSUMDB'): SumdbSpec | null {
  if (value === 'off') return null;
  const text = value === 'sum.golang.google.cn' ? 'sum.golang.org https://sum.golang.google.cn' : value;
  const fields = text.trim().split(/\s+/).filter(Boolean);
  const [first, url] = fields;
  if (first === undefined) throw new GomirrorError('E_SUMDB_SPEC', `${where}: missing checksum database`);
  if (fields.length > 2) throw new GomirrorError('E_SUMDB_SPEC', `${where}: invalid GOSUMDB "${value}": too many fields`);
  let verifier: Verifier;
  try {
    verifier = parseVerifierKey(KNOWN_SUMDB_KEYS[first] ?? first);
  } catch (err) {
    const e = err as GomirrorError;
    throw new GomirrorError('E_SUMDB_SPEC', `${where}: invalid GOSUMDB "${value}": ${e.message}`, {
      hint: 'Use "off", a known name (sum.golang.org), "name+hash+key" or "name+hash+key https://url"',
    });
  }
  const name = verifier.name;
  if (!isValidDatabaseName(name)) {
    throw new GomirrorError('E_SUMDB_SPEC', `${where}: invalid checksum database name "${name}" (must be host[/path])`);
  }
  const spec: SumdbSpec = { name, verifier, directUrl: `https://${name}` };
  if (url !== undefined) spec.url = checkDatabaseUrl(url, where);
  return spec;
}

/**
 * Go: "https://" + name must parse to exactly a host and a path, with
 * nothing escaped, no user, port-less or not, and no trailing slash.
 */
function isValidDatabaseName(name: string): boolean {
  if (name.endsWith('/') || /[@?#%\\\s]/.test(name) || name.startsWith('/')) return false;
  try {
    const u = new URL(`https://${name}`);
    return u.host !== '' && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

function checkDatabaseUrl(raw: string, where: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new GomirrorError('E_SUMDB_SPEC', `${where}: invalid checksum database URL "${raw}"`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:' && u.protocol !== 'file:') {
    throw new GomirrorError('E_SUMDB_SPEC', `${where}: unsupported scheme in checksum database URL "${raw}"`, {
      hint: 'Use https://, http:// or file:///',
    });
  }
  if (u.username !== '' || u.password !== '') {
    throw new GomirrorError('E_SUMDB_SPEC', `${where}: checksum database URL carries credentials`, {
      hint: 'Put credentials in ~/.netrc (or the file named by $NETRC), never in the URL',
    });
  }
  return u.href.replace(/\/+$/, '');
}
