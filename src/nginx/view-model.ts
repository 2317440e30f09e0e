/**
 * The pure step from `gomirror nginx` options to the data the handlebars
 * templates render. Everything that needs judgement (defaults, path
 * resolution, pattern compilation, names) happens here, so the templates only
 * place values and tests can check decisions without reading config text.
 */
import path from 'node:path';

import { compileModulePattern, splitModulePatterns } from '../module/index.js';
import { DEFAULT_LIST_MAX_AGE, checkConfigPath, checkServerName, formatListen, parseAuthRule, parseListen, parseMaxAge, type NginxOptions } from './options.js';
import { GomirrorError } from '../errors.js';
import { IMMUTABLE_MAX_AGE, SERVED_KINDS, VULNDB_ENTRY_MAX_AGE, type ServedKind } from '../tree/index.js';

/** A location that asks for HTTP basic auth for the modules one pattern matches. */
export interface AuthLocation {
  /** The pattern as given, for the comment above the location. */
  pattern: string;
  /** PCRE matched against the percent-decoded URI (see compileModulePattern). */
  regex: string;
  /** Absolute htpasswd file. */
  userFile: string;
}

/** A location serving one kind of tree file (tree/serve-rules.ts, which the S3 publisher reads too). */
export interface ServedLocation {
  regex: string;
  type: string;
  /** Hash tiles: no charset, no gzip. */
  rawHashes: boolean;
  immutable: boolean;
  /** Comment lines above the location. */
  comment: string[];
}

/** What the templates in templates/nginx/ render. */
export interface NginxViewModel {
  standalone: boolean;
  /** Absolute tree root. */
  root: string;
  /** Argument of the plain-HTTP `listen`. */
  listen: string;
  /** Argument of `server_name`. */
  serverNames: string;
  tls: { listen: string; certificate: string; certificateKey: string } | undefined;
  /** In the order given; they are matched in that order, after the sumdb and hidden-file rules. */
  authLocations: AuthLocation[];
  autoindex: boolean;
  /** The checksum database's files, then module files: one location per kind, in matching order. */
  sumdbLocations: ServedLocation[];
  moduleLocations: ServedLocation[];
  /** Cache-Control max-age of mutable files, seconds. */
  listMaxAge: number;
  /** Cache-Control max-age of versioned files: one year, with `immutable`. */
  immutableMaxAge: number;
  /** Cache-Control max-age of the vulnerability database's index files: that of list files. */
  vulndbIndexMaxAge: number;
  /** Cache-Control max-age of its entries: longer, since an entry changes only with its own report. */
  vulndbEntryMaxAge: number;
  /** Access log file, or `off`. */
  accessLog: string;
  /** Name of the JSON access log format; unique per server block so several can share one http { }. */
  logFormatName: string;
}

export { IMMUTABLE_MAX_AGE, VULNDB_ENTRY_MAX_AGE };

/**
 * Builds the template data. `cwd` resolves relative paths (the root, TLS and
 * htpasswd files, and the access log unless `--standalone`, where relative log
 * paths stay relative to Nginx's `-p` prefix). Throws GomirrorError E_USAGE.
 */
export function buildNginxViewModel(options: NginxOptions, cwd: string): NginxViewModel {
  const standalone = options.standalone === true;
  const absolute = (file: string, flag: string): string => checkConfigPath(path.resolve(cwd, file), flag);

  if (options.root === undefined || options.root === '') {
    throw new GomirrorError('E_USAGE', '--root: the directory to serve is required');
  }
  const root = absolute(options.root, '--root');
  const listen = parseListen(options.listen ?? (standalone ? '8080' : '80'), '--listen');
  const serverNames = (options.serverNames?.length ? options.serverNames : ['_']).map((n) =>
    checkServerName(n, '--server-name'),
  );

  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
    const missing = options.tlsCert === undefined ? '--tls-cert' : '--tls-key';
    throw new GomirrorError('E_USAGE', `${missing} is missing: --tls-cert and --tls-key go together`);
  }
  let tls: NginxViewModel['tls'];
  if (options.tlsCert !== undefined && options.tlsKey !== undefined) {
    const tlsListen = parseListen(options.tlsListen ?? (standalone ? '8443' : '443'), '--tls-listen');
    if (sameSocket(tlsListen, listen)) {
      throw new GomirrorError('E_USAGE', `--tls-listen: ${formatListen(tlsListen)} is already the --listen address`);
    }
    tls = {
      listen: formatListen(tlsListen),
      certificate: absolute(options.tlsCert, '--tls-cert'),
      certificateKey: absolute(options.tlsKey, '--tls-key'),
    };
  } else if (options.tlsListen !== undefined) {
    throw new GomirrorError('E_USAGE', '--tls-listen needs --tls-cert and --tls-key');
  }

  const authLocations: AuthLocation[] = [];
  for (const value of options.auth ?? []) {
    const rule = parseAuthRule(value, '--auth');
    const userFile = absolute(rule.userFile, '--auth');
    for (const pattern of splitModulePatterns(rule.patterns.join(','))) {
      authLocations.push({ pattern, regex: compileModulePattern(pattern, '--auth'), userFile });
    }
  }

  const listMaxAge = parseMaxAge(options.listMaxAge ?? DEFAULT_LIST_MAX_AGE, '--list-max-age');
  const accessLog =
    options.accessLog === undefined
      ? standalone
        ? 'access.log'
        : '/var/log/nginx/gomirror.access.log'
      : options.accessLog === 'off' || standalone
        ? checkConfigPath(options.accessLog, '--access-log')
        : absolute(options.accessLog, '--access-log');

  return {
    standalone,
    root,
    listen: formatListen(listen),
    serverNames: serverNames.join(' '),
    tls,
    authLocations,
    autoindex: options.autoindex === true,
    // The vulndb and catalog rows have partials of their own (vulndb.hbs, catalog.hbs).
    sumdbLocations: SERVED_KINDS.filter((k) => k.group === 'sumdb').map(toLocation),
    moduleLocations: SERVED_KINDS.filter((k) => k.group === 'module').map(toLocation),
    listMaxAge,
    immutableMaxAge: IMMUTABLE_MAX_AGE,
    vulndbIndexMaxAge: listMaxAge,
    vulndbEntryMaxAge: Math.max(VULNDB_ENTRY_MAX_AGE, listMaxAge),
    accessLog,
    logFormatName: standalone ? 'gomirror' : nameLogFormat(serverNames[0] ?? '_', listen.port),
  };
}

function toLocation(k: ServedKind): ServedLocation {
  // Only text/plain gets a charset (charset_types); a text/plain kind without one is a hash tile.
  const rawHashes = k.type === 'text/plain' && !k.charset;
  return {
    regex: k.regex,
    type: k.type,
    rawHashes,
    immutable: k.cache === 'immutable',
    comment:
      k.name === 'sumdb-tile-partial'
        ? ['Hash tiles are raw SHA-256 hashes: text/plain like the rest, but neither', 'UTF-8 nor worth gzip.']
        : [],
  };
}

/**
 * `gomirror_<server name>_<port>`: log_format names share the http { } context
 * with every other conf.d file, and a duplicate name stops Nginx from loading.
 */
function nameLogFormat(serverName: string, port: number): string {
  const slug = serverName === '_' ? 'default' : serverName.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '');
  return `gomirror_${slug || 'default'}_${port}`;
}

/** Two listeners clash when their ports are equal and either has no host or the hosts are equal. */
function sameSocket(a: { host?: string; port: number }, b: { host?: string; port: number }): boolean {
  if (a.port !== b.port) return false;
  return a.host === undefined || b.host === undefined || a.host === b.host || a.host === '*' || b.host === '*';
}
