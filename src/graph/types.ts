import { goVersionAtLeast, type ModuleVersion } from '../modfile/index.js';

export type { ModuleVersion };

/**
 * What the module graph needs from one go.mod (the go command's
 * modFileSummary): its module line, go version and requirements.
 */
export interface ModSummary {
  readonly module?: string;
  readonly go?: string;
  readonly require: readonly ModuleVersion[];
}

/**
 * How far requirements are followed below a module (Go: modPruning). A go
 * 1.17+ go.mod lists every module its packages need, so the go command reads
 * no further than it; below go 1.17 it must read the whole graph beneath.
 */
export type Pruning = 'pruned' | 'unpruned';

/** Go: pruningForGoVersion. No go directive means unpruned. */
export function pruningFor(go: string | undefined): Pruning {
  return goVersionAtLeast(go, '1.17') ? 'pruned' : 'unpruned';
}

/** `path@version`, the key of a module version in maps and messages. */
export function versionKey(m: ModuleVersion): string {
  return `${m.path}@${m.version}`;
}

/** Where a module version's go.mod and files come from once replacements apply. */
export type Target =
  | { readonly kind: 'module'; readonly path: string; readonly version: string }
  /** A local-directory replacement: an absolute directory, never downloaded. */
  | { readonly kind: 'dir'; readonly dir: string };

/** Maps a required module version to its target (itself unless replaced). */
export type Replacer = (m: ModuleVersion) => Target;

/** The identity replacer, for graphs without a main module. */
export const noReplacement: Replacer = (m) => ({ kind: 'module', path: m.path, version: m.version });

/** The key under which a target's summary is stored: `path@version`, or `dir:<abs dir>`. */
export function targetKey(t: Target): string {
  return t.kind === 'dir' ? `dir:${t.dir}` : `${t.path}@${t.version}`;
}
