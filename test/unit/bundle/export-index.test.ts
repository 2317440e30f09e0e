/**
 * The streamed pieces of bundle export: the walk's order, the index written
 * to a file (byte for byte serializeIndex's), the sums filled from go.sum.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BundledSums, mergeByPath, writeIndexFile } from '../../../src/bundle/export-index.js';
import { BUNDLE_FORMAT, serializeIndex, type BundleFile, type BundleIndex } from '../../../src/bundle/index-format.js';
import { walkTree } from '../../../src/bundle/walk.js';
import { formatGoSum } from '../../../src/gosum/index.js';

const h1 = (s: string): string => `h1:${createHash('sha256').update(s).digest('base64')}`;
const file = (p: string, bundled = true): BundleFile => ({ path: p, size: p.length, sha256: createHash('sha256').update(p).digest('hex'), bundled });

async function* from<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

describe('bundle export, streamed', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gomirror-export-index-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('walks files in the order of their full slash paths, not directory by directory', async () => {
    const root = path.join(dir, 'walk');
    // `a.com/x` is a directory and `a.com/x-y`, `a.com/x.z` sort between `a.com/x` and `a.com/x/`.
    const rels = ['a.com/x/@v/list', 'a.com/x/@v/v1.0.0.info', 'a.com/x-y/@v/list', 'a.com/x.z/@v/list', 'a.com/x/v2/@v/list', 'a.com/x/-/@v/list', 'b.com/m/@latest'];
    for (const rel of rels) {
      await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
      await writeFile(path.join(root, rel), 'x');
    }
    const walked: string[] = [];
    for await (const ref of walkTree(root, () => undefined)) walked.push(ref.rel);
    assert.deepEqual(walked, [...rels].sort());
  });

  it('writes the index file with the bytes serializeIndex gives, and its size and sha256', async () => {
    const cases: BundleIndex[] = [
      { format: BUNDLE_FORMAT, tool: 'gomirror t', created: '2026-01-01T00:00:00.000Z', since: null, files: [], sums: [] },
      {
        format: BUNDLE_FORMAT,
        tool: 'gomirror t',
        created: '2026-01-01T00:00:00.000Z',
        since: { id: 'a'.repeat(64), created: '2025-12-31T00:00:00.000Z' },
        files: [file('a.com/x/@v/list'), file('a.com/x/@v/v1.0.0.zip', false), file('b.com/"q"/@v/list')],
        sums: [`a.com/x v1.0.0 ${h1('1')}`, `a.com/x v1.0.0/go.mod ${h1('2')}`],
        sumdbKeys: ['sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8'],
      },
    ];
    for (const [i, index] of cases.entries()) {
      const out = path.join(dir, `index-${i}.json`);
      const written = await writeIndexFile(out, index, from([...index.files]), index.sums);
      const want = serializeIndex(index);
      assert.deepEqual(await readFile(out), want);
      assert.equal(written.size, want.length);
      assert.equal(written.sha256, createHash('sha256').update(want).digest('hex'));
    }
  });

  it('merges two path-sorted sequences into one', async () => {
    const merged: string[] = [];
    for await (const f of mergeByPath(from([file('a'), file('c'), file('e')]), [file('b'), file('d'), file('f'), file('g')])) merged.push(f.path);
    assert.deepEqual(merged, ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  });

  it('fills the wanted sums from go.sum and yields them in go.sum order', async () => {
    const goSum = path.join(dir, 'go.sum');
    const lines = [
      { path: 'example.com/B', version: 'v1.0.0', goMod: false, hash: h1('B0') },
      { path: 'example.com/B', version: 'v1.0.0', goMod: true, hash: h1('B1') },
      { path: 'example.com/a', version: 'v1.10.0', goMod: false, hash: h1('a10') },
      { path: 'example.com/a', version: 'v1.9.0', goMod: false, hash: h1('a9') },
      { path: 'example.com/c', version: 'v1.0.0', goMod: false, hash: h1('c') },
    ];
    await writeFile(goSum, formatGoSum(lines));
    const sums = new BundledSums();
    // The walk's order (escaped paths) is not go.sum's.
    sums.want('example.com/a', 'v1.9.0', false);
    sums.want('example.com/a', 'v1.10.0', false);
    sums.want('example.com/B', 'v1.0.0', true);
    sums.want('example.com/B', 'v1.0.0', false);
    sums.want('example.com/d', 'v1.0.0', false);
    await sums.fill(goSum);
    assert.deepEqual(await collect(sums.missing()), [{ path: 'example.com/d', version: 'v1.0.0', goMod: false }]);
    sums.set({ path: 'example.com/d', version: 'v1.0.0', goMod: false, hash: h1('d') });
    const want = formatGoSum([...lines.filter((l) => l.path !== 'example.com/c'), { path: 'example.com/d', version: 'v1.0.0', goMod: false, hash: h1('d') }]);
    assert.deepEqual(await collect(sums.lines()), want.split('\n').filter((l) => l !== ''));
  });

  it('names the line of a malformed go.sum record, and takes no hashes from a missing file', async () => {
    const goSum = path.join(dir, 'bad.sum');
    await writeFile(goSum, `example.com/a v1.0.0 ${h1('a')}\n\nexample.com/a v1.1.0 h1:short\n`);
    const sums = new BundledSums();
    sums.want('example.com/a', 'v1.0.0', false);
    await assert.rejects(sums.fill(goSum), (err: Error & { code?: string }) => err.code === 'E_GOSUM' && err.message.includes(`${goSum}:3:`));
    const none = new BundledSums();
    none.want('example.com/a', 'v1.0.0', false);
    await none.fill(path.join(dir, 'nope.sum'));
    assert.equal((await collect(none.missing())).length, 1);
  });
});

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
