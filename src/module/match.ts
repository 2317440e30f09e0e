/**
 * GOPRIVATE-style pattern lists (module.MatchPrefixPatterns), used for
 * GONOSUMDB/GOPRIVATE and for per-path rules such as nginx authentication.
 */
import { matchPathPattern } from './path-pattern.js';

/**
 * Reports whether some path prefix of target matches one of the
 * comma-separated glob patterns in globs (Go's path.Match syntax). A pattern
 * with N slashes is matched against the first N+1 elements of target, so
 * `*.corp.example.com` covers every module below such hosts and `rsc.io`
 * covers `rsc.io/quote/v3`; a target with fewer elements cannot match.
 * Empty and malformed patterns are ignored, and a trailing slash on a pattern
 * is dropped.
 */
export function matchPrefixPatterns(globs: string, target: string): boolean {
  for (const raw of globs.split(',')) {
    const glob = raw.endsWith('/') ? raw.slice(0, -1) : raw;
    if (glob === '') continue;
    const slashes = glob.split('/').length - 1;
    const elements = target.split('/');
    if (elements.length <= slashes) continue;
    if (matchPathPattern(glob, elements.slice(0, slashes + 1).join('/'))) return true;
  }
  return false;
}
