/**
 * Verifies module versions against the checksum database while a sync runs
 * (the go command's sumdb.Client, with the tree as its cache), and at the
 * end publishes what the go command needs to do the same against the tree.
 *
 * For each version: fetch its lookup (our mirror's copy if we have one),
 * merge the note into the timeline (fork check), prove the record's leaf in
 * the newest tree, and compare the record's hashes with what was downloaded.
 * A mismatch is a ChecksumMismatchError before anything of that version is
 * written. A fork or a bad signature poisons the database for the rest of
 * the run: every later version fails with that error and nothing of the
 * database is published or persisted.
 */
import { ChecksumMismatchError, GomirrorError, isGomirrorError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { matchPrefixPatterns } from '../../module/index.js';
import type { ProxyEntry, Transport } from '../../upstream/index.js';
import { compareRecord, parseLookup, recordHash, storedHashIndex, type SumdbSpec } from '../index.js';
import { sumdbLayout, wirePath, publishMirror, type PublishResult, type StoredRecord, createSumdbStore } from '../mirror/index.js';
import { createSumdbRemote } from './remote.js';
import { createTileReader } from './tile-reader.js';
import { createTimeline } from './timeline.js';

/** Lookups are a few hundred bytes; Go caps notes at 1 MB. */
const MAX_LOOKUP = 1 << 20;
const MAX_TILE = 256 * 32;

export interface SumdbVerifierOptions {
  spec: SumdbSpec;
  /** Root of the tree; the mirror goes to `sumdb/<name>/`, state to `.gomirror/sumdb/<name>/`. */
  root: string;
  upstream: readonly ProxyEntry[];
  transport: Transport;
  /** GONOSUMDB-style patterns: versions of matching modules are not looked up. */
  nosumdb: readonly string[];
  /**
   * Module paths verified even when nosumdb matches them. Go: useSumDB always
   * checks golang.org/toolchain, since a downloaded toolchain has no go.sum line.
   */
  alwaysVerify?: readonly string[];
  concurrency: number;
  logger?: Logger;
}

export interface SumdbVerifier {
  readonly name: string;
  /** Throws ChecksumMismatchError, E_SUMDB or E_SUMDB_SECURITY; resolves when the database agrees. */
  authenticate(modulePath: string, version: string, hashes: { mod: string; zip?: string }): Promise<void>;
  /** Publishes the mirror and persists the tree head; call once, after every authenticate() settled. */
  finish(): Promise<SumdbResult>;
}

export interface SumdbResult extends PublishResult {
  name: string;
  verified: number;
  skipped: number;
  /** The error that stopped the database for this run, if any; nothing was published then. */
  refused?: GomirrorError;
}

export function createSumdbVerifier(opts: SumdbVerifierOptions): SumdbVerifier {
  const { spec } = opts;
  const layout = sumdbLayout(opts.root, spec.name);
  const store = createSumdbStore(layout);
  const remote = createSumdbRemote({ spec, upstream: opts.upstream, transport: opts.transport });
  const tiles = createTileReader({
    mirror: (p) => store.read(p),
    remote: (p) => remote.read(`/${p}`, MAX_TILE),
    concurrency: opts.concurrency,
  });
  const timeline = createTimeline({ name: spec.name, verifier: spec.verifier, tiles });
  const nosumdb = opts.nosumdb.join(',');
  const records = new Map<string, StoredRecord>();
  // Distinct versions: a go.mod a query read is authenticated before its version is mirrored.
  const verifiedVersions = new Set<string>();
  const skippedVersions = new Set<string>();
  let poison: GomirrorError | undefined;
  let init: Promise<void> | undefined;

  async function loadState(): Promise<void> {
    const note = await store.readState();
    if (!note) return;
    try {
      await timeline.merge(note);
    } catch (err) {
      const e = err as GomirrorError;
      throw new GomirrorError(e.code ?? 'E_SUMDB', `${layout.stateLatestFile()}: the stored tree head does not verify: ${e.message}`, {
        cause: err,
        hint: 'If the database key was changed on purpose, delete this file; otherwise find out who changed it',
      });
    }
  }

  async function fetchLookup(rel: string): Promise<Buffer> {
    try {
      return await remote.read(`/${wirePath(rel)}`, MAX_LOOKUP);
    } catch (err) {
      if (isGomirrorError(err) && err.code === 'E_NOT_FOUND') {
        throw new GomirrorError('E_SUMDB', `not found in the checksum database ${spec.name}: ${err.message}`, {
          cause: err,
          hint: 'A private module must be listed in "nosumdb" (or GONOSUMDB/GOPRIVATE); clients will need the same setting',
        });
      }
      throw err;
    }
  }

  async function verifyVersion(modulePath: string, version: string, hashes: { mod: string; zip?: string }): Promise<void> {
    const rel = layout.lookupPath(modulePath, version);
    let data = await store.read(rel);
    let stored = data !== undefined;
    let lookup;
    try {
      lookup = parseLookup(data ?? (data = await fetchLookup(rel)));
    } catch (err) {
      if (!stored) throw err;
      opts.logger?.warn(`${layout.file(rel)}: damaged, fetching it again`, { module: modulePath, version });
      data = await fetchLookup(rel);
      lookup = parseLookup(data);
      stored = false;
    }
    let tree;
    try {
      ({ tree } = await timeline.merge(lookup.note));
    } catch (err) {
      // A fork or a forged signature taints every answer of this database.
      if (isGomirrorError(err) && err.code === 'E_SUMDB_SECURITY') poison ??= err;
      throw err;
    }
    const latest = timeline.latest.tree;
    if (lookup.id >= latest.n) {
      throw new GomirrorError('E_SUMDB', `record ${lookup.id} is not in the checksum database tree of size ${latest.n}`);
    }
    const [leaf] = await tiles.readHashes(latest, [storedHashIndex(0, lookup.id)]);
    if (!leaf?.equals(recordHash(lookup.text))) {
      throw new GomirrorError('E_SUMDB_SECURITY', `SECURITY ERROR: the checksum database record ${lookup.id} does not match its signed tree`, {
        hint: 'The record was altered after the database signed it; nothing of this version was written',
      });
    }
    const [mismatch] = compareRecord(lookup.text, modulePath, version, hashes);
    if (mismatch) {
      throw new ChecksumMismatchError({ module: modulePath, version, ...mismatch, source: `the checksum database ${spec.name}` });
    }
    records.set(rel, { rel, id: lookup.id, treeSize: tree.n, text: lookup.text, data, write: !stored });
  }

  return {
    name: spec.name,
    async authenticate(modulePath, version, hashes) {
      if (!opts.alwaysVerify?.includes(modulePath) && matchPrefixPatterns(nosumdb, modulePath)) {
        skippedVersions.add(`${modulePath}@${version}`);
        return;
      }
      init ??= loadState();
      try {
        await init;
        if (poison) throw poison;
        await verifyVersion(modulePath, version, hashes);
        verifiedVersions.add(`${modulePath}@${version}`);
      } catch (err) {
        if (err instanceof ChecksumMismatchError) throw err;
        const e = isGomirrorError(err) ? err : new GomirrorError('E_INTERNAL', String(err), { cause: err });
        const wrapped = new GomirrorError(e.code, `${modulePath}@${version}: verifying with ${spec.name}: ${e.message}`, {
          cause: e,
          ...(e.hint ? { hint: e.hint } : {}),
        });
        throw wrapped;
      }
    },
    async finish() {
      const base = { name: spec.name, verified: verifiedVersions.size, skipped: skippedVersions.size };
      if (!init) return { ...base, treeSize: 0, tilesWritten: 0, lookupsWritten: 0 };
      if (poison) return { ...base, treeSize: 0, tilesWritten: 0, lookupsWritten: 0, refused: poison };
      try {
        await init;
      } catch (err) {
        return { ...base, treeSize: 0, tilesWritten: 0, lookupsWritten: 0, refused: err as GomirrorError };
      }
      let published: PublishResult;
      try {
        published = await publishMirror({ store, timeline, tiles, records, concurrency: opts.concurrency, logger: opts.logger });
      } catch (err) {
        if (isGomirrorError(err) && err.code === 'E_SUMDB_SECURITY') return { ...base, treeSize: 0, tilesWritten: 0, lookupsWritten: 0, refused: err };
        throw err;
      }
      await store.writeState(timeline.latest.note, spec.verifier.key);
      return { ...base, ...published };
    },
  };
}
