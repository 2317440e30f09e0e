/**
 * The one error base class of gomirror. Every failure a user can meet carries a
 * stable string code (listed in ERROR_CODES and in the README), a message that
 * names the thing (manifest key, module@version, redacted URL, file), an
 * optional hint saying what to do next, and the underlying cause.
 *
 * Only cli/ turns these into text and exit codes.
 */

/** What kind of failure a code is; decides the exit code in cli/. */
export type ErrorKind =
  /** Usage or input error found before any work: exit 2. */
  | 'input'
  /** The job ran but something failed: exit 1. */
  | 'failure'
  /** A checksum or signature disagreed: exit 1, never downgraded to a warning. */
  | 'security'
  /** Another run holds the lock: exit 3. */
  | 'lock';

export const ERROR_CODES = {
  E_USAGE: 'input',
  E_MANIFEST: 'input',
  E_MODULE_PATH: 'input',
  E_VERSION: 'input',
  E_QUERY: 'input',
  E_UPSTREAM_SPEC: 'input',
  E_NETRC: 'input',
  E_GOSUM: 'input',
  E_GOMOD: 'input',
  E_SUMDB_SPEC: 'input',
  E_GO_MISSING: 'input',
  E_NOT_FOUND: 'failure',
  E_HTTP: 'failure',
  E_NETWORK: 'failure',
  E_SHORT_BODY: 'failure',
  E_TOO_LARGE: 'failure',
  E_TOO_SLOW: 'failure',
  E_UPSTREAM_OFF: 'failure',
  E_BAD_RESPONSE: 'failure',
  E_ZIP_INVALID: 'failure',
  E_MOD_INVALID: 'failure',
  E_FS: 'failure',
  E_INTERNAL: 'failure',
  /** The run was stopped by a signal (SIGTERM from systemd, SIGINT, SIGHUP). */
  E_INTERRUPTED: 'failure',
  E_SUMDB: 'failure',
  E_BUNDLE: 'failure',
  E_RSYNC: 'failure',
  E_VULNDB: 'failure',
  E_S3: 'failure',
  E_VCS: 'failure',
  E_KEY: 'input',
  E_SIGNATURE: 'security',
  E_CHECKSUM_MISMATCH: 'security',
  E_SUMDB_SECURITY: 'security',
  E_VULNDB_ROLLBACK: 'security',
  E_LOCKED: 'lock',
} as const satisfies Record<string, ErrorKind>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface GomirrorErrorOptions {
  hint?: string | undefined;
  cause?: unknown;
}

export class GomirrorError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: GomirrorErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GomirrorError';
    this.code = code;
    this.hint = options.hint;
  }

  get kind(): ErrorKind {
    return ERROR_CODES[this.code];
  }
}

/** A module path, version or file path failed Go's validity rules. */
export class InvalidModuleError extends GomirrorError {
  constructor(
    code: 'E_MODULE_PATH' | 'E_VERSION' | 'E_QUERY',
    message: string,
    options: GomirrorErrorOptions = {},
  ) {
    super(code, message, options);
    this.name = 'InvalidModuleError';
  }
}

/** A downloaded file's h1: hash disagrees with one already known. Always fatal for that version. */
export class ChecksumMismatchError extends GomirrorError {
  readonly module: string;
  readonly version: string;
  readonly file: string;
  readonly expected: string;
  readonly actual: string;

  constructor(args: { module: string; version: string; file: string; expected: string; actual: string; source: string }) {
    super(
      'E_CHECKSUM_MISMATCH',
      `SECURITY ERROR: checksum mismatch for ${args.module}@${args.version} (${args.file}): ` +
        `got ${args.actual}, ${args.source} has ${args.expected}`,
      {
        hint:
          'The upstream served different bytes than were verified before. Nothing was replaced. ' +
          'Find out which copy is genuine before you trust this upstream again.',
      },
    );
    this.name = 'ChecksumMismatchError';
    this.module = args.module;
    this.version = args.version;
    this.file = args.file;
    this.expected = args.expected;
    this.actual = args.actual;
  }
}

/** A module zip broke the module zip rules (hostile or corrupt archive). */
export class ZipInvalidError extends GomirrorError {
  readonly file: string;
  constructor(file: string, message: string, options: GomirrorErrorOptions = {}) {
    super('E_ZIP_INVALID', `${file}: ${message}`, options);
    this.name = 'ZipInvalidError';
    this.file = file;
  }
}

export function isGomirrorError(err: unknown): err is GomirrorError {
  return err instanceof GomirrorError;
}

/** Exit code for an error, per the command-line contract. */
export function exitCodeFor(err: unknown): number {
  if (!isGomirrorError(err)) return 1;
  switch (err.kind) {
    case 'input':
      return 2;
    case 'lock':
      return 3;
    default:
      return 1;
  }
}

/** At most this many problems of one input file are reported in one run. */
export const MAX_REPORTED_PROBLEMS = 20;

/**
 * Collects the problems of one input file, so that a run reports all of them
 * (up to MAX_REPORTED_PROBLEMS) rather than one per attempt.
 */
export class ProblemList {
  private readonly problems: GomirrorError[] = [];
  private more = 0;

  /** Runs fn; a GomirrorError it throws is recorded and undefined returned. Other errors pass through. */
  attempt<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      if (!isGomirrorError(err)) throw err;
      if (this.problems.length < MAX_REPORTED_PROBLEMS) this.problems.push(err);
      else this.more++;
      return undefined;
    }
  }

  get count(): number {
    return this.problems.length + this.more;
  }

  /** Throws one error listing every problem (one a line), with the first one's code; nothing when there were none. */
  throwIfAny(): void {
    const first = this.problems[0];
    if (first === undefined) return;
    if (this.problems.length === 1 && this.more === 0) throw first;
    const lines = this.problems.map((p) => p.message);
    if (this.more > 0) lines.push(`... and ${this.more} more (only the first ${MAX_REPORTED_PROBLEMS} are shown)`);
    const hints = [...new Set(this.problems.map((p) => p.hint).filter((h): h is string => h !== undefined))];
    throw new GomirrorError(first.code, lines.join('\n'), {
      hint: `${this.count} problems; fix them all and run again.${hints.length > 0 ? ` ${hints.join(' ')}` : ''}`,
      cause: first,
    });
  }
}

/**
 * Any thrown value as a GomirrorError with a documented code: ours as they
 * are; a failed system call on a local file (it carries an errno code and a
 * syscall: ENOSPC, EACCES, EISDIR...) is E_FS; anything else gets `fallback`.
 * `context` names the thing (module@version, file, URL).
 */
export function toGomirrorError(err: unknown, context: string, fallback: ErrorCode): GomirrorError {
  if (isGomirrorError(err)) return err;
  const e = err as NodeJS.ErrnoException | undefined;
  const message = `${context}: ${e instanceof Error ? e.message : String(err)}`;
  if (e instanceof Error && typeof e.code === 'string' && typeof e.syscall === 'string') {
    return new GomirrorError('E_FS', message, { cause: err, hint: 'Check free space and permissions under the named path.' });
  }
  return new GomirrorError(fallback, message, { cause: err });
}
