/**
 * Which toolchain a project's `go` and `toolchain` lines make the go command
 * run (Go: toolchain.Select with GOTOOLCHAIN=auto). Pure.
 */
import { compareGoVersions, goVersionOfToolchain, isLangVersion } from './gover.js';

/** First Go release that switches toolchains; older go lines never make a client switch. */
const FIRST_SWITCHING = '1.21';

/** A project line that makes the go command switch, and the toolchain it switches to. */
export interface ProjectToolchain {
  /** The Go version of the toolchain run, e.g. `1.23.4`. */
  go: string;
  /** Which line decided: the `go` line or the `toolchain` line. */
  line: 'go' | 'toolchain';
  /** The line's value as written. */
  value: string;
}

/**
 * The toolchain a client older than the project switches to, as Select
 * decides it: the `toolchain` line when it is at least the go line, else the
 * go line, a language version meaning its first release (`go 1.22` needs
 * go1.22.0, golang.org/issue/62278). A client at or above that version runs
 * itself. `toolchain default` turns switching off; a go line below 1.21 asks
 * nothing of a client that can switch. A custom toolchain name
 * (`go1.21.1-bigcorp`) is found in PATH, never downloaded by a mirror.
 */
export function selectProjectToolchain(go: string | undefined, toolchain: string | undefined): ProjectToolchain | undefined {
  if (toolchain === 'default') return undefined;
  let best: ProjectToolchain | undefined;
  if (toolchain !== undefined) {
    const v = goVersionOfToolchain(toolchain);
    if (v !== '' && toolchain === `go${v}` && compareGoVersions(v, FIRST_SWITCHING) >= 0) {
      best = { go: v, line: 'toolchain', value: toolchain };
    }
  }
  // Go: the go line wins only when strictly above the toolchain line's version.
  if (go !== undefined && compareGoVersions(go, FIRST_SWITCHING) >= 0 && (!best || compareGoVersions(go, best.go) > 0)) {
    best = { go: isLangVersion(go) ? `${go}.0` : go, line: 'go', value: go };
  }
  return best;
}
