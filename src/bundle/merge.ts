/**
 * How import combines an index file of a bundle with the one already in the
 * root (pure). Importing an older bundle must never hide newer versions or
 * roll the checksum database back.
 */
import { isValidSemver, sortVersions } from '../module/index.js';

/** The versions a `list` file names (blank lines and junk ignored). */
export function listVersions(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((v) => isValidSemver(v));
}

/** The union of two `list` files, in semver order, one version a line. */
export function mergeListText(existing: string | undefined, bundled: string): string {
  const all = new Set([...listVersions(existing ?? ''), ...listVersions(bundled)]);
  return sortVersions([...all])
    .map((v) => `${v}\n`)
    .join('');
}

/** Which of two `@latest` files to keep: the one with the later Time (the bundle's when unknown). */
export function pickLatest(existing: string, bundled: string): 'existing' | 'bundled' {
  const a = timeOf(existing);
  const b = timeOf(bundled);
  return a !== undefined && b !== undefined && a > b ? 'existing' : 'bundled';
}

function timeOf(infoJson: string): number | undefined {
  try {
    const t = (JSON.parse(infoJson) as { Time?: unknown }).Time;
    const ms = typeof t === 'string' ? Date.parse(t) : NaN;
    return Number.isNaN(ms) ? undefined : ms;
  } catch {
    return undefined;
  }
}

/**
 * The size of the checksum-database tree a `latest` or `lookup` file vouches
 * for: the N in its signed note `go.sum database tree\nN\n...`.
 */
export function noteTreeSize(text: string): number | undefined {
  const m = /(?:^|\n)go\.sum database tree\n(\d+)\n/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Which of two sumdb `latest`/`lookup` files to keep: the one from the larger tree (the bundle's on a tie or when unknown). */
export function pickSumdbFile(existing: string, bundled: string): 'existing' | 'bundled' {
  const a = noteTreeSize(existing);
  const b = noteTreeSize(bundled);
  return a !== undefined && b !== undefined && a > b ? 'existing' : 'bundled';
}
