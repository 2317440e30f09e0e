import path from 'node:path';
import { GomirrorError } from '../errors.js';
import type { Replace } from '../modfile/index.js';
import type { Replacer, Target } from './types.js';

/** The replace directives of one main module (or go.work) and the directory they are relative to. */
export interface ReplaceSet {
  readonly replace: readonly Replace[];
  /** Directory of the go.mod / go.work file, for `=> ../dir` targets. */
  readonly dir: string;
  /** The file, for messages. */
  readonly file: string;
}

/**
 * Builds the go command's replacement lookup (modload Replacement): a
 * go.work's directives win outright; then each main module's, where two
 * modules replacing the same version differently is a conflict. Within a
 * set, `old@version` beats a bare `old`. Throws E_GOMOD on conflicting
 * directives, as the go command refuses to load them.
 */
export function createReplacer(sets: readonly ReplaceSet[], workspace?: ReplaceSet): Replacer {
  const tables = sets.map(tableOf);
  const work = workspace ? tableOf(workspace) : undefined;
  return (m) => {
    const fromWork = work ? lookup(work, m.path, m.version) : undefined;
    if (fromWork) return fromWork.target;
    let found: { target: Target; file: string } | undefined;
    for (const t of tables) {
      const hit = lookup(t, m.path, m.version);
      if (!hit) continue;
      if (found && !sameTarget(found.target, hit.target)) {
        throw new GomirrorError('E_GOMOD', `conflicting replacements for ${m.path}@${m.version} in ${found.file} and ${hit.file}`, {
          hint: 'Add one replace directive for it to go.work, which overrides both',
        });
      }
      found ??= hit;
    }
    return found?.target ?? { kind: 'module', path: m.path, version: m.version };
  };
}

interface Table {
  byKey: Map<string, Target>;
  file: string;
}

function tableOf(set: ReplaceSet): Table {
  const byKey = new Map<string, Target>();
  for (const r of set.replace) {
    const key = `${r.old.path}@${r.old.version ?? ''}`;
    const target: Target =
      r.new.version === undefined
        ? { kind: 'dir', dir: path.resolve(set.dir, r.new.path) }
        : { kind: 'module', path: r.new.path, version: r.new.version };
    const prev = byKey.get(key);
    if (prev && !sameTarget(prev, target)) {
      throw new GomirrorError('E_GOMOD', `${set.file}:${r.line}: conflicting replacements for ${r.old.path}${r.old.version ? `@${r.old.version}` : ''}`);
    }
    byKey.set(key, target);
  }
  return { byKey, file: set.file };
}

function lookup(t: Table, p: string, v: string): { target: Target; file: string } | undefined {
  const target = t.byKey.get(`${p}@${v}`) ?? t.byKey.get(`${p}@`);
  return target ? { target, file: t.file } : undefined;
}

function sameTarget(a: Target, b: Target): boolean {
  if (a.kind === 'dir' || b.kind === 'dir') return a.kind === b.kind && a.kind === 'dir' && b.kind === 'dir' && a.dir === b.dir;
  return a.path === b.path && a.version === b.version;
}
