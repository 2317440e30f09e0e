/**
 * End to end: `gomirror verify` on a tree synced from an x/mod fixture
 * upstream names every bad file; `--repair` fetches them again and refuses
 * an upstream whose bytes changed.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { acquireTreeLock } from '../../src/tree/lock.js';
import { describeCli, runCli } from '../helpers/cli.js';
import { BASIC, basicSpec, buildUpstream, type Upstream } from '../helpers/fixture-upstream.js';
import { treeFiles } from '../helpers/tree.js';

const ZIP = 'example.com/alpha/@v/v1.1.0.zip';
const MOD = 'example.com/!burnt!sushi/toml/@v/v1.2.3.mod';

describe('gomirror verify, end to end', () => {
  let upstream: Upstream;
  let work: string;
  let tree: string;
  before(async () => {
    upstream = await buildUpstream(basicSpec());
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-e2e-verify-'));
    tree = path.join(work, 'tree');
    const sum = path.join(work, 'all.sum');
    await writeFile(sum, upstream.goSum);
    const r = await runCli(['sync', '--upstream', `file://${upstream.dir}`, '--gosum', sum, '--out', tree]);
    assert.equal(r.code, 0, describeCli(r));
  });
  after(async () => {
    await upstream?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('passes a freshly synced tree', async () => {
    const r = await runCli(['verify', '--root', tree]);
    assert.equal(r.code, 0, describeCli(r));
    assert.match(r.stdout, /^tree OK: 16 versions of 7 modules, [\d.]+ KiB of zips$/m);
    assert.equal(r.stderr, '');
  });

  it('catches a flipped byte in a zip and an emptied .mod, naming both', async () => {
    await flipByteInFirstEntry(path.join(tree, ZIP));
    await truncate(path.join(tree, MOD), 0);
    const r = await runCli(['verify', '--root', tree]);
    assert.equal(r.code, 1, describeCli(r));
    assert.match(r.stderr, new RegExp(`^error: ${esc(ZIP)}: entry "example.com/alpha@v1.1.0/[^"]+": CRC-32 checksum mismatch$`, 'm'));
    assert.match(r.stderr, new RegExp(`^error: ${esc(MOD)}: checksum mismatch: the file is empty, \\.gomirror/go\\.sum has h1:`, 'm'));
    assert.match(r.stdout, /^2 problems in 2 files/m);

    const json = await runCli(['verify', '--root', tree, '--log-format', 'json']);
    assert.equal(json.code, 1);
    const out = JSON.parse(json.stdout) as { ok: boolean; before: { problems: { file: string; kind: string }[] } };
    assert.equal(out.ok, false);
    assert.deepEqual(out.before.problems.map((p) => `${p.kind} ${p.file}`), [`checksum ${MOD}`, `zip ${ZIP}`]);
  });

  it('--repair takes the lock like sync', async () => {
    const lock = await acquireTreeLock(tree, { command: 'sync', releaseOnExit: false });
    try {
      const r = await runCli(['verify', '--root', tree, '--repair', '--upstream', `file://${upstream.dir}`]);
      assert.equal(r.code, 3, describeCli(r));
      assert.match(r.stderr, /another gomirror run holds the lock: sync/);
    } finally {
      await lock.release();
    }
  });

  it('--repair refuses bytes that differ from the recorded hash, and replaces nothing', async () => {
    const evil = await buildUpstream({
      modules: [{ path: BASIC.alpha, versions: [{ version: 'v1.1.0', time: '2024-02-01T00:00:00Z', files: { 'alpha.go': 'package alpha // evil\n' } }] }],
    });
    try {
      const r = await runCli(['verify', '--root', tree, '--repair', '--upstream', `file://${evil.dir}`]);
      assert.equal(r.code, 1, describeCli(r));
      assert.match(r.stderr, /SECURITY ERROR: checksum mismatch for example\.com\/alpha@v1\.1\.0/);
      assert.match(r.stderr, /^error: still bad: /m);
      const files = await treeFiles(tree);
      assert.equal(files.includes(ZIP), false, 'the bad zip is set aside and no other takes its place');
      assert.equal(await readFile(path.join(tree, 'example.com/alpha/@v/list'), 'utf8'), 'v1.0.0\nv1.2.0-beta.1\n');
    } finally {
      await evil.cleanup();
    }
  });

  it('--repair fetches bad and missing files again from the upstream, and the tree verifies', async () => {
    await writeFile(path.join(tree, 'example.com/app/@v/v1.0.0.zip.tmp-999999-0abc'), 'partial');
    const r = await runCli(['verify', '--root', tree, '--repair', '--upstream', `file://${upstream.dir}`]);
    assert.equal(r.code, 0, describeCli(r));
    assert.match(r.stdout, /repaired 2 versions, removed 1 temp files, .*the tree verifies now/);
    for (const f of [ZIP, MOD]) {
      assert.ok((await readFile(path.join(tree, f))).equals(await readFile(path.join(upstream.dir, f))), `${f} restored`);
    }
    assert.equal(await readFile(path.join(tree, 'example.com/alpha/@v/list'), 'utf8'), 'v1.0.0\nv1.1.0\nv1.2.0-beta.1\n');
    const quarantined = (await treeFiles(path.join(tree, '.gomirror/quarantine'))).map((f) => f.split('/').slice(1).join('/'));
    assert.deepEqual(quarantined.sort(), [MOD, ZIP].sort());
    const again = await runCli(['verify', '--root', tree]);
    assert.equal(again.code, 0, describeCli(again));
  });
});

async function flipByteInFirstEntry(file: string): Promise<void> {
  const b = await readFile(file);
  const start = 30 + b.readUInt16LE(26) + b.readUInt16LE(28);
  b[start + 1] = (b[start + 1] ?? 0) ^ 0xff;
  await writeFile(file, b);
}

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
