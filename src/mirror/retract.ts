/**
 * What a module's go.mod files add to its version queries, as the go command
 * reads them (modload query.go): the retractions, read from the go.mod of the
 * version `latest` picks when retractions are ignored, and whether the
 * highest compatible version a query matches has a go.mod of its own, which
 * decides whether `+incompatible` versions count.
 */
import { ChecksumMismatchError, GomirrorError, isGomirrorError } from '../errors.js';
import { findRetraction, parseGoMod } from '../modfile/index.js';
import { selectVersions, goModProbe, type SelectOptions } from '../module/index.js';
import type { UpstreamClient } from '../upstream/index.js';
import type { QueryInput } from './resolve.js';

/** The go.mod facts a module's queries need; see resolveQueries. */
export interface QueryRules {
  /** Not retracted (for latest and prefix queries). */
  allowed: (version: string) => boolean;
  /** Per probed version: whether its go.mod is real, or why it could not be read. */
  goMod: ReadonlyMap<string, boolean | GomirrorError>;
}

/** The .mod Go synthesizes for a version without go.mod (modfetch.LegacyGoMod; valid paths never need quoting). */
function isSynthesized(modulePath: string, data: Buffer): boolean {
  return data.toString('utf8') === `module ${modulePath}\n`;
}

/**
 * Reads what queries need beyond the list: at most the go.mod of latest
 * (ignoring retractions) and of each query's goModProbe() version. upstream.mod
 * must return verified bytes (the caller checks them against recorded hashes
 * and the checksum database); a checksum mismatch is thrown, never ignored.
 * Other failures to read the retractions leave every version allowed, as the
 * go command does; a probe that cannot be read fails its query.
 */
export async function loadQueryRules(upstream: UpstreamClient, modulePath: string, queries: readonly QueryInput[]): Promise<QueryRules> {
  const goMod = new Map<string, boolean | GomirrorError>();
  const rules: QueryRules = { allowed: () => true, goMod };
  if (!queries.some((q) => q.query.kind !== 'exact')) return rules;
  let list: string[];
  try {
    list = await upstream.list(modulePath);
  } catch (err) {
    if (isGomirrorError(err)) return rules; // resolution reports it
    throw err;
  }
  const mods = new Map<string, Promise<Buffer>>();
  const readMod = (v: string): Promise<Buffer> => {
    let p = mods.get(v);
    if (!p) mods.set(v, (p = upstream.mod(modulePath, v)));
    return p;
  };
  const probe = async (v: string | undefined): Promise<void> => {
    if (v === undefined || goMod.has(v)) return;
    try {
      goMod.set(v, !isSynthesized(modulePath, await readMod(v)));
    } catch (err) {
      if (!isGomirrorError(err) || err instanceof ChecksumMismatchError) throw err;
      goMod.set(v, err);
    }
  };
  const hasGoMod: SelectOptions['hasGoMod'] = (v) => goMod.get(v) === true;

  if (queries.some((q) => q.query.kind === 'latest' || q.query.kind === 'prefix')) {
    const first = goModProbe(modulePath, { kind: 'latest' }, list);
    await probe(first);
    const [latest] = selectVersions(modulePath, { kind: 'latest' }, list, { hasGoMod });
    // Go: when latest itself cannot be found, nothing counts as retracted.
    if (latest !== undefined && !(goMod.get(first ?? '') instanceof GomirrorError)) {
      try {
        const gomod = parseGoMod((await readMod(latest)).toString('utf8'), `${modulePath}@${latest}: go.mod`, { lax: true });
        if (gomod.retract.length > 0) rules.allowed = (v) => findRetraction(v, gomod.retract) === undefined;
      } catch (err) {
        if (!isGomirrorError(err) || err instanceof ChecksumMismatchError) throw err;
      }
    }
  }
  for (const q of queries) await probe(goModProbe(modulePath, q.query, list, { allowed: rules.allowed }));
  return rules;
}
