/**
 * bundle export reads the next files while it writes one, and writes the tar
 * in large batches (issue 17: at 100,000 versions the export spent most of
 * its time waiting on one file's open, fstat, read and close after another,
 * and wrote each file's header, data and padding with a write each). The
 * bytes of the bundle must not change: they are compared with a tar packed
 * one file after another, as the code before did.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, open, readFile, rm, writeFile, utimes } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import tar from 'tar-stream';
import { exportBundle } from '../../../src/bundle/index.js';
import { SMALL_FILE } from '../../../src/bundle/read-ahead.js';
import { packBuffer } from '../../../src/bundle/tar-io.js';
import type { Logger } from '../../../src/logger.js';

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined, progress: () => undefined };

const MODULES = 40;
const VERSIONS = 25;
const TILES = [0, 1, 511, 512, SMALL_FILE, SMALL_FILE + 1, 300_000];
/** Immutable files (.info of each version, the tiles): no .mod or .zip, so no hash is needed. */
const IMMUTABLE = MODULES * VERSIONS + TILES.length;

let dir: string;
let root: string;
/** Files of the tree by commit rank (immutable, lists, sumdb's latest), each in path order. */
let ranks: string[][];

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gomirror-export-ahead-'));
  root = path.join(dir, 'tree');
  const files: Record<string, Buffer> = {};
  const lists: string[] = [];
  for (let j = 0; j < MODULES; j++) {
    const versions = Array.from({ length: VERSIONS }, (_, i) => `v1.${i}.0`);
    for (const v of versions) files[`ahead.example.com/m${j}/@v/${v}.info`] = Buffer.from(JSON.stringify({ Version: v, Time: '2024-01-01T00:00:00Z' }));
    files[`ahead.example.com/m${j}/@v/list`] = Buffer.from(versions.join('\n') + '\n');
    lists.push(`ahead.example.com/m${j}/@v/list`);
  }
  TILES.forEach((size, i) => {
    files[`sumdb/sum.golang.org/tile/8/0/${String(i).padStart(3, '0')}`] = Buffer.alloc(size, i + 1);
  });
  files['sumdb/sum.golang.org/latest'] = Buffer.from('go.sum database tree\n5\nAbCd==\n');
  let t = Date.UTC(2024, 0, 1) / 1000;
  for (const [rel, data] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), data);
    await utimes(path.join(root, rel), t, t++);
  }
  const all = Object.keys(files).sort();
  ranks = [all.filter((f) => !lists.includes(f) && f !== 'sumdb/sum.golang.org/latest'), lists.sort(), ['sumdb/sum.golang.org/latest']];
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The tree's entries packed one file after another, read from disk in order: the tar without index or trailer. */
async function sequentialPack(): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c) => void chunks.push(c as Buffer));
  for (const rel of ranks.flat()) {
    const fh = await open(path.join(root, rel), 'r');
    const st = await fh.stat();
    const data = await fh.readFile();
    await fh.close();
    await packBuffer(pack, `tree/${rel}`, data, st.mtime);
  }
  await new Promise((r) => setImmediate(r));
  return Buffer.concat(chunks);
}

/** Counts FileHandle reads and writes, and how many files were being looked at (fstat) at once. */
function spyOnFileHandles(proto: FileHandle): { reads: number; writes: number; mostStats: number; restore(): void } {
  const p = proto as unknown as Record<'read' | 'write' | 'stat', (...a: unknown[]) => Promise<unknown>>;
  const orig = { read: p.read, write: p.write, stat: p.stat };
  const counts = { reads: 0, writes: 0, mostStats: 0, restore: () => Object.assign(p, orig) };
  let stats = 0;
  p.read = function (this: unknown, ...a: unknown[]) {
    counts.reads++;
    return orig.read.apply(this, a);
  };
  p.write = function (this: unknown, ...a: unknown[]) {
    counts.writes++;
    return orig.write.apply(this, a);
  };
  p.stat = async function (this: unknown, ...a: unknown[]) {
    counts.mostStats = Math.max(counts.mostStats, ++stats);
    try {
      return await orig.stat.apply(this, a);
    } finally {
      stats--;
    }
  };
  return counts;
}

describe(`bundle export reads ahead (${IMMUTABLE} immutable files, tiles of 0 to 300,000 bytes)`, () => {
  it('writes the bytes that packing the files one after another gives', async () => {
    const out = path.join(dir, 'bytes.tar');
    await exportBundle({ root, out, now: () => new Date('2024-06-01T00:00:00Z') }, quiet);
    const bundle = await readFile(out);
    const expected = await sequentialPack();
    assert.equal(bundle.subarray(0, expected.length).compare(expected), 0, 'the tree entries, byte for byte');
    const next = tar.extract();
    const names: string[] = [];
    next.on('entry', (h, s, done) => {
      names.push(h.name);
      s.resume();
      done();
    });
    await new Promise<void>((resolve, reject) => {
      next.on('finish', resolve).on('error', reject);
      next.end(bundle.subarray(expected.length));
    });
    assert.deepEqual(names, ['gomirror-index.json'], 'the index follows the last tree entry');
  });

  it('reads each small file with one read, several files at once, and writes the tar in a few large writes', async () => {
    const probe = await open(path.join(root, ranks[1]?.[0] as string), 'r');
    const spy = spyOnFileHandles(Object.getPrototypeOf(probe) as FileHandle);
    await probe.close();
    let r;
    try {
      r = await exportBundle({ root, out: path.join(dir, 'counted.tar') }, quiet);
    } finally {
      spy.restore();
    }
    assert.equal(r.bundled, IMMUTABLE + MODULES + 1);
    const problems = [
      // The code before read every file until a read gave nothing (two reads a file, 2,063 here; now some 1,100).
      ...(spy.reads < IMMUTABLE * 1.5 ? [] : [`${spy.reads} reads for ${IMMUTABLE} immutable and ${MODULES + 1} index files`]),
      // It wrote a tar entry's header, data and padding with a write each (3,112 here; now 17).
      ...(spy.writes < 60 ? [] : [`${spy.writes} writes`]),
      // It had one file open at a time (now some 25).
      ...(spy.mostStats >= 8 ? [] : [`at most ${spy.mostStats} files looked at at once`]),
    ];
    assert.deepEqual(problems, []);
  });
});
