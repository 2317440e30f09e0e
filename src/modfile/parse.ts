/**
 * go.mod and go.work directives (golang.org/x/mod/modfile rule.go, work.go).
 * A main module's go.mod is parsed strictly, as `modfile.Parse` does; a
 * dependency's .mod laxly, as the go command's `modfile.ParseLax`: only
 * module, go, require and retract count there, anything else is ignored so
 * that newer directives never break an older consumer. Pure.
 */
import { GomirrorError, isGomirrorError } from '../errors.js';
import { canonicalVersion, checkPathMajor, splitPathVersion } from '../module/index.js';
import { unquoteGoString } from './quote.js';
import { parseSyntax, type SyntaxLine } from './syntax.js';
import type { Exclude, GoModFile, GoWorkFile, Replace, Require, Retract } from './types.js';

export interface ParseGoModOptions {
  /** Parse a dependency's go.mod: unknown and main-module-only directives are ignored. */
  lax?: boolean;
}

// Go: modfile GoVersionRE (1.21 form, with patch and pre-release) and laxGoVersionRE.
const GO_VERSION = /^([1-9][0-9]*)\.(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*))?([a-z]+[0-9]+)?$/;
const LAX_GO_VERSION = /^v?(([1-9][0-9]*)\.(0|[1-9][0-9]*))([^0-9].*)$/;
// Directives of newer go versions that carry nothing a mirror needs.
const IGNORED = new Set(['godebug', 'tool', 'ignore']);
// Go: modfile ToolchainRE.
const TOOLCHAIN = /^default$|^go1($|\.)/;
const LAX_KEEP = new Set(['go', 'module', 'require', 'retract']);

/** A problem in one line; collected, then thrown together as E_GOMOD. */
class LineError extends Error {}

/**
 * Parses go.mod text. Throws GomirrorError E_GOMOD listing every problem as
 * `file:line: message` (first problem first).
 */
export function parseGoMod(text: string, file: string, options: ParseGoModOptions = {}): GoModFile {
  const strict = !options.lax;
  let module: string | undefined;
  const versions: VersionDirectives = { lines: {} };
  let deprecated: string | undefined;
  const require: Require[] = [];
  const exclude: Exclude[] = [];
  const replace: Replace[] = [];
  const retract: Retract[] = [];

  const add = (verb: string, l: SyntaxLine, args: string[], blockComments?: string[]): void => {
    if (!strict && !LAX_KEEP.has(verb)) return;
    switch (verb) {
      case 'module':
        if (module !== undefined) throw new LineError('repeated module statement');
        if (args.length !== 1) throw new LineError('usage: module module/path');
        module = parseString(args[0] as string);
        deprecated = deprecationOf(rationaleOf(l, blockComments));
        return;
      case 'go':
      case 'toolchain':
        addVersionDirective(versions, verb, l, args, strict);
        return;
      case 'require':
      case 'exclude': {
        if (args.length !== 2) throw new LineError(`usage: ${verb} module/path v1.2.3`);
        const path = parseString(args[0] as string);
        const version = parseVersion(verb, path, args[1] as string);
        checkMajor(verb, path, version);
        if (verb === 'require') require.push({ path, version, indirect: isIndirect(l.suffix), line: l.line });
        else exclude.push({ path, version, line: l.line });
        return;
      }
      case 'replace':
        replace.push(parseReplace(args, l.line));
        return;
      case 'retract': {
        const r = parseRetract(args, strict);
        if (r) retract.push({ ...r, rationale: rationaleOf(l, blockComments), line: l.line });
        return;
      }
      default:
        if (IGNORED.has(verb)) return;
        throw new LineError(`unknown directive: ${verb}`);
    }
  };
  walk(text, file, strict, ['module', 'require', 'exclude', 'replace', 'retract'], add);
  return {
    file,
    ...(module !== undefined ? { module } : {}),
    ...versionFields(versions),
    ...(deprecated !== undefined ? { deprecated } : {}),
    require,
    exclude,
    replace,
    retract,
  };
}

/** Parses go.work text (modfile.ParseWork): go, use and replace. Throws E_GOMOD like parseGoMod. */
export function parseGoWork(text: string, file: string): GoWorkFile {
  const versions: VersionDirectives = { lines: {} };
  const use: { dir: string; line: number }[] = [];
  const replace: Replace[] = [];
  walk(text, file, true, ['use', 'replace'], (verb, l, args) => {
    switch (verb) {
      case 'go':
      case 'toolchain':
        addVersionDirective(versions, verb, l, args, true);
        return;
      case 'use':
        if (args.length !== 1) throw new LineError('usage: use local/dir');
        use.push({ dir: parseString(args[0] as string), line: l.line });
        return;
      case 'replace':
        replace.push(parseReplace(args, l.line));
        return;
      default:
        if (IGNORED.has(verb)) return;
        throw new LineError(`unknown directive: ${verb}`);
    }
  });
  return {
    file,
    ...versionFields(versions),
    use,
    replace,
  };
}

/** The go and toolchain directives, read the same way in go.mod and go.work. */
interface VersionDirectives {
  go?: string;
  toolchain?: string;
  lines: { go?: number; toolchain?: number };
}

function addVersionDirective(v: VersionDirectives, verb: 'go' | 'toolchain', l: SyntaxLine, args: string[], strict: boolean): void {
  if (v[verb] !== undefined) throw new LineError(`repeated ${verb} statement`);
  v[verb] = verb === 'go' ? parseGoVersion(args, strict) : parseToolchain(args);
  v.lines[verb] = l.line;
}

function versionFields({ go, toolchain, lines }: VersionDirectives): Pick<GoModFile, 'go' | 'toolchain' | 'lines'> {
  return {
    ...(go !== undefined ? { go } : {}),
    ...(toolchain !== undefined ? { toolchain } : {}),
    ...(lines.go !== undefined || lines.toolchain !== undefined ? { lines } : {}),
  };
}

/**
 * Whether the replacement target is a directory rather than a module path
 * (modfile.IsDirectoryPath: every OS's syntax, since go.mod files travel).
 */
export function isDirectoryPath(p: string): boolean {
  return (
    /^(\.{1,2}[/\\]|[/\\])/.test(p) || p === '.' || p === '..' || /^[A-Za-z]:/.test(p)
  );
}

function walk(
  text: string,
  file: string,
  strict: boolean,
  blockVerbs: string[],
  add: (verb: string, l: SyntaxLine, args: string[], blockComments?: string[]) => void,
): void {
  const errors: string[] = [];
  const attempt = (line: number, fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      if (err instanceof LineError || isGomirrorError(err)) errors.push(`${file}:${line}: ${err.message}`);
      else throw err;
    }
  };
  for (const stmt of parseSyntax(text, file)) {
    if (stmt.kind === 'line') {
      attempt(stmt.line, () => add(stmt.tokens[0] as string, stmt, stmt.tokens.slice(1)));
      continue;
    }
    const verb = stmt.verb[0] as string;
    if (stmt.verb.length > 1 || !blockVerbs.includes(verb)) {
      // Go: unknown block types are errors in a main module, ignored in a dependency.
      if (strict && !IGNORED.has(verb)) errors.push(`${file}:${stmt.line}: unknown block type: ${stmt.verb.join(' ')}`);
      continue;
    }
    for (const l of stmt.lines) attempt(l.line, () => add(verb, l, l.tokens, stmt.before));
  }
  if (errors.length > 0) {
    throw new GomirrorError('E_GOMOD', errors.join('\n'), {
      hint: errors.length > 1 ? `${errors.length} problems; fix the file and run again` : undefined,
    });
  }
}

/** Go: modfile parseString. Only `"` strings are unquoted; other quotes are reserved. */
function parseString(token: string): string {
  if (token.startsWith('"')) {
    const s = unquoteGoString(token);
    if (s === undefined) throw new LineError(`invalid quoted string: ${token}`);
    return s;
  }
  if (/["'`]/.test(token)) throw new LineError('invalid quoted string: unquoted string cannot contain quote');
  return token;
}

/** A version as the go command reads it without a network lookup: canonical, or an error. */
function parseVersion(verb: string, path: string, token: string): string {
  const v = parseString(token);
  const cv = canonicalVersion(v);
  if (cv === '') throw new LineError(`${verb}${path ? ` ${path}` : ''}: version ${JSON.stringify(v)} invalid: must be of the form v1.2.3`);
  return cv;
}

function checkMajor(verb: string, path: string, version: string): void {
  const split = splitPathVersion(path);
  if (split === null) throw new LineError(`${verb} ${path}: invalid module path`);
  try {
    checkPathMajor(version, split.pathMajor);
  } catch (err) {
    throw new LineError(`${verb} ${path}: ${(err as Error).message}`);
  }
}

function parseGoVersion(args: string[], strict: boolean): string {
  if (args.length !== 1) throw new LineError('go directive expects exactly one argument');
  const v = args[0] as string;
  if (GO_VERSION.test(v)) return v;
  const m = strict ? null : LAX_GO_VERSION.exec(v);
  if (m?.[1] === undefined) throw new LineError(`invalid go version '${v}': must match format 1.23`);
  return m[1];
}

function parseToolchain(args: string[]): string {
  if (args.length !== 1) throw new LineError('toolchain directive expects exactly one argument');
  const v = args[0] as string;
  if (!TOOLCHAIN.test(v)) throw new LineError(`invalid toolchain version '${v}': must match format go1.23.0 or default`);
  return v;
}

/** Go: modfile isIndirect: a suffix comment `// indirect` or `// indirect; ...`. */
function isIndirect(suffix: string | undefined): boolean {
  if (suffix === undefined) return false;
  const f = suffix.replace(/^\/\//, '').trim().split(/\s+/).filter(Boolean);
  return (f.length === 1 && f[0] === 'indirect') || (f.length > 1 && f[0] === 'indirect;');
}

function parseReplace(args: string[], line: number): Replace {
  const arrow = args.length >= 2 && args[1] === '=>' ? 1 : 2;
  if (args.length < arrow + 2 || args.length > arrow + 3 || args[arrow] !== '=>') {
    throw new LineError(
      'usage: replace module/path [v1.2.3] => other/module v1.4\n\t or replace module/path [v1.2.3] => ../local/directory',
    );
  }
  const oldPath = parseString(args[0] as string);
  if (splitPathVersion(oldPath) === null) throw new LineError(`replace ${oldPath}: invalid module path`);
  let oldVersion: string | undefined;
  if (arrow === 2) {
    oldVersion = parseVersion('replace', oldPath, args[1] as string);
    checkMajor('replace', oldPath, oldVersion);
  }
  const newPath = parseString(args[arrow + 1] as string);
  let newVersion: string | undefined;
  if (args.length === arrow + 2) {
    if (!isDirectoryPath(newPath)) {
      if (newPath.includes('@')) throw new LineError("replacement module must match format 'path version', not 'path@version'");
      throw new LineError('replacement module without version must be directory path (rooted or starting with ./ or ../)');
    }
    // Go rejects these on every system but Windows, where gomirror does not run.
    if (newPath.includes('\\')) throw new LineError('replacement directory appears to be Windows path (on a non-windows system)');
  } else {
    newVersion = parseVersion('replace', newPath, args[arrow + 2] as string);
    if (isDirectoryPath(newPath)) throw new LineError(`replacement module directory path ${JSON.stringify(newPath)} cannot have version`);
  }
  return {
    old: { path: oldPath, ...(oldVersion !== undefined ? { version: oldVersion } : {}) },
    new: { path: newPath, ...(newVersion !== undefined ? { version: newVersion } : {}) },
    line,
  };
}

/** `v1.2.3` or `[v1.0.0, v1.9.9]`; in a dependency a malformed interval is skipped, as Go does. */
function parseRetract(args: string[], strict: boolean): { low: string; high: string } | undefined {
  try {
    const [first, ...rest] = args;
    if (first === undefined || first === '(') throw new LineError("expected '[' or version");
    let interval: { low: string; high: string };
    let remaining: string[];
    if (first !== '[') {
      const v = parseVersion('retract', '', first);
      interval = { low: v, high: v };
      remaining = rest;
    } else {
      const [low, comma, high, close, ...more] = rest;
      if (low === undefined) throw new LineError("expected version after '['");
      const lowV = parseVersion('retract', '', low);
      if (comma !== ',') throw new LineError("expected ',' after version");
      if (high === undefined) throw new LineError("expected version after ','");
      const highV = parseVersion('retract', '', high);
      if (close !== ']') throw new LineError("expected ']' after version");
      interval = { low: lowV, high: highV };
      remaining = more;
    }
    // Go: reserved for future syntax; an error only in a main module.
    if (strict && remaining.length > 0) throw new LineError(`unexpected token after version: ${JSON.stringify(remaining[0])}`);
    return interval;
  } catch (err) {
    if (strict) throw err;
    return undefined;
  }
}

/**
 * Go: modfile parseDeprecation: a paragraph of the module directive's comment
 * that starts with "Deprecated:" (paragraphs are separated by a blank `//` line).
 */
function deprecationOf(comment: string): string | undefined {
  const m = /(?:^|\n\n)Deprecated: *([\s\S]*?)(?:$|\n\n)/.exec(comment);
  return m ? (m[1] as string) : undefined;
}

/** Go: modfile parseDirectiveComment: the line's comments, else its block's. */
function rationaleOf(l: SyntaxLine, blockComments: string[] | undefined): string {
  let comments = [...l.before, ...(l.suffix !== undefined ? [l.suffix] : [])];
  if (comments.length === 0 && blockComments) comments = blockComments;
  return comments
    .filter((c) => c.startsWith('//'))
    .map((c) => c.slice(2).trim())
    .join('\n');
}
