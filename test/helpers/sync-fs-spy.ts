/**
 * Counts the synchronous file calls (`fs.*Sync`) a piece of code makes on
 * this thread. node:fs's named ESM exports follow the module object after
 * syncBuiltinESMExports(), so code that imported `writeSync` by name is
 * seen too.
 */
import fs from 'node:fs';
import fsPromises from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';

export interface SyncFsSpy {
  /** The calls made since the spy was installed, in order: the name, and the path when the first argument is one. */
  readonly calls: string[];
  restore(): void;
}

export function spySyncFsCalls(): SyncFsSpy {
  return spyCalls(fs as unknown as Record<string, unknown>, (name) => name.endsWith('Sync'));
}

/** Wraps the functions of a node:fs module object that `pick` names, recording each call, until restore(). */
function spyCalls(table: Record<string, unknown>, pick: (name: string) => boolean): SyncFsSpy {
  const calls: string[] = [];
  const originals = new Map<string, (...args: unknown[]) => unknown>();
  for (const name of Object.keys(table)) {
    const original = table[name];
    if (!pick(name) || typeof original !== 'function') continue;
    originals.set(name, original as (...args: unknown[]) => unknown);
    table[name] = function (this: unknown, ...args: unknown[]): unknown {
      calls.push(typeof args[0] === 'string' ? `${name} ${args[0]}` : name);
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
  syncBuiltinESMExports();
  return {
    calls,
    restore() {
      for (const [name, original] of originals) table[name] = original;
      syncBuiltinESMExports();
    },
  };
}

/** The same spy as source text, for a worker thread's entry file. */
export const SYNC_FS_SPY_SOURCE = `
import fs from 'node:fs';
import fsPromises from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
const calls = [];
for (const name of Object.keys(fs)) {
  const original = fs[name];
  if (!name.endsWith('Sync') || typeof original !== 'function') continue;
  fs[name] = function (...args) { calls.push(typeof args[0] === 'string' ? name + ' ' + args[0] : name); return original.apply(this, args); };
}
syncBuiltinESMExports();
`;

/**
 * Replaces one function of node:fs/promises for the code under test (its
 * named ESM imports included, through syncBuiltinESMExports) with
 * `wrap(original)`; call the returned function to put the original back.
 */
export function replaceFsPromise<K extends 'open' | 'mkdir' | 'unlink'>(
  name: K,
  wrap: (original: (...args: unknown[]) => Promise<unknown>) => (...args: unknown[]) => Promise<unknown>,
): () => void {
  const table = fsPromises as unknown as Record<K, (...args: unknown[]) => Promise<unknown>>;
  const original = table[name];
  table[name] = wrap(original);
  syncBuiltinESMExports();
  return () => {
    table[name] = original;
    syncBuiltinESMExports();
  };
}

/**
 * Counts the calls to node:fs/promises (each a thread-pool round trip) that
 * a piece of code makes, named ESM imports included: the name, and the path
 * when the first argument is one.
 */
export function spyFsPromiseCalls(): SyncFsSpy {
  return spyCalls(fsPromises as unknown as Record<string, unknown>, () => true);
}
