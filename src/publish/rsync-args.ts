/**
 * The rsync command lines of `gomirror publish` (pure). A publish is up to
 * three rsync passes per destination:
 *
 * 1. `modules`: everything but the index files. Module files and sumdb tiles
 *    never change once written, so a client can only ever see them early,
 *    never wrong.
 * 2. `indexes`: `list`, `@latest`, the sumdb's changing files (`latest`,
 *    `lookup/`, `supported`) and the vulnerability database's `index/`,
 *    compared by checksum since they are rewritten in place. After pass 1,
 *    every version and vulnerability entry they name is already there.
 * 3. `delete` (with --delete): removes what the source no longer has, after
 *    both copies, so no index ever names a file that is being removed first.
 *
 * `--delay-updates` makes each pass's files appear together at its end,
 * renamed from rsync's partial directory, so a reader never sees half a file.
 */
import path from 'node:path';
import { GomirrorError } from '../errors.js';

/** Where a tree is published to. */
export type Destination =
  | { readonly kind: 'local'; readonly path: string }
  | { readonly kind: 'ssh'; readonly target: string }
  | { readonly kind: 'daemon'; readonly target: string };

/**
 * Parses a `--to` value: `rsync://host[:port]/module/path` or `host::module/path`
 * (an rsync daemon), `[user@]host:path` (rsync over ssh), anything else a
 * local path (resolved against `cwd`; write `./a:b` for a local name with a
 * colon). Throws E_USAGE for an empty value, and for an rsync:// URL with a
 * password, which rsync cannot take from a URL.
 */
export function parseDestination(text: string, cwd: string): Destination {
  if (text.trim() === '') throw new GomirrorError('E_USAGE', '--to is empty', { hint: 'Give a local path, host:path or rsync://host/module/path' });
  if (/^rsync:\/\/[^/@]*:[^/@]*@/i.test(text)) {
    // rsync takes user@ from the URL but never a password; it would fail with a usage error.
    throw new GomirrorError('E_USAGE', `--to ${describeDestination({ kind: 'daemon', target: text })}: rsync:// URLs do not carry passwords`, {
      hint: 'Drop ":password" from the URL and give it in the RSYNC_PASSWORD environment variable',
    });
  }
  if (/^rsync:\/\//i.test(text) || /^[^/]*::/.test(text)) return { kind: 'daemon', target: text };
  if (/^[^/:]+:/.test(text)) return { kind: 'ssh', target: text };
  return { kind: 'local', path: path.resolve(cwd, text) };
}

/** The destination as rsync's last argument: always with a trailing slash, so rsync copies into it. */
export function rsyncTarget(dest: Destination): string {
  const t = dest.kind === 'local' ? dest.path : dest.target;
  return t.endsWith('/') ? t : `${t}/`;
}

/** The destination for messages, without any password. */
export function describeDestination(dest: Destination): string {
  return dest.kind === 'local' ? dest.path : dest.target.replace(/^(rsync:\/\/[^/@:]+):[^/@]*@/i, '$1:***@');
}

/** Files that change as the tree grows: rsync filter patterns, relative to the tree root. */
export const INDEX_PATTERNS: readonly string[] = [
  '@v/list',
  '@latest',
  '/sumdb/*/latest',
  '/sumdb/*/supported',
  '/sumdb/*/lookup/***',
  // The vulnerability database's entries go in the first pass; its indexes, which name them, here.
  '/vulndb/index/***',
  // The catalog describes the modules: sent with the indexes, after the files it names.
  '/index.html',
  '/_catalog/***',
];

/**
 * Never copied, and (being excluded) never deleted at the destination: the
 * tool state (sums, lock, reports, import staging) and temp files of writers.
 */
export const NEVER_COPIED: readonly string[] = ['/.gomirror/', '*.tmp-[0-9]*-*'];

export type PassName = 'modules' | 'indexes' | 'delete';

export interface RsyncPass {
  readonly name: PassName;
  readonly args: readonly string[];
}

export interface PublishPassOptions {
  /** The tree root (absolute). */
  readonly root: string;
  readonly dest: Destination;
  readonly delete: boolean;
  readonly dryRun: boolean;
  /** Bandwidth limit in KiB/s (rsync --bwlimit). */
  readonly bwlimit?: number;
  /** Seconds without I/O before rsync gives up (default 120). */
  readonly timeout?: number;
}

/** The rsync argument lists (without the program name) for one destination, in order. */
export function buildRsyncPasses(opts: PublishPassOptions): RsyncPass[] {
  const common = [
    '--recursive',
    '--times',
    '--perms',
    '--chmod=D755,F644',
    '--mkpath',
    `--timeout=${opts.timeout ?? 120}`,
    // One line per change, `%i %n`: counted for the summary, shown by --dry-run.
    '--out-format=%i %n%L',
    ...(opts.dryRun ? ['--dry-run'] : []),
    ...(opts.bwlimit !== undefined ? [`--bwlimit=${opts.bwlimit}`] : []),
    ...transportArgs(opts.dest),
    ...NEVER_COPIED.map((p) => `--exclude=${p}`),
  ];
  const source = opts.root.endsWith('/') ? opts.root : `${opts.root}/`;
  const target = rsyncTarget(opts.dest);
  const passes: RsyncPass[] = [
    { name: 'modules', args: [...common, '--delay-updates', ...INDEX_PATTERNS.map((p) => `--exclude=${p}`), source, target] },
    {
      name: 'indexes',
      args: [
        ...common,
        '--delay-updates',
        '--checksum',
        '--prune-empty-dirs',
        '--include=*/',
        ...INDEX_PATTERNS.map((p) => `--include=${p}`),
        '--exclude=*',
        source,
        target,
      ],
    },
  ];
  if (opts.delete) {
    // --existing with --ignore-existing copies nothing: this pass only deletes.
    passes.push({ name: 'delete', args: [...common, '--delete', '--existing', '--ignore-existing', source, target] });
  }
  return passes;
}

function transportArgs(dest: Destination): string[] {
  // No password prompt when not on a terminal, and a dead host costs seconds, not minutes.
  if (dest.kind === 'ssh') return ['--rsh=ssh -o BatchMode=yes -o ConnectTimeout=15'];
  if (dest.kind === 'daemon') return ['--contimeout=15'];
  return [];
}

/** One change rsync reported in `%i %n` form. */
export interface RsyncChange {
  /** The 11-character itemize code (`>f+++++++++`) or `*deleting`. */
  readonly code: string;
  readonly path: string;
}

/** Parses the `--out-format` lines rsync printed; other lines are ignored. */
export function parseRsyncChanges(stdout: string): RsyncChange[] {
  const out: RsyncChange[] = [];
  for (const line of stdout.split('\n')) {
    const c = parseRsyncLine(line);
    if (c) out.push(c);
  }
  return out;
}

const CHANGE_LINE = /^([<>ch.][fdLDS]\S{9}|\*deleting) +(.+)$/;

/** One `--out-format` line as a change; undefined for any other line. */
export function parseRsyncLine(line: string): RsyncChange | undefined {
  const m = CHANGE_LINE.exec(line);
  return m ? { code: m[1] as string, path: m[2] as string } : undefined;
}

/** Whether a change is a file sent or a file deleted (not a directory or attribute touch). */
export function isFileChange(c: RsyncChange): 'sent' | 'deleted' | undefined {
  if (c.code === '*deleting') return 'deleted';
  if (/^[<>]f/.test(c.code)) return 'sent';
  return undefined;
}
