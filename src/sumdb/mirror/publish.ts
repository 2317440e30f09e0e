/**
 * Publishes the static checksum-database mirror at the end of a sync: every
 * stored lookup (the ones verified in this run and the ones already in the
 * tree) is proven in the newest tree, then written, in this order:
 * 1. the hash tiles (mirrorTiles: what any go client holding any note we
 *    serve will ask for), cut from tiles authenticated against the newest
 *    signed tree;
 * 2. the new lookups, exactly as the database sent them;
 * 3. `latest` (the newest note, for people and auditors; the go client never
 *    reads it) and `supported`, which tells go clients to use this mirror.
 * Crash cases: killed during 1, the next run writes the rest (tiles never
 * change, extra ones are harmless); killed during 2, the versions whose
 * lookups are missing get them on the next run, which looks them up again
 * since each version is authenticated on every run. Tiles are never deleted:
 * a client may ask for any partial tile it once saw (pitfall 9). Versions a
 * run adds become visible before their lookups and tiles do, so until the
 * run ends a go client with GOSUMDB on cannot verify those new versions yet
 * (everything published earlier keeps working).
 */
import pLimit from 'p-limit';
import { GomirrorError, isGomirrorError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { hashFromTile, parseLookup, recordHash, storedHashIndex, TILE_HEIGHT, tilePath, tileSlot, type Tile } from '../index.js';
import { mirrorTiles, sourceTiles } from './mirror-tiles.js';
import type { SumdbStore } from './store.js';
import type { TileReader } from '../client/index.js';
import { SumdbForkError, type Timeline } from '../client/index.js';

/** A lookup in the mirror (or about to be). */
export interface StoredRecord {
  /** `lookup/<escaped path>@<escaped version>`. */
  rel: string;
  id: number;
  /** Size of the tree in the note it came with. */
  treeSize: number;
  text: Buffer;
  /** The response as received. */
  data: Buffer;
  /** Not yet on disk. */
  write: boolean;
}

export interface PublishResult {
  /** Size of the newest tree, the one everything was proven in. */
  treeSize: number;
  tilesWritten: number;
  lookupsWritten: number;
}

/** How many tile positions are authenticated and written at a time (bounds memory). */
const CHUNK = 512;

export async function publishMirror(opts: {
  store: SumdbStore;
  timeline: Timeline;
  tiles: TileReader;
  records: ReadonlyMap<string, StoredRecord>;
  concurrency: number;
  logger?: Logger | undefined;
}): Promise<PublishResult> {
  const { store, timeline, tiles } = opts;
  const records = [...opts.records.values(), ...(await loadStoredRecords(opts))];
  const newest = timeline.latest;
  const n = newest.tree.n;
  if (n === 0) return { treeSize: 0, tilesWritten: 0, lookupsWritten: 0 };

  const publish = mirrorTiles(
    TILE_HEIGHT,
    n,
    records.map((r) => r.treeSize),
    records.map((r) => r.id),
  );
  // Group by position: the widths published at one position are prefixes of one source tile.
  const bySlot = new Map<string, Tile[]>();
  for (const t of publish) bySlot.set(tileSlot(t), [...(bySlot.get(tileSlot(t)) ?? []), t]);
  const leafOf = new Map<string, StoredRecord[]>();
  for (const r of records) {
    const slot = tileSlot({ h: TILE_HEIGHT, l: 0, n: Math.floor(r.id / 256), w: 0 });
    leafOf.set(slot, [...(leafOf.get(slot) ?? []), r]);
  }
  // Upper levels first: later chunks then find their ancestors already authenticated.
  const slots = [...bySlot.keys()].sort((a, b) => level(b) - level(a));
  const limit = pLimit(Math.max(1, opts.concurrency));
  let tilesWritten = 0;
  for (let i = 0; i < slots.length; i += CHUNK) {
    const chunk = slots.slice(i, i + CHUNK);
    const sources = sourceTiles(TILE_HEIGHT, n, chunk.map((s) => (bySlot.get(s) as Tile[])[0] as Tile));
    const data = await tiles.readTiles(newest.tree, sources);
    const source = new Map(sources.map((t, j) => [tileSlot(t), { tile: t, data: data[j] as Buffer }]));
    for (const slot of chunk) {
      const src = source.get(slot);
      if (!src) throw new Error(`lost the source tile of ${slot}`);
      for (const r of leafOf.get(slot) ?? []) {
        if (!hashFromTile(src.tile, src.data, storedHashIndex(0, r.id)).equals(recordHash(r.text))) {
          throw new GomirrorError('E_SUMDB_SECURITY', `SECURITY ERROR: ${store.layout.file(r.rel)}: record ${r.id} is not the one in the signed tree`, {
            hint: 'This mirror file was altered; delete it and run sync again to fetch it from the database',
          });
        }
      }
    }
    const writes = chunk.flatMap((slot) =>
      (bySlot.get(slot) ?? []).map((t) =>
        limit(async () => {
          const src = source.get(slot)?.data as Buffer;
          if (await store.write(tilePath(t), src.subarray(0, t.w * 32))) tilesWritten++;
        }),
      ),
    );
    await Promise.all(writes);
  }

  let lookupsWritten = 0;
  const pending = records.filter((r) => r.write).sort((a, b) => (a.rel < b.rel ? -1 : 1));
  await Promise.all(
    pending.map((r) =>
      limit(async () => {
        if (await store.write(r.rel, r.data)) lookupsWritten++;
      }),
    ),
  );
  await store.write('latest', newest.note);
  await store.write('supported', Buffer.alloc(0));
  return { treeSize: n, tilesWritten, lookupsWritten };
}

/**
 * The lookups already in the mirror that this run did not touch: their notes
 * join the timeline (so a fork among them is caught) and their records are
 * proven again in the newest tree along with the rest. A damaged file is
 * reported and left out, so it cannot block the others.
 */
async function loadStoredRecords(opts: {
  store: SumdbStore;
  timeline: Timeline;
  records: ReadonlyMap<string, StoredRecord>;
  logger?: Logger | undefined;
}): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  for (const rel of await opts.store.listLookups()) {
    if (opts.records.has(rel)) continue;
    const data = await opts.store.read(rel);
    if (!data) continue;
    try {
      const lookup = parseLookup(data);
      const { tree } = await opts.timeline.merge(lookup.note);
      out.push({ rel, id: lookup.id, treeSize: tree.n, text: lookup.text, data, write: false });
    } catch (err) {
      // Only the file's own faults are skipped; a fork or a network failure stops the publish.
      if (err instanceof SumdbForkError || !isGomirrorError(err) || !err.code.startsWith('E_SUMDB')) throw err;
      opts.logger?.warn(`${opts.store.layout.file(rel)}: ${(err as Error).message}; run gomirror verify`);
    }
  }
  return out;
}

function level(slot: string): number {
  return Number(slot.split('/')[1]);
}
