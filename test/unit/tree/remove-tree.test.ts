import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { removeTree } from '../../../src/tree/index.js';
import { replaceFsPromise } from '../../helpers/sync-fs-spy.js';

describe('removeTree', () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-remove-tree-'));
  });
  after(async () => rm(work, { recursive: true, force: true }));

  it('removes nested directories and files, and a symlink without following it', async () => {
    const outside = path.join(work, 'outside');
    await mkdir(outside);
    await writeFile(path.join(outside, 'keep'), 'x');
    const dir = path.join(work, 'staging');
    for (const m of ['a', 'b/c', 'b/d/e']) {
      await mkdir(path.join(dir, m, '@v'), { recursive: true });
      for (const f of ['v1.0.0.info', 'v1.0.0.mod', 'v1.0.0.zip', 'list']) await writeFile(path.join(dir, m, '@v', f), f);
    }
    await mkdir(path.join(dir, 'empty'));
    await symlink(outside, path.join(dir, 'b', 'link'));
    await removeTree(dir);
    assert.deepEqual((await readdir(work)).sort(), ['outside']);
    assert.deepEqual(await readdir(outside), ['keep']);
  });

  it('a missing directory is no error; a file is removed', async () => {
    await removeTree(path.join(work, 'nothing-here'));
    const file = path.join(work, 'a-file');
    await writeFile(file, 'x');
    await removeTree(file);
    assert.ok(!(await readdir(work)).includes('a-file'));
  });

  it('unlinks at most 16 files at once, whatever the size of a directory', async () => {
    const dir = path.join(work, 'wide');
    await mkdir(dir);
    for (let i = 0; i < 200; i++) await writeFile(path.join(dir, `f${i}`), '');
    let inFlight = 0;
    let most = 0;
    let calls = 0;
    const restore = replaceFsPromise('unlink', (original) => async (...a) => {
      calls++;
      most = Math.max(most, ++inFlight);
      try {
        await new Promise((resolve) => setImmediate(resolve));
        return await original(...a);
      } finally {
        inFlight--;
      }
    });
    try {
      await removeTree(dir);
    } finally {
      restore();
    }
    assert.equal(calls, 200);
    assert.equal(most, 16);
    assert.ok(!(await readdir(work)).includes('wide'));
  });
});
