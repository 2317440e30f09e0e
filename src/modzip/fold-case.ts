/**
 * A case-folding key for file names, so that names equal under Unicode simple
 * case folding (Go: strings.EqualFold) can be found with one Map lookup each.
 */

// Folding keys per code point; only names with upper case or non-ASCII
// characters get here, so this stays small.
const foldCache = new Map<string, string>();

/**
 * Returns a string such that foldCase(s) === foldCase(t) exactly when s and t
 * are equal under Unicode simple case folding (Go: zip.strToFold). Each code
 * point maps to the smallest member of its folding class, with A–Z then
 * lowered so that plain lower-case ASCII names are their own key.
 */
export function foldCase(s: string): string {
  // Fast path: lower-case ASCII, as almost every name in a module zip is.
  if (isLowerAscii(s)) return s;
  let out = '';
  for (const c of s) out += foldCodePoint(c);
  return out;
}

function isLowerAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80 || (c >= 0x41 && c <= 0x5a)) return false;
  }
  return true;
}

function foldCodePoint(c: string): string {
  let key = foldCache.get(c);
  if (key === undefined) {
    key = smallestEquivalent(c);
    if (key >= 'A' && key <= 'Z') key = key.toLowerCase();
    foldCache.set(c, key);
  }
  return key;
}

// Folding classes with a member that no toLowerCase/toUpperCase of the others
// reaches (MICRO SIGN, COMBINING YPOGEGRAMMENI, CYRILLIC SMALL LETTER
// UNBLENDED UK), found by comparing every code point with Go's unicode.SimpleFold.
const EXTRA_LINKS: ReadonlyMap<string, string> = new Map([
  ['\u00b5', '\u03bc'],
  ['\u03bc', '\u00b5'],
  ['\u0345', '\u03b9'],
  ['\u03b9', '\u0345'],
  ['\u1c88', '\ua64b'],
  ['\ua64b', '\u1c88'],
]);

/**
 * The smallest code point equivalent to c under simple case folding. Folding
 * classes are reached through toLowerCase/toUpperCase (e.g. KELVIN SIGN → k →
 * K) plus EXTRA_LINKS, and each candidate is confirmed with a /iu regular
 * expression, which ECMAScript defines by CaseFolding.txt's simple mappings,
 * so Turkish dotless ı does not join i/I the way toUpperCase would make it.
 */
function smallestEquivalent(c: string): string {
  const sameFold = new RegExp(`^${escapeForRegExp(c)}$`, 'iu');
  const seen = new Set<string>([c]);
  const queue = [c];
  let best = c;
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    for (const candidate of [next.toLowerCase(), next.toUpperCase(), EXTRA_LINKS.get(next)]) {
      // Multi-character mappings (ß → SS) are full folding, not simple folding.
      if (candidate === undefined || seen.has(candidate) || [...candidate].length !== 1) continue;
      seen.add(candidate);
      if (!sameFold.test(candidate)) continue;
      queue.push(candidate);
      if (codePoint(candidate) < codePoint(best)) best = candidate;
    }
  }
  return best;
}

function codePoint(c: string): number {
  return c.codePointAt(0) ?? 0;
}

function escapeForRegExp(c: string): string {
  return /^[\p{L}\p{N}]$/u.test(c) ? c : `\\u{${codePoint(c).toString(16)}}`;
}
