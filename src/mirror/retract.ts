/**
 * Retractions in version queries. Go: `go get m@latest` and `m@v1.2` skip
 * versions the module's author retracted; the retractions are read from the
 * go.mod of the version `latest` picks when retractions are ignored.
 */
import { isGomirrorError } from '../errors.js';
import { findRetraction, parseGoMod } from '../modfile/index.js';
import { selectVersions } from '../module/index.js';
import type { UpstreamClient } from '../upstream/index.js';
import type { QueryInput } from './resolve.js';

/**
 * Rewrites a module's `latest` and prefix queries into the exact versions
 * they pick once retracted versions are left out, so the mirror holds what
 * the go command would choose. Queries stay as they are when nothing is
 * retracted, when every candidate is, or when the list or go.mod cannot be
 * read (resolving the query then reports the problem).
 */
export async function applyRetractions(upstream: UpstreamClient, modulePath: string, queries: readonly QueryInput[]): Promise<QueryInput[]> {
  if (!queries.some((q) => q.query.kind === 'latest' || q.query.kind === 'prefix')) return [...queries];
  let list: string[];
  let retracted: (v: string) => boolean;
  try {
    list = await upstream.list(modulePath);
    const [latest] = selectVersions(modulePath, { kind: 'latest' }, list);
    if (latest === undefined) return [...queries];
    const gomod = parseGoMod((await upstream.mod(modulePath, latest)).toString('utf8'), `${modulePath}@${latest}: go.mod`, { lax: true });
    if (gomod.retract.length === 0) return [...queries];
    retracted = (v) => findRetraction(v, gomod.retract) !== undefined;
  } catch (err) {
    if (isGomirrorError(err)) return [...queries];
    throw err;
  }
  const allowed = list.filter((v) => !retracted(v));
  return queries.map((q) => {
    if (q.query.kind !== 'latest' && q.query.kind !== 'prefix') return q;
    const [pick] = selectVersions(modulePath, q.query, allowed);
    return pick === undefined ? q : { ...q, query: { kind: 'exact', version: pick } };
  });
}
