/**
 * Modules read ahead while a sync runs (PreparedModules) are not read again
 * by the refresh, and their pages are the same bytes; a module whose `@v`
 * directory changed after it was read ahead is read again.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PreparedModules, regenerateCatalog } from '../../../src/catalog/index.js';
import { modulePagePath } from '../../../src/catalog/module-view.js';
import { moduleStamp } from '../../../src/catalog/scan.js';
import { writeFlatTree } from '../../helpers/flat-tree.js';
import { spySyncFsCalls } from '../../helpers/sync-fs-spy.js';

const MODULES = 12;
const mod = (j: number): string => `flat.example.com/m${j}`;
const page = (root: string, j: number): string => path.join(root, ...modulePagePath(mod(j)).split('/'));
const now = (): Date => new Date('2025-01-01T00:00:00Z');

/** The .info files the refresh opened, by module index. */
function infoReads(calls: readonly string[]): Set<number> {
  const out = new Set<number>();
  for (const c of calls) {
    const m = /^openSync .*flat\.example\.com[/\\]m(\d+)[/\\]@v[/\\].*\.info$/.exec(c);
    if (m) out.add(Number(m[1]));
  }
  return out;
}

describe('catalog: modules read ahead during the sync', () => {
  let dir: string;
  let plain: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gomirror-cat-prepare-'));
    plain = path.join(dir, 'plain');
    await writeFlatTree(plain, MODULES, 3);
    // m0's latest go.mod requires m5: its page links m5's page when the tree holds m5.
    await writeFile(path.join(plain, 'flat.example.com', 'm0', '@v', 'v1.0.2.mod'), 'module flat.example.com/m0\n\nrequire flat.example.com/m5 v1.0.0\n');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('the refresh takes what was read ahead instead of reading the module again, same bytes', async () => {
    const ahead = path.join(dir, 'ahead');
    await cp(plain, ahead, { recursive: true, preserveTimestamps: true });
    const first = [0, 1, 2, 3, 4, 5];
    await regenerateCatalog(plain, { now });
    await regenerateCatalog(ahead, { now });
    const prepared = new PreparedModules(ahead);
    for (const j of first) prepared.moduleDone(mod(j));
    await prepared.idle();
    const spy = spySyncFsCalls();
    let r;
    try {
      r = await regenerateCatalog(ahead, { now, full: true, prepared });
    } finally {
      spy.restore();
    }
    assert.equal(r.modulesRead, MODULES);
    assert.equal(prepared.size, 0);
    // Every module is on the page list; only those not read ahead are read by the refresh.
    assert.deepEqual([...infoReads(spy.calls)].sort((a, b) => a - b), [6, 7, 8, 9, 10, 11]);
    for (let j = 0; j < MODULES; j++) assert.deepEqual(await readFile(page(ahead, j)), await readFile(page(plain, j)), mod(j));
  });

  it('a module whose @v directory changed after the read ahead is read again', async () => {
    const root = path.join(dir, 'changed');
    await cp(plain, root, { recursive: true, preserveTimestamps: true });
    await regenerateCatalog(root, { now });
    const prepared = new PreparedModules(root);
    prepared.moduleDone(mod(2));
    prepared.moduleDone(mod(3));
    // The read ahead ends, then a new version of m2 arrives.
    await prepared.idle();
    const v = path.join(root, 'flat.example.com', 'm2', '@v');
    await writeFile(path.join(v, 'v1.1.0.info'), JSON.stringify({ Version: 'v1.1.0', Time: '2024-06-01T00:00:00Z' }));
    await writeFile(path.join(v, 'v1.1.0.mod'), 'module flat.example.com/m2\n');
    await writeFile(path.join(v, 'list'), 'v1.0.0\nv1.0.1\nv1.0.2\nv1.1.0\n');
    const spy = spySyncFsCalls();
    try {
      await regenerateCatalog(root, { now, changed: [mod(2), mod(3)], prepared });
    } finally {
      spy.restore();
    }
    assert.deepEqual([...infoReads(spy.calls)], [2]);
    assert.match(await readFile(page(root, 2), 'utf8'), /v1\.1\.0/);
  });

  it('a page rendered ahead that linked a requirement differently (not in the tree then) is rendered again', async () => {
    const root = path.join(dir, 'links');
    await cp(plain, root, { recursive: true, preserveTimestamps: true });
    const m5 = path.join(root, 'flat.example.com', 'm5');
    await rename(m5, `${m5}.away`);
    const prepared = new PreparedModules(root);
    prepared.moduleDone(mod(0));
    await prepared.idle();
    await rename(`${m5}.away`, m5);
    await regenerateCatalog(plain, { now });
    await regenerateCatalog(root, { now, prepared });
    const html = await readFile(page(root, 0), 'utf8');
    assert.match(html, /href="[^"]*m5\/@index\.html"/);
    assert.equal(html, await readFile(page(plain, 0), 'utf8'));
  });

  it('links a requirement the sync mirrors (expect) though it is not in the tree yet', async () => {
    const root = path.join(dir, 'expect');
    await cp(plain, root, { recursive: true, preserveTimestamps: true });
    const m5 = path.join(root, 'flat.example.com', 'm5');
    await rename(m5, `${m5}.away`);
    const prepared = new PreparedModules(root, [mod(5)]);
    prepared.moduleDone(mod(0));
    await prepared.idle();
    const got = await prepared.take(mod(0), moduleStamp(root, mod(0)) as string);
    assert.deepEqual([...(got?.links ?? [])], [[mod(5), true]]);
    assert.match(got?.html ?? '', /href="[^"]*m5\/@index\.html"/);
  });
});
