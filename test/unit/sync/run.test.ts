/**
 * runSync, the sync orchestrator, with in-memory fakes (../mirror/fakes.ts):
 * resolution, de-duplication, bounded concurrency, the order of writes and
 * index rewrites, failing modules, and the dry-run plan. Assertions are on
 * requests counted and events ordered.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GomirrorError } from '../../../src/errors.js';
import type { MirrorContext, VersionOutcome } from '../../../src/mirror/index.js';
import { parseVersionQuery } from '../../../src/module/index.js';
import { runSync, type SyncOptions, type SyncTarget } from '../../../src/sync/run.js';
import { fakeStager, fakeUpstream, type FakeUpstream, goMod, infoJSON, memoryStore, memorySums, type Served, World } from '../mirror/fakes.js';

const A = 'example.com/a';
const B = 'example.com/b';

const served = (m: string, ...versions: string[]): Record<string, Served> =>
  Object.fromEntries(versions.map((v) => [v, { mod: goMod(m), zip: `zip of ${m}@${v}` }]));

let entryNo = 0;
function target(module: string, ...queries: string[]): SyncTarget {
  const n = entryNo++;
  return { module, queries: queries.map((text, i) => ({ text, query: parseVersionQuery(text), where: `mirror.json: modules[${n}].versions[${i}]` })) };
}

function setup(modules: Record<string, Record<string, Served>>) {
  const world = new World();
  const upstream: FakeUpstream = fakeUpstream(world, modules);
  const store = memoryStore(world);
  const sums = memorySums(world);
  const seen: VersionOutcome[] = [];
  const moduleErrors: string[] = [];
  const run = (targets: SyncTarget[], extra: Partial<SyncOptions> = {}) =>
    runSync({
      targets,
      upstream,
      store,
      sums,
      concurrency: 4,
      stage: fakeStager(world),
      events: { onVersion: (o) => void seen.push(o), onModuleError: (m, e) => void moduleErrors.push(`${m}: ${e.code}`) },
      ...extra,
    });
  return { world, upstream, store, sums, seen, moduleErrors, run };
}

describe('runSync', () => {
  it("mirrors every target, rewrites each module's list after its versions, and flushes the record last", async () => {
    const t = setup({ [B]: served(B, 'v1.0.0'), [A]: served(A, 'v1.0.0', 'v1.1.0') });
    const outcomes = await t.run([target(B, 'v1.0.0'), target(A, 'v1.0.0', 'v1.1.0')]);
    assert.deepEqual(outcomes.map((o) => o.module), [A, B], 'sorted by module path');
    assert.deepEqual(outcomes.map((o) => o.versions.map((v) => `${v.version} ${v.status} ${v.source} ${v.from}`)), [
      ['v1.0.0 fetched root mirror.json: modules[1]', 'v1.1.0 fetched root mirror.json: modules[1]'],
      ['v1.0.0 fetched root mirror.json: modules[0]'],
    ]);
    const { events } = t.world;
    for (const m of [A, B]) {
      const lastCommit = events.findLastIndex((e) => e.startsWith(`commit ${m}/`));
      assert.ok(lastCommit >= 0 && lastCommit < events.indexOf(`index ${m}`), `${m}: index after its files`);
      // Appended durably, not rewritten whole, before each list names the versions.
      const checkpoint = events.findLastIndex((e, i) => e === 'checkpoint' && i < events.indexOf(`index ${m}`));
      assert.ok(checkpoint > lastCommit, `${m}: hashes checkpointed after its files, before its index`);
    }
    assert.equal(events.at(-1), 'flush');
    assert.equal(t.world.files.get(t.store.layout.listFile(A))?.toString(), 'v1.0.0\nv1.1.0\n');
    assert.equal(t.sums.size, 6);
  });

  it('reads a module\'s @v/list once for the retraction check and every query, even when the module is named twice', async () => {
    const t = setup({ [A]: served(A, 'v1.0.0', 'v1.1.0') });
    const outcomes = await t.run([target(A, 'latest'), target(A, 'v1.0', '>=v1.1.0')]);
    assert.equal(t.world.count(`get ${A}/@v/list`), 1);
    assert.deepEqual(outcomes.length, 1);
    assert.deepEqual(outcomes[0]?.versions.map((v) => v.version).sort(), ['v1.0.0', 'v1.1.0']);
  });

  it('fetches the .mod a `latest` query read to decide once, not again when mirroring the version it picked', async () => {
    const t = setup({ [A]: served(A, 'v1.0.0', 'v1.1.0') });
    const outcomes = await t.run([target(A, 'latest')]);
    assert.deepEqual(outcomes[0]?.versions.map((v) => `${v.version} ${v.status}`), ['v1.1.0 fetched']);
    assert.equal(t.world.count(`get ${A}@v1.1.0.mod`), 1);
    assert.ok(t.world.files.has(t.store.layout.versionFile(A, 'v1.1.0', 'mod')));
  });

  it('mirrors a module@version planned twice once, and reports it once', async () => {
    const t = setup({ [A]: served(A, 'v1.0.0') });
    const twice = async (roots: { module: string; version: string; where: string }[]) => ({
      entries: roots.flatMap((r) => [
        { module: r.module, version: r.version, zip: 'required' as const, source: 'root' as const, from: r.where },
        { module: r.module, version: r.version, zip: 'required' as const, source: 'dependency' as const, from: 'example.com/x@v1.0.0' },
      ]),
    });
    const outcomes = await t.run([target(A, 'v1.0.0')], { expand: twice });
    for (const kind of ['mod', 'zip', 'info']) assert.equal(t.world.count(`get ${A}@v1.0.0.${kind}`), 1, kind);
    assert.equal(t.world.count('commit'), 3);
    assert.equal(t.seen.length, 1);
    assert.deepEqual(outcomes[0]?.versions.map((v) => v.status), ['fetched', 'fetched']);
  });

  it('has at most `concurrency` versions in flight', async () => {
    const versions = ['v1.0.0', 'v1.1.0', 'v1.2.0', 'v1.3.0', 'v1.4.0', 'v1.5.0', 'v1.6.0', 'v1.7.0'];
    const t = setup({ [A]: served(A, ...versions) });
    await t.run([target(A, ...versions)], { concurrency: 2 });
    assert.equal(t.seen.length, versions.length);
    // Each version asks for .mod, .zip and .info at once: 2 versions make 6 requests.
    assert.ok(t.upstream.peak <= 6, `peak ${t.upstream.peak} requests at once`);
    assert.ok(t.upstream.peak > 3, `peak ${t.upstream.peak}: two versions overlapped`);
  });

  it('downloads the next versions while earlier ones are staged: staging holds no download slot', async () => {
    const versions = ['v1.0.0', 'v1.1.0', 'v1.2.0'];
    const t = setup({ [A]: served(A, ...versions) });
    // The first zip check waits until every other version has been downloaded.
    const stage = fakeStager(t.world);
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let held = false;
    const gated: typeof stage = async (job) => {
      if (!held) {
        held = true;
        await released;
      }
      return stage(job);
    };
    const run = t.run([target(A, ...versions)], { concurrency: 1, stage: gated });
    for (let i = 0; i < 200 && t.world.count('get ') < 9; i++) await new Promise((r) => setImmediate(r));
    assert.equal(t.world.count('get '), 9, 'all three versions downloaded while the first is held in staging');
    assert.ok(t.upstream.peak <= 3, `one version's requests at a time (peak ${t.upstream.peak})`);
    release();
    await run;
    assert.deepEqual(t.seen.map((o) => o.status), ['fetched', 'fetched', 'fetched']);
  });

  it('leaves a new module none of whose versions made it without any file, and goes on with the others', async () => {
    const t = setup({ [A]: { 'v1.0.0': { mod: goMod(A) } }, [B]: served(B, 'v1.0.0') });
    const outcomes = await t.run([target(A, 'v1.0.0'), target(B, 'v1.0.0')]);
    assert.deepEqual(outcomes.map((o) => o.versions.map((v) => v.status)), [['failed'], ['fetched']]);
    assert.equal(outcomes[0]?.versions[0]?.error?.code, 'E_NOT_FOUND');
    assert.equal(t.world.count(`index ${A}`), 0);
    assert.equal(t.world.count(`index ${B}`), 1);
    assert.deepEqual([...t.world.files.keys()].filter((f) => f.includes('/example.com/a/')), []);
  });

  it('still rewrites the list of a module already in the tree when its new versions fail', async () => {
    const t = setup({ [A]: { 'v1.1.0': { mod: goMod(A), zip: 'corrupt' } } });
    t.world.put(A, 'v1.0.0', { info: infoJSON('v1.0.0'), mod: goMod(A), zip: 'old zip' });
    const outcomes = await t.run([target(A, 'v1.1.0')]);
    assert.equal(outcomes[0]?.versions[0]?.error?.code, 'E_ZIP_INVALID');
    assert.equal(t.world.count(`index ${A}`), 1);
    assert.equal(t.world.files.get(t.store.layout.listFile(A))?.toString(), 'v1.0.0\n');
  });

  it('writes no file of a version the checksum database refuses, and publishes the database before any list', async () => {
    const t = setup({ [A]: served(A, 'v1.0.0'), [B]: served(B, 'v1.0.0') });
    const authenticate: MirrorContext['authenticate'] = async (m) => {
      if (m === A) throw new GomirrorError('E_SUMDB_SECURITY', `SECURITY ERROR: ${m}: refused by the checksum database`);
    };
    const outcomes = await t.run([target(A, 'v1.0.0'), target(B, 'v1.0.0')], {
      authenticate,
      beforeIndex: async () => {
        t.world.events.push('publish sumdb');
        return true;
      },
    });
    assert.equal(outcomes[0]?.versions[0]?.error?.code, 'E_SUMDB_SECURITY');
    assert.equal(t.world.count(`commit ${A}/`), 0);
    assert.equal(t.world.count(`index ${A}`), 0);
    const { events } = t.world;
    const publish = events.indexOf('publish sumdb');
    assert.ok(publish > events.findLastIndex((e) => e.startsWith('commit')), 'after every version is in place');
    assert.ok(publish < events.indexOf(`index ${B}`), 'before any list names a new version');
  });

  it('lists a module as soon as it completes when only other modules wait for the database (sumdb off: toolchains only)', async () => {
    const t = setup({ [A]: served(A, 'v1.0.0'), [B]: served(B, 'v1.0.0') });
    await t.run([target(A, 'v1.0.0'), target(B, 'v1.0.0')], {
      beforeIndex: async () => {
        t.world.events.push('publish sumdb');
        return true;
      },
      waitsForIndex: (m) => m === B,
    });
    const { events } = t.world;
    const publish = events.indexOf('publish sumdb');
    assert.ok(events.indexOf(`index ${A}`) >= 0 && events.indexOf(`index ${A}`) < publish, 'A is listed before the database is published');
    assert.ok(publish < events.indexOf(`index ${B}`), 'B waits for it');
  });

  it('reports a query that matches nothing and an expansion error on their module, and mirrors the rest', async () => {
    const t = setup({ [A]: served(A, 'v1.0.0'), [B]: served(B, 'v1.0.0') });
    const outcomes = await t.run([target(A, 'v3'), target(B, 'latest')], {
      expand: async (roots) => ({
        entries: roots.map((r) => ({ module: r.module, version: r.version, zip: 'required', source: 'root', from: r.where })),
        errors: [{ module: B, error: new GomirrorError('E_GOMOD', 'example.com/b@v1.0.0: go.mod: bad') }],
      }),
    });
    assert.deepEqual(outcomes.map((o) => o.errors.map((e) => e.code)), [['E_NOT_FOUND'], ['E_GOMOD']]);
    assert.match(outcomes[0]?.errors[0]?.message ?? '', /no version of example\.com\/a matches "v3"/);
    assert.deepEqual(t.moduleErrors, [`${A}: E_NOT_FOUND`, `${B}: E_GOMOD`]);
    assert.deepEqual(outcomes[1]?.versions.map((v) => v.status), ['fetched']);
  });

  it('gives a module of pseudo-versions only an @latest: the newest by its timestamp', async () => {
    const older = 'v0.0.0-20240101000000-aaaaaaaaaaaa';
    const newer = 'v0.0.0-20240301000000-bbbbbbbbbbbb';
    const t = setup({ [A]: served(A, newer, older) });
    await t.run([target(A, newer, older)]);
    assert.equal(t.world.files.get(t.store.layout.listFile(A))?.toString(), '');
    assert.equal(t.world.files.get(t.store.layout.latestFile(A))?.toString(), infoJSON(newer));
  });

  it('dry run: plans which versions would download and touches nothing', async () => {
    const t = setup({ [A]: served(A, 'v1.0.0', 'v1.1.0', 'v1.2.0') });
    t.world.put(A, 'v1.0.0', { info: infoJSON('v1.0.0'), mod: goMod(A), zip: 'zip' });
    t.world.put(A, 'v1.1.0', { info: infoJSON('v1.1.0'), mod: goMod(A) });
    const filesBefore = [...t.world.files.keys()];
    const outcomes = await t.run([target(A, '>=v1.0.0')], {
      dryRun: true,
      expand: async (roots) => ({
        entries: roots.map((r) => ({ module: r.module, version: r.version, zip: r.version === 'v1.1.0' ? 'no' : 'required', source: 'root', from: r.where })),
      }),
    });
    const [a] = outcomes;
    assert.deepEqual(a?.plan?.map((e) => `${e.version} ${e.download}`), ['v1.0.0 false', 'v1.1.0 false', 'v1.2.0 true']);
    assert.deepEqual(a?.planned, ['v1.2.0']);
    assert.deepEqual(a?.versions, []);
    assert.deepEqual(t.world.events, [`get ${A}/@v/list`], 'only the list is read; no file, index or record is written');
    assert.deepEqual([...t.world.files.keys()], filesBefore);
  });
});

describe('runSync onIndexed', () => {
  // The catalog reads a module ahead for its page when it fires: once per module whose list was
  // rewritten naming versions this run renamed in, after that list; never for a module that had nothing new.
  it('fires after the list of each module with new versions, and not on a re-run that finds them present', async () => {
    const t = setup({ [A]: served(A, 'v1.0.0', 'v1.1.0'), [B]: served(B, 'v1.0.0') });
    const indexed: { module: string; at: number }[] = [];
    const events = { onIndexed: (module: string) => void indexed.push({ module, at: t.world.events.length }) };
    await t.run([target(A, 'v1.0.0', 'v1.1.0'), target(B, 'v1.0.0')], { events });
    assert.deepEqual(indexed.map((e) => e.module).sort(), [A, B]);
    for (const { module, at } of indexed) {
      const listed = t.world.events.indexOf(`index ${module}`);
      assert.ok(listed >= 0 && listed < at, `${module}: after its list`);
    }
    indexed.length = 0;
    await t.run([target(A, 'v1.0.0', 'v1.1.0'), target(B, 'v1.0.0')], { events });
    assert.deepEqual(indexed, []);
  });
});

describe('runSync and the staging workers', () => {
  it('tells onDownloadsAhead (staging workers start early) when a module has files to fetch, before they are asked for; a re-run never', async () => {
    const t = setup({ [A]: served(A, 'v1.0.0'), [B]: served(B, 'v1.0.0') });
    let ahead = 0;
    let requestsThen: number | undefined;
    const onDownloadsAhead = (): void => {
      ahead++;
      requestsThen ??= t.world.events.filter((e) => /^get .*\.(zip|info)$/.test(e)).length;
    };
    await t.run([target(A, 'v1.0.0'), target(B, 'v1.0.0')], { onDownloadsAhead });
    assert.equal(ahead, 2, 'once per module with something to fetch');
    assert.equal(requestsThen, 0, 'before any version file was asked for');
    ahead = 0;
    await t.run([target(A, 'v1.0.0'), target(B, 'v1.0.0')], { onDownloadsAhead });
    assert.equal(ahead, 0, 'everything on disk: no worker needed');
  });
  it('hands each module on as it finishes (onModuleDone), before modules far behind it start, and keeps none to return', async () => {
    const paths = Array.from({ length: 12 }, (_, i) => `example.com/m${String(i).padStart(2, '0')}`);
    const t = setup(Object.fromEntries(paths.map((m) => [m, served(m, 'v1.0.0', 'v1.1.0')])));
    const order: string[] = [];
    const done: string[] = [];
    const outcomes = await t.run(
      paths.map((m) => target(m, 'all')),
      {
        concurrency: 1,
        events: { onResolved: (m) => void order.push(`start ${m}`), onVersion: (o) => void t.seen.push(o) },
        onModuleDone: async (o) => {
          order.push(`done ${o.module}`);
          done.push(`${o.module} ${o.versions.map((v) => `${v.version}:${v.status}`).sort().join(',')} ${o.errors.length}`);
        },
      },
    );
    assert.deepEqual(outcomes, [], 'no outcome kept to return');
    assert.deepEqual(done.sort(), paths.map((m) => `${m} v1.0.0:fetched,v1.1.0:fetched 0`));
    // Two modules at a time (concurrency 1): the first is handed on before the third starts, not at the end.
    assert.ok(order.indexOf(`done ${paths[0]}`) < order.indexOf(`start ${paths[2]}`), order.join('\n'));
    assert.ok(order.indexOf(`done ${paths[0]}`) < order.indexOf(`start ${paths[11]}`), order.join('\n'));
  });
});
