/**
 * runSync's onIndexed event (the catalog reads a module ahead for its page
 * when it fires): once per module whose list was rewritten naming versions
 * this run renamed in, after that list; never for a module that had nothing new.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseVersionQuery } from '../../../src/module/index.js';
import { runSync, type SyncTarget } from '../../../src/sync/run.js';
import { fakeStager, fakeUpstream, goMod, memoryStore, memorySums, type Served, World } from '../mirror/fakes.js';

const A = 'example.com/a';
const B = 'example.com/b';

const served = (m: string, ...versions: string[]): Record<string, Served> =>
  Object.fromEntries(versions.map((v) => [v, { mod: goMod(m), zip: `zip of ${m}@${v}` }]));

const target = (module: string, ...queries: string[]): SyncTarget => ({
  module,
  queries: queries.map((text, i) => ({ text, query: parseVersionQuery(text), where: `mirror.json: modules[0].versions[${i}]` })),
});

describe('runSync onIndexed', () => {
  it('fires after the list of each module with new versions, and not on a re-run that finds them present', async () => {
    const world = new World();
    const upstream = fakeUpstream(world, { [A]: served(A, 'v1.0.0', 'v1.1.0'), [B]: served(B, 'v1.0.0') });
    const store = memoryStore(world);
    const sums = memorySums(world);
    const indexed: { module: string; at: number }[] = [];
    const run = (targets: SyncTarget[]) =>
      runSync({
        targets,
        upstream,
        store,
        sums,
        concurrency: 4,
        stage: fakeStager(world),
        events: { onIndexed: (module) => void indexed.push({ module, at: world.events.length }) },
      });
    await run([target(A, 'v1.0.0', 'v1.1.0'), target(B, 'v1.0.0')]);
    assert.deepEqual(indexed.map((e) => e.module).sort(), [A, B]);
    for (const { module, at } of indexed) {
      const listed = world.events.indexOf(`index ${module}`);
      assert.ok(listed >= 0 && listed < at, `${module}: after its list`);
    }
    indexed.length = 0;
    await run([target(A, 'v1.0.0', 'v1.1.0'), target(B, 'v1.0.0')]);
    assert.deepEqual(indexed, []);
  });
});
