import { GomirrorError, isGomirrorError } from '../errors.js';
import { checkModuleVersion, selectVersions, type VersionQuery, goModProbe, isPseudoVersion } from '../module/index.js';
import type { UpstreamClient } from '../upstream/index.js';
import { parseInfo } from './info.js';
import type { QueryRules } from './retract.js';

/** A version query of one module, with where it came from for messages. */
export interface QueryInput {
  text: string;
  query: VersionQuery;
  where: string;
}

export interface Resolution {
  /** Versions to mirror, deduplicated, in the order found. */
  versions: string[];
  /** The upstream @latest body, when `latest` had to ask for it. */
  latestInfo?: Buffer;
  errors: GomirrorError[];
  /** What a branch or commit query turned into, for the log and report. */
  notes?: string[];
  /** Versions a query would have picked but the `avoid` policy skipped. */
  skipped?: SkippedVersion[];
}

/**
 * A policy that keeps a version out of `latest`, prefix, range and `all`
 * queries (exact versions are always mirrored): the reasons to skip it
 * (vulnerability IDs), or [] to take it.
 */
export type AvoidVersion = (modulePath: string, version: string) => Promise<string[]>;

/** A version a query skipped, the query, and why. */
export interface SkippedVersion {
  version: string;
  query: string;
  reasons: string[];
}

/**
 * Turns a module's version queries into versions, reading `@v/list` at most
 * once (and `@latest` only when `latest` finds no allowed listed version), as
 * the go command does. rules (loadQueryRules) adds the retractions and the
 * go.mod facts behind `+incompatible`; without it nothing is retracted and
 * every compatible version counts as having a go.mod. A query that matches
 * nothing is an error for that query only.
 */
export async function resolveQueries(
  upstream: UpstreamClient,
  modulePath: string,
  queries: readonly QueryInput[],
  rules?: QueryRules,
  avoid?: AvoidVersion,
): Promise<Resolution> {
  const versions = new Set<string>();
  const skipped: SkippedVersion[] = [];
  const errors: GomirrorError[] = [];
  let latestInfo: Buffer | undefined;
  let list: string[] | undefined;
  let listError: GomirrorError | undefined;

  const notes: string[] = [];
  const needsList = queries.some((q) => q.query.kind !== 'exact' && q.query.kind !== 'revision');
  if (needsList) {
    try {
      list = await upstream.list(modulePath);
    } catch (err) {
      if (!isGomirrorError(err)) throw err;
      listError = err;
    }
  }

  for (const q of queries) {
    if (q.query.kind === 'exact') {
      versions.add(q.query.version);
      continue;
    }
    if (q.query.kind === 'revision') {
      // As `go get m@main`: the upstream names the revision's version (a pseudo-version unless tagged).
      try {
        const info = parseInfo(await upstream.info(modulePath, q.query.revision), `${modulePath}@${q.query.revision}`);
        checkModuleVersion(modulePath, info.Version);
        versions.add(info.Version);
        notes.push(`${q.where}: ${modulePath}@${q.query.revision} is ${info.Version}${isPseudoVersion(info.Version) ? ' (pseudo-version)' : ''}`);
      } catch (err) {
        if (!isGomirrorError(err)) throw err;
        errors.push(prefixed(err, q));
      }
      continue;
    }
    if (!list) {
      // Not-found on the list is fine for `latest`: the module may have only @latest.
      if (!(q.query.kind === 'latest' && listError?.code === 'E_NOT_FOUND')) {
        errors.push(prefixed(listError, q));
        continue;
      }
    }
    const allowed = rules?.allowed ?? (() => true);
    const probed = rules?.goMod.get(goModProbe(modulePath, q.query, list ?? [], { allowed }) ?? '');
    if (probed instanceof GomirrorError) {
      errors.push(prefixed(probed, q));
      continue;
    }
    const select = (from: readonly string[]): string[] =>
      selectVersions(modulePath, q.query, [...from], {
        allowed,
        ...(rules ? { hasGoMod: (v: string) => rules.goMod.get(v) === true } : {}),
      });
    let picked = select(list ?? []);
    if (avoid && picked.length > 0) {
      const r = await pickAvoiding(modulePath, q, list ?? [], picked, avoid, select);
      picked = r.picked;
      skipped.push(...r.skipped);
      // Everything the query matched was skipped: that is the policy's answer, not an error.
      if (picked.length === 0) continue;
    }
    if (picked.length === 0 && q.query.kind === 'latest') {
      try {
        const body = await upstream.latest(modulePath);
        const info = parseInfo(body, `${modulePath}@latest`);
        checkModuleVersion(modulePath, info.Version);
        // Go takes @latest only when it is allowed: a retracted one matches nothing.
        if (!allowed(info.Version)) {
          errors.push(new GomirrorError('E_NOT_FOUND', `${q.where}: every version of ${modulePath} is retracted (upstream @latest is ${info.Version})`));
          continue;
        }
        latestInfo = body;
        versions.add(info.Version);
      } catch (err) {
        if (!isGomirrorError(err)) throw err;
        errors.push(
          err.code === 'E_NOT_FOUND'
            ? new GomirrorError('E_NOT_FOUND', `${q.where}: ${modulePath} has no versions upstream (${err.message})`)
            : prefixed(err, q),
        );
      }
      continue;
    }
    if (picked.length === 0) {
      errors.push(
        new GomirrorError('E_NOT_FOUND', `${q.where}: no version of ${modulePath} matches "${q.text}"`, {
          hint:
            list && list.length > 0
              ? `Upstream lists ${list.length} versions${list.some((v) => !allowed(v.trim().split(/\s+/)[0] ?? '')) ? ', some retracted' : ''}`
              : 'Upstream lists no versions',
        }),
      );
      continue;
    }
    for (const v of picked) versions.add(v);
  }
  return {
    versions: [...versions],
    ...(latestInfo ? { latestInfo } : {}),
    errors,
    ...(skipped.length > 0 ? { skipped } : {}),
    ...(notes.length > 0 ? { notes } : {}),
  };
}

/**
 * Drops the versions `avoid` rejects from a query's pick. A range or `all`
 * keeps the rest; `latest` and a prefix pick again from the list without
 * them, so they fall back to the newest version the policy accepts.
 */
async function pickAvoiding(
  modulePath: string,
  q: QueryInput,
  list: readonly string[],
  first: string[],
  avoid: AvoidVersion,
  select: (list: readonly string[]) => string[],
): Promise<{ picked: string[]; skipped: SkippedVersion[] }> {
  const skipped: SkippedVersion[] = [];
  let remaining = list;
  let picked = first;
  for (;;) {
    const rejected = new Set<string>();
    for (const v of picked) {
      const reasons = await avoid(modulePath, v);
      if (reasons.length === 0) continue;
      rejected.add(v);
      skipped.push({ version: v, query: q.text, reasons });
    }
    if (rejected.size === 0) return { picked, skipped };
    if (q.query.kind === 'range' || q.query.kind === 'all') return { picked: picked.filter((v) => !rejected.has(v)), skipped };
    remaining = remaining.filter((line) => !rejected.has(line.trim().split(/\s+/)[0] ?? ''));
    picked = select(remaining);
    if (picked.length === 0) return { picked, skipped };
  }
}

function prefixed(err: GomirrorError | undefined, q: QueryInput): GomirrorError {
  if (!err) return new GomirrorError('E_INTERNAL', `${q.where}: list unavailable`);
  return new GomirrorError(err.code, `${q.where}: ${err.message}`, { hint: err.hint, cause: err });
}
