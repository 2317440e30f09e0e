/**
 * Toolchain queries of a manifest (`go1.23.4`, `go1.22`, `latest`,
 * `go1.24rc1`) resolved as `go get go@<query>` resolves them (Go:
 * modload.queryProxy on the synthesized "go" module, whose versions
 * modfetch/toolchain.go derives from the golang.org/toolchain list), and the
 * toolchain a switch picks (Go: toolchain.newerToolchain). Pure.
 */
import { GomirrorError } from '../errors.js';
import { compareGoVersions, goLang, isLangVersion, isPrereleaseGoVersion, isValidGoVersion, sortGoVersions } from './gover.js';

/** A parsed toolchain query. */
export type ToolchainQuery =
  /** One release or pre-release, e.g. `1.23.4`, `1.24rc1`, `1.20` (a release before Go 1.21). */
  | { kind: 'exact'; go: string }
  /** A language version from Go 1.21 on, e.g. `1.22`: the newest `1.22.x` release. */
  | { kind: 'lang'; lang: string }
  /** The newest release. */
  | { kind: 'latest' };

/**
 * Parses `latest`, `go1.23.4` or `1.23.4` (Go accepts both spellings for the
 * go and toolchain modules). Throws E_QUERY.
 */
export function parseToolchainQuery(text: string): ToolchainQuery {
  if (text === 'latest') return { kind: 'latest' };
  const v = text.startsWith('go') ? text.slice(2) : text;
  if (!isValidGoVersion(v)) {
    throw new GomirrorError('E_QUERY', `invalid toolchain version "${text}"`, {
      hint: 'Use a Go version such as go1.23.4, go1.22 (its newest release), go1.24rc1, or latest',
    });
  }
  return isLangVersion(v) ? { kind: 'lang', lang: v } : { kind: 'exact', go: v };
}

/**
 * The Go version a query picks from `available` (Go versions without the `go`
 * prefix), or undefined when none matches. `latest` and a language version
 * prefer releases and fall back to pre-releases only when no release matches,
 * as Go's query matcher does; a language version's prefix (`1.22.`) never
 * matches its release candidates (`1.22rc1`), so those come only when named.
 */
export function resolveToolchainQuery(query: ToolchainQuery, available: Iterable<string>): string | undefined {
  const sorted = sortGoVersions(new Set(available));
  if (query.kind === 'exact') return sorted.includes(query.go) ? query.go : undefined;
  const matches =
    query.kind === 'latest'
      ? sorted.filter((v) => isValidGoVersion(v))
      : sorted.filter((v) => (v.startsWith(`${query.lang}.`) || v === query.lang) && compareGoVersions(v, query.lang) >= 0);
  const releases = matches.filter((v) => !isPrereleaseGoVersion(v));
  return releases.at(-1) ?? matches.at(-1);
}

/**
 * Go: toolchain.newerToolchain. The toolchain a go command switches to when
 * a module needs Go `need` (a dependency's go line): among versions >= need,
 * the newest patch release of the family before the newest release family
 * (if the newest family is 1.40 and 1.39.x will do, 1.39.x), else the newest.
 * Returns the Go version, or undefined when nothing is new enough.
 */
export function newerToolchain(need: string, available: Iterable<string>): string | undefined {
  const list = sortGoVersions(new Set(available));
  let latest = '';
  for (let i = list.length - 1; i >= 0; i--) {
    const v = list[i] as string;
    if (compareGoVersions(v, need) < 0) break;
    if (goLang(latest) === goLang(v)) continue;
    const newer = latest;
    latest = v;
    if (newer !== '' && !isPrereleaseGoVersion(newer)) break;
  }
  return latest === '' ? undefined : latest;
}
