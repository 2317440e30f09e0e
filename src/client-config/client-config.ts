/**
 * `gomirror client-config`: the go command settings that point a developer
 * machine or CI job at the mirror, as a `go env -w` line plus the `.netrc`
 * entry when the mirror asks for credentials. Pure: the environment to check
 * is passed in.
 */
import { compileModulePattern, splitModulePatterns } from '../module/index.js';
import { GomirrorError } from '../errors.js';

/** Inputs of `gomirror client-config`. */
export interface ClientConfigOptions {
  /** Base URL of the mirror (`--url`). */
  url: string;
  /** GOPRIVATE patterns (`--private`), comma-separated; several values are joined. */
  private?: string[] | undefined;
  /** GOSUMDB value (`--sumdb`): `off`, `name`, `name+key` or `name+key url`. Default `sum.golang.org`. */
  sumdb?: string | undefined;
  /** Login for the `.netrc` entry (`--netrc-login`), when the mirror uses basic auth. */
  netrcLogin?: string | undefined;
  /** Extra `NAME=VALUE` settings for the same `go env -w` line (`--env`). */
  extraEnv?: string[] | undefined;
  /** The environment the user will run the go command in, checked for settings that would not work. */
  env?: Record<string, string | undefined>;
  /** Print the govulncheck line for the mirror's vulnerability database (default true; `--no-vulndb`). */
  vulndb?: boolean;
}

/** The client setup, as data and as the text to print. */
export interface ClientConfig {
  /** The go env settings, in the order printed. */
  goEnv: [name: string, value: string][];
  /** `go env -w ...`, shell-quoted. */
  command: string;
  /** The `.netrc` entry, or undefined without `--netrc-login`. */
  netrc: string | undefined;
  /** `govulncheck -db <url>/vulndb ./...`, or undefined with `vulndb: false`. */
  govulncheck: string | undefined;
  warnings: string[];
  /** Everything to print on stdout. */
  text: string;
}

/** Variables `go env -w` accepts (cmd/go's knownEnv, the writable ones). */
const GO_ENV_VARIABLES = new Set(
  (
    'AR CC CGO_CFLAGS CGO_CPPFLAGS CGO_CXXFLAGS CGO_ENABLED CGO_FFLAGS CGO_LDFLAGS CXX FC GCCGO GO111MODULE GO386 ' +
    'GOAMD64 GOARCH GOARM GOARM64 GOAUTH GOBIN GOCACHE GOCACHEPROG GODEBUG GOEXPERIMENT GOFIPS140 GOFLAGS ' +
    'GOINSECURE GOMIPS GOMIPS64 GOMODCACHE GONOPROXY GONOSUMDB GOOS GOPATH GOPPC64 GOPRIVATE GOPROXY ' +
    'GORISCV64 GOSUMDB GOTELEMETRY GOTMPDIR GOTOOLCHAIN GOVCS GOWASM GOWORK PKG_CONFIG'
  ).split(' '),
);

/** The proxy and checksum settings; the names people misspell are checked against these. */
const PROXY_VARIABLES = ['GOPROXY', 'GONOPROXY', 'GOSUMDB', 'GONOSUMDB', 'GOPRIVATE', 'GOINSECURE'];

/** Builds the client setup. Throws GomirrorError E_USAGE for a bad URL, pattern or GOSUMDB value. */
export function buildClientConfig(options: ClientConfigOptions): ClientConfig {
  const url = checkMirrorUrl(options.url);
  const warnings: string[] = [];
  const goEnv: [string, string][] = [
    // ",off": a module missing from the mirror fails instead of being fetched from elsewhere.
    ['GOPROXY', `${url.href.replace(/\/+$/, '')},off`],
    ['GOSUMDB', checkSumdb(options.sumdb ?? 'sum.golang.org')],
  ];

  const patterns = splitModulePatterns((options.private ?? []).join(','));
  if (patterns.length > 0) {
    for (const p of patterns) compileModulePattern(p, '--private');
    // GOPRIVATE alone would also set GONOPROXY, sending those modules around the
    // mirror straight to their VCS; GONOPROXY=none (a pattern no module matches)
    // keeps them on the mirror while they still skip the checksum database.
    goEnv.push(['GOPRIVATE', patterns.join(',')], ['GONOPROXY', 'none']);
  }

  for (const setting of options.extraEnv ?? []) {
    const eq = setting.indexOf('=');
    const name = eq < 0 ? setting : setting.slice(0, eq);
    if (eq <= 0) throw new GomirrorError('E_USAGE', `--env: "${setting}" is not NAME=VALUE`);
    if (goEnv.some(([n]) => n === name)) {
      throw new GomirrorError('E_USAGE', `--env: ${name} is already set by --url, --sumdb or --private`);
    }
    if (GO_ENV_VARIABLES.has(name)) goEnv.push([name, setting.slice(eq + 1)]);
    else warnings.push(`--env: the go command does not know ${name}${suggest(name)}; it is left out`);
  }

  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) continue;
    if (goEnv.some(([n]) => n === name)) {
      warnings.push(`${name} is set in your environment; it overrides what go env -w writes: unset it`);
    } else if (isMisspeltProxyVariable(name)) {
      warnings.push(`${name} is set in your environment, but the go command does not know it${suggest(name)}`);
    }
  }

  const sumdb = goEnv[1]?.[1];
  if (sumdb === 'off') {
    warnings.push(
      'GOSUMDB=off: the go command still verifies Go toolchains (golang.org/toolchain) with the checksum database, so a ' +
        'project whose go line is newer than the local go fails to switch toolchains; keep GOSUMDB on (the mirror serves /sumdb/)',
    );
  }

  let netrc: string | undefined;
  if (options.netrcLogin !== undefined) {
    if (!/^[^\s#]+$/.test(options.netrcLogin)) {
      throw new GomirrorError('E_USAGE', `--netrc-login: "${options.netrcLogin}" cannot be written to .netrc`);
    }
    if (url.protocol !== 'https:') {
      warnings.push('--netrc-login with an http:// URL: the go command sends .netrc credentials only over https');
    }
    netrc = `machine ${url.hostname}\nlogin ${options.netrcLogin}\npassword YOUR-PASSWORD\n`;
  }

  const command = ['go', 'env', '-w', ...goEnv.map(([n, v]) => quoteShellWord(`${n}=${v}`))].join(' ');
  let text =
    `# Point the go command at the mirror (once per user; CI can set the same variables):\n${command}\n` +
    '# Go toolchains that go.mod files ask for (GOTOOLCHAIN=auto) come from the mirror too, checked with\n' +
    '# the checksum database even with GOSUMDB=off: keep GOSUMDB on.\n';
  // The database lives at <mirror>/vulndb/ (sync --vulndb); govulncheck takes its URL with -db.
  const govulncheck = options.vulndb === false ? undefined : `govulncheck -db ${quoteShellWord(`${url.href.replace(/\/+$/, '')}/vulndb`)} ./...`;
  if (govulncheck !== undefined) {
    text += `\n# Check for known vulnerabilities with the mirror's copy of the Go vulnerability database (sync --vulndb):\n${govulncheck}\n`;
  }
  if (netrc !== undefined) {
    text +=
      '\n# Add to ~/.netrc (chmod 600), or to the file named by $NETRC, with the real password.\n' +
      '# The go command sends these credentials only over https.\n' +
      netrc;
  }
  return { goEnv, command, netrc, govulncheck, warnings, text };
}

function checkMirrorUrl(value: string): URL {
  const fail = (why: string): never => {
    throw new GomirrorError('E_USAGE', `--url: "${value}" ${why}`, {
      hint: 'Give the base URL the mirror is served at, e.g. https://goproxy.example.com.',
    });
  };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail('is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail('must be an http:// or https:// URL');
  if (url.username !== '' || url.password !== '') fail('must not hold credentials: use .netrc (--netrc-login)');
  if (url.search !== '' || url.hash !== '') fail('must not have a query or fragment');
  // "," and "|" separate GOPROXY entries.
  if (/[,|]/.test(url.href)) fail('must not contain "," or "|"');
  return url;
}

/** GOSUMDB syntax: `off`, `name`, `name+key`, or `name+key url`. */
function checkSumdb(value: string): string {
  const name = '[A-Za-z0-9][A-Za-z0-9.:-]*';
  const key = `\\+[0-9a-f]{8}\\+[A-Za-z0-9+/=]+`;
  const ok = value === 'off' || new RegExp(`^${name}(?:${key}(?: https?://\\S+)?)?$`).test(value);
  if (!ok) {
    throw new GomirrorError('E_USAGE', `--sumdb: "${value}" is not a GOSUMDB value`, {
      hint: 'Give off, a name (sum.golang.org), name+key, or "name+key URL".',
    });
  }
  return value;
}

function isMisspeltProxyVariable(name: string): boolean {
  return /^GO_?(?:NO_?)?(?:SUM|PROXY|PRIVATE|INSECURE)/.test(name) && !PROXY_VARIABLES.includes(name);
}

/** " (did you mean GONOSUMDB?)" for a name close to a proxy variable, else "". */
function suggest(name: string): string {
  const m = /^GO_?(NO_?)?(SUM|PROXY|PRIVATE|INSECURE)/.exec(name);
  if (!m) return '';
  const stem = m[2] === 'SUM' ? 'SUMDB' : m[2];
  const guess = `GO${m[1] && stem !== 'PRIVATE' && stem !== 'INSECURE' ? 'NO' : ''}${stem}`;
  return PROXY_VARIABLES.includes(guess) ? ` (did you mean ${guess}?)` : '';
}

/** Quotes a word for POSIX shells when it holds anything beyond a safe set (`*` would glob). */
export function quoteShellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
