import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planPrune, type ModuleOnDisk, type VersionOnDisk } from '../../../src/prune/index.js';

const NOW = Date.parse('2025-06-01T00:00:00Z');
const DAY = 86_400_000;
const PSEUDO_OLD = 'v0.0.0-20240101000000-aaaaaaaaaaaa';
const PSEUDO_NEW = 'v0.0.0-20240601000000-bbbbbbbbbbbb';

const v = (version: string, ageDays = 100, files: VersionOnDisk['files'] = ['info', 'mod', 'zip']): VersionOnDisk => ({
  version,
  files,
  mtimeMs: NOW - ageDays * DAY,
  bytes: 10,
});

describe('planPrune', () => {
  it('removes what no input needs and rewrites the list from what stays', () => {
    const modules: ModuleOnDisk[] = [
      { module: 'a.com/m', versions: [v('v1.2.0'), v('v1.0.0'), v('v1.1.0'), v('v1.3.0-rc.1')] },
      { module: 'a.com/untouched', versions: [v('v0.1.0')] },
    ];
    const plan = planPrune(modules, { needed: new Set(['a.com/m@v1.0.0', 'a.com/m@v1.2.0', 'a.com/untouched@v0.1.0']), keepDays: 0, now: NOW });
    assert.equal(plan.modules.length, 1);
    const m = plan.modules[0];
    assert.deepEqual(m?.remove.map((x) => x.version), ['v1.1.0', 'v1.3.0-rc.1']);
    assert.deepEqual(m?.keep.map((x) => x.version), ['v1.0.0', 'v1.2.0']);
    assert.equal(m?.list, 'v1.0.0\nv1.2.0\n');
    assert.deepEqual(m?.latest, { action: 'keep' });
    assert.equal(m?.empty, false);
    assert.deepEqual({ removed: plan.removedVersions, kept: plan.keptVersions, freed: plan.freedBytes }, { removed: 2, kept: 3, freed: 20 });
  });

  it('keeps versions younger than keep-days, and says which', () => {
    const plan = planPrune([{ module: 'a.com/m', versions: [v('v1.0.0', 40), v('v1.1.0', 2), v('v1.2.0', 29.9)] }], {
      needed: new Set(),
      keepDays: 30,
      now: NOW,
    });
    assert.deepEqual(plan.modules[0]?.remove.map((x) => x.version), ['v1.0.0']);
    assert.deepEqual(plan.modules[0]?.keptByAge, ['v1.1.0', 'v1.2.0']);
    assert.equal(plan.modules[0]?.list, 'v1.1.0\nv1.2.0\n');
  });

  it('an emptied module loses its list and @latest', () => {
    const plan = planPrune([{ module: 'a.com/gone', versions: [v('v1.0.0'), v(PSEUDO_OLD, 100, ['mod', 'zip'])], latest: PSEUDO_OLD }], {
      needed: new Set(),
      keepDays: 0,
      now: NOW,
    });
    assert.equal(plan.modules[0]?.empty, true);
    assert.equal(plan.modules[0]?.list, '');
    assert.deepEqual(plan.modules[0]?.latest, { action: 'delete' });
  });

  const latestCases: { name: string; m: ModuleOnDisk; needed: string[]; want: unknown }[] = [
    {
      name: '@latest naming a removed pseudo-version moves to the newest kept one',
      m: { module: 'p.com/m', versions: [v(PSEUDO_OLD), v(PSEUDO_NEW)], latest: PSEUDO_NEW },
      needed: [`p.com/m@${PSEUDO_OLD}`],
      want: { action: 'write', version: PSEUDO_OLD },
    },
    {
      name: '@latest naming a kept version stays',
      m: { module: 'p.com/m', versions: [v(PSEUDO_OLD), v(PSEUDO_NEW)], latest: PSEUDO_NEW },
      needed: [`p.com/m@${PSEUDO_NEW}`],
      want: { action: 'keep' },
    },
    {
      name: 'a tagged version left: no @latest',
      m: { module: 'p.com/m', versions: [v('v1.0.0'), v(PSEUDO_NEW)], latest: PSEUDO_NEW },
      needed: ['p.com/m@v1.0.0'],
      want: { action: 'delete' },
    },
    {
      name: 'an incomplete pseudo-version never becomes @latest',
      m: { module: 'p.com/m', versions: [v(PSEUDO_OLD, 100, ['mod']), v(PSEUDO_NEW)], latest: PSEUDO_NEW },
      needed: [`p.com/m@${PSEUDO_OLD}`],
      want: { action: 'delete' },
    },
  ];
  for (const c of latestCases) {
    it(c.name, () => {
      assert.deepEqual(planPrune([c.m], { needed: new Set(c.needed), keepDays: 0, now: NOW }).modules[0]?.latest, c.want);
    });
  }

  it('sorts modules by path and changes nothing when everything is needed', () => {
    const ms: ModuleOnDisk[] = [
      { module: 'b.com/x', versions: [v('v1.0.0')] },
      { module: 'a.com/x', versions: [v('v1.0.0')] },
    ];
    assert.deepEqual(planPrune(ms, { needed: new Set(), keepDays: 0, now: NOW }).modules.map((m) => m.module), ['a.com/x', 'b.com/x']);
    const none = planPrune(ms, { needed: new Set(['a.com/x@v1.0.0', 'b.com/x@v1.0.0']), keepDays: 0, now: NOW });
    assert.deepEqual(none, { modules: [], removedVersions: 0, keptVersions: 2, freedBytes: 0 });
  });
});
