/**
 * pruneTree on copies of an x/mod-built tree (the fixture upstream with its
 * true hashes recorded is a valid tree).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../../src/logger.js';
import { parseManifest } from '../../../src/manifest/index.js';
import { escapePath } from '../../../src/module/index.js';
import { applyPrune, findNeededVersions, planPrune, pruneTree, readModulesOnDisk, type PruneConfig } from '../../../src/prune/index.js';
import { acquireTreeLock } from '../../../src/tree/lock.js';
import { createTreeStore } from '../../../src/tree/store.js';
import { verifyTree } from '../../../src/verify/index.js';
import { BASIC, BASIC_PSEUDO, basicSpec, buildUpstream, type Upstream } from '../../helpers/fixture-upstream.js';
import { treeFiles, treeFromUpstream } from '../../helpers/tree.js';
import { vulnDbFiles, writeVulnDb } from '../../helpers/fixture-vulndb.js';

describe('pruneTree', () => {
  let upstream: Upstream;
  let work: string;
  let n = 0;
  before(async () => {
    upstream = await buildUpstream(basicSpec());
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-prune-unit-'));
  });
  after(async () => {
    await upstream?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const freshTree = (): Promise<string> => treeFromUpstream(upstream, path.join(work, `tree-${n++}`));
  const modules = (mods: unknown[], deps = false): PruneConfig['modules'] =>
    parseManifest(JSON.stringify({ deps, modules: mods }), path.join(work, 'm.json')).modules ?? [];
  const config = (root: string, over: Partial<PruneConfig>): PruneConfig => ({
    root,
    modules: [],
    gosum: [],
    gomod: [],
    deps: false,
    keepDays: 0,
    graceSeconds: 0,
    dryRun: false,
    ...over,
  });
  const versionsOnDisk = async (root: string): Promise<string[]> =>
    (await readModulesOnDisk(createTreeStore(root))).flatMap((m) => m.versions.map((v) => `${m.module}@${v.version}`)).sort();

  it('keeps what the queries select in the tree, removes the rest, and leaves a tree that verifies', async () => {
    const root = await freshTree();
    const mods = modules([
      { path: BASIC.alpha, versions: ['latest', BASIC_PSEUDO.alpha] },
      { path: BASIC.toml, versions: ['>=v1.0.0'] },
      { path: BASIC.pseudoOnly, versions: ['latest'] },
    ]);
    const gosum = path.join(work, 'yaml.sum');
    await writeFile(gosum, upstream.goSum.split('\n').filter((l) => l.startsWith(`${BASIC.yaml} v2.2.8`)).join('\n') + '\n');
    const result = await pruneTree(config(root, { modules: mods, gosum: [gosum] }), silentLogger);
    assert.deepEqual(await versionsOnDisk(root), [
      `${BASIC.toml}@v1.0.0`,
      `${BASIC.toml}@v1.2.3`,
      `${BASIC.alpha}@v1.1.0`,
      `${BASIC.alpha}@${BASIC_PSEUDO.alpha}`,
      `${BASIC.pseudoOnly}@${BASIC_PSEUDO.pseudoOnly}`,
      `${BASIC.yaml}@v2.2.8`,
    ]);
    assert.equal(result.plan.removedVersions, 10);
    assert.equal(result.plan.keptVersions, 6);
    const read = (rel: string): Promise<string> => readFile(path.join(root, rel), 'utf8');
    assert.equal(await read(`${escapePath(BASIC.alpha)}/@v/list`), 'v1.1.0\n');
    assert.equal(await read(`${escapePath(BASIC.toml)}/@v/list`), 'v1.0.0\nv1.2.3\n');
    assert.equal(await read(`${escapePath(BASIC.yaml)}/@v/list`), 'v2.2.8\n');
    // Modules left with nothing are gone, directories included; alpha/v2 went but alpha stays.
    const files = await treeFiles(root);
    for (const gone of [BASIC.app, BASIC.legacy, BASIC.alphaV2]) {
      assert.equal(files.some((f) => f.startsWith(`${escapePath(gone)}/`)), false, gone);
    }
    const sums = (await read('.gomirror/go.sum')).trim().split('\n');
    assert.equal(sums.length, 12);
    assert.equal((await verifyTree(root)).ok, true);
  });

  it('with deps, keeps what the kept versions require', async () => {
    const root = await freshTree();
    const { needed } = await findNeededVersions(
      { modules: modules([{ path: BASIC.app, versions: ['latest'] }], true), gosum: [], gomod: [], deps: true },
      createTreeStore(root),
      await readModulesOnDisk(createTreeStore(root)),
    );
    assert.deepEqual([...needed].sort(), [`${BASIC.toml}@v1.0.0`, `${BASIC.alpha}@v1.1.0`, `${BASIC.app}@v1.0.0`, `${BASIC.yaml}@v2.4.0`]);
  });

  it('with vulnerable: refuse-latest, latest keeps the version sync takes instead of an affected one', async () => {
    const root = await freshTree();
    // v1.1.0, alpha's latest, is affected by a vulnerability fixed in v1.1.1 (not released).
    await writeVulnDb(
      path.join(root, 'vulndb'),
      vulnDbFiles([{ id: 'GO-2024-0001', modified: '2024-01-01T00:00:00Z', affected: [{ module: BASIC.alpha, ranges: [[{ introduced: '1.1.0' }, { fixed: '1.1.1' }]] }] }]),
    );
    const mods = modules([{ path: BASIC.alpha, versions: ['latest'] }]);
    const store = createTreeStore(root);
    const onDisk = await readModulesOnDisk(store);
    const needs = async (vulnerable?: 'allow' | 'refuse-latest'): Promise<string[]> =>
      [...(await findNeededVersions({ modules: mods, gosum: [], gomod: [], deps: false, ...(vulnerable ? { vulnerable } : {}) }, store, onDisk)).needed];
    assert.deepEqual(await needs('refuse-latest'), [`${BASIC.alpha}@v1.0.0`]);
    assert.deepEqual(await needs('allow'), [`${BASIC.alpha}@v1.1.0`]);
    assert.deepEqual(await needs(), [`${BASIC.alpha}@v1.1.0`]);
  });

  it('keeps go.mod requirements (after replace) named by --gomod', async () => {
    const root = await freshTree();
    const gomod = path.join(work, 'go.mod');
    await writeFile(
      gomod,
      `module example.com/svc\n\ngo 1.21\n\nrequire (\n\t${BASIC.alpha} v1.0.0\n\t${BASIC.yaml} v2.2.8 // indirect\n)\n\nreplace ${BASIC.alpha} v1.0.0 => ${BASIC.alpha} v1.1.0\n`,
    );
    const { needed } = await findNeededVersions({ modules: [], gosum: [], gomod: [gomod], deps: false }, createTreeStore(root), []);
    assert.deepEqual([...needed].sort(), [`${BASIC.alpha}@v1.1.0`, `${BASIC.yaml}@v2.2.8`]);
  });

  it('a dry run changes nothing; --keep-days keeps young files', async () => {
    const root = await freshTree();
    const before = await treeFiles(root);
    const dry = await pruneTree(config(root, { modules: modules([{ path: BASIC.alpha, versions: ['v1.0.0'] }]), dryRun: true }), silentLogger);
    assert.equal(dry.plan.removedVersions, 15);
    assert.deepEqual(await treeFiles(root), before);
    const young = await pruneTree(config(root, { modules: modules([{ path: BASIC.alpha, versions: ['v1.0.0'] }]), keepDays: 1 }), silentLogger);
    assert.equal(young.plan.removedVersions, 0);
    assert.deepEqual(await treeFiles(root), before);
  });

  it('rewrites every list before deleting any file', async () => {
    const root = await freshTree();
    const store = createTreeStore(root);
    const onDisk = await readModulesOnDisk(store);
    const plan = planPrune(onDisk, { needed: new Set([`${BASIC.alpha}@v1.0.0`]), keepDays: 0, now: Date.now() });
    let seenAtGrace: { list: string; zipStillThere: boolean } | undefined;
    await applyPrune(store, plan, {
      graceMs: 1,
      logger: silentLogger,
      sleep: async () => {
        seenAtGrace = {
          list: await readFile(store.layout.listFile(BASIC.alpha), 'utf8'),
          zipStillThere: (await store.read(store.layout.versionFile(BASIC.alpha, 'v1.1.0', 'zip'))) !== undefined,
        };
      },
    });
    assert.deepEqual(seenAtGrace, { list: 'v1.0.0\n', zipStillThere: true });
    assert.equal(await store.read(store.layout.versionFile(BASIC.alpha, 'v1.1.0', 'zip')), undefined);
  });

  it('waits for no one: exits with E_LOCKED while another run holds the tree', async () => {
    const root = await freshTree();
    const lock = await acquireTreeLock(root, { command: 'sync', releaseOnExit: false });
    try {
      await assert.rejects(
        pruneTree(config(root, { modules: modules([{ path: BASIC.alpha, versions: ['v1.0.0'] }]) }), silentLogger),
        (err: unknown) => (err as { code?: string }).code === 'E_LOCKED',
      );
    } finally {
      await lock.release();
    }
  });
});
