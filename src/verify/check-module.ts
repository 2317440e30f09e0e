import { isGomirrorError } from '../errors.js';
import { checkModuleVersion, escapeVersion, unescapePath, unescapeVersion } from '../module/index.js';
import { parseInfo } from '../mirror/index.js';
import type { TreeStore } from '../tree/index.js';
import type { ModuleSums } from '../gosum/index.js';
import { checkModuleZip } from '../modzip/index.js';
import { hashGoMod } from '../dirhash/index.js';
import { readToolchainPlatforms } from '../tree/index.js';
import { TOOLCHAIN_MODULE, listableToolchainVersions, parseToolchainModuleVersion } from '../toolchain/index.js';
import { compareListWithDisk, type TreeProblem, type TreeWarning } from './problems.js';
import type { ModuleDir } from './scan.js';

export interface ModuleCheckContext {
  store: TreeStore;
  /** The module's recorded hashes (see openSumsByModule). */
  sums: ModuleSums;
  /** Bounds the zip checks across all modules. */
  limit: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Bounds the versions checked at once (open files) across all modules. */
  versionLimit: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Called once per version checked. */
  onVersion?: (ok: boolean, zipBytes: number) => void;
  /** Zip checking, e.g. on worker threads; default checkModuleZip on this thread. */
  checkZip?: typeof checkModuleZip;
}

/** The verdict on one module directory. */
export interface ModuleCheck {
  module: string | undefined;
  versions: number;
  problems: TreeProblem[];
  warnings: TreeWarning[];
}

interface VersionFiles {
  version: string;
  base: string;
  info: boolean;
  mod: boolean;
  zip: boolean;
}

/**
 * Checks one `<module>/@v` directory: every listed version complete, list
 * equal to the complete tagged versions on disk, `@latest` naming a complete
 * version, each .info naming its version, each .mod and .zip matching its
 * recorded hash, each zip passing the module zip rules.
 */
export async function checkModuleDir(ctx: ModuleCheckContext, dir: ModuleDir): Promise<ModuleCheck> {
  const problems: TreeProblem[] = [];
  const warnings: TreeWarning[] = [];
  const at = (name: string): string => `${dir.escaped}/@v/${name}`;
  let module: string;
  try {
    module = unescapePath(dir.escaped);
  } catch (err) {
    problems.push({ file: `${dir.escaped}/@v`, kind: 'path', message: (err as Error).message });
    return { module: undefined, versions: 0, problems, warnings };
  }

  const versions = new Map<string, VersionFiles>();
  for (const name of dir.names) {
    const m = /^(.+)\.(info|mod|zip)$/.exec(name);
    if (!m) {
      if (name !== 'list') warnings.push({ file: at(name), message: 'unexpected file in a GOPROXY tree' });
      continue;
    }
    const [, base = '', ext = ''] = m;
    let version: string;
    try {
      version = unescapeVersion(base);
      checkModuleVersion(module, version);
    } catch (err) {
      problems.push({ file: at(name), kind: 'path', module, message: (err as Error).message });
      continue;
    }
    const v = versions.get(version) ?? { version, base, info: false, mod: false, zip: false };
    v[ext as 'info' | 'mod' | 'zip'] = true;
    versions.set(version, v);
  }
  const complete = [...versions.values()].filter((v) => v.info && v.mod && v.zip).map((v) => v.version);
  const reportedMissing = new Set<string>();
  const missing = (v: VersionFiles, why: string): void => {
    for (const ext of ['mod', 'zip', 'info'] as const) {
      if (v[ext] || reportedMissing.has(at(`${v.base}.${ext}`))) continue;
      reportedMissing.add(at(`${v.base}.${ext}`));
      problems.push({ file: at(`${v.base}.${ext}`), kind: 'missing', module, version: v.version, message: `missing: ${why}` });
    }
  };

  // list
  const list = dir.names.has('list') ? await ctx.store.read(ctx.store.layout.listFile(module)) : undefined;
  if (list === undefined) {
    if (complete.length > 0) problems.push({ file: at('list'), kind: 'list', module, message: 'missing, while complete versions are on disk' });
  } else {
    const cmp = compareListWithDisk(list.toString('utf8'), complete);
    for (const v of cmp.missing) {
      const files = versions.get(v) ?? { version: v, base: escapeVersion(v), info: false, mod: false, zip: false };
      missing(files, `${module}@${v} is named by @v/list`);
    }
    const unlisted = module === TOOLCHAIN_MODULE ? await listableToolchains(ctx.store, list.toString('utf8'), cmp.unlisted) : cmp.unlisted;
    if (unlisted.length > 0) {
      problems.push({ file: at('list'), kind: 'list', module, message: `does not name ${unlisted.join(', ')}, complete on disk` });
    }
    if (cmp.invalid.length > 0) {
      problems.push({ file: at('list'), kind: 'list', module, message: `lines that are not versions: ${cmp.invalid.join(', ')}` });
    }
  }

  // @latest
  if (dir.hasLatest) {
    const file = `${dir.escaped}/@latest`;
    const data = await ctx.store.read(ctx.store.layout.latestFile(module));
    try {
      const info = parseInfo(data ?? Buffer.alloc(0), file);
      if (!complete.includes(info.Version)) {
        problems.push({ file, kind: 'latest', module, message: `names ${info.Version}, which is not complete on disk` });
      }
    } catch (err) {
      problems.push({ file, kind: 'latest', module, message: (err as Error).message });
    }
  }

  // Each version: a version with .info claims to be complete.
  await Promise.all(
    [...versions.values()].map((v) => ctx.versionLimit(async () => {
      const before = problems.length;
      // sync mirrors versions that no build needs the zip of as .info + .mod
      // only, recording the go.mod hash and no zip hash: those are complete.
      const modOnly = v.mod && !v.zip && ctx.sums.get(module, v.version, true) !== undefined && ctx.sums.get(module, v.version, false) === undefined;
      if (v.info) {
        if (!modOnly) missing(v, `${module}@${v.version} has a .info, so it must be complete`);
      } else warnings.push({ file: at(`${v.base}.info`), message: `${module}@${v.version} is incomplete (no .info): left by an interrupted sync; the next sync completes it` });
      const zipBytes = await checkVersionFiles(ctx, module, v, v.info, at, problems);
      ctx.onVersion?.(problems.length === before, zipBytes);
    })),
  );
  return { module, versions: versions.size, problems, warnings };
}

async function checkVersionFiles(
  ctx: ModuleCheckContext,
  module: string,
  v: VersionFiles,
  claimsComplete: boolean,
  at: (name: string) => string,
  problems: TreeProblem[],
): Promise<number> {
  const { store, sums } = ctx;
  const { version } = v;
  const add = (ext: string, kind: TreeProblem['kind'], message: string): void => {
    problems.push({ file: at(`${v.base}.${ext}`), kind, module, version, message });
  };
  if (v.info) {
    const info = await store.read(store.layout.versionFile(module, version, 'info'));
    try {
      parseInfo(info ?? Buffer.alloc(0), '.info', version);
    } catch (err) {
      add('info', 'info', (err as Error).message.replace(/^\.info: /, ''));
    }
  }
  let goMod: Buffer | undefined;
  if (v.mod) {
    const mod = await store.read(store.layout.versionFile(module, version, 'mod'));
    const recorded = sums.get(module, version, true);
    const actual = hashGoMod(mod ?? Buffer.alloc(0));
    if (recorded === undefined) {
      if (claimsComplete) add('mod', 'unrecorded', `no hash recorded in .gomirror/go.sum (file has ${actual})`);
    } else if (recorded !== actual) {
      const what = mod?.length === 0 ? 'the file is empty' : `file has ${actual}`;
      add('mod', 'checksum', `checksum mismatch: ${what}, .gomirror/go.sum has ${recorded}`);
    } else {
      goMod = mod;
    }
  }
  if (!v.zip) return 0;
  const zipFile = store.layout.versionFile(module, version, 'zip');
  return ctx.limit(async () => {
    try {
      // The zip's go.mod is compared with the .mod only when the .mod itself is genuine.
      const summary = await (ctx.checkZip ?? checkModuleZip)(zipFile, { modulePath: module, version, ...(goMod ? { goMod } : {}) });
      const recorded = sums.get(module, version, false);
      if (recorded === undefined) {
        if (claimsComplete) add('zip', 'unrecorded', `no hash recorded in .gomirror/go.sum (file has ${summary.h1})`);
      } else if (recorded !== summary.h1) {
        add('zip', 'checksum', `checksum mismatch: file has ${summary.h1}, .gomirror/go.sum has ${recorded}`);
      }
      return summary.size;
    } catch (err) {
      if (!isGomirrorError(err)) throw err;
      add('zip', 'zip', err.message.replace(`${zipFile}: `, ''));
      return 0;
    }
  });
}

/**
 * The unlisted toolchain versions the list should name: a Go version missing
 * one of the tree's platforms stays out of golang.org/toolchain's list on
 * purpose (sync's rule). The platforms are the ones sync recorded, else those
 * the list itself names (a tree that came in a bundle has no state).
 */
async function listableToolchains(store: TreeStore, listText: string, unlisted: string[]): Promise<string[]> {
  const listed = listText.split('\n').map((l) => l.trim()).filter(Boolean);
  const platforms =
    (await readToolchainPlatforms(store.layout)) ??
    [...new Set(listed.flatMap((v) => parseToolchainModuleVersion(v)?.platform ?? []))];
  // Judged together with what is listed: a version is listable when its Go version is complete on every platform.
  const ok = new Set(listableToolchainVersions([...listed, ...unlisted], platforms));
  return unlisted.filter((v) => ok.has(v));
}
