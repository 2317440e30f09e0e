import { GomirrorError } from '../errors.js';

/** Which check of `bundle import` a bundle failed. */
export type BundleCheck =
  | 'tar format'
  | 'entry name'
  | 'entry type'
  | 'entry size'
  | 'index'
  | 'signature'
  | 'sha256'
  | 'h1'
  | 'zip rules'
  | 'info'
  | 'conflict'
  | 'completeness'
  | 'vulndb';

const SECURITY: ReadonlySet<BundleCheck> = new Set(['sha256', 'h1', 'conflict']);

/**
 * A bundle was refused by import: names the bundle, the file (tar entry or
 * tree path) and the check that failed. A content mismatch (sha256, h1, a
 * file that would replace different bytes) is a security error.
 */
export class BundleRefusedError extends GomirrorError {
  readonly bundle: string;
  readonly file: string | undefined;
  readonly check: BundleCheck;

  constructor(bundle: string, file: string | undefined, check: BundleCheck, detail: string, hint?: string) {
    const security = SECURITY.has(check);
    super(
      security ? 'E_CHECKSUM_MISMATCH' : 'E_BUNDLE',
      `${security ? 'SECURITY ERROR: ' : ''}bundle ${bundle} refused: ${file === undefined ? '' : `${file}: `}${check} check failed: ${detail}`,
      { hint: `${hint === undefined ? '' : `${hint} `}Nothing was imported; the root is unchanged.` },
    );
    this.name = 'BundleRefusedError';
    this.bundle = bundle;
    this.file = file;
    this.check = check;
  }
}
