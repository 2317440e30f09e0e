/**
 * The downloadable toolchain module (Go: modfetch/toolchain.go, "the DL
 * repo"): `golang.org/toolchain` at `v0.0.1-go<version>.<goos>-<goarch>`,
 * one module version per Go release and platform. Pure.
 */

/** The module path the go command downloads toolchains from. */
export const TOOLCHAIN_MODULE = 'golang.org/toolchain';

/** Go: gotoolchainVersion, the packaging version every toolchain module version starts with. */
const PACKAGING = 'v0.0.1';

/** A platform as the go command names it in module versions: `linux-amd64`. */
const PLATFORM = /^[a-z0-9]+-[a-z0-9]+$/;

export function isValidPlatform(p: string): boolean {
  return PLATFORM.test(p);
}

/** `go1.23.4` (or `1.23.4`) on `linux-amd64` → `v0.0.1-go1.23.4.linux-amd64`. */
export function toolchainModuleVersion(goVersion: string, platform: string): string {
  return `${PACKAGING}-go${goVersion.replace(/^go/, '')}.${platform}`;
}

/**
 * Go: dlToGo. `v0.0.1-go1.19.7.windows-amd64` → `{ go: '1.19.7', platform:
 * 'windows-amd64' }`; undefined for a version that does not name a platform.
 * The Go version may carry a custom suffix (`1.21.1-bigcorp`); it is not
 * validated here, as Go keeps such entries and sorts them lowest.
 */
export function parseToolchainModuleVersion(v: string): { go: string; platform: string } | undefined {
  const dash = v.indexOf('-');
  if (dash < 0) return undefined;
  const rest = v.slice(dash + 1);
  const dot = rest.lastIndexOf('.');
  if (dot < 0 || !rest.slice(dot + 1).includes('-')) return undefined;
  return { go: rest.slice(0, dot).replace(/^go/, ''), platform: rest.slice(dot + 1) };
}

/**
 * The Go versions of a `golang.org/toolchain` list that exist for every one of
 * `platforms`, oldest first is not promised: in the order first seen. The go
 * command picks a Go version from the list without looking at platforms, so a
 * mirror may only offer versions that every configured platform can download.
 */
export function goVersionsOnEveryPlatform(moduleVersions: Iterable<string>, platforms: readonly string[]): string[] {
  const byGo = new Map<string, Set<string>>();
  for (const mv of moduleVersions) {
    const p = parseToolchainModuleVersion(mv);
    if (!p) continue;
    let set = byGo.get(p.go);
    if (!set) byGo.set(p.go, (set = new Set()));
    set.add(p.platform);
  }
  return [...byGo].filter(([, have]) => platforms.every((p) => have.has(p))).map(([go]) => go);
}

/**
 * The `golang.org/toolchain` module versions a tree's `@v/list` may name:
 * those of Go versions complete for every configured platform. Versions that
 * do not name a platform are kept (nothing to judge them by).
 */
export function listableToolchainVersions(moduleVersions: readonly string[], platforms: readonly string[]): string[] {
  const ok = new Set(goVersionsOnEveryPlatform(moduleVersions, platforms));
  return moduleVersions.filter((mv) => {
    const p = parseToolchainModuleVersion(mv);
    return p === undefined || ok.has(p.go);
  });
}
