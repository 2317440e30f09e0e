/**
 * A tree of many small module versions for the memory tests of the commands
 * that walk a whole tree: an upstream written by mkupstream (x/mod, real
 * zips of about a kilobyte), copied as a tree with its true hashes.
 */
import path from 'node:path';
import { buildUpstream, type UpstreamSpec } from './fixture-upstream.js';
import { treeFromUpstream } from './tree.js';

/** `modules` modules of `perModule` tagged versions each; a few upper-case paths (escaped `!x` on disk). */
export function scaleSpec(modules: number, perModule: number): UpstreamSpec {
  const base = Date.UTC(2023, 0, 1);
  return {
    modules: Array.from({ length: modules }, (_, j) => ({
      path: `scale.example.com/${j % 7 === 0 ? 'Org' : 'org'}${j % 50}/mod${j}`,
      versions: Array.from({ length: perModule }, (_, i) => ({
        version: `v1.${Math.floor(i / 3)}.${i % 3}`,
        time: new Date(base + (j * perModule + i) * 60_000).toISOString(),
        files: { 'README.md': `# mod${j}\n`, [`m${j}.go`]: `package m${j}\n` },
      })),
    })),
  };
}

/** Writes the tree under `dir/tree` (its upstream under `dir/upstream`) and returns the tree's root. */
export async function buildScaleTree(dir: string, modules: number, perModule: number): Promise<string> {
  const upstream = await buildUpstream(scaleSpec(modules, perModule), path.join(dir, 'upstream'));
  return treeFromUpstream(upstream, path.join(dir, 'tree'));
}
