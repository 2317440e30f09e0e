/**
 * What an S3 publish uploads and deletes, and in which order (pure).
 *
 * The bucket keeps a record of what was published (s3-state.ts): size,
 * sha256 and the local mtime of every object. A file whose size and mtime
 * match its record is unchanged without being read; one whose mtime moved
 * is hashed and uploaded only if its sha256 differs. So a publish of an
 * unchanged tree reads one object and sends nothing, with no request per
 * object.
 *
 * Order, the same guarantee as the rsync passes (rsync-args.ts), one step
 * finer because S3 has no --delay-updates:
 * 1. `modules`: .info, .mod, .zip; they never change once written. The
 *    vulnerability database's entries (vulndb/ID/) go with them.
 * 2. `sumdb`: tiles; a lookup's note is only checkable once its tiles are there.
 * 3. `sumdb-lookups`: lookup answers and the signed `latest` note.
 * 4. `indexes`: `@v/list` and `@latest`; every version they name is there now.
 * 5. `supported`: the go command uses a proxy's sumdb mirror once it says so.
 * 6. `vulndb-vulns`, `vulndb-modules`, `vulndb-db`: the vulnerability
 *    database's indexes one by one (vulnDbRank), `index/db` last, so an index
 *    never names an entry that is not there and `db`'s modified time
 *    announces only what is.
 * 7. `catalog`: index.html and _catalog/ describe the modules, so they follow
 *    everything they describe.
 * 8. deletions (with --delete), lists before the files they named.
 */
import { escapeVersion } from '../module/index.js';
import type { ServedKind } from '../tree/index.js';
import { classifyVulnDbPath, VULNDB_DIR, vulnDbRank } from '../vulndb/index.js';

export const S3_PHASES = ['modules', 'sumdb', 'sumdb-lookups', 'indexes', 'supported', 'vulndb-vulns', 'vulndb-modules', 'vulndb-db', 'catalog'] as const;
export type S3Phase = (typeof S3_PHASES)[number];

/** vulnDbRank (0 entries, 1 vulns, 2 modules, 3 db) to phase. */
const VULNDB_PHASES = ['modules', 'vulndb-vulns', 'vulndb-modules', 'vulndb-db'] as const;

/** The phase a served file goes up in. */
export function phaseOf(rel: string, kind: ServedKind): S3Phase {
  if (kind.group === 'catalog') return 'catalog';
  if (kind.group === 'vulndb') {
    const p = classifyVulnDbPath(rel.slice(VULNDB_DIR.length + 1));
    if (p) return VULNDB_PHASES[vulnDbRank(p)] ?? 'vulndb-db';
    // An entry name the serve rules take but the schema's ID check does not: still an entry.
    return rel.startsWith(`${VULNDB_DIR}/ID/`) ? 'modules' : 'vulndb-db';
  }
  switch (kind.name) {
    case 'info':
    case 'mod':
    case 'zip':
      return 'modules';
    case 'list':
    case 'latest':
      return 'indexes';
    case 'sumdb-lookup':
      return 'sumdb-lookups';
    case 'sumdb-index':
      return rel.endsWith('/supported') ? 'supported' : 'sumdb-lookups';
    default:
      return 'sumdb';
  }
}

/** One object as the record has it. */
export interface PublishedObject {
  readonly size: number;
  readonly sha256: string;
  /** The mtime of the file it was uploaded from: a hint that spares hashing, never trusted alone. */
  readonly mtimeMs: number;
}

/** The published-state record of one bucket prefix. */
export interface PublishedState {
  readonly objects: Readonly<Record<string, PublishedObject>>;
  /** Objects the tree no longer has, and since when (ms since the epoch). */
  readonly missingSince: Readonly<Record<string, number>>;
}

/** A served file of the tree. */
export interface LocalFile {
  readonly rel: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly kind: ServedKind;
}

/** Whether the content of `f` must be read to know if it changed: same size, other mtime. */
export function needsHash(f: LocalFile, recorded: PublishedObject | undefined): boolean {
  return recorded !== undefined && recorded.size === f.size && recorded.mtimeMs !== f.mtimeMs;
}

export interface S3PlanInput {
  readonly files: readonly LocalFile[];
  readonly state: PublishedState;
  /** sha256 of the files needsHash() named. */
  readonly hashes: ReadonlyMap<string, string>;
  /**
   * Escaped versions named by each module's local `@v/list` and `@latest`,
   * keyed by the module directory (`example.com/!a/b`).
   */
  readonly named: ReadonlyMap<string, ReadonlySet<string>>;
  readonly now: number;
  readonly delete: boolean;
  readonly deleteAfterMs: number;
}

export interface S3Plan {
  /** Uploads by phase, in S3_PHASES order; each list sorted by path. */
  readonly phases: readonly { readonly phase: S3Phase; readonly files: readonly LocalFile[] }[];
  readonly unchanged: number;
  /** Files hashed equal to their record: only their recorded mtime moves. */
  readonly touched: readonly { readonly rel: string; readonly mtimeMs: number }[];
  /** Deletions in two steps: index files first, then what they named. */
  readonly deletions: readonly [readonly string[], readonly string[]];
  /** Missing objects kept for now, with the reason. */
  readonly kept: readonly { readonly rel: string; readonly reason: string }[];
  /** The missingSince map the next record carries (before this run's deletions). */
  readonly missingSince: Readonly<Record<string, number>>;
}

const VERSION_FILE = /^(.+)\/@v\/([^/]+)\.(?:info|mod|zip)$/;

/**
 * What to do with one served file given its record: `upload`, `same`
 * (unchanged), or `touched` (hashed equal: only the recorded mtime moves).
 * `hash` is the file's sha256 when needsHash() said to read it.
 */
export function classify(f: LocalFile, rec: PublishedObject | undefined, hash: string | undefined): 'upload' | 'same' | 'touched' {
  if (rec !== undefined && rec.size === f.size && rec.mtimeMs === f.mtimeMs) return 'same';
  if (rec !== undefined && needsHash(f, rec) && hash === rec.sha256) return 'touched';
  return 'upload';
}

export interface DeletionInput {
  /** Recorded objects the tree no longer has, in path order. */
  readonly missing: readonly string[];
  /** The record's missingSince. */
  readonly missingSince: Readonly<Record<string, number>>;
  /** Escaped versions named by the local `@v/list` and `@latest` of a module directory. */
  readonly named: ReadonlyMap<string, ReadonlySet<string>>;
  /** Whether the bucket holds `rel` according to the record. */
  readonly recorded: (rel: string) => boolean;
  readonly now: number;
  readonly delete: boolean;
  readonly deleteAfterMs: number;
}

/** The deletions, kept objects and next missingSince for the objects gone from the tree. */
export function planDeletions(input: DeletionInput): Pick<S3Plan, 'deletions' | 'kept' | 'missingSince'> {
  const missingSince: Record<string, number> = {};
  const candidates: string[] = [];
  const kept: { rel: string; reason: string }[] = [];
  for (const rel of input.missing) {
    const since = input.missingSince[rel] ?? input.now;
    missingSince[rel] = since;
    if (!input.delete) continue;
    const waited = input.now - since;
    if (waited < input.deleteAfterMs) {
      kept.push({ rel, reason: `gone from the tree ${formatWait(waited)} ago; deleted once it has been gone for ${formatWait(input.deleteAfterMs)} (--delete-after)` });
    } else {
      candidates.push(rel);
    }
  }

  // Step 1: indexes (and other non-version files); step 2: version files no remaining index names.
  const first = candidates.filter((rel) => !VERSION_FILE.test(rel));
  const deletedNow = new Set(first);
  const second: string[] = [];
  for (const rel of candidates) {
    const m = VERSION_FILE.exec(rel);
    if (!m) continue;
    const dir = m[1] as string;
    const names = input.named.get(dir);
    if (names?.has(m[2] as string)) {
      kept.push({ rel, reason: `still named by ${dir}/@v/list or @latest` });
      continue;
    }
    if (names === undefined && [`${dir}/@v/list`, `${dir}/@latest`].some((i) => input.recorded(i) && !deletedNow.has(i))) {
      kept.push({ rel, reason: `${dir}'s list in the bucket may still name it` });
      continue;
    }
    second.push(rel);
  }
  return { deletions: [first, second], kept, missingSince };
}

/** The module directories whose lists decide whether a missing version file may go. */
export function versionDirs(missing: Iterable<string>): Set<string> {
  const dirs = new Set<string>();
  for (const rel of missing) {
    const m = VERSION_FILE.exec(rel);
    if (m) dirs.add(m[1] as string);
  }
  return dirs;
}

/** The whole plan at once, from files and a record in memory (the streaming publish uses its parts). */
export function planS3Publish(input: S3PlanInput): S3Plan {
  const byPhase = new Map<S3Phase, LocalFile[]>(S3_PHASES.map((p) => [p, []]));
  const touched: { rel: string; mtimeMs: number }[] = [];
  const present = new Set<string>();
  let unchanged = 0;
  for (const f of input.files) {
    present.add(f.rel);
    const c = classify(f, input.state.objects[f.rel], input.hashes.get(f.rel));
    if (c === 'touched') touched.push({ rel: f.rel, mtimeMs: f.mtimeMs });
    if (c === 'upload') byPhase.get(phaseOf(f.rel, f.kind))?.push(f);
    else unchanged++;
  }
  const missing = Object.keys(input.state.objects)
    .sort()
    .filter((rel) => !present.has(rel));
  const rest = planDeletions({
    missing,
    missingSince: input.state.missingSince,
    named: input.named,
    recorded: (rel) => rel in input.state.objects,
    now: input.now,
    delete: input.delete,
    deleteAfterMs: input.deleteAfterMs,
  });
  return {
    phases: S3_PHASES.map((phase) => ({ phase, files: (byPhase.get(phase) ?? []).sort((a, b) => cmp(a.rel, b.rel)) })),
    unchanged,
    touched,
    ...rest,
  };
}

/** The escaped versions an `@v/list` text and an `@latest` JSON name. */
export function namedVersions(listText: string | undefined, latestJson: string | undefined): Set<string> {
  const out = new Set<string>();
  for (const line of (listText ?? '').split('\n')) {
    const v = line.trim();
    if (v !== '') out.add(safeEscape(v));
  }
  if (latestJson !== undefined) {
    try {
      const v = (JSON.parse(latestJson) as { Version?: unknown }).Version;
      if (typeof v === 'string') out.add(safeEscape(v));
    } catch {
      // An unreadable @latest names nothing: verify reports it.
    }
  }
  return out;
}

function safeEscape(v: string): string {
  try {
    return escapeVersion(v);
  } catch {
    return v;
  }
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function formatWait(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${Math.round(s / 3600)}h`;
}
