/**
 * Will this client switch toolchains for the project here, and does the
 * mirror hold the toolchain it would download? A go command of Go 1.21 or
 * later with GOTOOLCHAIN=auto runs the toolchain a go.mod or go.work asks
 * for when it is newer than itself (Go: toolchain.Select), downloading
 * golang.org/toolchain@v0.0.1-go<version>.<goos>-<goarch> from GOPROXY and
 * checking it against the checksum database even with GOSUMDB=off.
 */
import { escapeVersion } from '../module/index.js';
import { TOOLCHAIN_MODULE, compareGoVersions, goVersionOfToolchain, selectProjectToolchain, toolchainModuleVersion } from '../toolchain/index.js';
import type { HttpCheckContext } from './http-checks.js';
import type { CheckResult } from './types.js';

/** The project file the go command reads at start-up: go.work, else go.mod. */
export interface DoctorProject {
  file: string;
  go?: string;
  toolchain?: string;
  lines?: { go?: number; toolchain?: number };
}

/** The local go command, as `go env` reports it. */
export interface DoctorGoClient {
  /** GOVERSION, e.g. `go1.22.12`. */
  version: string;
  /** GOOS-GOARCH, e.g. `linux-amd64`. */
  platform: string;
  /** GOTOOLCHAIN as the client reads it (environment or `go env -w`). */
  gotoolchain: string;
}

/**
 * The `toolchain` check. ok: no switch, or the mirror serves the toolchain;
 * fail: the client will try to download a toolchain the mirror does not have
 * (or cannot verify it: GOSUMDB=off); skip: the client does not switch.
 */
export async function checkToolchain(
  ctx: HttpCheckContext,
  project: DoctorProject,
  client: DoctorGoClient,
  sumdb: string | undefined,
): Promise<CheckResult> {
  const base = { id: 'toolchain', title: 'toolchain switch' };
  const local = goVersionOfToolchain(client.version);
  if (local === '' || compareGoVersions(local, '1.21') < 0) {
    return { ...base, status: 'skip', detail: `not run: ${client.version} does not switch toolchains (Go 1.21 and later do)` };
  }
  const mode = client.gotoolchain;
  const [min, suffix] = mode.split('+');
  if (!(mode === 'auto' || suffix === 'auto')) {
    return { ...base, status: 'skip', detail: `not run: GOTOOLCHAIN=${mode} never downloads a toolchain` };
  }
  // GOTOOLCHAIN=go1.X+auto: go1.X is the floor instead of the local go.
  const floor = min !== 'auto' && min !== 'local' && min !== undefined && goVersionOfToolchain(min) !== '' ? goVersionOfToolchain(min) : local;
  const want = selectProjectToolchain(project.go, project.toolchain);
  const at = (n: number | undefined): string => `${project.file}${n ? `:${n}` : ''}`;
  if (!want || compareGoVersions(want.go, floor) <= 0) {
    const what = project.go ? `${at(project.lines?.go)} says go ${project.go}` : `${project.file} has no go line`;
    return { ...base, status: 'ok', detail: `no switch: ${what}, and go${floor} runs it` };
  }
  const line = at(want.line === 'go' ? project.lines?.go : project.lines?.toolchain);
  const version = toolchainModuleVersion(want.go, client.platform);
  const why = `${line} (${want.line} ${want.value}) makes ${client.version} switch to go${want.go}`;
  const url = `${ctx.base}/${TOOLCHAIN_MODULE}/@v/${encodeURIComponent(escapeVersion(version))}.info`;
  let status: number;
  try {
    status = (await ctx.probes.get(url, { timeoutMs: ctx.timeoutMs, maxBytes: 4096, ...(ctx.via ? { via: ctx.via } : {}), ...(ctx.authorization ? { authorization: ctx.authorization } : {}) })).status;
  } catch (err) {
    return { ...base, status: 'fail', detail: `${why}; asking the mirror for ${TOOLCHAIN_MODULE}@${version} failed: ${(err as Error).message}` };
  }
  if (status !== 200) {
    return {
      ...base,
      status: 'fail',
      detail: `${why}, but the mirror does not hold ${TOOLCHAIN_MODULE}@${version} (HTTP ${status})`,
      fix:
        `Mirror it: add "go${want.go}" to the manifest's toolchains.versions (with platform ${client.platform}), or sync with --gomod ${project.file}. ` +
        `Or install go${want.go} yourself and run with GOTOOLCHAIN=local.`,
    };
  }
  if (sumdb === undefined) {
    return {
      ...base,
      status: 'fail',
      detail: `${why}; the mirror holds it, but the go command verifies toolchains with the checksum database even with GOSUMDB=off, so the download will fail`,
      fix: 'Set GOSUMDB to the database the mirror publishes (e.g. sum.golang.org, served by the mirror under /sumdb/).',
    };
  }
  return { ...base, status: 'ok', detail: `${why}: the mirror holds ${TOOLCHAIN_MODULE}@${version}` };
}
