/**
 * The newest signed tree head we trust, and the rule that keeps it honest
 * (Go: sumdb.Client.mergeLatest): every note the database sends is opened
 * with its key; an older or equal tree must hash, inside our newest tree, to
 * its own signed hash; a newer tree must contain ours the same way, and then
 * replaces it. Anything else is a fork or a rollback: a security error.
 */
import { GomirrorError } from '../../errors.js';
import { openNote, parseTree, subTreeIndex, treeHashFromHashes, ZERO_HASH, type TreeHead, type Verifier } from '../index.js';
import type { TileReader } from './tile-reader.js';

/** Two signed trees of one database that cannot both be true. */
export class SumdbForkError extends GomirrorError {
  constructor(message: string, hint: string) {
    super('E_SUMDB_SECURITY', message, { hint });
    this.name = 'SumdbForkError';
  }
}

/** A verified tree head and the signed note it came in. */
export interface SignedTree {
  tree: TreeHead;
  note: Buffer;
}

/** Where a merged note stands relative to the newest head. */
export type NoteTime = 'past' | 'now' | 'future';

export interface Timeline {
  /** The newest verified head; size 0 and an empty note before any merge. */
  readonly latest: SignedTree;
  /** Opens a signed tree note and merges it; returns its tree. Throws E_SUMDB_SECURITY on a fork. */
  merge(note: Buffer): Promise<{ tree: TreeHead; when: NoteTime }>;
}

export function createTimeline(opts: { name: string; verifier: Verifier; tiles: TileReader }): Timeline {
  let latest: SignedTree = { tree: { n: 0, hash: ZERO_HASH }, note: Buffer.alloc(0) };
  // Notes already checked against our timeline, by their bytes: most lookups
  // of one run carry the same few notes.
  const known = new Map<string, TreeHead>();

  async function checkTrees(older: SignedTree, newer: SignedTree): Promise<void> {
    const { n } = older.tree;
    const hashes = n === 0 ? [] : await opts.tiles.readHashes(newer.tree, subTreeIndex(0, n));
    const h = treeHashFromHashes(n, hashes);
    if (h.equals(older.tree.hash)) return;
    const indent = (b: Buffer): string => b.toString('utf8').trimEnd().replaceAll('\n', '\n\t');
    throw new SumdbForkError(
      `SECURITY ERROR: checksum database ${opts.name} misbehaved: its tree of size ${newer.tree.n} does not contain ` +
        `its earlier tree of size ${n} (a fork or a rollback)\n` +
        `old tree:\n\t${indent(older.note)}\nnew tree:\n\t${indent(newer.note)}\n` +
        `hash of the first ${n} records inside the new tree: ${h.toString('base64')}`,
      'Nothing from this database is trusted for the rest of the run. Find out which tree is genuine; ' +
        `the verified head is kept in .gomirror/sumdb/${opts.name}/latest`,
    );
  }

  return {
    get latest() {
      return latest;
    },
    async merge(msg) {
      const key = msg.toString('base64');
      let tree = known.get(key);
      if (!tree) {
        const note = openNote(msg, [opts.verifier]);
        tree = parseTree(note.text);
      }
      const signed: SignedTree = { tree, note: msg };
      for (;;) {
        const seen = latest;
        if (tree.n <= seen.tree.n) {
          if (!known.has(key)) await checkTrees(signed, seen);
          known.set(key, tree);
          return { tree, when: tree.n < seen.tree.n ? 'past' : 'now' };
        }
        await checkTrees(seen, signed);
        // Other merges may have moved the head while tiles were fetched: go round again if so.
        if (latest === seen) {
          latest = signed;
          known.set(key, tree);
          return { tree, when: 'future' };
        }
      }
    },
  };
}
