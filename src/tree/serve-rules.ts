/**
 * What a client gets for each kind of file in the tree: the Content-Type and
 * the Cache-Control class. The nginx config and the S3 publisher serve the
 * same tree, so both are made from this one table: `gomirror nginx` renders a
 * location per row (templates/nginx/partials/served-location.hbs), and
 * `publish` sets each object's headers from it (the vulndb and catalog rows
 * are rendered by their own partials; see ServedGroup). test/unit/tree/serve-rules.test.ts
 * reads the rendered config back, and the S3 end-to-end test compares the
 * headers real nginx and the bucket send.
 *
 * Pure. Patterns are the nginx location regexes verbatim; they are matched
 * against `/` + the slash-separated path relative to the tree root.
 */
import { STATE_DIR, TEMP_FILE_PATTERN } from './layout.js';

/**
 * `immutable`: a year, never revalidated (the path names its content).
 * `mutable`: the list max-age (`--list-max-age`), or the kind's `maxAge` when that is longer.
 * `fixed`: the kind's `maxAge`, whatever the list max-age.
 */
export type CacheClass = 'immutable' | 'mutable' | 'fixed';

/**
 * Which part of the nginx config serves the kind: `sumdb` and `module` rows are
 * rendered from this table (served-location.hbs); `vulndb` and `catalog` have
 * partials of their own (vulndb.hbs: .json.gz without gzip; catalog.hbs: CSP,
 * auth for private modules' pages), which test/unit/tree/serve-rules.test.ts
 * holds to these rows.
 */
export type ServedGroup = 'sumdb' | 'vulndb' | 'catalog' | 'module';

export interface ServedKind {
  /** A short name for reports: `zip`, `list`, `sumdb-tile`, ... */
  readonly name: string;
  /** The nginx location regex (PCRE and JavaScript read it the same). */
  readonly regex: string;
  /** nginx `default_type`. */
  readonly type: string;
  /** nginx adds `; charset=utf-8` to text/html always, and to text/plain (charset_types) unless the location says `charset off`. */
  readonly charset: boolean;
  readonly cache: CacheClass;
  /** Seconds: the max-age of a `fixed` kind, the least max-age of a `mutable` one. */
  readonly maxAge?: number;
  readonly group: ServedGroup;
}

/** One hour: a vulnerability entry changes only when its report is revised (nginx: vulndbEntryMaxAge). */
export const VULNDB_ENTRY_MAX_AGE = 3600;
/** The catalog is rewritten by every sync (templates/nginx/partials/cache-catalog.hbs). */
export const CATALOG_MAX_AGE = 60;

const VULNDB_ID = '[A-Za-z0-9][A-Za-z0-9._-]*';

/** In nginx's matching order: the first row that matches decides. */
export const SERVED_KINDS: readonly ServedKind[] = [
  { name: 'sumdb-index', regex: '^/sumdb/[^/]+/(?:supported|latest)$', type: 'text/plain', charset: true, cache: 'mutable', group: 'sumdb' },
  { name: 'sumdb-lookup', regex: '^/sumdb/[^/]+/lookup/[^/]', type: 'text/plain', charset: true, cache: 'immutable', group: 'sumdb' },
  {
    name: 'sumdb-data-partial',
    regex: '^/sumdb/[^/]+/tile/[0-9]+/data/(?:x[0-9]{3}/)*[0-9]{3}\\.p/[0-9]+$',
    type: 'text/plain',
    charset: true,
    cache: 'mutable',
    group: 'sumdb',
  },
  { name: 'sumdb-data', regex: '^/sumdb/[^/]+/tile/[0-9]+/data/(?:x[0-9]{3}/)*[0-9]{3}$', type: 'text/plain', charset: true, cache: 'immutable', group: 'sumdb' },
  {
    name: 'sumdb-tile-partial',
    regex: '^/sumdb/[^/]+/tile/[0-9]+/[0-9]+/(?:x[0-9]{3}/)*[0-9]{3}\\.p/[0-9]+$',
    type: 'text/plain',
    charset: false,
    cache: 'mutable',
    group: 'sumdb',
  },
  { name: 'sumdb-tile', regex: '^/sumdb/[^/]+/tile/[0-9]+/[0-9]+/(?:x[0-9]{3}/)*[0-9]{3}$', type: 'text/plain', charset: false, cache: 'immutable', group: 'sumdb' },
  // vulndb.hbs: X.json for file:// readers, X.json.gz for govulncheck over HTTP,
  // which gunzips it itself: application/gzip and never a Content-Encoding.
  { name: 'vulndb-index', regex: '^/vulndb/index/(?:db|modules|vulns)\\.json$', type: 'application/json', charset: false, cache: 'mutable', group: 'vulndb' },
  { name: 'vulndb-index-gz', regex: '^/vulndb/index/(?:db|modules|vulns)\\.json\\.gz$', type: 'application/gzip', charset: false, cache: 'mutable', group: 'vulndb' },
  {
    name: 'vulndb-entry',
    regex: `^/vulndb/ID/${VULNDB_ID}\\.json$`,
    type: 'application/json',
    charset: false,
    cache: 'mutable',
    maxAge: VULNDB_ENTRY_MAX_AGE,
    group: 'vulndb',
  },
  {
    name: 'vulndb-entry-gz',
    regex: `^/vulndb/ID/${VULNDB_ID}\\.json\\.gz$`,
    type: 'application/gzip',
    charset: false,
    cache: 'mutable',
    maxAge: VULNDB_ENTRY_MAX_AGE,
    group: 'vulndb',
  },
  // catalog.hbs: `location = /index.html` (and `/`, which serves it), then _catalog/.
  { name: 'catalog-home', regex: '^/index\\.html$', type: 'text/html', charset: true, cache: 'fixed', maxAge: CATALOG_MAX_AGE, group: 'catalog' },
  {
    name: 'catalog-page',
    regex: '^/_catalog/(?:[^/]+/)*[^/]+\\.html$',
    type: 'text/html',
    charset: true,
    cache: 'fixed',
    maxAge: CATALOG_MAX_AGE,
    group: 'catalog',
  },
  { name: 'catalog-css', regex: '^/_catalog/[^/]+\\.css$', type: 'text/css', charset: false, cache: 'fixed', maxAge: CATALOG_MAX_AGE, group: 'catalog' },
  { name: 'catalog-js', regex: '^/_catalog/[^/]+\\.js$', type: 'text/javascript', charset: false, cache: 'fixed', maxAge: CATALOG_MAX_AGE, group: 'catalog' },
  { name: 'catalog-json', regex: '^/_catalog/[^/]+\\.json$', type: 'application/json', charset: false, cache: 'fixed', maxAge: CATALOG_MAX_AGE, group: 'catalog' },
  { name: 'catalog-feed', regex: '^/_catalog/[^/]+\\.jsonl$', type: 'text/plain', charset: true, cache: 'fixed', maxAge: CATALOG_MAX_AGE, group: 'catalog' },
  { name: 'list', regex: '/@v/list$', type: 'text/plain', charset: true, cache: 'mutable', group: 'module' },
  { name: 'latest', regex: '/@latest$', type: 'application/json', charset: false, cache: 'mutable', group: 'module' },
  { name: 'info', regex: '/@v/[^/]+\\.info$', type: 'application/json', charset: false, cache: 'immutable', group: 'module' },
  { name: 'mod', regex: '/@v/[^/]+\\.mod$', type: 'text/plain', charset: true, cache: 'immutable', group: 'module' },
  { name: 'zip', regex: '/@v/[^/]+\\.zip$', type: 'application/zip', charset: false, cache: 'immutable', group: 'module' },
];

const RESERVED = /^\/(?:sumdb|vulndb|_catalog)\//;
const COMPILED = SERVED_KINDS.map((k) => ({ kind: k, re: new RegExp(k.regex) }));

/**
 * The kind of the tree file at `rel` (slash-separated, relative to the root),
 * or undefined when nginx would answer 404 for it: tool state, dotfiles,
 * temp files of writes in progress, anything else under sumdb/, and files
 * that are no GOPROXY file at all.
 */
export function servedKind(rel: string): ServedKind | undefined {
  const uri = `/${rel}`;
  // nginx's first locations: `/\.` (dotfiles, .gomirror/) and temp files.
  if (uri.includes('/.') || rel.startsWith(`${STATE_DIR}/`) || TEMP_FILE_PATTERN.test(uri)) return undefined;
  for (const { kind, re } of COMPILED) {
    if (!re.test(uri)) continue;
    // nginx answers 404 for anything else under sumdb/, vulndb/ and _catalog/ before the module locations.
    return kind.group === 'module' && RESERVED.test(uri) ? undefined : kind;
  }
  return undefined;
}

/** The Content-Type header nginx sends for this kind. */
export function contentTypeOf(kind: ServedKind): string {
  return kind.charset ? `${kind.type}; charset=utf-8` : kind.type;
}

/** One year, the longest max-age caches honour. */
export const IMMUTABLE_MAX_AGE = 31_536_000;
/** nginx's default `--list-max-age`. */
export const DEFAULT_LIST_MAX_AGE = 300;

/** The Cache-Control header nginx sends for this kind. */
export function cacheControlOf(kind: ServedKind, listMaxAge = DEFAULT_LIST_MAX_AGE): string {
  switch (kind.cache) {
    case 'immutable':
      return `public, max-age=${IMMUTABLE_MAX_AGE}, immutable`;
    case 'fixed':
      return `public, max-age=${kind.maxAge ?? listMaxAge}`;
    case 'mutable':
      return `public, max-age=${Math.max(listMaxAge, kind.maxAge ?? 0)}`;
  }
}
