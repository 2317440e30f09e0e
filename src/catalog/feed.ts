/**
 * `_catalog/index.jsonl`: the versions of the mirror in the order they
 * arrived, one `{"Path","Version","Timestamp"}` object a line, as
 * index.golang.org serves its feed (pure).
 *
 * A version arrives when it is complete in the tree (.info, .mod and .zip):
 * a version mirrored as .info + .mod only joins the feed when its zip comes.
 * The order is kept in the catalog state (state.ts) as the feed's own lines,
 * so it never changes once given, whatever happens to file times later:
 * a run keeps the lines of versions still present, in their order, and
 * appends the versions that arrived since, ordered by the time their files
 * were written, then by path and version. Versions pruned from the tree leave
 * the feed: it names only what the mirror can serve.
 */

/** One line of the feed. */
export function feedLine(path: string, version: string, ms: number): string {
  return `${JSON.stringify({ Path: path, Version: version, Timestamp: new Date(ms).toISOString() })}\n`;
}

/**
 * What a module's re-read changes in the feed: of the versions the feed held
 * (`previous`), those no longer complete on disk leave it; complete versions
 * it did not hold arrive.
 */
export function splitArrivals(
  previous: readonly string[],
  present: readonly { readonly version: string; readonly writtenMs: number }[],
): { removed: string[]; fresh: { version: string; writtenMs: number }[] } {
  const now = new Set(present.map((p) => p.version));
  const before = new Set(previous);
  return {
    removed: previous.filter((v) => !now.has(v)),
    fresh: present.filter((p) => !before.has(p.version)).map((p) => ({ version: p.version, writtenMs: p.writtenMs })),
  };
}

/**
 * The versions that arrived in one run, kept as three flat arrays (a first
 * run over a big tree adds one per version), handed out in feed order.
 */
export class Arrivals {
  private readonly paths: string[] = [];
  private readonly versions: string[] = [];
  private readonly times: number[] = [];

  add(path: string, version: string, writtenMs: number): void {
    this.paths.push(path);
    this.versions.push(version);
    this.times.push(writtenMs);
  }

  get size(): number {
    return this.paths.length;
  }

  /** Every arrival, by time written, then path, then version. */
  *sorted(): Generator<{ path: string; version: string; ms: number }> {
    const order = Uint32Array.from(this.paths.keys());
    order.sort((a, b) => (this.times[a] as number) - (this.times[b] as number) || cmp(this.paths[a] as string, this.paths[b] as string) || cmp(this.versions[a] as string, this.versions[b] as string));
    for (const i of order) yield { path: this.paths[i] as string, version: this.versions[i] as string, ms: this.times[i] as number };
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
