/**
 * Shell patterns over slash-separated paths, with the syntax and results of
 * Go's path.Match:
 *
 *   *        any run of characters other than `/`
 *   ?        one character other than `/`
 *   [abc]    one character from the class; `[^...]` negates, `a-z` is a range,
 *            `\` escapes `]`, `-`, `^` or `\` inside; a class is never empty
 *   \c       the character c itself
 *   c        the character c itself
 *
 * The whole name must match. A malformed pattern (unclosed class, dangling
 * `\`, `[-x]`, `[a-b-c]`, ...) matches nothing, as path.Match's ErrBadPattern
 * does for GOPRIVATE.
 */

/** One unit of a pattern. */
export type PatternToken =
  | { type: 'star' }
  | { type: 'any' }
  | { type: 'char'; char: string }
  | { type: 'class'; negated: boolean; ranges: Array<[string, string]> };

/** A parsed pattern: its tokens, or those before `error`, which says why the rest is malformed. */
export interface ParsedPattern {
  tokens: PatternToken[];
  error?: string;
}

/** Reads one class member at chars[i], or says why the pattern is malformed there. */
function readClassChar(chars: readonly string[], i: number): { char: string; next: number } | string {
  let c = chars[i];
  if (c === undefined) return 'unterminated character class';
  // Go's getEsc: an unescaped "-" or "]" cannot start a class item.
  if (c === '-' || c === ']') return `unescaped "${c}" in character class`;
  let next = i + 1;
  if (c === '\\') {
    c = chars[next];
    if (c === undefined) return 'trailing "\\"';
    next++;
  }
  // Go: a class member must be followed by something (at least the closing `]`).
  if (next >= chars.length) return 'unterminated character class';
  return { char: c, next };
}

/** Splits a pattern into tokens (Go's path.Match syntax), stopping at the first malformed spot. */
export function parsePathPattern(pattern: string): ParsedPattern {
  const chars = Array.from(pattern);
  const tokens: PatternToken[] = [];
  let i = 0;
  while (i < chars.length) {
    const c = chars[i] as string;
    if (c === '*') {
      // Consecutive stars mean the same as one.
      if (tokens.at(-1)?.type !== 'star') tokens.push({ type: 'star' });
      i++;
    } else if (c === '?') {
      tokens.push({ type: 'any' });
      i++;
    } else if (c === '\\') {
      const escaped = chars[i + 1];
      if (escaped === undefined) return { tokens, error: 'trailing "\\"' };
      tokens.push({ type: 'char', char: escaped });
      i += 2;
    } else if (c === '[') {
      i++;
      const negated = chars[i] === '^';
      if (negated) i++;
      const ranges: Array<[string, string]> = [];
      while (!(chars[i] === ']' && ranges.length > 0)) {
        const lo = readClassChar(chars, i);
        if (typeof lo === 'string') return { tokens, error: lo };
        let hi = lo;
        if (chars[lo.next] === '-') {
          const h = readClassChar(chars, lo.next + 1);
          if (typeof h === 'string') return { tokens, error: h };
          hi = h;
        }
        ranges.push([lo.char, hi.char]);
        i = hi.next;
      }
      tokens.push({ type: 'class', negated, ranges });
      i++;
    } else {
      tokens.push({ type: 'char', char: c });
      i++;
    }
  }
  return { tokens };
}

function matchOne(token: PatternToken, c: string): boolean {
  switch (token.type) {
    case 'any':
      return c !== '/';
    case 'char':
      return c === token.char;
    case 'class': {
      const cp = c.codePointAt(0) ?? 0;
      // Go: classes compare code points and, unlike `?`, may match `/`.
      const inClass = token.ranges.some(([lo, hi]) => (lo.codePointAt(0) ?? 0) <= cp && cp <= (hi.codePointAt(0) ?? 0));
      return inClass !== token.negated;
    }
    case 'star':
      return false;
  }
}

/** Reports whether pattern is well-formed path.Match syntax. */
export function isValidPathPattern(pattern: string): boolean {
  return parsePathPattern(pattern).error === undefined;
}

/**
 * Reports whether the whole of name matches pattern (Go's path.Match);
 * false for a malformed pattern.
 */
export function matchPathPattern(pattern: string, name: string): boolean {
  const { tokens, error } = parsePathPattern(pattern);
  if (error !== undefined) return false;
  const chars = Array.from(name);
  // memo[t][n]: whether tokens[t:] match chars[n:]; filled lazily.
  const memo = new Map<number, boolean>();
  const width = chars.length + 1;
  const matchFrom = (t: number, n: number): boolean => {
    const key = t * width + n;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    const token = tokens[t];
    if (token === undefined) {
      result = n === chars.length;
    } else if (token.type === 'star') {
      // Either the star stops here, or it swallows one more non-slash character.
      result = matchFrom(t + 1, n) || (n < chars.length && chars[n] !== '/' && matchFrom(t, n + 1));
    } else {
      const c = chars[n];
      result = c !== undefined && matchOne(token, c) && matchFrom(t + 1, n + 1);
    }
    memo.set(key, result);
    return result;
  };
  return matchFrom(0, 0);
}
