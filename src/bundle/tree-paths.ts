/**
 * What a file of the tree is, judged from its path alone (pure). Bundles and
 * publish need the same two answers: may this file ever change (immutable
 * module files and sumdb tiles never do; `list`, `@latest` and the sumdb's
 * `latest`, `lookup/` and `supported` do), and in which order must files become
 * visible (immutable first, so an index never names a file that is missing).
 */
import { unescapePath, unescapeVersion, isValidModuleVersion } from '../module/index.js';
import { STATE_DIR, TEMP_FILE_PATTERN } from '../tree/index.js';
import { classifyVulnDbPath, VULNDB_DIR, vulnDbRank, type VulnDbPath } from '../vulndb/index.js';

/** The catalog's directory (catalog/module-view.ts CATALOG_DIR; not imported: bundle is a command folder too). */
const CATALOG_DIR = '_catalog';

/** A file of a module version: `<module>/@v/<version>.<ext>`. */
export interface VersionFilePath {
  readonly kind: 'version';
  readonly modulePath: string;
  readonly version: string;
  readonly ext: 'info' | 'mod' | 'zip';
}

/** `<module>/@v/list` or `<module>/@latest`. */
export interface ModuleIndexPath {
  readonly kind: 'list' | 'latest';
  readonly modulePath: string;
}

/** A file of the mirrored checksum database, `sumdb/<name>/...`. */
export interface SumdbPath {
  readonly kind: 'sumdb';
  readonly name: string;
  /** `tile` files never change; the others are rewritten as the log grows. */
  readonly part: 'tile' | 'lookup' | 'latest' | 'supported';
}

/** A file of the mirrored vulnerability database, `vulndb/index/...` or `vulndb/ID/...`; all may be rewritten. */
export interface VulndbTreePath {
  readonly kind: 'vulndb';
  readonly file: VulnDbPath;
}

/** A page or file of the catalog: `index.html` or anything under `_catalog/`. */
export interface CatalogFilePath {
  readonly kind: 'catalog';
}

export type TreePath = VersionFilePath | ModuleIndexPath | SumdbPath | VulndbTreePath | CatalogFilePath;

/** Whether a file may be rewritten later (an index file) or never changes once written. */
export function isImmutable(p: TreePath): boolean {
  return p.kind === 'version' || (p.kind === 'sumdb' && p.part === 'tile');
}

// Escaped tree paths never hold upper case (it is written `!x`), so any
// upper-case letter is refused: two names differing only in case could not
// both live on a case-insensitive disk.
const ELEMENT = /^[a-z0-9._~!@+-]+$/;

/**
 * Classifies `rel`, a slash-separated path relative to the tree root. Returns
 * undefined for anything that is not a file of the tree layout (cli.md "Tree
 * layout"): tool state under `.gomirror/`, temp files, stray files, and names
 * that are not clean (empty, `.` or `..` elements, upper case, backslashes).
 */
export function classifyTreePath(rel: string): TreePath | undefined {
  const parts = rel.split('/');
  if (parts[0] === VULNDB_DIR && parts.length === 3) {
    // Vulnerability IDs are upper case (GO-2024-0001): the database's own name rules apply.
    const file = classifyVulnDbPath(parts.slice(1).join('/'));
    return file && !TEMP_FILE_PATTERN.test(rel) ? { kind: 'vulndb', file } : undefined;
  }
  // The catalog is generated from the rest of the tree (no module path starts with `_`).
  if (rel === 'index.html') return { kind: 'catalog' };
  if (parts[0] === CATALOG_DIR && parts.length > 1) {
    const rest = parts.slice(1);
    return rest.some((e) => !ELEMENT.test(e) || e === '.' || e === '..') || TEMP_FILE_PATTERN.test(rel) ? undefined : { kind: 'catalog' };
  }
  if (parts.some((e) => !ELEMENT.test(e) || e === '.' || e === '..')) return undefined;
  if (parts[0] === STATE_DIR || TEMP_FILE_PATTERN.test(rel)) return undefined;
  if (parts[0] === 'sumdb') return classifySumdb(parts);
  if (parts[0] === VULNDB_DIR) return undefined;
  const last = parts[parts.length - 1] as string;
  if (last === '@latest') return moduleIndex('latest', parts.slice(0, -1));
  if (parts.length < 3 || parts[parts.length - 2] !== '@v') return undefined;
  const moduleParts = parts.slice(0, -2);
  if (last === 'list') return moduleIndex('list', moduleParts);
  const m = /^(.+)\.(info|mod|zip)$/.exec(last);
  if (!m) return undefined;
  const modulePath = unescapeModule(moduleParts);
  if (modulePath === undefined) return undefined;
  try {
    const version = unescapeVersion(m[1] as string);
    return { kind: 'version', modulePath, version, ext: m[2] as VersionFilePath['ext'] };
  } catch {
    return undefined;
  }
}

function moduleIndex(kind: 'list' | 'latest', moduleParts: string[]): ModuleIndexPath | undefined {
  const modulePath = unescapeModule(moduleParts);
  return modulePath === undefined ? undefined : { kind, modulePath };
}

function unescapeModule(parts: string[]): string | undefined {
  if (parts.length === 0 || parts.includes('@v')) return undefined;
  try {
    return unescapePath(parts.join('/'));
  } catch {
    return undefined;
  }
}

function classifySumdb(parts: string[]): SumdbPath | undefined {
  const [, name, part] = parts;
  if (name === undefined || part === undefined) return undefined;
  if (parts.length === 3 && (part === 'latest' || part === 'supported')) return { kind: 'sumdb', name, part };
  const rest = parts.slice(3).join('/');
  if (part === 'lookup' && isLookupName(rest)) return { kind: 'sumdb', name, part };
  if (part === 'tile' && TILE.test(rest)) return { kind: 'sumdb', name, part };
  return undefined;
}

// Go (tlog.ParseTilePath): H/L/NNN with x-prefixed groups, optionally .p/W; L may be `data`.
const TILE = /^\d+\/(?:\d+|data)\/(?:x\d{3}\/)*\d{3}(?:\.p\/\d+)?$/;

/** Go (sumdb server): a lookup is `<escaped path>@<escaped version>` of a valid module version. */
function isLookupName(rest: string): boolean {
  const at = rest.lastIndexOf('@');
  if (at <= 0) return false;
  try {
    return isValidModuleVersion(unescapePath(rest.slice(0, at)), unescapeVersion(rest.slice(at + 1)));
  } catch {
    return false;
  }
}

/**
 * Commit order of a file: immutable files first, then module indexes, then
 * the sumdb's changing files (a lookup names a tree whose tiles must already
 * be there; `supported` commits clients to the mirror, so it comes last);
 * the vulnerability database's entries, then its indexes, `index/db` last.
 */
export function commitRank(p: TreePath): number {
  if (isImmutable(p)) return 0;
  // Entries with the module indexes, then index/vulns, index/modules, index/db last (vulnDbRank).
  if (p.kind === 'vulndb') return 1 + vulnDbRank(p.file);
  // Pages describe the modules: after everything they describe.
  if (p.kind === 'catalog') return 4;
  if (p.kind !== 'sumdb') return 1;
  return p.part === 'supported' ? 3 : 2;
}

/**
 * Why `rel`, a tree path taken from a bundle entry, may not be written under
 * the root; undefined when it may. Checked before a byte of the entry is
 * written anywhere.
 */
export function describeBadTreePath(rel: string): string | undefined {
  if (rel.includes('\\')) return 'backslash in the name';
  if (rel.includes('\0')) return 'NUL in the name';
  if (rel.startsWith('/')) return 'absolute path';
  const parts = rel.split('/');
  if (parts.includes('..')) return 'path traversal (`..`)';
  if (parts.some((e) => e === '' || e === '.')) return 'unclean path (empty or `.` element)';
  if (parts[0] === STATE_DIR) return `tool state (${STATE_DIR}/) never travels in a bundle`;
  if (TEMP_FILE_PATTERN.test(rel)) return 'a temporary file';
  if (classifyTreePath(rel) === undefined) return 'not a file of the tree layout';
  return undefined;
}
