/**
 * The sync orchestrator against an in-memory upstream and a real tree on
 * disk: hashes are durable before any list names their versions, a module
 * that throws never returns while other modules still work, and a failed
 * publish before the indexes leaves every list alone.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GomirrorError } from '../../../src/errors.js';
import { parseVersionQuery } from '../../../src/module/index.js';
import { runSync, type SyncTarget } from '../../../src/sync/run.js';
import { stageVersion, type Stager } from '../../../src/mirror/stage.js';
import { createTreeStore, type TreeStore } from '../../../src/tree/store.js';
import { openSumStore } from '../../../src/gosum/sums.js';
import type { UpstreamClient } from '../../../src/upstream/client.js';

const fakeH1 = (s: string): string => `h1:${Buffer.from(s.padEnd(32, '.')).toString('base64')}`;

/** Modules with their versions; `slow` zips resolve only when released. */
function fakeUpstream(modules: Record<string, string[]>, events: string[], hold?: Promise<void>): UpstreamClient {
  return {
    async list(m) {
      const l = modules[m];
      if (!l) throw new GomirrorError('E_NOT_FOUND', `${m}: not found`);
      return l;
    },
    latest: () => Promise.reject(new GomirrorError('E_NOT_FOUND', 'no @latest')),
    async info(_m, v) {
      return Buffer.from(JSON.stringify({ Version: v, Time: '2024-01-01T00:00:00Z' }));
    },
    async mod(m) {
      return Buffer.from(`module ${m}\n`);
    },
    async zip(m, v, file) {
      if (hold && m.endsWith('/slow')) await hold;
      await writeFile(file, `zip of ${m}@${v}`);
      events.push(`zip ${m}@${v}`);
      return { size: 10 };
    },
  };
}

/** Stages the small files for real; the zip's "h1" is a fake one derived from its name. */
const fakeStage: Stager = async (job) => {
  await stageVersion({ files: job.files });
  if (!job.zip) return {};
  const h1 = fakeH1(`${job.zip.modulePath}@${job.zip.version}`);
  return { zip: { h1, goMod: undefined, fileCount: 1, size: 10, uncompressedSize: 10 } };
};

const targets = (...mods: string[]): SyncTarget[] =>
  mods.map((module) => ({ module, queries: [{ text: 'all', query: parseVersionQuery('all'), where: `modules[${module}]` }] }));

describe('runSync', () => {
  let dir: string;
  let n = 0;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gomirror-run-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));
  const freshRoot = (): string => path.join(dir, `t${n++}`);

  it('writes the hashes of a module\'s versions to .gomirror/go.sum before its list names them', async () => {
    const root = freshRoot();
    const base = createTreeStore(root);
    // Keyed by module: the other module's snapshot may already hold some of this one's versions.
    const seenAtRebuild = new Map<string, string>();
    const store: TreeStore = {
      ...base,
      async rebuildIndex(m, latest) {
        seenAtRebuild.set(m, (await base.read(base.layout.sumsFile()))?.toString() ?? '<no go.sum>');
        return base.rebuildIndex(m, latest);
      },
    };
    const sums = await openSumStore(store.layout.sumsFile());
    const events: string[] = [];
    const mods = { 'example.com/a': ['v1.0.0', 'v1.1.0'], 'example.com/b': ['v0.1.0'] };
    const outcomes = await runSync({
      targets: targets('example.com/a', 'example.com/b'),
      upstream: fakeUpstream(mods, events),
      store,
      sums,
      concurrency: 2,
      stage: fakeStage,
      flushIntervalMs: 3_600_000,
    });
    assert.deepEqual(outcomes.flatMap((o) => o.versions.map((v) => v.status)), ['fetched', 'fetched', 'fetched']);
    assert.deepEqual([...seenAtRebuild.keys()].sort(), Object.keys(mods));
    for (const [m, versions] of Object.entries(mods)) {
      const list = await readFile(store.layout.listFile(m), 'utf8');
      assert.equal(list, versions.map((v) => `${v}\n`).join(''));
      // The go.sum on disk when this module's list was rewritten held every version it names.
      const atRebuild = seenAtRebuild.get(m) ?? '<no rebuild>';
      for (const v of versions) {
        assert.ok(atRebuild.includes(`${m} ${v} ${fakeH1(`${m}@${v}`)}\n`), `${m}@${v} zip hash on disk before the list:\n${atRebuild}`);
        assert.ok(atRebuild.includes(`${m} ${v}/go.mod h1:`), `${m}@${v} go.mod hash on disk before the list:\n${atRebuild}`);
      }
    }
  });

  it('a module that throws outside a version does not return while other modules still download', async () => {
    const root = freshRoot();
    const base = createTreeStore(root);
    const store: TreeStore = {
      ...base,
      async versionDirNames(m) {
        if (m === 'example.com/broken') throw Object.assign(new Error('EACCES: permission denied, scandir'), { code: 'EACCES' });
        return base.versionDirNames(m);
      },
    };
    const sums = await openSumStore(store.layout.sumsFile());
    const events: string[] = [];
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    // The slow module's zips land only after the broken module has failed.
    const mods = { 'example.com/broken': ['v1.0.0'], 'example.com/slow': ['v1.0.0', 'v1.1.0'] };
    const run = runSync({
      targets: targets('example.com/broken', 'example.com/slow'),
      upstream: fakeUpstream(mods, events, hold),
      store,
      sums,
      concurrency: 4,
      stage: fakeStage,
      events: { onModuleError: (m, e) => events.push(`module error ${m}: ${e.message}`) },
    }).then(
      (o) => (events.push('run settled'), o),
      (err: unknown) => (events.push('run settled'), Promise.reject(err)),
    );
    setTimeout(release, 200);
    const outcomes = await run;
    assert.deepEqual(events.filter((e) => e.startsWith('zip ') || e === 'run settled').slice(-1), ['run settled']);
    assert.equal(events.filter((e) => e.startsWith('zip example.com/slow')).length, 2, events.join('\n'));
    const broken = outcomes.find((o) => o.module === 'example.com/broken');
    assert.match(broken?.errors.map((e) => e.message).join('\n') ?? '', /EACCES/);
    const slow = outcomes.find((o) => o.module === 'example.com/slow');
    assert.deepEqual(slow?.versions.map((v) => v.status), ['fetched', 'fetched']);
    assert.equal(await readFile(store.layout.listFile('example.com/slow'), 'utf8'), 'v1.0.0\nv1.1.0\n');
  });

  it('leaves every list as it was when beforeIndex reports a failed publish', async () => {
    const root = freshRoot();
    const store = createTreeStore(root);
    const sums = await openSumStore(store.layout.sumsFile());
    const mods = { 'example.com/a': ['v1.0.0'] };
    let calls = 0;
    const outcomes = await runSync({
      targets: targets('example.com/a'),
      upstream: fakeUpstream(mods, []),
      store,
      sums,
      concurrency: 2,
      stage: fakeStage,
      beforeIndex: async () => (calls++, false),
    });
    assert.equal(calls, 1);
    assert.deepEqual(outcomes[0]?.versions.map((v) => v.status), ['fetched']);
    assert.equal(await store.read(store.layout.listFile('example.com/a')), undefined, 'no list names the version');
    // The files and their hashes are there: the next run only has to publish and list.
    assert.ok(await store.exists(store.layout.versionFile('example.com/a', 'v1.0.0', 'zip')));
    assert.match(await readFile(store.layout.sumsFile(), 'utf8'), /^example\.com\/a v1\.0\.0 h1:/m);
  });
});
