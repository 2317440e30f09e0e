/**
 * bundle import against hand-built tars (tar-stream): hostile entries are
 * refused before anything is written and the root stays as it was; sumdb and
 * index files merge without rolling anything back. Module zips are covered
 * end to end in test/e2e/bundle.test.ts.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import tar from 'tar-stream';

import { BUNDLE_FORMAT, exportBundle, generateSigningKeyPair, importBundles, serializeIndex, type BundleFile } from '../../../src/bundle/index.js';
import { silentLogger } from '../../../src/logger.js';

interface Entry {
  name: string;
  data?: string;
  type?: 'file' | 'symlink' | 'directory';
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const note = (n: number): string => `go.sum database tree\n${n}\nAbCd==\n\n— sum.golang.org Az3g\n`;

/** A tar of `entries`, then an index naming the `tree/` files among them (unless `index` is given). */
async function writeTar(file: string, entries: Entry[], index?: string | null): Promise<void> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(c as Buffer);
  })();
  const add = (e: Entry): Promise<void> =>
    new Promise((resolve, reject) => {
      const header = { name: e.name, type: e.type ?? 'file', ...(e.type === 'symlink' ? { linkname: '/etc/passwd' } : {}) } as const;
      pack.entry(header, e.type === 'file' || e.type === undefined ? (e.data ?? '') : '', (err) => (err ? reject(err) : resolve()));
    });
  for (const e of entries) await add(e);
  const files: BundleFile[] = entries
    .filter((e) => e.name.startsWith('tree/') && (e.type ?? 'file') === 'file')
    .map((e) => ({ path: e.name.slice(5), size: Buffer.byteLength(e.data ?? ''), sha256: sha(e.data ?? ''), bundled: true }));
  const text =
    index === undefined
      ? serializeIndex({ format: BUNDLE_FORMAT, tool: 'test', created: '2025-01-01T00:00:00Z', since: null, files, sums: [] }).toString()
      : index;
  if (text !== null) await add({ name: 'gomirror-index.json', data: text });
  pack.finalize();
  await done;
  await writeFile(file, Buffer.concat(chunks));
}

/** Every file (with its content) and directory under root, for "the root is unchanged" checks. */
async function snapshot(root: string): Promise<Record<string, string> | 'missing'> {
  try {
    await stat(root);
  } catch {
    return 'missing';
  }
  const out: Record<string, string> = {};
  for (const e of await readdir(root, { recursive: true, withFileTypes: true })) {
    const rel = path.relative(root, path.join(e.parentPath, e.name));
    out[e.isDirectory() ? `${rel}/` : rel] = e.isDirectory() ? '' : await readFile(path.join(root, rel), 'utf8');
  }
  return out;
}

describe('bundle import of hand-built tars', () => {
  let dir: string;
  let root: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gomirror-import-'));
    root = path.join(dir, 'root');
    await mkdir(path.join(root, 'sumdb/sum.golang.org'), { recursive: true });
    await writeFile(path.join(root, 'sumdb/sum.golang.org/latest'), note(100));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const refusals: Array<[string, Entry[], string | null | undefined, RegExp]> = [
    ['a ../ entry', [{ name: 'tree/../../evil.txt', data: 'x' }], undefined, /tree\/\.\.\/\.\.\/evil\.txt: entry name check failed: path traversal/],
    ['a bare ../ entry', [{ name: '../evil.txt', data: 'x' }], undefined, /\.\.\/evil\.txt: entry name check failed: path traversal/],
    ['an absolute entry', [{ name: '/etc/evil', data: 'x' }], undefined, /\/etc\/evil: entry name check failed: absolute path/],
    ['tool state', [{ name: 'tree/.gomirror/go.sum', data: 'x' }], undefined, /entry name check failed: tool state \(\.gomirror\/\) never travels/],
    ['a stray file', [{ name: 'tree/notes.txt', data: 'x' }], undefined, /tree\/notes\.txt: entry name check failed: not a file of the tree layout/],
    ['a symlink', [{ name: 'tree/sumdb/sum.golang.org/latest', type: 'symlink' }], undefined, /entry type check failed: a symlink entry/],
    ['a directory', [{ name: 'tree/sumdb/', type: 'directory' }], undefined, /entry type check failed: a directory entry/],
    ['no index', [{ name: 'tree/sumdb/sum.golang.org/latest', data: note(200) }], null, /gomirror-index\.json: index check failed: the bundle ends without its index/],
    ['a broken index', [{ name: 'tree/sumdb/sum.golang.org/latest', data: note(200) }], '{', /index check failed: .*not JSON/],
    [
      'a file the index does not name',
      [{ name: 'tree/sumdb/sum.golang.org/latest', data: note(200) }],
      serializeIndex({ format: BUNDLE_FORMAT, tool: 't', created: '2025-01-01T00:00:00Z', since: null, files: [], sums: [] }).toString(),
      /tree\/sumdb\/sum\.golang\.org\/latest: index check failed: the index does not name this file/,
    ],
    [
      'a file whose bytes differ from the index',
      [{ name: 'tree/sumdb/sum.golang.org/latest', data: note(200) }],
      serializeIndex({
        format: BUNDLE_FORMAT,
        tool: 't',
        created: '2025-01-01T00:00:00Z',
        since: null,
        files: [{ path: 'sumdb/sum.golang.org/latest', size: Buffer.byteLength(note(200)), sha256: sha(note(201)), bundled: true }],
        sums: [],
      }).toString(),
      /SECURITY ERROR: .*sumdb\/sum\.golang\.org\/latest: sha256 check failed/,
    ],
    [
      'a list naming versions that are nowhere',
      [{ name: 'tree/example.com/a/@v/list', data: 'v1.0.0\n' }],
      undefined,
      /example\.com\/a\/@v\/list: completeness check failed: the list names example\.com\/a@v1\.0\.0, but example\.com\/a\/@v\/v1\.0\.0\.info is neither in the bundle nor in the root/,
    ],
  ];
  for (const [what, entries, index, message] of refusals) {
    it(`refuses ${what}, leaving the root as it was`, async () => {
      const file = path.join(dir, 'b.tar');
      await writeTar(file, entries, index);
      for (const r of [root, path.join(dir, 'fresh')]) {
        const before = await snapshot(r);
        await assert.rejects(importBundles({ root: r, bundles: [file] }, silentLogger), (err: Error & { hint?: string }) => {
          assert.match(err.message, message);
          assert.match(err.message, /^(SECURITY ERROR: )?bundle .*b\.tar refused: /);
          assert.match(err.hint ?? '', /Nothing was imported; the root is unchanged\.$/);
          return true;
        });
        assert.deepEqual(await snapshot(r), before);
      }
      await assert.rejects(stat(path.join(dir, 'evil.txt')));
    });
  }

  it('a truncated bundle is refused', async () => {
    const file = path.join(dir, 'full.tar');
    await writeTar(file, [{ name: 'tree/sumdb/sum.golang.org/latest', data: note(200) }]);
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.length - 1024));
    await assert.rejects(importBundles({ root, bundles: [file] }, silentLogger), {
      code: 'E_BUNDLE',
      message: /full\.tar: tar format check failed: the bundle ends without the tar end-of-archive marker/,
    });
    await writeFile(file, bytes.subarray(0, 700));
    await assert.rejects(importBundles({ root, bundles: [file] }, silentLogger), { code: 'E_BUNDLE', message: /tar format check failed/ });
  });

  it('keeps the sumdb files of the larger tree and adds new ones; a second import changes nothing', async () => {
    const file = path.join(dir, 'sumdb.tar');
    const lookup = `7\nexample.com/a v1.0.0 h1:x=\n\n${note(90)}`;
    await writeTar(file, [
      { name: 'tree/sumdb/sum.golang.org/latest', data: note(90) },
      { name: 'tree/sumdb/sum.golang.org/lookup/example.com/a@v1.0.0', data: lookup },
      { name: 'tree/sumdb/sum.golang.org/tile/8/0/000.p/8', data: 'x'.repeat(256) },
      { name: 'tree/sumdb/sum.golang.org/supported', data: '' },
    ]);
    const [r] = await importBundles({ root, bundles: [file] }, silentLogger);
    assert.deepEqual({ added: r?.added, updated: r?.updated, unchanged: r?.unchanged }, { added: 3, updated: 0, unchanged: 1 });
    assert.equal(await readFile(path.join(root, 'sumdb/sum.golang.org/latest'), 'utf8'), note(100));
    assert.equal(await readFile(path.join(root, 'sumdb/sum.golang.org/lookup/example.com/a@v1.0.0'), 'utf8'), lookup);
    const [again] = await importBundles({ root, bundles: [file] }, silentLogger);
    assert.deepEqual({ added: again?.added, updated: again?.updated, unchanged: again?.unchanged }, { added: 0, updated: 0, unchanged: 4 });
    // No staging directory and no lock is left behind: only the catalog's state.
    assert.deepEqual((await readdir(path.join(root, '.gomirror'))).sort(), ['catalog-front.json', 'catalog.json']);
  });

  it('refuses sums that contradict recorded hashes, and records only the sums of files it carries', async () => {
    const own = path.join(dir, 'sums-root');
    const good = `h1:${Buffer.alloc(32, 7).toString('base64')}`;
    const bad = `h1:${Buffer.alloc(32, 0).toString('base64')}`;
    await mkdir(path.join(own, '.gomirror'), { recursive: true });
    const recorded = `example.com/present v1.0.0 ${good}\nexample.com/present v1.0.0/go.mod ${good}\n`;
    await writeFile(path.join(own, '.gomirror/go.sum'), recorded);
    const indexWith = (sums: string[]): string =>
      serializeIndex({ format: BUNDLE_FORMAT, tool: 't', created: '2025-01-01T00:00:00Z', since: null, files: [], sums }).toString();

    // No files at all, and a sum for a version the root holds: refused, nothing recorded.
    const hostile = path.join(dir, 'hostile-sums.tar');
    await writeTar(hostile, [], indexWith([`example.com/present v1.0.0 ${bad}`]));
    const before = await snapshot(own);
    await assert.rejects(importBundles({ root: own, bundles: [hostile] }, silentLogger), {
      code: 'E_CHECKSUM_MISMATCH',
      message: /gomirror-index\.json: conflict check failed: its sums say h1:A+= for example\.com\/present v1\.0\.0, but this root recorded h1:Bwc/,
    });
    assert.deepEqual(await snapshot(own), before);

    // Sums for versions it does not carry are not recorded.
    const stray = path.join(dir, 'stray-sums.tar');
    await writeTar(stray, [], indexWith([`example.com/other v1.0.0 ${bad}`, `example.com/other v1.0.0/go.mod ${bad}`]));
    const [r] = await importBundles({ root: own, bundles: [stray] }, silentLogger);
    assert.equal(r?.sumsAdded, 0);
    assert.equal(await readFile(path.join(own, '.gomirror/go.sum'), 'utf8'), recorded);
  });

  it('a file or directory in the way in the root is E_FS naming the local path, not a damaged bundle', async () => {
    const own = path.join(dir, 'clash-root');
    await mkdir(path.join(own, 'sumdb/sum.golang.org/latest'), { recursive: true });
    await writeFile(path.join(own, 'example.com'), 'a file where a directory must be');
    const cases: Array<[string, Entry[], RegExp]> = [
      ['clash-dir.tar', [{ name: 'tree/sumdb/sum.golang.org/latest', data: note(300) }], /sumdb\/sum\.golang\.org\/latest: a directory is where this file must go/],
      ['clash-file.tar', [{ name: 'tree/example.com/clash/@v/list', data: '' }], /example\.com\/clash\/@v\/list: a file is where a directory of this path must be/],
    ];
    for (const [name, entries, message] of cases) {
      const file = path.join(dir, name);
      await writeTar(file, entries);
      const before = await snapshot(own);
      await assert.rejects(importBundles({ root: own, bundles: [file] }, silentLogger), (err: Error & { code?: string; hint?: string }) => {
        assert.equal(err.code, 'E_FS', err.message);
        assert.ok(err.message.startsWith(own), err.message);
        assert.match(err.message, message);
        assert.doesNotMatch(`${err.message} ${err.hint}`, /damaged|truncated|copy it again/);
        return true;
      });
      assert.deepEqual(await snapshot(own), before);
    }
  });

  it('checks the free space the index asks for before staging anything', async () => {
    const own = path.join(dir, 'space-root');
    await mkdir(own);
    const file = path.join(dir, 'space.tar');
    await writeTar(file, [{ name: 'tree/sumdb/sum.golang.org/tile/8/0/000.p/9', data: 'z'.repeat(288) }]);
    const before = await snapshot(own);
    const asked: string[] = [];
    const freeBytes = async (d: string): Promise<number> => (asked.push(d), 1000);
    await assert.rejects(importBundles({ root: own, bundles: [file], freeBytes }, silentLogger), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'E_FS');
      assert.match(err.message, /space-root\/\.gomirror: importing .*space\.tar needs about \d+ bytes, but only 1000 are free there/);
      return true;
    });
    assert.deepEqual(asked, [path.join(own, '.gomirror')]);
    assert.deepEqual(await snapshot(own), before, 'nothing staged, nothing left');
    const [r] = await importBundles({ root: own, bundles: [file], freeBytes: async () => 1e9 }, silentLogger);
    assert.equal(r?.added, 1);
  });

  it('with --verify-key refuses an unsigned bundle before staging any of its entries', async () => {
    const keys = generateSigningKeyPair();
    const pub = path.join(dir, 'verify.pub');
    await writeFile(pub, keys.publicPem);
    const file = path.join(dir, 'unsigned.tar');
    // An entry staging itself would refuse: the signature check must come first.
    await writeTar(file, [{ name: 'tree/sumdb/sum.golang.org/latest', type: 'symlink' }]);
    const before = await snapshot(root);
    await assert.rejects(importBundles({ root, bundles: [file], verifyKey: pub }, silentLogger), (err: Error & { code?: string; hint?: string }) => {
      assert.equal(err.code, 'E_SIGNATURE');
      assert.match(err.message, /unsigned\.tar is not signed, and --verify-key requires a signature/);
      assert.match(err.hint ?? '', /Nothing was imported/);
      return true;
    });
    assert.deepEqual(await snapshot(root), before);
  });

  it('refuses to replace an immutable file with other bytes', async () => {
    const file = path.join(dir, 'tile.tar');
    await writeTar(file, [{ name: 'tree/sumdb/sum.golang.org/tile/8/0/000.p/8', data: 'y'.repeat(256) }]);
    const before = await snapshot(root);
    await assert.rejects(importBundles({ root, bundles: [file] }, silentLogger), {
      code: 'E_CHECKSUM_MISMATCH',
      message: /^SECURITY ERROR: bundle .*tile\.tar refused: sumdb\/sum\.golang\.org\/tile\/8\/0\/000\.p\/8: conflict check failed: the root holds other bytes here/,
    });
    assert.deepEqual(await snapshot(root), before);
  });

  it('exports a tree and imports it elsewhere byte for byte; --since leaves out what is unchanged', async () => {
    const out = path.join(dir, 'export.tar');
    // The imports above generated the root's catalog: exported too, and regenerated (not copied) by import.
    const isCatalog = (k: string): boolean => k === 'index.html' || k.startsWith('_catalog/');
    const catalogFiles = Object.keys(await snapshot(root)).filter((k) => isCatalog(k) && !k.endsWith('/')).length;
    assert.ok(catalogFiles > 0);
    const first = await exportBundle({ root, out }, silentLogger);
    assert.equal(first.bundled, 4 + catalogFiles);
    const copy = path.join(dir, 'copy');
    await importBundles({ root: copy, bundles: [out] }, silentLogger);
    const strip = (s: Record<string, string> | 'missing'): Record<string, string> =>
      Object.fromEntries(Object.entries(s).filter(([k]) => !k.startsWith('.gomirror/') && !isCatalog(k)));
    assert.deepEqual(strip(await snapshot(copy)), strip(await snapshot(root)));

    await writeFile(path.join(root, 'sumdb/sum.golang.org/latest'), note(120));
    const next = await exportBundle({ root, out: path.join(dir, 'next.tar'), since: first.indexFile }, silentLogger);
    assert.deepEqual({ bundled: next.bundled, leftOut: next.leftOut }, { bundled: 1, leftOut: 3 + catalogFiles });
    await importBundles({ root: copy, bundles: [path.join(dir, 'next.tar')] }, silentLogger);
    assert.equal(await readFile(path.join(copy, 'sumdb/sum.golang.org/latest'), 'utf8'), note(120));
  });
});
