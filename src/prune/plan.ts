import { compareSemver, isPseudoVersion, isValidSemver, pseudoVersionTime, sortVersions } from '../module/index.js';
import { TOOLCHAIN_MODULE, listableToolchainVersions } from '../toolchain/index.js';

/** One module version found on disk. */
export interface VersionOnDisk {
  version: string;
  /** Which of .info, .mod, .zip exist. */
  files: ('info' | 'mod' | 'zip')[];
  /** The newest modification time of its files (ms). */
  mtimeMs: number;
  bytes: number;
}

/** One module directory found on disk. */
export interface ModuleOnDisk {
  module: string;
  versions: VersionOnDisk[];
  /** The Version named by `@latest`, if the file exists (null when it does not parse). */
  latest?: string | null;
}

/** What prune does to one module that loses versions. */
export interface ModulePrunePlan {
  module: string;
  remove: VersionOnDisk[];
  keep: VersionOnDisk[];
  /** Kept only because they are younger than --keep-days. */
  keptByAge: string[];
  /** The new `@v/list`: the kept complete tagged versions, semver order. */
  list: string;
  /** What becomes of `@latest`: left alone, deleted, or replaced by this version's .info. */
  latest: { action: 'keep' } | { action: 'delete' } | { action: 'write'; version: string };
  /** No version is left: the module's files and directories go. */
  empty: boolean;
}

export interface PrunePlan {
  /** Only modules that lose something, sorted by path. */
  modules: ModulePrunePlan[];
  removedVersions: number;
  keptVersions: number;
  freedBytes: number;
}

export interface PrunePolicy {
  /** `module@version` strings some manifest input needs. */
  needed: ReadonlySet<string>;
  /** Versions whose files are younger than this are kept (0: no age rule). */
  keepDays: number;
  now: number;
  /** golang.org/toolchain's list names only Go versions complete for all of these (sync's rule). */
  toolchainPlatforms?: readonly string[];
}

const DAY_MS = 86_400_000;

/**
 * Decides what to remove (pure): every version on disk that no input needs
 * and that is not younger than keepDays. For each module that loses versions
 * it also computes the new list and `@latest`, so they can be rewritten before
 * anything is deleted.
 */
export function planPrune(modules: readonly ModuleOnDisk[], policy: PrunePolicy): PrunePlan {
  const plan: PrunePlan = { modules: [], removedVersions: 0, keptVersions: 0, freedBytes: 0 };
  for (const m of modules) {
    const one = planModule(m, policy);
    plan.keptVersions += one.kept;
    if (!one.plan) continue;
    plan.removedVersions += one.plan.remove.length;
    plan.freedBytes += one.freedBytes;
    plan.modules.push(one.plan);
  }
  plan.modules.sort((a, b) => (a.module < b.module ? -1 : a.module > b.module ? 1 : 0));
  return plan;
}

/** planPrune for one module (pure): its plan when it loses versions, and its counts. */
export function planModule(m: ModuleOnDisk, policy: PrunePolicy): { plan?: ModulePrunePlan; kept: number; freedBytes: number } {
  const keep: VersionOnDisk[] = [];
  const remove: VersionOnDisk[] = [];
  const keptByAge: string[] = [];
  for (const v of m.versions) {
    if (policy.needed.has(`${m.module}@${v.version}`)) keep.push(v);
    else if (policy.keepDays > 0 && policy.now - v.mtimeMs < policy.keepDays * DAY_MS) {
      keep.push(v);
      keptByAge.push(v.version);
    } else remove.push(v);
  }
  if (remove.length === 0) return { kept: keep.length, freedBytes: 0 };
  const complete = keep.filter((v) => v.files.length === 3).map((v) => v.version);
  let tagged = sortVersions(complete.filter((v) => isValidSemver(v) && !isPseudoVersion(v)));
  if (m.module === TOOLCHAIN_MODULE && policy.toolchainPlatforms) tagged = listableToolchainVersions(tagged, policy.toolchainPlatforms);
  return {
    kept: keep.length,
    freedBytes: remove.reduce((n, v) => n + v.bytes, 0),
    plan: {
      module: m.module,
      remove: sortByVersion(remove),
      keep: sortByVersion(keep),
      keptByAge: sortVersions(keptByAge),
      list: tagged.map((v) => `${v}\n`).join(''),
      latest: planLatest(m, tagged, complete),
      empty: keep.length === 0,
    },
  };
}

/** `@latest` exists only for modules with no tagged version, and must name a complete version (as rebuildIndex keeps it). */
function planLatest(m: ModuleOnDisk, tagged: string[], complete: string[]): ModulePrunePlan['latest'] {
  if (tagged.length > 0) return m.latest === undefined ? { action: 'keep' } : { action: 'delete' };
  if (m.latest && complete.includes(m.latest)) return { action: 'keep' };
  const pseudo = complete.filter((v) => isPseudoVersion(v));
  pseudo.sort((a, b) => pseudoVersionTime(b).getTime() - pseudoVersionTime(a).getTime() || compareSemver(b, a));
  const newest = pseudo[0];
  if (newest !== undefined) return { action: 'write', version: newest };
  return m.latest === undefined ? { action: 'keep' } : { action: 'delete' };
}

function sortByVersion(vs: VersionOnDisk[]): VersionOnDisk[] {
  return vs.sort((a, b) => compareSemver(a.version, b.version));
}
