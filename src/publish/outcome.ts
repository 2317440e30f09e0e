/** What publishing to one target did: the same shape for rsync and S3 targets. */
import type { GomirrorError } from '../errors.js';
import type { LineSpool } from './spool.js';

/** One change: an rsync itemize code (`>f+++++++++`, `*deleting`) or, for S3, `upload`, `delete`, `keep`. */
export interface TargetChange {
  readonly code: string;
  readonly path: string;
}

/**
 * The changes of one target, in order. A full publish of a big tree changes
 * every file, so they are read back from the run's temp files rather than
 * held: iterate them (once the publish is done, before its result is disposed).
 */
export interface ChangeList extends AsyncIterable<TargetChange> {
  readonly length: number;
  /** All of them at once: for small lists (tests). */
  array(): Promise<TargetChange[]>;
}

/** A part of a change list: changes in memory, or the lines of a spool, each turned into a change. */
export type ChangePart = readonly TargetChange[] | { readonly spool: LineSpool; readonly change: (line: string) => TargetChange };

export function changeList(parts: readonly ChangePart[]): ChangeList {
  const length = parts.reduce((n, p) => n + ('spool' in p ? p.spool.count : p.length), 0);
  async function* all(): AsyncGenerator<TargetChange> {
    for (const p of parts) {
      if (!('spool' in p)) yield* p;
      else for await (const line of p.spool.lines()) yield p.change(line);
    }
  }
  return {
    length,
    [Symbol.asyncIterator]: all,
    async array() {
      const out: TargetChange[] = [];
      for await (const c of all()) out.push(c);
      return out;
    },
  };
}

export interface DestinationOutcome {
  /** The target as given, without any password. */
  readonly destination: string;
  readonly kind: 'local' | 'ssh' | 'daemon' | 's3';
  readonly ok: boolean;
  /** Files sent (or, with --dry-run, that would be). */
  readonly sent: number;
  readonly deleted: number;
  /** Bytes sent (S3 only; rsync does not say). */
  readonly bytes?: number;
  /** Files already there, left alone (S3 only). */
  readonly unchanged?: number;
  readonly changes: ChangeList;
  readonly error?: GomirrorError;
}
