/**
 * The line structure of go.mod and go.work files (golang.org/x/mod/modfile
 * read.go): tokens, one statement a line, `verb (` ... `)` blocks, and the
 * `//` comments attached to each line, which carry meaning (`// indirect`,
 * retraction rationales). Pure.
 */
import { GomirrorError } from '../errors.js';

/** A comment, with its `//`; '' marks a blank line inside a block. */
export type Comment = string;

/** One directive line: its tokens (verb first for top-level lines). */
export interface SyntaxLine {
  tokens: string[];
  /** 1-based line number of the first token. */
  line: number;
  /** Comment lines directly above it (blank lines inside a block show as ''). */
  before: Comment[];
  /** The comment at the end of the line, if any. */
  suffix?: Comment;
}

/** A top-level statement: a line, or `verb (` lines `)`. */
export type Statement =
  | ({ kind: 'line' } & SyntaxLine)
  | { kind: 'block'; verb: string[]; line: number; before: Comment[]; lines: SyntaxLine[] };

type TokenKind = 'ident' | 'string' | 'comment' | 'eolcomment' | '\n' | '(' | ')' | '[' | ']' | '{' | '}' | ',' | 'eof';

interface Token {
  kind: TokenKind;
  text: string;
  line: number;
  col: number;
}

const PUNCTUATION = new Set(['\n', '(', ')', '[', ']', '{', '}', ',']);

/** Go: modfile isIdent: printable, not space, not one of ` ()[]{},`. */
function isIdent(c: string): boolean {
  if (c === '' || PUNCTUATION.has(c) || c === ' ') return false;
  // Printable ASCII (nearly every character of a go.mod) without the regular expressions.
  const code = c.charCodeAt(0);
  if (code < 0x80) return code > 0x20 && code < 0x7f;
  return !/^\s$/u.test(c) && !/^[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Zl}\p{Zp}]$/u.test(c);
}

/** Splits go.mod text into tokens; throws E_GOMOD `file:line:col: ...` on a lexical error. */
function tokenize(text: string, file: string): Token[] {
  const chars = Array.from(text);
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let col = 1;
  const fail = (message: string, l = line, c = col): never => {
    throw new GomirrorError('E_GOMOD', `${file}:${l}:${c}: ${message}`);
  };
  const read = (): string => {
    const c = chars[i++] ?? '';
    if (c === '\n') {
      line++;
      col = 1;
    } else col++;
    return c;
  };
  // Whether the two characters at i are `a` then `b` (`//`, `/*`): no copy of the text per character.
  const startsWith = (two: string): boolean => chars[i] === two[0] && chars[i + 1] === two[1];
  // Whether everything between the last newline and position i is blank.
  let lineHasToken = false;

  for (;;) {
    while (i < chars.length && (chars[i] === ' ' || chars[i] === '\t' || chars[i] === '\r')) read();
    if (i >= chars.length) {
      tokens.push({ kind: 'eof', text: '', line, col });
      return tokens;
    }
    const start = { line, col };
    if (startsWith('//')) {
      let body = '';
      while (i < chars.length && chars[i] !== '\n') body += read();
      if (i < chars.length) read();
      // A comment alone on its line stands apart; one after tokens ends that line.
      tokens.push({ kind: lineHasToken ? 'eolcomment' : 'comment', text: body.replace(/\r$/, ''), ...start });
      lineHasToken = false;
      continue;
    }
    if (startsWith('/*')) fail('mod files must use // comments (not /* */ comments)');
    const c = chars[i] ?? '';
    if (PUNCTUATION.has(c)) {
      read();
      tokens.push({ kind: c as TokenKind, text: c, ...start });
      lineHasToken = c !== '\n';
      continue;
    }
    lineHasToken = true;
    if (c === '"' || c === '`') {
      let s = read();
      for (;;) {
        if (i >= chars.length) fail('unexpected EOF in string', start.line, start.col);
        if (chars[i] === '\n') fail('unexpected newline in string');
        const d = read();
        s += d;
        if (d === c) break;
        if (d === '\\' && c === '"') {
          if (i >= chars.length) fail('unexpected EOF in string', start.line, start.col);
          s += read();
        }
      }
      tokens.push({ kind: 'string', text: s, ...start });
      continue;
    }
    if (!isIdent(c)) fail(`unexpected input character ${JSON.stringify(c)}`);
    let s = '';
    while (i < chars.length && isIdent(chars[i] ?? '')) {
      if (startsWith('//')) break;
      if (startsWith('/*')) fail('mod files must use // comments (not /* */ comments)');
      s += read();
    }
    tokens.push({ kind: 'ident', text: s, ...start });
  }
}

const isEOL = (t: Token): boolean => t.kind === 'eof' || t.kind === 'eolcomment' || t.kind === '\n';

/**
 * Parses go.mod or go.work text into statements (modfile parseFile,
 * parseStmt, parseLineBlock). Throws GomirrorError E_GOMOD naming
 * `file:line:col` on a syntax error.
 */
export function parseSyntax(text: string, file: string): Statement[] {
  const tokens = tokenize(text, file);
  let p = 0;
  const peek = (): Token => tokens[p] as Token;
  // EOF is never consumed, so peeking after it is safe.
  const next = (): Token => (tokens[p]?.kind === 'eof' ? (tokens[p] as Token) : (tokens[p++] as Token));
  const fail = (t: Token, message: string): never => {
    throw new GomirrorError('E_GOMOD', `${file}:${t.line}:${t.col}: ${message}`);
  };
  const statements: Statement[] = [];
  let pending: Comment[] = [];

  // Reads the rest of a line whose first token is `first`.
  const readLine = (first: Token): SyntaxLine & { open?: Token; empty?: boolean } => {
    const out: SyntaxLine & { open?: Token; empty?: boolean } = { tokens: [first.text], line: first.line, before: [] };
    for (;;) {
      const t = next();
      if (isEOL(t)) {
        if (t.kind === 'eolcomment') out.suffix = t.text;
        return out;
      }
      if (t.kind === '(') {
        if (isEOL(peek())) {
          out.open = t;
          const after = next();
          if (after.kind === 'eolcomment') out.suffix = after.text;
          return out;
        }
        // `verb ()`: an empty block.
        if (peek().kind === ')' && isEOL(tokens[p + 1] as Token)) {
          next();
          next();
          return { ...out, open: t, empty: true };
        }
      }
      out.tokens.push(t.text);
    }
  };

  for (;;) {
    const t = peek();
    if (t.kind === 'eof') return statements;
    if (t.kind === '\n') {
      next();
      pending = [];
      continue;
    }
    if (t.kind === 'comment') {
      pending.push(next().text);
      continue;
    }
    const first = next();
    if (first.kind === ')' || first.kind === '(') fail(first, `syntax error (unexpected ${JSON.stringify(first.text)})`);
    const stmt = readLine(first);
    if (!stmt.open) {
      statements.push({ kind: 'line', ...stmt, before: pending });
      pending = [];
      continue;
    }
    const block: Statement = { kind: 'block', verb: stmt.tokens, line: stmt.line, before: pending, lines: [] };
    pending = [];
    let comments: Comment[] = [];
    while (!stmt.empty) {
      const b = peek();
      if (b.kind === 'eof') fail(b, `syntax error (unterminated block started at ${file}:${block.line}:${first.col})`);
      if (b.kind === 'eolcomment') {
        next();
      } else if (b.kind === '\n') {
        next();
        if ((comments.length === 0 && block.lines.length > 0) || (comments.length > 0 && comments[comments.length - 1] !== '')) {
          comments.push('');
        }
      } else if (b.kind === 'comment') {
        comments.push(next().text);
      } else if (b.kind === ')') {
        next();
        const after = next();
        if (!isEOL(after)) fail(after, 'syntax error (expected newline after closing paren)');
        break;
      } else {
        const l = readLine(next());
        if (l.open) fail(l.open, 'syntax error (unexpected "(" inside a block)');
        block.lines.push({ tokens: l.tokens, line: l.line, before: comments, ...(l.suffix !== undefined ? { suffix: l.suffix } : {}) });
        comments = [];
      }
    }
    statements.push(block);
  }
}
