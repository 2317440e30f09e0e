/**
 * How prune reads the tree: a dry run stats every file of every version, so
 * each call through node:fs/promises (a worker wake-up and an eventfd write
 * back: two context switches) was paid per file; at 100,000 versions that
 * was most of the command's kernel time. The inventory reads listings and
 * stats synchronously, so the thread-pool calls of a dry run do not grow
 * with the tree.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../../src/logger.js';
import { parseManifest } from '../../../src/manifest/index.js';
import { pruneTree, type PruneConfig, type PruneResult } from '../../../src/prune/index.js';
import { writeFlatTree } from '../../helpers/flat-tree.js';
import { spyFsPromiseCalls, spySyncFsCalls } from '../../helpers/sync-fs-spy.js';

const PER_MODULE = 3;

describe('prune reads the tree without a thread-pool call per file', () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-prune-io-'));
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** A dry run over a flat tree of `modules` modules; the manifest leaves out the last one, which nothing requires. */
  async function dryRun(modules: number): Promise<{ result: PruneResult; promiseCalls: string[]; stats: number }> {
    const root = path.join(work, `tree-${modules}`);
    await writeFlatTree(root, modules, PER_MODULE, { requires: 2 });
    const listed = Array.from({ length: modules - 1 }, (_, j) => ({ path: `flat.example.com/m${j}`, versions: ['all'] }));
    const config: PruneConfig = {
      root,
      modules: parseManifest(JSON.stringify({ deps: true, modules: listed }), path.join(work, 'm.json')).modules ?? [],
      gosum: [],
      gomod: [],
      deps: true,
      keepDays: 0,
      graceSeconds: 0,
      dryRun: true,
    };
    const promises = spyFsPromiseCalls();
    const sync = spySyncFsCalls();
    try {
      const result = await pruneTree(config, silentLogger);
      const stats = [...sync.calls, ...promises.calls].filter((c) => /^stat(Sync)? /.test(c)).length;
      return { result, promiseCalls: [...promises.calls], stats };
    } finally {
      sync.restore();
      promises.restore();
    }
  }

  it('makes as many fs.promises calls at 60 modules as at 20, and still stats every file', async () => {
    const small = await dryRun(20);
    const large = await dryRun(60);
    // The root's check is the only one left; the inventory's fs.promises stats and listings made 413 at 20 modules, 1,253 at 60.
    assert.deepEqual(large.promiseCalls, small.promiseCalls.map((c) => c.replace('tree-20', 'tree-60')));
    assert.ok(large.promiseCalls.length <= 2, large.promiseCalls.join('\n'));
    for (const [run, modules] of [
      [small, 20],
      [large, 60],
    ] as const) {
      // What the dry run plans is unchanged: the module left out of the manifest goes, the rest stays.
      assert.equal(run.result.plan.removedVersions, PER_MODULE);
      assert.equal(run.result.plan.keptVersions, (modules - 1) * PER_MODULE);
      assert.equal(run.result.plan.modules, 1);
      // Every .info, .mod and .zip is looked at (for its time and size), at least once.
      assert.ok(run.stats >= modules * PER_MODULE * 3, `${run.stats} stats for ${modules * PER_MODULE * 3} files`);
    }
  });
});
