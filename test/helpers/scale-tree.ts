/**
 * A tree of many small module versions for the memory tests of the commands
 * that walk a whole tree: an upstream written by mkupstream (x/mod, real
 * zips of about a kilobyte), copied as a tree with its true hashes.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
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

/**
 * A tree written file by file, fast enough for tens of thousands of
 * versions: `.info`, `.mod`, a stand-in `.zip` (a few bytes, not a module zip:
 * for commands that never open zips, such as prune) and `@v/list` per module,
 * and a go.sum line for each .mod and .zip. Returns the module paths.
 */
export async function writeFlatTree(root: string, modules: number, perModule: number): Promise<string[]> {
  const paths: string[] = [];
  const sums: string[] = [];
  const h1 = (s: string): string => `h1:${createHash('sha256').update(s).digest('base64')}`;
  for (let j = 0; j < modules; j++) {
    const mod = `flat.example.com/m${j}`;
    paths.push(mod);
    const dir = path.join(root, 'flat.example.com', `m${j}`, '@v');
    await mkdir(dir, { recursive: true });
    const versions = Array.from({ length: perModule }, (_, i) => `v1.0.${i}`);
    await Promise.all(
      versions.flatMap((v) => {
        const gomod = `module ${mod}\n`;
        sums.push(`${mod} ${v} ${h1(`${mod}@${v}`)}`, `${mod} ${v}/go.mod ${h1(gomod)}`);
        return [
          writeFile(path.join(dir, `${v}.info`), JSON.stringify({ Version: v, Time: '2023-01-01T00:00:00Z' })),
          writeFile(path.join(dir, `${v}.mod`), gomod),
          writeFile(path.join(dir, `${v}.zip`), 'PK'),
        ];
      }),
    );
    await writeFile(path.join(dir, 'list'), versions.map((v) => `${v}\n`).join(''));
  }
  await mkdir(path.join(root, '.gomirror'), { recursive: true });
  await writeFile(path.join(root, '.gomirror', 'go.sum'), sums.sort().map((l) => `${l}\n`).join(''));
  return paths;
}
