/**
 * A module's catalog page as data for templates/catalog/module.hbs (pure):
 * its versions newest first with date, zip size, .mod-only and retraction,
 * the deprecation and requirements of its latest go.mod, the license files
 * and README of its latest zip.
 */
import { findRetraction, parseGoMod, type GoModFile } from '../modfile/index.js';
import { escapePath, isPseudoVersion, isValidSemver, selectVersions, semverPrerelease, sortVersions } from '../module/index.js';
import { formatBytes } from '../bytes.js';
import { detectLicenses } from './license.js';
import { renderPlainReadme, renderReadme } from './markdown.js';

/** Where the catalog lives in the tree. */
export const CATALOG_DIR = '_catalog';

/** One version found in a module's @v directory. */
export interface VersionData {
  readonly version: string;
  /** `.info`'s Time. */
  readonly time?: string;
  /** Size of the zip; undefined when the version is mirrored as .info + .mod only. */
  readonly zipBytes?: number;
  /** Bytes of its files (.info, .mod, .zip). */
  readonly bytes: number;
  /** When its files were written into the tree (ms since the epoch). */
  readonly writtenMs: number;
}

/** What was read of one module (scan.ts). */
export interface ModuleData {
  readonly path: string;
  readonly versions: readonly VersionData[];
  /** The version `latest` picks (its go.mod decides retraction and deprecation), and that go.mod's text. */
  readonly latest?: string;
  readonly latestMod?: string;
  /** From the zip of the newest version that has one. */
  readonly zip?: {
    readonly version: string;
    readonly readme?: { readonly name: string; readonly text: string };
    readonly licenses: readonly { readonly name: string; readonly text: string }[];
  };
}

/** The catalog page of a module, relative to the tree root. */
export function modulePagePath(modulePath: string): string {
  // "@" never occurs in a module path, so no module's directory can clash with the page.
  return `${CATALOG_DIR}/m/${escapePath(modulePath)}/@index.html`;
}

/** The relative prefix from a page to the tree root (`../../` or ''). */
export function baseOf(pagePath: string): string {
  return '../'.repeat(pagePath.split('/').length - 1);
}

/**
 * The version whose go.mod holds the module's retractions and deprecation:
 * what `latest` picks among the versions with a zip, ignoring retractions
 * (Go: modload queryLatestVersionIgnoringRetractions), else the highest one.
 */
export function pickLatest(modulePath: string, versions: readonly VersionData[]): string | undefined {
  const zipped = versions.filter((v) => v.zipBytes !== undefined).map((v) => v.version);
  const tagged = zipped.filter((v) => isValidSemver(v) && !isPseudoVersion(v));
  let latest: string | undefined;
  try {
    [latest] = selectVersions(modulePath, { kind: 'latest' }, tagged);
  } catch {
    // Not a valid module path by Go's rules: fall back to the highest version.
  }
  if (latest !== undefined) return latest;
  const pool = zipped.length > 0 ? zipped : versions.map((v) => v.version);
  return sortVersions(pool.filter((v) => isValidSemver(v))).at(-1);
}

/** A requirement line of the latest go.mod. */
export interface RequirementView {
  path: string;
  version: string;
  indirect: boolean;
  /** Link to its page when the mirror holds the module. */
  href?: string;
}

export interface ModulePageView {
  path: string;
  base: string;
  latest?: string;
  goGet?: string;
  deprecated?: string;
  versionCount: number;
  versions: {
    version: string;
    date: string;
    size: string;
    modOnly: boolean;
    prerelease: boolean;
    pseudo: boolean;
    retracted: boolean;
    rationale: string;
  }[];
  requires: RequirementView[];
  licenses: { name: string; kinds: string }[];
  readme?: { name: string; html: string };
  /** The go.mod could not be parsed: why. */
  modError?: string;
}

/**
 * Builds the page. `mirrored` tells whether the tree holds a module (for
 * requirement links).
 */
export function buildModuleView(data: ModuleData, mirrored: (modulePath: string) => boolean): ModulePageView {
  const page = modulePagePath(data.path);
  const base = baseOf(page);
  let gomod: GoModFile | undefined;
  let modError: string | undefined;
  if (data.latestMod !== undefined) {
    try {
      gomod = parseGoMod(data.latestMod, `${data.path}@${data.latest ?? ''}: go.mod`, { lax: true });
    } catch (err) {
      modError = (err as Error).message;
    }
  }
  const order = sortVersions(data.versions.map((v) => v.version).filter((v) => isValidSemver(v))).reverse();
  const byVersion = new Map(data.versions.map((v) => [v.version, v]));
  const versions = order.map((v) => {
    const d = byVersion.get(v) as VersionData;
    const retraction = gomod ? findRetraction(v, gomod.retract) : undefined;
    return {
      version: v,
      date: d.time ? d.time.slice(0, 10) : '',
      size: d.zipBytes === undefined ? '' : formatBytes(d.zipBytes, { round: true }),
      modOnly: d.zipBytes === undefined,
      prerelease: semverPrerelease(v) !== '' && !isPseudoVersion(v),
      pseudo: isPseudoVersion(v),
      retracted: retraction !== undefined,
      rationale: retraction?.rationale ?? '',
    };
  });
  const requires = (gomod?.require ?? []).map((r) => ({
    path: r.path,
    version: r.version,
    indirect: r.indirect,
    ...(mirrored(r.path) ? { href: base + modulePagePath(r.path) } : {}),
  }));
  const licenses = (data.zip?.licenses ?? []).map((l) => {
    const kinds = detectLicenses(l.text);
    return { name: l.name, kinds: kinds.length > 0 ? kinds.join(', ') : 'not recognised' };
  });
  let readme: ModulePageView['readme'];
  if (data.zip?.readme) {
    const { name, text } = data.zip.readme;
    readme = { name, html: /\.(?:md|markdown)$/i.test(name) ? renderReadme(text) : renderPlainReadme(text) };
  }
  return {
    path: data.path,
    base,
    ...(data.latest ? { latest: data.latest, goGet: `go get ${data.path}@${data.latest}` } : {}),
    ...(gomod?.deprecated !== undefined ? { deprecated: gomod.deprecated || '(no reason given)' } : {}),
    versionCount: versions.length,
    versions,
    requires,
    licenses,
    ...(readme ? { readme } : {}),
    ...(modError ? { modError } : {}),
  };
}

/** Required module paths of a go.mod text (for refreshing links when modules come and go). */
export function requiredPaths(gomodText: string | undefined): string[] {
  if (gomodText === undefined) return [];
  try {
    return [...new Set(parseGoMod(gomodText, 'go.mod', { lax: true }).require.map((r) => r.path))].sort();
  } catch {
    return [];
  }
}

/** Whether the latest go.mod says the module is deprecated. */
export function isDeprecated(gomodText: string | undefined): boolean {
  if (gomodText === undefined) return false;
  try {
    return parseGoMod(gomodText, 'go.mod', { lax: true }).deprecated !== undefined;
  } catch {
    return false;
  }
}
