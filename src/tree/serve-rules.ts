/**
 * What a client gets for each kind of file in the tree: the Content-Type and
 * the Cache-Control class. The nginx config and the S3 publisher serve the
 * same tree, so both are made from this one table: `gomirror nginx` renders a
 * location per row (templates/nginx/partials/served-location.hbs), and
 * `publish` sets each object's headers from it. test/unit/tree/serve-rules.test.ts
 * reads the rendered config back, and the S3 end-to-end test compares the
 * headers real nginx and the bucket send.
 *
 * Pure. Patterns are the nginx location regexes verbatim; they are matched
 * against `/` + the slash-separated path relative to the tree root.
 */
import { STATE_DIR, TEMP_FILE_PATTERN } from './layout.js';

/** `immutable`: a year, never revalidated (the path names its content). `mutable`: the short list max-age. */
export type CacheClass = 'immutable' | 'mutable';

export interface ServedKind {
  /** A short name for reports: `zip`, `list`, `sumdb-tile`, ... */
  readonly name: string;
  /** The nginx location regex (PCRE and JavaScript read it the same). */
  readonly regex: string;
  /** nginx `default_type`. */
  readonly type: string;
  /** nginx adds `; charset=utf-8` to text/plain unless the location says `charset off`. */
  readonly charset: boolean;
  readonly cache: CacheClass;
}

/** In nginx's matching order: the first row that matches decides. */
export const SERVED_KINDS: readonly ServedKind[] = [
  { name: 'sumdb-index', regex: '^/sumdb/[^/]+/(?:supported|latest)$', type: 'text/plain', charset: true, cache: 'mutable' },
  { name: 'sumdb-lookup', regex: '^/sumdb/[^/]+/lookup/[^/]', type: 'text/plain', charset: true, cache: 'immutable' },
  {
    name: 'sumdb-data-partial',
    regex: '^/sumdb/[^/]+/tile/[0-9]+/data/(?:x[0-9]{3}/)*[0-9]{3}\\.p/[0-9]+$',
    type: 'text/plain',
    charset: true,
    cache: 'mutable',
  },
  { name: 'sumdb-data', regex: '^/sumdb/[^/]+/tile/[0-9]+/data/(?:x[0-9]{3}/)*[0-9]{3}$', type: 'text/plain', charset: true, cache: 'immutable' },
  {
    name: 'sumdb-tile-partial',
    regex: '^/sumdb/[^/]+/tile/[0-9]+/[0-9]+/(?:x[0-9]{3}/)*[0-9]{3}\\.p/[0-9]+$',
    type: 'text/plain',
    charset: false,
    cache: 'mutable',
  },
  { name: 'sumdb-tile', regex: '^/sumdb/[^/]+/tile/[0-9]+/[0-9]+/(?:x[0-9]{3}/)*[0-9]{3}$', type: 'text/plain', charset: false, cache: 'immutable' },
  { name: 'list', regex: '/@v/list$', type: 'text/plain', charset: true, cache: 'mutable' },
  { name: 'latest', regex: '/@latest$', type: 'application/json', charset: false, cache: 'mutable' },
  { name: 'info', regex: '/@v/[^/]+\\.info$', type: 'application/json', charset: false, cache: 'immutable' },
  { name: 'mod', regex: '/@v/[^/]+\\.mod$', type: 'text/plain', charset: true, cache: 'immutable' },
  { name: 'zip', regex: '/@v/[^/]+\\.zip$', type: 'application/zip', charset: false, cache: 'immutable' },
];

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
    if (re.test(uri)) return kind;
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
  return kind.cache === 'immutable' ? `public, max-age=${IMMUTABLE_MAX_AGE}, immutable` : `public, max-age=${listMaxAge}`;
}
