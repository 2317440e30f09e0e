/**
 * Bundles and the vulnerability database: export carries vulndb/, import
 * checks the bundled database as a whole (with what the root has) and never
 * rolls the root's copy back.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { exportBundle, importBundles } from '../../../src/bundle/index.js';
import { silentLogger } from '../../../src/logger.js';
import { vulnDbFiles, writeVulnDb, type TestVuln } from '../../helpers/fixture-vulndb.js';

const V1: TestVuln[] = [
  { id: 'GO-2024-0001', modified: '2024-03-01T00:00:00Z', affected: [{ module: 'example.com/m', ranges: [[{ introduced: '0' }, { fixed: '1.1.0' }]] }] },
];
const V2: TestVuln[] = [...V1, { id: 'GO-2024-0002', modified: '2024-04-01T00:00:00Z', affected: [{ module: 'example.com/m', ranges: [[{ introduced: '1.2.0' }]] }] }];

async function files(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await readdir(root, { recursive: true, withFileTypes: true }).catch(() => [])) {
    if (!e.isDirectory()) out.set(path.relative(root, path.join(e.parentPath, e.name)), (await readFile(path.join(e.parentPath, e.name))).toString('base64'));
  }
  return out;
}

describe('bundles carry the vulnerability database', () => {
  let dir: string;
  let n = 0;
  /** A bundle of a tree holding just this database (after `damage`). */
  const bundleOf = async (vulns: TestVuln[], damage?: (vulndb: string) => Promise<void>): Promise<string> => {
    const src = path.join(dir, `src${++n}`);
    await writeVulnDb(path.join(src, 'vulndb'), vulnDbFiles(vulns));
    await damage?.(path.join(src, 'vulndb'));
    const out = path.join(dir, `b${n}.tar`);
    await exportBundle({ root: src, out }, silentLogger);
    return out;
  };
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gomirror-bundle-vulndb-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('imports a database byte for byte; a newer one replaces it; an older one leaves it alone', async () => {
    const root = path.join(dir, 'root1');
    const [b1, b2] = [await bundleOf(V1), await bundleOf(V2)];
    await importBundles({ root, bundles: [b1] }, silentLogger);
    const want1 = await files(path.join(dir, `src1`, 'vulndb'));
    assert.deepEqual(await files(path.join(root, 'vulndb')), want1);
    await importBundles({ root, bundles: [b2] }, silentLogger);
    const want2 = await files(path.join(dir, `src2`, 'vulndb'));
    assert.deepEqual(await files(path.join(root, 'vulndb')), want2);
    const [again] = await importBundles({ root, bundles: [b1] }, silentLogger);
    assert.deepEqual(await files(path.join(root, 'vulndb')), want2);
    assert.equal(again?.added, 0);
    assert.equal(again?.updated, 0);
  });

  const refused: [name: string, damage: (vulndb: string) => Promise<void>, message: RegExp][] = [
    [
      'an entry an index names is missing',
      (db) => rm(path.join(db, 'ID/GO-2024-0002.json')).then(() => rm(path.join(db, 'ID/GO-2024-0002.json.gz'))),
      /vulndb\/ID\/GO-2024-0002\.json: vulndb check failed: missing, but index\/vulns\.json names GO-2024-0002/,
    ],
    ['a .gz that is not the gzip of its .json', (db) => writeFile(path.join(db, 'index/modules.json.gz'), 'junk'), /vulndb\/index\/modules\.json\.gz: vulndb check failed: is not the gzip of index\/modules\.json/],
    [
      'an entry filed under another id',
      async (db) => {
        const other = await readFile(path.join(db, 'ID/GO-2024-0001.json'));
        await writeFile(path.join(db, 'ID/GO-2024-0002.json'), other);
        const { gzipSync } = await import('node:zlib');
        await writeFile(path.join(db, 'ID/GO-2024-0002.json.gz'), gzipSync(other));
      },
      /vulndb\/ID\/GO-2024-0002\.json: vulndb check failed: its id is "GO-2024-0001"/,
    ],
  ];
  for (const [name, damage, message] of refused) {
    it(`refused, root unchanged: ${name}`, async () => {
      const root = path.join(dir, `root-${name.replace(/\W+/g, '-')}`);
      await importBundles({ root, bundles: [await bundleOf(V1)] }, silentLogger);
      const before = await files(root);
      await assert.rejects(importBundles({ root, bundles: [await bundleOf(V2, damage)] }, silentLogger), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'E_BUNDLE');
        assert.match(e.message, message);
        return true;
      });
      assert.deepEqual(await files(root), before);
    });
  }
});
