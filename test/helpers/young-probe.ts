/**
 * A probe preloaded into a gomirror process (NODE_OPTIONS --import) that
 * records the largest young generation V8 held on the main thread (its size
 * only grows in practice): sampled every 20 ms, and at exit. Issue 17: V8
 * doubles the young generation up to 2 x 16 MB when many objects survive,
 * RSS that holds no data; the commands that walk the tree keep it small.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const PROBE = `
import { getHeapSpaceStatistics } from 'node:v8';
import { isMainThread } from 'node:worker_threads';
import { writeFileSync } from 'node:fs';
if (isMainThread) {
  let max = 0;
  const sample = () => { max = Math.max(max, getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size); };
  setInterval(sample, 20).unref();
  process.on('exit', () => { sample(); writeFileSync(process.env.GOMIRROR_TEST_PROBE, String(max / 1048576)); });
}
`;

/** The young generation may stay at or below this (MB); V8's own largest is 32. */
export const YOUNG_MB = 8;

/** NODE_OPTIONS that preload the probe (written into `dir`), and a reader of what it recorded for run `name`. */
export async function youngProbe(dir: string, name: string): Promise<{ env: Record<string, string>; read: () => Promise<number> }> {
  const probe = path.join(dir, 'young-probe.mjs');
  await writeFile(probe, PROBE);
  const out = path.join(dir, `young-${name}.txt`);
  return { env: { NODE_OPTIONS: `--import=${probe}`, GOMIRROR_TEST_PROBE: out }, read: async () => Number(await readFile(out, 'utf8')) };
}
