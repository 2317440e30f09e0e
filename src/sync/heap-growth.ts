import { setFlagsFromString } from 'node:v8';

/** How far V8 lets the old space grow past what the last full collection kept, in percent. */
const GROWTH_PERCENT = 20;

/**
 * Keeps the heap close to what a sync holds. V8 lets the old space grow to
 * 1.5 to 4 times what its last full collection kept before it collects
 * again; a sync of 100,000 versions keeps tens of MB (the closure's graph,
 * the plan), and that growth, not the data, was most of its peak RSS
 * (a closure walk of 20,000 versions: 207 MB by default, 161 MB at 30%).
 * V8 reads this flag at every full collection, so setting it now takes
 * effect; it costs more frequent (short) old-space collections. A
 * `--heap-growing-percent` the user gave (NODE_OPTIONS or the command line)
 * is left as it is.
 */
export function tightenHeapGrowth(env: NodeJS.ProcessEnv = process.env): void {
  const given = [...process.execArgv, env.NODE_OPTIONS ?? ''].some((a) => /--heap[-_]growing[-_]percent/.test(a));
  if (!given) setFlagsFromString(`--heap-growing-percent=${GROWTH_PERCENT}`);
}
