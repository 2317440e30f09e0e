import type { GomirrorError } from '../errors.js';
import { goVersionAtLeast, type ModuleVersion } from '../modfile/index.js';
import { flatString } from '../flat-string.js';

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

/**
 * The identity replacer, for graphs without a main module. A VersionTable's
 * object is its own target (no new object, and its key, per lookup: the
 * compatibility graph of 100,000 roots looks each one up every round).
 */
export const noReplacement: Replacer = (m) =>
  (m as Partial<KeyedVersion>).kind === 'module' ? (m as KeyedVersion) : { kind: 'module', path: m.path, version: m.version };

/** The key under which a target's summary is stored: `path@version`, or `dir:<abs dir>`. */
export function targetKey(t: Target): string {
  return t.kind === 'dir' ? `dir:${t.dir}` : ((t as Partial<KeyedVersion>).key ?? `${t.path}@${t.version}`);
}

/**
 * A module version with its key, as a VersionTable hands it out (one object
 * per module@version); also a Target of itself (kind 'module').
 */
export interface KeyedVersion extends ModuleVersion {
  readonly kind: 'module';
  readonly key: string;
  /**
   * The closure's go.mod summary of this version (or why there is none);
   * undefined until it is read. Kept here rather than in a map keyed by
   * version: at 100,000 versions each such map was several megabytes.
   */
  summary: ModSummary | GomirrorError | undefined;
  /** The plan builder's entry for this version until the plan is finished (see summary): 0 for none, else its zip and source, packed. */
  plan: number;
  /** The plan entry's `from`. */
  from: string;
}

/**
 * One object and one key string per module@version, one string per path
 * and per version. At 100,000 versions the closure meets each module
 * version in several go.mod files and keys it in several maps; without
 * this each meeting kept a string (and an object) of its own.
 */
export interface VersionTable {
  /** The table's object for path@version. */
  get(path: string, version: string): KeyedVersion;
  /** The table's object for path@version when it has one (none is made). */
  find(path: string, version: string): KeyedVersion | undefined;
  /** The key of m: its own when it came from the table, else the table's (so maps share one string). */
  key(m: ModuleVersion): string;
  /** Every object of the table. */
  values(): IterableIterator<KeyedVersion>;
  /** One string per distinct value (go lines, module lines). */
  intern(s: string): string;
  readonly size: number;
}

export function createVersionTable(): VersionTable {
  const versions = new Map<string, KeyedVersion>();
  const strings = new Map<string, string>();
  const intern = (s: string): string => {
    const have = strings.get(s);
    if (have !== undefined) return have;
    // A fresh flat copy: a string sliced or concatenated from a go.mod keeps the whole text alive.
    const flat = flatString(s);
    strings.set(flat, flat);
    return flat;
  };
  const get = (path: string, version: string): KeyedVersion => {
    const key = `${path}@${version}`;
    const have = versions.get(key);
    if (have) return have;
    const k = flatString(key);
    // Every field in one literal: one hidden class, no property array added later.
    const m: KeyedVersion = { kind: 'module', path: intern(path), version: intern(version), key: k, summary: undefined, plan: 0, from: '' };
    versions.set(k, m);
    return m;
  };
  return {
    get,
    key: (m) => (m as Partial<KeyedVersion>).key ?? get(m.path, m.version).key,
    find: (path, version) => versions.get(`${path}@${version}`),
    values: () => versions.values(),
    intern,
    get size() {
      return versions.size;
    },
  };
}
