/**
 * A big tree written straight to disk for the catalog's memory test: the
 * catalog reads only names, sizes, times and each .info's Time, so the files
 * are small and written without an upstream (fast at tens of thousands of
 * versions). Zips are a few bytes that are no zip: the page shows no README.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';

/**
 * `modules` modules (`flat.example.com/m<j>`) of `perModule` versions each (`v1.0.<i>`), every one with a zip.
 * requires: each version's go.mod (go 1.17) requires the same version of the `requires` modules before it
 * (m<j-1>, m<j-2>, ...), so a closure over the tree walks real requirements.
 */
export async function writeFlatTree(root: string, modules: number, perModule: number, options: { requires?: number } = {}): Promise<void> {
  const requires = options.requires ?? 0;
  const limit = pLimit(16);
  const base = Date.UTC(2024, 0, 1);
  await Promise.all(
    Array.from({ length: modules }, (_, j) =>
      limit(async () => {
        const dir = path.join(root, 'flat.example.com', `m${j}`, '@v');
        await mkdir(dir, { recursive: true });
        const versions = Array.from({ length: perModule }, (_, i) => `v1.0.${i}`);
        for (const [i, v] of versions.entries()) {
          const time = new Date(base + (j * perModule + i) * 1000).toISOString();
          await writeFile(path.join(dir, `${v}.info`), JSON.stringify({ Version: v, Time: time }));
          const deps = Array.from({ length: Math.min(requires, j) }, (_, k) => `require flat.example.com/m${j - 1 - k} ${v}\n`);
          await writeFile(path.join(dir, `${v}.mod`), requires === 0 ? `module flat.example.com/m${j}\n` : `module flat.example.com/m${j}\n\ngo 1.17\n\n${deps.join('')}`);
          await writeFile(path.join(dir, `${v}.zip`), 'not a zip');
        }
        await writeFile(path.join(dir, 'list'), versions.join('\n') + '\n');
      }),
    ),
  );
}
