/**
 * The golang.org/toolchain versions a sync adds to its plan: the configured
 * toolchain queries, the toolchain each project's go/toolchain line makes the
 * go command switch to, and for manifest roots followed with deps the
 * toolchain a switch picks when a project requiring them needs a newer Go.
 */
import { GomirrorError, isGomirrorError } from '../errors.js';
import type { PlanEntry } from '../graph/index.js';
import { parseGoMod, type GoModFile, type GoWorkFile } from '../modfile/index.js';
import { TOOLCHAIN_MODULE, compareGoVersions, needsToolchainList, planToolchains, selectProjectToolchain, type ToolchainRequest } from '../toolchain/index.js';
import type { SyncConfig } from '../config/index.js';
import type { ProjectInputs } from './inputs.js';

/** A Go release that can switch toolchains; dependencies asking for less never make a client switch. */
export const FIRST_SWITCHING = '1.21';

export interface ToolchainEntriesOptions {
  toolchains: SyncConfig['toolchains'];
  project: Pick<ProjectInputs, 'mains' | 'workspaces'>;
  /** Manifest roots (resolved to versions); their go lines count when deps are followed. */
  roots: readonly { module: string; version: string }[];
  deps: boolean;
  loadMod: (path: string, version: string) => Promise<Buffer>;
  /** A root's go line when the caller already read its go.mod (null: it has none), else undefined (then loadMod reads it). */
  goLineOf?: (path: string, version: string) => string | null | undefined;
  /** The upstream's golang.org/toolchain `@v/list`. */
  list: () => Promise<string[]>;
}

/** Plan entries for every toolchain asked for, and the requests that found none (errors of golang.org/toolchain). */
export async function toolchainEntries(opts: ToolchainEntriesOptions): Promise<{ entries: PlanEntry[]; errors: { module: string; error: GomirrorError }[] }> {
  const requests: ToolchainRequest[] = opts.toolchains.queries.map((q) => ({ kind: 'query', query: q.query, text: q.text, where: q.where }));
  requests.push(...projectRequests(opts.project));
  const errors: { module: string; error: GomirrorError }[] = [];
  if (opts.deps) {
    for (const r of opts.roots) {
      if (r.module === TOOLCHAIN_MODULE) continue;
      // A sync of 100,000 versions has read every root's go.mod for the closure already: not again, one at a time.
      let go = opts.goLineOf?.(r.module, r.version);
      if (go === undefined) {
        try {
          go = parseGoMod((await opts.loadMod(r.module, r.version)).toString('utf8'), `${r.module}@${r.version}.mod`, { lax: true }).go ?? null;
        } catch {
          // The version's own mirroring reports a bad or missing .mod.
          continue;
        }
      }
      if (go !== null && compareGoVersions(go, FIRST_SWITCHING) > 0) {
        requests.push({ kind: 'dependency', need: go, where: `${r.module}@${r.version} go.mod: go ${go}` });
      }
    }
  }
  if (requests.length === 0) return { entries: [], errors };
  let list: string[] | undefined;
  if (needsToolchainList(requests)) {
    try {
      list = await opts.list();
    } catch (err) {
      if (!isGomirrorError(err)) throw err;
      errors.push({ module: TOOLCHAIN_MODULE, error: new GomirrorError(err.code, `toolchains: ${err.message}`, { cause: err, hint: err.hint }) });
    }
  }
  const plan = planToolchains(requests, opts.toolchains.platforms, list);
  if (list) {
    for (const u of plan.unmatched) errors.push({ module: TOOLCHAIN_MODULE, error: new GomirrorError('E_NOT_FOUND', `${u.where}: ${u.message}`) });
  }
  const entries: PlanEntry[] = plan.picks.map((p) => ({ module: TOOLCHAIN_MODULE, version: p.version, zip: 'required', source: 'root', from: p.where }));
  return { entries, errors };
}

/**
 * What the go command reads at start-up (toolchain.Select): a main module's
 * go.mod, or in a workspace the go.work file. A workspace module whose go
 * line is newer than go.work's counts too: the go command refuses that
 * workspace until `go work use` raises go.work's line to it.
 */
function projectRequests(project: Pick<ProjectInputs, 'mains' | 'workspaces'>): ToolchainRequest[] {
  const out: ToolchainRequest[] = [];
  const fromFile = (f: Pick<GoModFile | GoWorkFile, 'file' | 'go' | 'toolchain' | 'lines'>): void => {
    const t = selectProjectToolchain(f.go, f.toolchain);
    if (!t) return;
    const line = t.line === 'go' ? f.lines?.go : f.lines?.toolchain;
    out.push({ kind: 'project', go: t.go, where: `${f.file}${line ? `:${line}` : ''}: ${t.line} ${t.value}` });
  };
  for (const m of project.mains) fromFile(m.gomod);
  for (const w of project.workspaces) {
    fromFile(w.work);
    for (const m of w.modules) {
      // Only the go line: a workspace module's toolchain line is ignored in workspace mode.
      const { file, go, lines } = m.gomod;
      if (go !== undefined && compareGoVersions(go, w.work.go ?? '0') > 0) fromFile({ file, go, ...(lines ? { lines } : {}) });
    }
  }
  return out;
}
