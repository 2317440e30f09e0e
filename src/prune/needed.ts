import { readFile } from 'node:fs/promises';
import { GomirrorError, isGomirrorError } from '../errors.js';
import type { ManifestModule, VulnerablePolicy } from '../manifest/index.js';
import { parseGoMod } from '../modfile/index.js';
import { isPseudoVersion, isValidSemver, pseudoVersionTime } from '../module/index.js';
import { resolveQueries } from '../mirror/index.js';
import type { TreeStore } from '../tree/index.js';
import type { UpstreamClient } from '../upstream/index.js';
import { parseGoSum } from '../gosum/index.js';
import { openVulnDbCopy, refuseLatestReasons } from '../vulndb/index.js';
import { readProjectInputs, toolchainEntries } from '../project/index.js';
import type { SyncConfig } from '../config/index.js';
import { TOOLCHAIN_MODULE } from '../toolchain/index.js';
import { letLoopTurn, type ModuleLookup } from './inventory.js';
import type { ModuleOnDisk } from './plan.js';

/** The manifest inputs, as sync reads them (sync-config.ts). */
export interface NeedInputs {
  modules: readonly ManifestModule[];
  gosum: readonly string[];
  gomod: readonly string[];
  /** Follow go.mod requirements: keep what kept versions require, when it is in the tree. */
  deps: boolean;
  /**
   * The sync policy: with `refuse-latest`, queries skip the versions sync
   * skips (by the tree's vulnerability database), so prune keeps the
   * version sync took instead.
   */
  vulnerable?: VulnerablePolicy;
  /** Toolchain queries and platforms; the go/toolchain lines of gomod files count too. */
  toolchains?: SyncConfig['toolchains'];
}

/**
 * The `module@version`s the inputs need now. Queries are resolved against
 * the tree itself, not the upstream: pruning must not depend on the network,
 * and must never drop the newest mirrored version in favour of a newer
 * upstream one that was not mirrored (yet). So `latest` keeps the newest
 * version in the tree, `>=v1.2.0` every version in the tree from v1.2.0 on.
 * Exact versions, go.sum lines and go.mod requirements are kept as named.
 * With deps, every requirement of a kept version's go.mod that is in the
 * tree is kept too (the whole graph, a superset of what MVS selects).
 * `onDisk` is the tree's modules, or a lookup that reads a module from disk
 * when asked (moduleLookup), so that nothing holds the whole tree.
 */
export async function findNeededVersions(
  inputs: NeedInputs,
  store: TreeStore,
  onDisk: readonly ModuleOnDisk[] | ModuleLookup,
): Promise<{ needed: Set<string>; warnings: string[] }> {
  const needed = new Set<string>();
  const warnings: string[] = [];
  const lookup = asLookup(onDisk);
  const tree = treeUpstream(store, lookup);
  const copy = inputs.vulnerable === 'refuse-latest' ? await openVulnDbCopy(store.layout.root) : undefined;
  const avoid = copy ? refuseLatestReasons(copy) : undefined;

  const roots: { module: string; version: string; where: string }[] = [];
  for (const m of inputs.modules) {
    const r = await resolveQueries(tree, m.path, m.queries, undefined, avoid);
    for (const v of r.versions) {
      needed.add(`${m.path}@${v}`);
      roots.push({ module: m.path, version: v, where: m.where });
    }
    for (const e of r.errors) warnings.push(`${e.message} (in the tree)`);
  }
  if (inputs.toolchains) {
    // The toolchains sync would mirror, resolved against the tree's own toolchains.
    const t = await toolchainEntries({
      toolchains: inputs.toolchains,
      project: await readProjectInputs(inputs.gomod, []),
      roots,
      deps: inputs.deps,
      loadMod: (p, v) => tree.mod(p, v),
      list: () => tree.list(TOOLCHAIN_MODULE),
    });
    for (const e of t.entries) needed.add(`${e.module}@${e.version}`);
    for (const { error } of t.errors) warnings.push(`${error.message} (in the tree)`);
  }
  for (const file of inputs.gosum) {
    for (const line of parseGoSum(await readInput(file, 'E_GOSUM'), file)) needed.add(`${line.path}@${line.version}`);
  }
  for (const file of inputs.gomod) {
    const gomod = parseGoMod(await readInput(file, 'E_GOMOD'), file);
    for (const r of gomod.require) needed.add(`${r.path}@${replacementOf(gomod.replace, r.path, r.version)}`);
  }
  if (inputs.deps) await addRequirements(store, lookup, needed);
  return { needed, warnings };
}

/** What a `replace` directive turns path@version into; a directory replacement keeps the original. */
function replacementOf(
  replaces: readonly { old: { path: string; version?: string }; new: { path: string; version?: string } }[],
  path: string,
  version: string,
): string {
  const r = replaces.find((x) => x.old.path === path && x.old.version === version) ?? replaces.find((x) => x.old.path === path && x.old.version === undefined);
  return r?.new.version !== undefined && r.new.path === path ? r.new.version : version;
}

/** Adds, transitively, the requirements of every needed version's .mod that are in the tree. */
async function addRequirements(store: TreeStore, lookup: ModuleLookup, needed: Set<string>): Promise<void> {
  const present = async (module: string, version: string): Promise<boolean> =>
    (await lookup(module))?.versions.some((v) => v.version === version) ?? false;
  const queue: string[] = [];
  for (const k of needed) {
    const at = k.lastIndexOf('@');
    if (await present(k.slice(0, at), k.slice(at + 1))) queue.push(k);
  }
  const seen = new Set(queue);
  while (queue.length > 0) {
    const key = queue.pop() as string;
    await letLoopTurn();
    const at = key.lastIndexOf('@');
    const [module, version] = [key.slice(0, at), key.slice(at + 1)];
    const mod = await store.read(store.layout.versionFile(module, version, 'mod'));
    if (!mod) continue;
    let requires: readonly { path: string; version: string }[];
    try {
      requires = parseGoMod(mod.toString('utf8'), `${key}.mod`, { lax: true }).require;
    } catch {
      continue; // verify reports a bad .mod; it requires nothing we can know of
    }
    for (const r of requires) {
      const dep = `${r.path}@${r.version}`;
      if (seen.has(dep) || !(await present(r.path, r.version))) continue;
      seen.add(dep);
      needed.add(dep);
      queue.push(dep);
    }
  }
}

/** The tree as a read-only proxy: list is the complete tagged versions on disk. */
function treeUpstream(store: TreeStore, lookup: ModuleLookup): UpstreamClient {
  const notFound = (what: string): GomirrorError => new GomirrorError('E_NOT_FOUND', `${what}: not in the tree`);
  const get = async (file: string, what: string): Promise<Buffer> => {
    const data = await store.read(file);
    if (!data) throw notFound(what);
    return data;
  };
  return {
    async list(m) {
      const entry = await lookup(m);
      if (!entry) throw notFound(`${m}: list`);
      return entry.versions
        .filter((v) => v.files.length === 3 && isValidSemver(v.version) && !isPseudoVersion(v.version))
        .map((v) => v.version);
    },
    async latest(m) {
      const data = await store.read(store.layout.latestFile(m));
      if (data) return data;
      // No @latest file: the newest complete pseudo-version, as the go command's fallback picks it.
      const pseudo = ((await lookup(m))?.versions ?? []).filter((v) => v.files.length === 3 && isPseudoVersion(v.version));
      pseudo.sort((a, b) => pseudoVersionTime(b.version).getTime() - pseudoVersionTime(a.version).getTime());
      const newest = pseudo[0];
      if (!newest) throw notFound(`${m}@latest`);
      return get(store.layout.versionFile(m, newest.version, 'info'), `${m}@${newest.version}: .info`);
    },
    info: (m, v) => get(store.layout.versionFile(m, v, 'info'), `${m}@${v}: .info`),
    mod: (m, v) => get(store.layout.versionFile(m, v, 'mod'), `${m}@${v}: .mod`),
    zip: (m, v) => Promise.reject(new GomirrorError('E_INTERNAL', `${m}@${v}: prune never reads zips`)),
  };
}

function asLookup(onDisk: readonly ModuleOnDisk[] | ModuleLookup): ModuleLookup {
  if (typeof onDisk === 'function') return onDisk;
  const byModule = new Map(onDisk.map((m) => [m.module, m]));
  return (module) => Promise.resolve(byModule.get(module));
}

async function readInput(file: string, code: 'E_GOSUM' | 'E_GOMOD'): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if (isGomirrorError(err)) throw err;
    throw new GomirrorError(code, `${file}: cannot read: ${(err as Error).message}`);
  }
}
