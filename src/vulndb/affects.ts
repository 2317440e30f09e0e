/**
 * Which versions an OSV entry affects, read as Go's tools read it
 * (golang.org/x/vuln internal/osv AffectsSemver): only SEMVER ranges count;
 * versions carry no `v` (a `v` or `go` prefix is tolerated); `introduced: "0"`
 * is the beginning of time; events are sorted by version before they are
 * walked; an affected package with no ranges, or with no SEMVER range, affects
 * every version. Pure.
 */
import { compareSemver } from '../module/index.js';
import type { OsvAffected, OsvEntry, OsvEvent, OsvRange } from './schema.js';

/** `1.2.3`, `v1.2.3` or `go1.2.3` as Go's `v1.2.3` (Go: CanonicalizeSemver). */
export function canonicalOsvVersion(s: string): string {
  const bare = s.startsWith('go') ? s.slice(2) : s;
  return bare.startsWith('v') ? bare : `v${bare}`;
}

function eventVersion(e: OsvEvent): string {
  return e.fixed !== undefined && e.fixed !== '' ? e.fixed : (e.introduced ?? '');
}

/** The events in Go's order: `introduced: "0"` first, then by version (stable). */
function sortedEvents(events: readonly OsvEvent[]): OsvEvent[] {
  const zero = (e: OsvEvent): boolean => e.introduced === '0' && !e.fixed;
  return [...events]
    .map((e, i) => ({ e, i }))
    .sort((a, b) => {
      if (zero(a.e) !== zero(b.e)) return zero(a.e) ? -1 : 1;
      if (zero(a.e)) return a.i - b.i;
      return compareSemver(canonicalOsvVersion(eventVersion(a.e)), canonicalOsvVersion(eventVersion(b.e))) || a.i - b.i;
    })
    .map((x) => x.e);
}

/**
 * Walks one SEMVER range for `v` (a Go version, with its `v`). Returns
 * whether it is affected and, if so, the `fixed` event that ends the
 * affected interval (undefined when no fix follows).
 */
function walkRange(range: OsvRange, v: string): { affected: boolean; fixed?: string } {
  if (range.events.length === 0) return { affected: true };
  let affected = false;
  for (const e of sortedEvents(range.events)) {
    if (!affected && e.introduced !== undefined && e.introduced !== '') {
      affected = e.introduced === '0' || compareSemver(v, canonicalOsvVersion(e.introduced)) >= 0;
    } else if (affected && e.fixed !== undefined && e.fixed !== '') {
      affected = compareSemver(v, canonicalOsvVersion(e.fixed)) < 0;
      // Still affected at this fix's version means v is past it; below it, this fix ends v's interval.
      if (affected) return { affected, fixed: canonicalOsvVersion(e.fixed) };
    }
  }
  return { affected };
}

/**
 * Whether `v` is affected per one `affected[]` element, and the fixed
 * version that ends its affected interval, with a `v` (undefined: no fix).
 */
export function affectsVersion(a: OsvAffected, v: string): { affected: boolean; fixed?: string } {
  const semver = a.ranges.filter((r) => r.type === 'SEMVER');
  if (semver.length === 0) return { affected: true };
  for (const r of semver) {
    const w = walkRange(r, v);
    if (w.affected) return w;
  }
  return { affected: false };
}

/** One vulnerability of one module version. */
export interface VersionVuln {
  id: string;
  aliases: string[];
  summary: string;
  /** The version that fixes it for this version's line, with `v`; undefined when there is no fix. */
  fixed: string | undefined;
}

/**
 * The entries (not withdrawn by `now`) that affect `module@version`, in the
 * order given. An entry naming the module in several `affected` elements
 * counts once, with the first element that affects the version.
 */
export function vulnsAffecting(entries: readonly OsvEntry[], module: string, version: string, now = Date.now()): VersionVuln[] {
  const out: VersionVuln[] = [];
  for (const entry of entries) {
    if (entry.withdrawn !== undefined && Date.parse(entry.withdrawn) <= now) continue;
    for (const a of entry.affected) {
      if (a.package.name !== module) continue;
      const r = affectsVersion(a, version);
      if (!r.affected) continue;
      out.push({ id: entry.id, aliases: entry.aliases, summary: entry.summary, fixed: r.fixed });
      break;
    }
  }
  return out;
}
