/**
 * verify and repair against trees made by golang.org/x/mod (mkupstream): a
 * fixture upstream directory is itself a valid tree once its true hashes are
 * recorded in .gomirror/go.sum. Each test damages a fresh copy.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ChecksumMismatchError, GomirrorError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/logger.js';
import { escapePath, escapeVersion } from '../../../src/module/index.js';
import { createTreeStore } from '../../../src/tree/store.js';
import { openSumStore } from '../../../src/gosum/sums.js';
import type { UpstreamClient } from '../../../src/upstream/client.js';
import { compareListWithDisk, repairTree, verifyTree, type TreeProblem } from '../../../src/verify/index.js';
import { BASIC, BASIC_PSEUDO, basicSpec, buildUpstream, type Upstream } from '../../helpers/fixture-upstream.js';
import { treeFiles, treeFromUpstream } from '../../helpers/tree.js';

describe('compareListWithDisk', () => {
  const cases = [
    { list: 'v1.0.0\nv1.1.0\n', disk: ['v1.1.0', 'v1.0.0'], want: { missing: [], unlisted: [], invalid: [] } },
    { list: 'v1.0.0 2024-01-01T00:00:00Z\n\n', disk: ['v1.0.0'], want: { missing: [], unlisted: [], invalid: [] } },
    { list: 'v1.0.0\nv1.2.0\n', disk: ['v1.0.0'], want: { missing: ['v1.2.0'], unlisted: [], invalid: [] } },
    { list: 'v1.0.0\n', disk: ['v1.0.0', 'v1.1.0', BASIC_PSEUDO.alpha], want: { missing: [], unlisted: ['v1.1.0'], invalid: [] } },
    { list: 'latest\nv1.0.0\n', disk: ['v1.0.0'], want: { missing: [], unlisted: [], invalid: ['latest'] } },
    { list: '', disk: [], want: { missing: [], unlisted: [], invalid: [] } },
  ];
  for (const c of cases) {
    it(JSON.stringify(c.list), () => assert.deepEqual(compareListWithDisk(c.list, c.disk), c.want));
  }
});

describe('verifyTree and repairTree', () => {
  let upstream: Upstream;
  let work: string;
  before(async () => {
    upstream = await buildUpstream(basicSpec());
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-verify-unit-'));
  });
  after(async () => {
    await upstream?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  let n = 0;
  /** A fresh, valid tree: the upstream plus its true hashes. */
  const freshTree = (): Promise<string> => treeFromUpstream(upstream, path.join(work, `tree-${n++}`));
  const vfile = (m: string, v: string, ext: string): string => `${escapePath(m)}/@v/${escapeVersion(v)}.${ext}`;
  const brief = (ps: TreeProblem[]): string[] => ps.map((p) => `${p.kind} ${p.file}`);

  it('passes a pristine tree and counts what it checked', async () => {
    const root = await freshTree();
    const r = await verifyTree(root, { concurrency: 2 });
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.warnings, []);
    assert.equal(r.ok, true);
    assert.equal(r.modules, 7);
    assert.equal(r.versions, 16);
    assert.ok(r.zipBytes > 0);
  });

  it('names every bad file with its reason', async () => {
    const root = await freshTree();
    const at = (rel: string): string => path.join(root, rel);
    const zip = vfile(BASIC.alpha, 'v1.1.0', 'zip');
    await flipByteInFirstEntry(at(zip));
    await truncate(at(vfile(BASIC.toml, 'v1.2.3', 'mod')), 0);
    await writeFile(at(vfile(BASIC.yaml, 'v2.2.8', 'info')), '{"Version":"v2.4.0"}');
    await unlink(at(vfile(BASIC.alphaV2, 'v2.0.0', 'zip')));
    await writeFile(at(`${escapePath(BASIC.legacy)}/@v/list`), 'v1.0.0\nv2.0.0+incompatible\nv9.9.9\n');
    await writeFile(at(`${escapePath(BASIC.pseudoOnly)}/@latest`), '{"Version":"v0.0.0-20250101000000-aaaaaaaaaaaa"}');
    await writeFile(at(`${escapePath(BASIC.app)}/@v/v1.0.0.zip.tmp-999999-0abc`), 'partial');
    await writeFile(at(`${escapePath(BASIC.app)}/@v/v1.0.0.zip.tmp-${process.pid}-0abc`), 'a live writer');
    await writeFile(at('README.txt'), 'hello');
    const sums = (await readFile(at('.gomirror/go.sum'), 'utf8')).split('\n');
    await writeFile(at('.gomirror/go.sum'), sums.filter((l) => !l.startsWith(`${BASIC.alpha} v1.0.0 `)).join('\n'));

    const r = await verifyTree(root, { concurrency: 3 });
    assert.equal(r.ok, false);
    assert.deepEqual(brief(r.problems), [
      `checksum ${vfile(BASIC.toml, 'v1.2.3', 'mod')}`,
      `unrecorded ${vfile(BASIC.alpha, 'v1.0.0', 'zip')}`,
      `zip ${zip}`,
      `missing ${vfile(BASIC.alphaV2, 'v2.0.0', 'zip')}`,
      `temp ${escapePath(BASIC.app)}/@v/v1.0.0.zip.tmp-999999-0abc`,
      `list ${escapePath(BASIC.legacy)}/@v/list`,
      `missing ${vfile(BASIC.legacy, 'v9.9.9', 'info')}`,
      `missing ${vfile(BASIC.legacy, 'v9.9.9', 'mod')}`,
      `missing ${vfile(BASIC.legacy, 'v9.9.9', 'zip')}`,
      `latest ${escapePath(BASIC.pseudoOnly)}/@latest`,
      `info ${vfile(BASIC.yaml, 'v2.2.8', 'info')}`,
    ]);
    const msg = (kind: string): string => r.problems.find((p) => p.kind === kind)?.message ?? '';
    assert.match(msg('zip'), /CRC-32 checksum mismatch/);
    assert.match(msg('checksum'), /the file is empty, \.gomirror\/go\.sum has h1:/);
    assert.match(msg('info'), /info for version v2\.4\.0 instead of requested version v2\.2\.8/);
    assert.match(msg('list'), /does not name v2\.1\.0\+incompatible, complete on disk/);
    assert.deepEqual(r.warnings.map((w) => w.file), ['README.txt']);
    assert.deepEqual(r.liveTemps, [`${escapePath(BASIC.app)}/@v/v1.0.0.zip.tmp-${process.pid}-0abc`]);
  });

  it('repair refetches bad and missing files, verified against the recorded hashes', async () => {
    const root = await freshTree();
    const zip = vfile(BASIC.alpha, 'v1.1.0', 'zip');
    const mod = vfile(BASIC.toml, 'v1.2.3', 'mod');
    await flipByteInFirstEntry(path.join(root, zip));
    await writeFile(path.join(root, mod), '');
    await unlink(path.join(root, vfile(BASIC.alphaV2, 'v2.0.0', 'zip')));
    await writeFile(path.join(root, `${escapePath(BASIC.app)}/@v/x.tmp-999999-1`), '');
    const found = await verifyTree(root);
    const store = createTreeStore(root);
    const quarantineDir = path.join(root, '.gomirror/quarantine/q');
    const result = await repairTree(
      { store, sums: await openSumStore(store.layout.sumsFile()), upstream: dirUpstream(upstream.dir), logger: silentLogger, quarantineDir },
      found.problems,
    );
    assert.deepEqual(result.failed, []);
    assert.deepEqual(result.repaired, [`${BASIC.toml}@v1.2.3`, `${BASIC.alphaV2}@v2.0.0`, `${BASIC.alpha}@v1.1.0`]);
    assert.deepEqual(result.quarantined, [mod, zip]);
    assert.deepEqual(result.removed, [`${escapePath(BASIC.app)}/@v/x.tmp-999999-1`]);
    assert.equal((await verifyTree(root)).ok, true);
    for (const f of [zip, mod]) {
      assert.ok((await readFile(path.join(root, f))).equals(await readFile(path.join(upstream.dir, f))), f);
    }
    assert.deepEqual(await treeFiles(quarantineDir), [zip, mod].sort());
  });

  it('repair never accepts bytes that differ from the recorded hash', async () => {
    const evil = await buildUpstream({
      modules: [{ path: BASIC.alpha, versions: [{ version: 'v1.1.0', time: '2024-02-01T00:00:00Z', files: { 'alpha.go': 'package alpha // evil\n' } }] }],
    });
    try {
      const root = await freshTree();
      const zip = vfile(BASIC.alpha, 'v1.1.0', 'zip');
      await flipByteInFirstEntry(path.join(root, zip));
      const store = createTreeStore(root);
      const sums = await openSumStore(store.layout.sumsFile());
      const result = await repairTree(
        { store, sums, upstream: dirUpstream(evil.dir), logger: silentLogger, quarantineDir: path.join(root, '.gomirror/q') },
        (await verifyTree(root)).problems,
      );
      assert.equal(result.failed.length, 1);
      const err = result.failed[0]?.error;
      assert.ok(err instanceof ChecksumMismatchError, String(err));
      assert.equal(err.kind, 'security');
      assert.match(err.message, /SECURITY ERROR: checksum mismatch for example\.com\/alpha@v1\.1\.0/);
      assert.equal(sums.get(BASIC.alpha, 'v1.1.0', false), upstream.hashes.get(`${BASIC.alpha} v1.1.0`), 'the record is unchanged');
      const files = await treeFiles(root);
      assert.equal(files.includes(zip), false, 'the evil zip is not written');
      // The version is no longer complete, so the rebuilt list stops offering it.
      assert.equal(await readFile(path.join(root, escapePath(BASIC.alpha), '@v/list'), 'utf8'), 'v1.0.0\nv1.2.0-beta.1\n');
    } finally {
      await evil.cleanup();
    }
  });
});

/** An UpstreamClient over a GOPROXY directory (what a file:// proxy serves). */
function dirUpstream(dir: string): UpstreamClient {
  const store = createTreeStore(dir);
  const get = async (file: string): Promise<Buffer> => {
    const data = await store.read(file);
    if (!data) throw new GomirrorError('E_NOT_FOUND', `${file}: not found`);
    return data;
  };
  return {
    list: async (m) => (await get(store.layout.listFile(m))).toString().split('\n').filter(Boolean),
    latest: (m) => get(store.layout.latestFile(m)),
    info: (m, v) => get(store.layout.versionFile(m, v, 'info')),
    mod: (m, v) => get(store.layout.versionFile(m, v, 'mod')),
    async zip(m, v, file) {
      const data = await get(store.layout.versionFile(m, v, 'zip'));
      await writeFile(file, data);
      return { size: data.length, sha256: '' };
    },
  };
}

/** Flips one byte of the first entry's data: the zip stays readable but that entry's CRC fails. */
async function flipByteInFirstEntry(file: string): Promise<void> {
  const b = await readFile(file);
  const start = 30 + b.readUInt16LE(26) + b.readUInt16LE(28);
  b[start + 1] = (b[start + 1] ?? 0) ^ 0xff;
  await writeFile(file, b);
}
