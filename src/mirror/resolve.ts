import { GomirrorError, isGomirrorError } from '../errors.js';
import { checkModuleVersion, isPseudoVersion, selectVersions, type VersionQuery } from '../module/index.js';
import type { UpstreamClient } from '../upstream/index.js';
import { parseInfo } from './info.js';

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
}

/**
 * Turns a module's version queries into versions, reading `@v/list` at most
 * once (and `@latest` only when `latest` finds no listed version), as the go
 * command does. A query that matches nothing is an error for that query only.
 */
export async function resolveQueries(
  upstream: UpstreamClient,
  modulePath: string,
  queries: readonly QueryInput[],
): Promise<Resolution> {
  const versions = new Set<string>();
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
    const picked = selectVersions(modulePath, q.query, list ?? []);
    if (picked.length === 0 && q.query.kind === 'latest') {
      try {
        latestInfo = await upstream.latest(modulePath);
        const info = parseInfo(latestInfo, `${modulePath}@latest`);
        checkModuleVersion(modulePath, info.Version);
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
          hint: list && list.length > 0 ? `Upstream lists ${list.length} versions` : 'Upstream lists no versions',
        }),
      );
      continue;
    }
    for (const v of picked) versions.add(v);
  }
  return { versions: [...versions], ...(latestInfo ? { latestInfo } : {}), errors, ...(notes.length > 0 ? { notes } : {}) };
}

function prefixed(err: GomirrorError | undefined, q: QueryInput): GomirrorError {
  if (!err) return new GomirrorError('E_INTERNAL', `${q.where}: list unavailable`);
  return new GomirrorError(err.code, `${q.where}: ${err.message}`, { hint: err.hint, cause: err });
}
