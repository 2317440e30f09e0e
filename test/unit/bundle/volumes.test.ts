import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';

import { groupBundleArgs } from '../../../src/bundle/index.js';
import { checkVolumeSizes, discoverVolumes, openVolumes, VolumeWriter } from '../../../src/bundle/volumes.js';

describe('groupBundleArgs', () => {
  it('keeps plain bundles apart and joins the volumes of one', () => {
    assert.deepEqual(groupBundleArgs(['full.tar', 'n1.tar.001', 'n1.tar.002', 'n2.tar']), [
      { name: 'full.tar', volumes: ['full.tar'] },
      { name: 'n1.tar', volumes: ['n1.tar.001', 'n1.tar.002'] },
      { name: 'n2.tar', volumes: ['n2.tar'] },
    ]);
    assert.deepEqual(groupBundleArgs(['a.tar.0001', 'a.tar.0002']), [{ name: 'a.tar', volumes: ['a.tar.0001', 'a.tar.0002'] }]);
  });

  const bad: Array<[string[], string]> = [
    [['b.tar.001', 'b.tar.003'], 'bundle b.tar refused: volume b.tar.002 is missing (the next one given is b.tar.003)'],
    [['b.tar.002', 'b.tar.003'], 'bundle b.tar refused: volume b.tar.001 is missing (the first one given is b.tar.002)'],
    [['b.tar.002', 'b.tar.001'], 'bundle b.tar refused: b.tar.002 is given before b.tar.001: give the volumes in order'],
    [['b.tar.001', 'b.tar.003', 'b.tar.002'], 'bundle b.tar refused: volume b.tar.002 is missing (the next one given is b.tar.003)'],
    [['b.tar.001', 'b.tar.002', 'b.tar.002'], 'bundle b.tar refused: b.tar.002 is given after b.tar.002: give the volumes in order (b.tar.001, b.tar.002, ...)'],
    [['b.tar.001', 'x.tar', 'b.tar.002'], 'bundle b.tar refused: its volumes must be given together and in order (b.tar.002 is apart)'],
  ];
  for (const [args, message] of bad) {
    it(`refuses ${args.join(' ')}`, () => {
      assert.throws(() => groupBundleArgs(args), { code: 'E_BUNDLE', message, hint: 'A shell glob gives them in order: b.tar.*' });
    });
  }
});

describe('checkVolumeSizes', () => {
  const src = { name: 'b.tar', volumes: ['b.tar.001', 'b.tar.002', 'b.tar.003'] };
  it('accepts equal volumes and a smaller last one', () => {
    checkVolumeSizes(src, [1024, 1024, 512]);
    checkVolumeSizes(src, [1024, 1024, 1024]);
  });
  it('refuses a short middle volume and a long last one', () => {
    assert.throws(() => checkVolumeSizes(src, [1024, 512, 512]), {
      code: 'E_BUNDLE',
      message: 'bundle b.tar refused: volume b.tar.002 has 512 bytes, but b.tar.001 has 1024; every volume but the last has the same size',
    });
    assert.throws(() => checkVolumeSizes(src, [1024, 1024, 2048]), { code: 'E_BUNDLE', message: /volume b\.tar\.003 has 2048 bytes/ });
  });
});

describe('VolumeWriter and openVolumes', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gomirror-volumes-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const write = async (out: string, data: Buffer, split?: number): Promise<VolumeWriter> => {
    const w = new VolumeWriter(out, split);
    // Odd chunk sizes, so volume boundaries fall inside chunks.
    const chunks = [];
    for (let i = 0; i < data.length; i += 777) chunks.push(data.subarray(i, i + 777));
    await pipeline(Readable.from(chunks), w);
    await w.commit();
    return w;
  };
  const readAll = async (volumes: string[], name: string): Promise<Buffer> => {
    const v = await openVolumes({ name, volumes });
    const parts: Buffer[] = [];
    for await (const c of v.stream) parts.push(c as Buffer);
    return Buffer.concat(parts);
  };

  it('cuts at the split size and joins back to the same bytes', async () => {
    const data = Buffer.concat([randomBytes(5000), Buffer.alloc(1024)]);
    const out = path.join(dir, 'a.tar');
    const w = await write(out, data, 2048);
    assert.deepEqual(w.volumes.map((v) => [path.basename(v.file), v.size]), [['a.tar.001', 2048], ['a.tar.002', 2048], ['a.tar.003', 1928]]);
    const found = await discoverVolumes({ name: out, volumes: [out] });
    assert.deepEqual(found.volumes.map((v) => path.basename(v)), ['a.tar.001', 'a.tar.002', 'a.tar.003']);
    assert.ok((await readAll([...found.volumes], out)).equals(data));
    const v = await openVolumes(found);
    for await (const _ of v.stream) void _;
    assert.equal(v.endsWithEndOfArchive(), true);
    assert.equal(path.basename(v.current()), 'a.tar.003');
  });

  it('without a split writes one file, and leaves no temp file', async () => {
    const data = randomBytes(3000);
    const out = path.join(dir, 'one.tar');
    await write(out, data);
    assert.ok((await readFile(out)).equals(data));
    assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('one.tar')), ['one.tar']);
  });

  it('removes stale higher volumes of an earlier export with the same name', async () => {
    const out = path.join(dir, 'stale.tar');
    await write(out, randomBytes(5000), 1024);
    await write(out, randomBytes(1500), 1024);
    assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('stale.tar')).sort(), ['stale.tar.001', 'stale.tar.002']);
  });

  it('abort() leaves nothing behind', async () => {
    const out = path.join(dir, 'aborted.tar');
    const w = new VolumeWriter(out, 1024);
    w.write(randomBytes(3000));
    await new Promise((resolve) => setImmediate(resolve));
    await w.abort();
    assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('aborted.tar')), []);
  });

  it('reports data that does not end in the end-of-archive marker', async () => {
    const file = path.join(dir, 'cut.tar');
    await writeFile(file, Buffer.concat([Buffer.alloc(1024), Buffer.from('x')]));
    const v = await openVolumes({ name: file, volumes: [file] });
    for await (const _ of v.stream) void _;
    assert.equal(v.endsWithEndOfArchive(), false);
  });
});
