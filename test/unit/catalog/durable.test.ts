/**
 * The catalog's pages are made durable once per regeneration (durable.ts), not
 * with an fsync per page and per directory, and a regeneration cut short by a
 * power cut (its marker left in another boot) renders every page again.
 */
import assert from 'node:assert/strict';
import { mkdtemp, open, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { regenerateCatalog } from '../../../src/catalog/index.js';
import { bootId } from '../../../src/catalog/durable.js';
import { modulePagePath } from '../../../src/catalog/module-view.js';
import { writeFlatTree } from '../../helpers/flat-tree.js';

const MODULES = 24;
const marker = (root: string): string => path.join(root, '.gomirror', 'catalog-writing');
const page = (root: string, j: number): string => path.join(root, ...modulePagePath(`flat.example.com/m${j}`).split('/'));
const exists = (f: string): Promise<boolean> => stat(f).then(() => true, () => false);

/** Counts FileHandle.sync calls (every fsync of node:fs/promises goes through it) while `fn` runs. */
async function countFsyncs(fn: () => Promise<unknown>): Promise<number> {
  const fh = await open(os.devNull, 'r');
  const proto = Object.getPrototypeOf(fh) as { sync: () => Promise<void> };
  await fh.close();
  const original = proto.sync;
  let n = 0;
  proto.sync = function (this: unknown) {
    n++;
    return original.call(this);
  };
  try {
    await fn();
  } finally {
    proto.sync = original;
  }
  return n;
}

describe('catalog pages are synced once per regeneration', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gomirror-cat-durable-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes every page with a handful of fsyncs, not two per page', async () => {
    const root = path.join(dir, 'count');
    await writeFlatTree(root, MODULES, 2);
    let result: Awaited<ReturnType<typeof regenerateCatalog>> | undefined;
    const fsyncs = await countFsyncs(async () => {
      result = await regenerateCatalog(root);
    });
    assert.equal(result?.modules, MODULES);
    assert.ok((result?.written ?? 0) > MODULES, `written ${result?.written}`);
    for (let j = 0; j < MODULES; j++) assert.ok((await readFile(page(root, j), 'utf8')).includes(`flat.example.com/m${j}`));
    // The marker (file + directory), the state (file + directory), the front state (file + directory), the marker's removal.
    assert.ok(fsyncs <= 8, `${fsyncs} fsyncs for ${result?.written} files`);
    assert.equal(await exists(marker(root)), false);
  });

  it('renders every page again after a regeneration cut short in another boot (a power cut)', async () => {
    const root = path.join(dir, 'power');
    await writeFlatTree(root, MODULES, 2);
    await regenerateCatalog(root);
    const want = await readFile(page(root, 3));
    // What a power cut can leave: a page renamed in before its bytes reached the disk, and the marker.
    await truncate(page(root, 3), 0);
    await writeFile(marker(root), 'a-boot-long-gone\n');
    const r = await regenerateCatalog(root, { changed: [] });
    assert.equal(r.modulesRead, MODULES);
    assert.deepEqual(await readFile(page(root, 3)), want);
    assert.equal(await exists(marker(root)), false);
  });

  it('a marker of this boot (a killed process) costs no render: the pages are whole in the page cache', async () => {
    const root = path.join(dir, 'killed');
    await writeFlatTree(root, MODULES, 2);
    await regenerateCatalog(root);
    await writeFile(marker(root), `${await bootId()}\n`);
    const r = await regenerateCatalog(root, { changed: [] });
    assert.equal(r.modulesRead, 0);
    assert.equal(await exists(marker(root)), false);
  });
});
