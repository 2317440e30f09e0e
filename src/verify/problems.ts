import { isPseudoVersion, isValidSemver } from '../module/index.js';

/** What is wrong with a file. */
export type ProblemKind =
  /** A file the tree promises (listed version, a version with .info) is not there. */
  | 'missing'
  /** A .zip or .mod whose h1 hash differs from `.gomirror/go.sum`. */
  | 'checksum'
  /** A .zip or .mod of a complete version with no hash in `.gomirror/go.sum`. */
  | 'unrecorded'
  /** A .zip that breaks the module zip rules (corrupt or hostile). */
  | 'zip'
  /** A .info that does not parse or names another version. */
  | 'info'
  /** `@v/list` disagrees with the versions on disk, or is missing. */
  | 'list'
  /** `@latest` does not parse or names a version that is not complete. */
  | 'latest'
  /** A directory or file name that is not a valid escaped module path or version. */
  | 'path'
  /** A temp file whose writer is gone. */
  | 'temp'
  /** The checksum database mirror is inconsistent. */
  | 'sumdb'
  /** The copy of the vulnerability database is incomplete or inconsistent. */
  | 'vulndb';

/** One bad file, named relative to the root. */
export interface TreeProblem {
  /** Slash path relative to the tree root. */
  file: string;
  kind: ProblemKind;
  message: string;
  module?: string;
  version?: string;
}

/** Something odd that does not break a client. */
export interface TreeWarning {
  file: string;
  message: string;
}

/** Problem kinds that a refetch of the version repairs. */
export const VERSION_PROBLEMS: ReadonlySet<ProblemKind> = new Set(['missing', 'checksum', 'unrecorded', 'zip', 'info']);

/**
 * Compares `@v/list` with the complete versions on disk (pure). `missing`:
 * listed but not complete; `unlisted`: complete tagged versions the list does
 * not name (pseudo-versions belong in no list); `invalid`: list lines whose
 * first field is not a semantic version.
 */
export function compareListWithDisk(
  listText: string,
  complete: readonly string[],
): { missing: string[]; unlisted: string[]; invalid: string[] } {
  const listed = new Set<string>();
  const invalid: string[] = [];
  for (const line of listText.split('\n')) {
    const v = line.trim().split(/\s+/)[0] ?? '';
    if (v === '') continue;
    if (!isValidSemver(v)) invalid.push(v);
    else listed.add(v);
  }
  const have = new Set(complete);
  const missing = [...listed].filter((v) => !have.has(v));
  const unlisted = complete.filter((v) => !listed.has(v) && isValidSemver(v) && !isPseudoVersion(v));
  return { missing, unlisted, invalid };
}

/** Problems sorted by file, then kind, for stable output. */
export function sortProblems<T extends { file: string; kind?: string }>(problems: T[]): T[] {
  return problems.sort((a, b) => cmp(a.file, b.file) || cmp(a.kind ?? '', b.kind ?? ''));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
