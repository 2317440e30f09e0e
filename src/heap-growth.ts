import { setFlagsFromString } from 'node:v8';

/** How far V8 lets the old space grow past what the last full collection kept, in percent. */
const GROWTH_PERCENT = 20;

/**
 * Keeps the heap close to what a command holds: the ones that walk the tree
 * (sync, verify, prune, catalog, bundle export and import, publish) stay
 * within 200 MB at 100,000 versions (issue 17). registerCommand (cli/command.ts)
 * calls it for every command before its handler reads any input.
 *
 * Old space: V8 lets it grow to 1.5 to 4 times what its last full
 * collection kept before it collects again; a sync of 100,000 versions
 * keeps tens of MB (the closure's graph, the plan), and that growth, not
 * the data, was most of its peak RSS (a closure walk of 20,000 versions:
 * 207 MB by default, 161 MB at 30%). V8 reads this flag at every full
 * collection, so setting it now takes effect; it costs more frequent
 * (short) old-space collections.
 *
 * New space: V8 doubles the young generation whenever many of its objects
 * survive a scavenge, up to 2 x 16 MB, and a sync (go.mod summaries, plan
 * entries, report rows made in bursts) makes it grow to the most at once
 * and keep it: 30 MB of RSS that holds no data (a closure walk of 20,000
 * versions: 155 MB peak RSS, 111 MB with the young generation kept at its
 * starting size). The growth factor is read each time V8 considers growing
 * it, so setting it now takes effect (the maximum size is not: V8 fixed it
 * at start-up). Scavenges then come more often; each one is as short.
 *
 * Node sets V8's flags again as a worker thread starts (the staging
 * workers), which undid both: they are set again then.
 *
 * A flag the user gave (NODE_OPTIONS or the command line) is left as it is.
 */
export function tightenHeapGrowth(env: NodeJS.ProcessEnv = process.env): void {
  const given = [...process.execArgv, env.NODE_OPTIONS ?? ''];
  const has = (flag: RegExp): boolean => given.some((a) => flag.test(a));
  const flags = [
    ...(has(/--heap[-_]growing[-_]percent/) ? [] : [`--heap-growing-percent=${GROWTH_PERCENT}`]),
    ...(has(/--(semi[-_]space[-_]growth[-_]factor|max[-_]semi[-_]space[-_]size)/) ? [] : ['--semi-space-growth-factor=1']),
  ];
  const apply = (): void => {
    for (const f of flags) setFlagsFromString(f);
  };
  apply();
  reapply = apply;
  if (!watchingWorkers) {
    watchingWorkers = true;
    process.on('worker', (worker) => {
      reapply();
      worker.once('online', () => reapply());
    });
  }
}

let watchingWorkers = false;
let reapply = (): void => undefined;
