/**
 * Which platforms' toolchains a mirror carries. Pure: the host is passed in.
 */
import { isValidPlatform } from './dl-version.js';

/** The go command checks this platform's file for `go get go@X` on every host (modfetch toolchainRepo.Stat). */
export const REQUIRED_PLATFORM = 'linux-amd64';

// Node's process.platform / process.arch → GOOS / GOARCH, where they differ.
const GOOS: Record<string, string> = { win32: 'windows', sunos: 'solaris' };
const GOARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm: 'arm', arm64: 'arm64', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64' };

/** The host's platform in Go's spelling (`linux-amd64`), or undefined when Go has no name for it. */
export function goPlatformOf(nodePlatform: string, nodeArch: string): string | undefined {
  const goos = GOOS[nodePlatform] ?? nodePlatform;
  const goarch = GOARCH[nodeArch];
  if (goarch === undefined) return undefined;
  const p = `${goos}-${goarch}`;
  return isValidPlatform(p) ? p : undefined;
}

/**
 * The configured platforms: the given list (or linux-amd64 and the host's),
 * always with linux-amd64, without duplicates, sorted.
 */
export function toolchainPlatforms(configured: readonly string[] | undefined, host: string | undefined): string[] {
  const set = new Set([REQUIRED_PLATFORM, ...(configured ?? (host ? [host] : []))]);
  return [...set].sort();
}
