/**
 * `_catalog/index.jsonl`: the versions of the mirror in the order they
 * arrived, one `{"Path","Version","Timestamp"}` object a line, as
 * index.golang.org serves its feed (pure).
 *
 * A version arrives when it is complete in the tree (.info, .mod and .zip):
 * a version mirrored as .info + .mod only joins the feed when its zip comes.
 * Arrival order is kept in the catalog state as a sequence number, so it
 * never changes once given, whatever happens to file times later; versions
 * that arrive in the same run are ordered by the time their files were
 * written, then by path and version. Versions pruned from the tree leave the
 * feed: it names only what the mirror can serve.
 */

/** One version's place in the feed. */
export interface Arrival {
  readonly version: string;
  /** Position in arrival order, unique across the tree. */
  readonly seq: number;
  /** When the version became complete in this tree, ms since the epoch (the feed's Timestamp). */
  readonly ms: number;
}

/** A module whose complete versions were read from disk this run. */
export interface ArrivalUpdate {
  readonly path: string;
  /** What the state recorded before (empty for a new module). */
  readonly previous: readonly Arrival[];
  /** Complete versions on disk now, with the time their files were written (ms since the epoch). */
  readonly present: readonly { readonly version: string; readonly writtenMs: number }[];
}

/**
 * Gives each newly complete version the next sequence numbers, keeps the
 * arrivals of versions still present, and drops the rest. Returns each
 * module's arrivals (in sequence order) and the next free number.
 */
export function mergeArrivals(updates: readonly ArrivalUpdate[], nextSeq: number): { byPath: Map<string, Arrival[]>; nextSeq: number } {
  const byPath = new Map<string, Arrival[]>();
  const fresh: { path: string; version: string; writtenMs: number }[] = [];
  for (const u of updates) {
    const present = new Set(u.present.map((p) => p.version));
    const kept = u.previous.filter((a) => present.has(a.version));
    const known = new Set(kept.map((a) => a.version));
    for (const p of u.present) if (!known.has(p.version)) fresh.push({ path: u.path, version: p.version, writtenMs: p.writtenMs });
    byPath.set(u.path, kept);
  }
  fresh.sort((a, b) => a.writtenMs - b.writtenMs || cmp(a.path, b.path) || cmp(a.version, b.version));
  let seq = nextSeq;
  for (const f of fresh) {
    (byPath.get(f.path) as Arrival[]).push({ version: f.version, seq: seq++, ms: f.writtenMs });
  }
  for (const list of byPath.values()) list.sort((a, b) => a.seq - b.seq);
  return { byPath, nextSeq: seq };
}

/** The feed's text: every arrival of every module, in arrival order. */
export function feedText(modules: Iterable<readonly [path: string, arrivals: readonly Arrival[]]>): string {
  const all: { path: string; a: Arrival }[] = [];
  for (const [path, arrivals] of modules) for (const a of arrivals) all.push({ path, a });
  all.sort((x, y) => x.a.seq - y.a.seq);
  return all.map(({ path, a }) => `${JSON.stringify({ Path: path, Version: a.version, Timestamp: new Date(a.ms).toISOString() })}\n`).join('');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
