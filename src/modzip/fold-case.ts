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

// Case pairs JavaScript knows (Unicode 16 and later) that the go command's
// tables (Unicode 15.0, Go 1.21+) do not: Go folds none of these, so neither
// may we. The all-code-points comparison with Go's unicode.SimpleFold in the
// tests finds any new ones a Node upgrade brings.
const NOT_IN_GO_TABLES: readonly (readonly [number, number])[] = [
  [0x19b, 0x19b],
  [0x264, 0x264],
  [0x1c89, 0x1c8a],
  [0xa7cb, 0xa7cf],
  [0xa7d2, 0xa7d5],
  [0xa7da, 0xa7dc],
  [0x10d50, 0x10d65],
  [0x10d70, 0x10d85],
  [0x16ea0, 0x16eb8],
  [0x16ebb, 0x16ed3],
];

function goDoesNotFold(c: string): boolean {
  const cp = codePoint(c);
  return NOT_IN_GO_TABLES.some(([lo, hi]) => cp >= lo && cp <= hi);
}

/**
 * The smallest code point equivalent to c under simple case folding. Folding
 * classes are reached through toLowerCase/toUpperCase (e.g. KELVIN SIGN → k →
 * K) plus EXTRA_LINKS, and each candidate is confirmed with a /iu regular
 * expression, which ECMAScript defines by CaseFolding.txt's simple mappings,
 * so Turkish dotless ı does not join i/I the way toUpperCase would make it.
 */
function smallestEquivalent(c: string): string {
  if (goDoesNotFold(c)) return c;
  const sameFold = new RegExp(`^${escapeForRegExp(c)}$`, 'iu');
  const seen = new Set<string>([c]);
  const queue = [c];
  let best = c;
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    for (const candidate of [next.toLowerCase(), next.toUpperCase(), EXTRA_LINKS.get(next)]) {
      // Multi-character mappings (ß → SS) are full folding, not simple folding.
      if (candidate === undefined || seen.has(candidate) || [...candidate].length !== 1 || goDoesNotFold(candidate)) continue;
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
