import { compareSemver } from '../module/index.js';
import type { Retract } from './types.js';

/** The retraction covering version, if any (Go: an interval is inclusive at both ends). */
export function findRetraction(version: string, retract: readonly Retract[]): Retract | undefined {
  return retract.find((r) => compareSemver(r.low, version) <= 0 && compareSemver(version, r.high) <= 0);
}

/**
 * Whether a `go` directive value is at least `major.minor` (e.g. "1.17").
 * A missing directive counts as below every version, as the go command's
 * pruning rule reads it.
 */
export function goVersionAtLeast(go: string | undefined, minimum: string): boolean {
  if (go === undefined) return false;
  const parse = (v: string): [number, number] => {
    const m = /^(\d+)\.(\d+)/.exec(v);
    return m ? [Number(m[1]), Number(m[2])] : [0, 0];
  };
  const [a, b] = parse(go);
  const [c, d] = parse(minimum);
  return a !== c ? a > c : b >= d;
}
