/**
 * The options of `gomirror nginx` and their pure parsing: listen addresses,
 * durations, `--auth` rules and the strings that end up inside the config.
 * Each failure is a GomirrorError E_USAGE whose message names the flag.
 */
import { GomirrorError } from '../errors.js';

/** Options as given on the command line (strings, before any checks). */
export interface NginxOptions {
  /** The tree to serve (`--root`); made absolute against the working directory. */
  root: string;
  /** `[HOST:]PORT` of the plain-HTTP listener (`--listen`). Default 80, or 8080 with `--standalone`. */
  listen?: string | undefined;
  /** `[HOST:]PORT` of the HTTPS listener (`--tls-listen`). Default 443, or 8443 with `--standalone`. */
  tlsListen?: string | undefined;
  /** Names for `server_name` (`--server-name`); default `_` (any). */
  serverNames?: string[] | undefined;
  /** Write a whole nginx.conf instead of a `server { }` block (`--standalone`). */
  standalone?: boolean | undefined;
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
  /** `PATTERN[,PATTERN...]=HTPASSWD` rules (`--auth`). */
  auth?: string[] | undefined;
  /** Turn on directory listings (`--autoindex`). */
  autoindex?: boolean | undefined;
  /** max-age of `list`, `@latest`, sumdb `latest` and partial tiles: seconds or an Nginx-style duration. */
  listMaxAge?: string | number | undefined;
  /** Access log file, or `off` (`--access-log`). */
  accessLog?: string | undefined;
}

/** A parsed `--listen` value, printable as the argument of Nginx's `listen`. */
export interface ListenAddress {
  host?: string;
  port: number;
}

/** A parsed `--auth` rule before its patterns are compiled. */
export interface AuthRule {
  patterns: string[];
  userFile: string;
}

/** The default and largest max-age for mutable files, in seconds. */
// One value for nginx and the S3 publisher (tree/serve-rules.ts).
export { DEFAULT_LIST_MAX_AGE } from '../tree/index.js';
const ONE_YEAR = 31_536_000;

/** Parses `[HOST:]PORT` (`8080`, `127.0.0.1:8080`, `[::1]:8080`, `*:80`). */
export function parseListen(value: string, flag: string): ListenAddress {
  const fail = (why: string): never => {
    throw new GomirrorError('E_USAGE', `${flag}: "${value}" is not [HOST:]PORT: ${why}`, {
      hint: 'Examples: 8080, 127.0.0.1:8080, [::1]:8443.',
    });
  };
  const m = /^(?:(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.*-]+):)?([0-9]+)$/.exec(value);
  if (!m) return fail('expected a port number, optionally after HOST:');
  const port = Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail('the port must be between 1 and 65535');
  return m[1] === undefined ? { port } : { host: m[1], port };
}

/** Formats a listen address for Nginx's `listen` directive. */
export function formatListen(address: ListenAddress): string {
  return address.host === undefined ? String(address.port) : `${address.host}:${address.port}`;
}

/**
 * Parses a max-age: whole seconds, or an Nginx-style duration (`30s`, `5m`,
 * `1h`, `1d`, also combined as `1h30m`). Allowed range: 0 s to one year.
 */
export function parseMaxAge(value: string | number, flag: string): number {
  const text = String(value).trim();
  const fail = (): never => {
    throw new GomirrorError('E_USAGE', `${flag}: "${text}" is not a duration of 0 to 31536000 seconds`, {
      hint: 'Give seconds (300) or an Nginx-style duration (5m, 1h, 1d).',
    });
  };
  if (/^[0-9]+$/.test(text)) {
    const n = Number(text);
    return n <= ONE_YEAR ? n : fail();
  }
  const unit: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
  if (!/^(?:[0-9]+[smhd])+$/.test(text)) return fail();
  let seconds = 0;
  for (const [, n, u] of text.matchAll(/([0-9]+)([smhd])/g)) seconds += Number(n) * (unit[u as string] ?? 0);
  return seconds <= ONE_YEAR ? seconds : fail();
}

/** Splits `PATTERN[,PATTERN...]=HTPASSWD` at the first `=` (patterns never contain one). */
export function parseAuthRule(value: string, flag: string): AuthRule {
  const eq = value.indexOf('=');
  const patternList = eq < 0 ? '' : value.slice(0, eq);
  const userFile = eq < 0 ? '' : value.slice(eq + 1);
  if (patternList.trim() === '' || userFile === '') {
    throw new GomirrorError('E_USAGE', `${flag}: "${value}" is not PATTERN=HTPASSWD`, {
      hint: 'Example: --auth "corp.example.com/*=/etc/nginx/gomirror.htpasswd".',
    });
  }
  return { patterns: patternList.split(','), userFile };
}

/** Checks a server name: host names, `*.example.com`, `example.*` or `_`. */
export function checkServerName(name: string, flag: string): string {
  if (!/^(?:_|(?:\*\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?:\.\*)?)$/.test(name)) {
    throw new GomirrorError('E_USAGE', `${flag}: "${name}" is not a server name`, {
      hint: 'Give a host name such as goproxy.example.com, a wildcard such as *.example.com, or _ for any.',
    });
  }
  return name;
}

/**
 * Refuses file names that could not be written safely inside a double-quoted
 * Nginx string: `"` and `\` would end or escape it, `$` starts a variable in
 * root, ssl_certificate and auth_basic_user_file, control characters break lines.
 */
export function checkConfigPath(file: string, flag: string): string {
  // eslint-disable-next-line no-control-regex
  const bad = /["\\$\u0000-\u001f\u007f]/.exec(file);
  if (bad) {
    throw new GomirrorError('E_USAGE', `${flag}: the path ${JSON.stringify(file)} contains ${JSON.stringify(bad[0])}, which cannot go into an Nginx config`, {
      hint: 'Rename the file or directory, or use a symlink with a plain name.',
    });
  }
  return file;
}
