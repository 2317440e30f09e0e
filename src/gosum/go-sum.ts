/**
 * go.sum files: `<path> <version>[/go.mod] h1:<base64>` per line, with the
 * unescaped module path and version (Go: modfetch readGoSum / WriteGoSum).
 */
import { GomirrorError, ProblemList } from '../errors.js';
import { compareSemver } from '../module/index.js';

/** One hash line of a go.sum file. */
export interface GoSumLine {
  /** Module path, unescaped. */
  readonly path: string;
  /** Version, unescaped, without the `/go.mod` suffix. */
  readonly version: string;
  /** True for the `<version>/go.mod` line (hash of the .mod file), false for the zip line. */
  readonly goMod: boolean;
  /** The `h1:` hash. */
  readonly hash: string;
  /** 1-based line number in the parsed file; 0 for lines not read from a file. */
  readonly line: number;
}

/** The fields formatGoSumLine needs. */
export type GoSumEntry = Pick<GoSumLine, 'path' | 'version' | 'goMod' | 'hash'>;

// Go: strings.Fields splits at unicode.IsSpace, which also counts NEL and NBSP.
const FIELD_SEPARATOR = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;
const GO_MOD_SUFFIX = '/go.mod';
const H1 = /^h1:[A-Za-z0-9+/]{43}=$/;
// Go: modfetch emptyGoModHash. Old go versions wrote it by mistake, and
// readGoSum drops every line that carries it, so we do too.
const EMPTY_GO_MOD_HASH = 'h1:G7mAYYxgmS0lVkHyy2hEOLQCFB0DlQFTMLWggykrydY=';

/**
 * Parses go.sum text. Blank lines are skipped, as are lines with the
 * historical empty-go.mod hash (as the go command does). Every other line must
 * have exactly three whitespace-separated fields and an `h1:` hash of 32
 * bytes; otherwise throws GomirrorError E_GOSUM `<fileName>:<line>: malformed
 * go.sum line ...`. Module paths and versions are taken as written.
 */
const EMPTY = /(?:)/;

export function parseGoSum(text: string, fileName: string): GoSumLine[] {
  const lines: GoSumLine[] = [];
  forEachGoSumLine(text, fileName, (l) => lines.push(l));
  return lines;
}

/**
 * parseGoSum without the array: calls `fn` for each hash line, in file order,
 * so a reader of a large file (the tree's record of 200,000 hashes) keeps
 * only what it wants. Throws as parseGoSum does, after every line was seen.
 */
export function forEachGoSumLine(
  text: string,
  fileName: string,
  fn: (line: GoSumLine) => void,
  /**
   * For a file read piece by piece: the number of lines before `text`, and
   * the list its problems go to (thrown by the caller once the file is read, not here).
   */
  piece?: { linesBefore: number; problems: ProblemList },
): void {
  // Every malformed line is reported (up to a limit), not only the first.
  const problems = piece?.problems ?? new ProblemList();
  for (let start = 0, i = piece?.linesBefore ?? 0; start < text.length; i++) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const row = text.slice(start, end);
    start = end + 1;
    problems.attempt(() => parseRow(row, i));
  }
  // The last regular expression match keeps its subject, here a slice of the
  // whole text (18 MB at 100,000 versions), alive until the next match: end on one of nothing.
  EMPTY.exec('');
  if (!piece) problems.throwIfAny();

  function parseRow(row: string, i: number): void {
    const fields = row.split(FIELD_SEPARATOR).filter((f) => f !== '');
    if (fields.length === 0) return;
    const fail = (problem: string): never => {
      throw new GomirrorError('E_GOSUM', `${fileName}:${i + 1}: malformed go.sum line: ${problem}`, {
        hint: 'Each line must read `<module> <version>[/go.mod] h1:<hash>`; restore the file from version control or delete the line.',
      });
    };
    if (fields.length !== 3) fail(`wrong number of fields ${fields.length}`);
    const [path = '', versionField = '', hash = ''] = fields;
    if (hash === EMPTY_GO_MOD_HASH) return;
    if (!isValidH1(hash)) fail(`invalid hash ${JSON.stringify(hash)} (want h1: and 44 base64 characters)`);
    const goMod = versionField.endsWith(GO_MOD_SUFFIX);
    const version = goMod ? versionField.slice(0, -GO_MOD_SUFFIX.length) : versionField;
    if (version === '' || version.includes('/')) fail(`invalid version ${JSON.stringify(versionField)}`);
    fn({ path, version, goMod, hash, line: i + 1 });
  }
}

/** One go.sum line without its newline: `path version[/go.mod] hash`. */
export function formatGoSumLine(entry: GoSumEntry): string {
  return `${entry.path} ${entry.version}${entry.goMod ? GO_MOD_SUFFIX : ''} ${entry.hash}`;
}

/**
 * A whole go.sum file, each line ending in `\n`, in the go command's order
 * (module.Sort): by path, then version by semver precedence, the zip line
 * before the `/go.mod` line, then by hash. Identical lines are written once.
 */
export function formatGoSum(entries: Iterable<GoSumEntry>): string {
  const sorted = [...entries].sort(compareGoSumEntries);
  let out = '';
  let previous: string | undefined;
  for (const entry of sorted) {
    const line = formatGoSumLine(entry);
    if (line !== previous) out += `${line}\n`;
    previous = line;
  }
  return out;
}

/** go.sum order (module.Sort): path, semver precedence, version string, zip before /go.mod, hash. */
export function compareGoSumEntries(a: GoSumEntry, b: GoSumEntry): number {
  return (
    compareStrings(a.path, b.path) ||
    // Equal precedence (v1.0.0 and v1.0.0+meta) falls back to string order so
    // the output does not depend on the input order.
    compareSemver(a.version, b.version) ||
    compareStrings(a.version, b.version) ||
    Number(a.goMod) - Number(b.goMod) ||
    compareStrings(a.hash, b.hash)
  );
}

/**
 * Go string order: by UTF-8 bytes, which differs from UTF-16 order above
 * U+FFFF. Without surrogates (every module path, nearly every version) the
 * two orders agree, and sorting a large record must not copy two strings
 * into Buffers per comparison.
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  if (!SURROGATE.test(a) && !SURROGATE.test(b)) return a < b ? -1 : 1;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** Whether hash is `h1:` plus the padded base64 of exactly 32 bytes, canonically encoded. */
function isValidH1(hash: string): boolean {
  if (!H1.test(hash)) return false;
  const raw = Buffer.from(hash.slice(3), 'base64');
  return raw.length === 32 && raw.toString('base64') === hash.slice(3);
}
