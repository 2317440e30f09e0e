/**
 * Turns the go command's module path patterns (GOPRIVATE syntax: path.Match
 * globs matched against a path prefix, as module.MatchPrefixPatterns does)
 * into PCRE regular expressions that Nginx matches against request URIs.
 *
 * The regex must match the *escaped* on-disk path, after Nginx has
 * percent-decoded it (`%21` → `!`): module `corp.example.com/Foo` is served
 * from `/corp.example.com/!foo/@v/...`. So every upper-case letter that a
 * pattern can match becomes `!` + its lower-case form, and a wildcard matches
 * whole escaped units (`a`, `!a`), never a lone `!`. That keeps `*b` from
 * matching `a!b` (module element `aB`), exactly as Go's case-sensitive match would.
 */
import { GomirrorError } from '../errors.js';
import { parsePathPattern, type PatternToken } from './path-pattern.js';

/** Characters Go allows in a module path element (module.CheckPath), in code-point order. */
const MODULE_PATH_CHARS = [
  '-',
  '.',
  ...'0123456789',
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  '_',
  ...'abcdefghijklmnopqrstuvwxyz',
  '~',
];
const MODULE_CHAR_SET = new Set(MODULE_PATH_CHARS);

/** One pattern element's unit, with each character class resolved to the module path characters it admits. */
type Token = Exclude<PatternToken, { type: 'class' }> | { type: 'set'; chars: Set<string> };

/**
 * Splits a comma-separated pattern list the way the go command does for
 * GOPRIVATE: empty entries are skipped and one trailing `/` is dropped.
 */
export function splitModulePatterns(list: string): string[] {
  return list
    .split(',')
    .map((p) => (p.endsWith('/') ? p.slice(0, -1) : p))
    .filter((p) => p !== '');
}

/**
 * Compiles one pattern (`corp.example.com/*`) into a regex that matches the
 * request URI of every file of every module the pattern matches, and of no
 * other module: `^/` + the escaped elements + `/`. The trailing `/` stands for
 * the rest of the module path or `@v/...`/`@latest`, which can never be
 * mistaken for a module path element because `@` is not allowed in one.
 *
 * Throws GomirrorError E_USAGE (naming `flag`) for a pattern path.Match would
 * reject or that cannot match any module path.
 */
export function compileModulePattern(pattern: string, flag: string): string {
  const fail = (why: string): never => {
    throw new GomirrorError('E_USAGE', `${flag}: bad module path pattern "${pattern}": ${why}`, {
      hint: 'Use the go command\'s GOPRIVATE syntax, e.g. "corp.example.com/*" or "*.corp.example.com".',
    });
  };
  const elements = splitPatternElements(pattern, fail);
  return '^/' + elements.map((el) => parseElement(el, fail).map(tokenToRegex).join('')).join('/') + '/';
}

/**
 * Splits at `/` outside character classes. Go counts every `/` (strings.Count),
 * so a `/` inside a class would change the element count: it is rejected.
 */
function splitPatternElements(pattern: string, fail: (why: string) => never): string[] {
  if (pattern === '') fail('empty pattern');
  if (pattern.startsWith('/')) fail('module paths do not start with "/"');
  const elements = pattern.split('/');
  for (const el of elements) {
    if (el === '') fail('empty path element ("//")');
  }
  return elements;
}

/**
 * Parses one element with path.Match's rules (`*`, `?`, `[...]`, `[^...]`,
 * `\` escapes), then holds it to what a module path can contain.
 */
function parseElement(el: string, fail: (why: string) => never): Token[] {
  const { tokens, error } = parsePathPattern(el);
  const out = tokens.map((t) => forModulePaths(t, fail));
  if (error !== undefined) fail(error);
  // module.CheckPath: no element starts or ends with a dot (so no "." or ".."),
  // so an element pinned to one there matches no module path at all.
  const isDot = (t: Token | undefined): boolean => t?.type === 'char' && t.char === '.';
  if (isDot(out[0]) || isDot(out.at(-1))) fail(`no module path element starts or ends with "." ("${el}" would never match)`);
  return out;
}

function forModulePaths(token: PatternToken, fail: (why: string) => never): Token {
  if (token.type === 'char' && !MODULE_CHAR_SET.has(token.char)) fail(`"${token.char}" cannot appear in a module path`);
  if (token.type !== 'class') return token;
  const members = new Set<string>();
  for (const [lo, hi] of token.ranges) {
    if (lo > hi) fail(`character range "${lo}-${hi}" is reversed`);
    if (lo === '/' || (lo < '/' && hi >= '/')) fail('"/" inside a character class');
    for (const m of MODULE_PATH_CHARS) if (m >= lo && m <= hi) members.add(m);
  }
  return { type: 'set', chars: token.negated ? new Set(MODULE_PATH_CHARS.filter((m) => !members.has(m))) : members };
}

function tokenToRegex(token: Token): string {
  switch (token.type) {
    case 'char':
      return isUpper(token.char) ? '!' + token.char.toLowerCase() : escapeRegexChar(token.char);
    case 'any':
      return unitRegex(MODULE_CHAR_SET);
    case 'star':
      return unitRegex(MODULE_CHAR_SET) + '*';
    case 'set':
      return unitRegex(token.chars);
  }
}

/**
 * A regex for one unescaped character out of `chars`, as it appears on disk:
 * either itself, or `!` + lower case for an upper-case letter.
 */
function unitRegex(chars: Set<string>): string {
  const plain = MODULE_PATH_CHARS.filter((c) => chars.has(c) && !isUpper(c));
  const upper = MODULE_PATH_CHARS.filter((c) => chars.has(c) && isUpper(c)).map((c) => c.toLowerCase());
  const alternatives: string[] = [];
  if (plain.length > 0) alternatives.push(classRegex(plain));
  if (upper.length > 0) alternatives.push('!' + classRegex(upper));
  if (alternatives.length === 0) return '(?!)';
  if (alternatives.length === 1 && plain.length > 0) return alternatives[0] as string;
  return `(?:${alternatives.join('|')})`;
}

/**
 * A character class for chars in code-point order, with runs of three or more
 * written as ranges. A "-" needs no escape: it sorts first, where PCRE reads it literally.
 */
function classRegex(chars: string[]): string {
  if (chars.length === 1) return escapeRegexChar(chars[0] as string);
  let body = '';
  for (let i = 0; i < chars.length; ) {
    let j = i;
    while (j + 1 < chars.length && code(chars[j + 1]) === code(chars[j]) + 1) j++;
    if (j - i >= 2) body += `${chars[i] as string}-${chars[j] as string}`;
    else body += chars.slice(i, j + 1).join('');
    i = j + 1;
  }
  return `[${body}]`;
}

function code(c: string | undefined): number {
  return c === undefined ? -1 : c.charCodeAt(0);
}

function isUpper(c: string): boolean {
  return c >= 'A' && c <= 'Z';
}

function escapeRegexChar(c: string): string {
  return c === '.' ? '\\.' : c;
}
