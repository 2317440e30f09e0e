/** What publishing to one target did: the same shape for rsync and S3 targets. */
import type { GomirrorError } from '../errors.js';

/** One change: an rsync itemize code (`>f+++++++++`, `*deleting`) or, for S3, `upload`, `delete`, `keep`. */
export interface TargetChange {
  readonly code: string;
  readonly path: string;
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
  readonly changes: readonly TargetChange[];
  readonly error?: GomirrorError;
}
