import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { treeLayout } from '../../../src/tree/layout.js';
import { createTreeStore, sweepStaleTemps } from '../../../src/tree/store.js';
import { openSumStore } from '../../../src/gosum/sums.js';
import { tempPathFor, writeFileAtomic } from '../../../src/tree/atomic.js';
import { replaceFsPromise } from '../../helpers/sync-fs-spy.js';

describe('tree store', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'gomirror-store-'));
  });
  after(async () => rm(root, { recursive: true, force: true }));

  it('lays out escaped paths', () => {
    const l = treeLayout('/srv/t');
    assert.equal(l.versionFile('github.com/BurntSushi/toml', 'v1.0.0-RC1', 'zip'), '/srv/t/github.com/!burnt!sushi/toml/@v/v1.0.0-!r!c1.zip');
    assert.equal(l.listFile('gopkg.in/yaml.v2'), '/srv/t/gopkg.in/yaml.v2/@v/list');
    assert.equal(l.latestFile('example.com/m'), '/srv/t/example.com/m/@latest');
    assert.equal(l.sumsFile(), '/srv/t/.gomirror/go.sum');
  });

  it('lists complete tagged versions in semver order and keeps @latest only without them', async () => {
    const store = createTreeStore(root);
    const m = 'example.com/Mod';
    const put = async (v: string, kinds: ('info' | 'mod' | 'zip')[]): Promise<void> => {
      for (const k of kinds) await writeFileAtomic(store.layout.versionFile(m, v, k), `${v}.${k}`);
    };
    const pseudo = 'v0.0.0-20240102030405-0123456789ab';
    await put(pseudo, ['info', 'mod', 'zip']);
    const info = Buffer.from(JSON.stringify({ Version: pseudo }));
    assert.equal(await store.rebuildIndex(m, async () => info), true);
    assert.equal(await readFile(store.layout.listFile(m), 'utf8'), '');
    assert.deepEqual(await readFile(store.layout.latestFile(m)), info);

    await put('v1.10.0', ['info', 'mod', 'zip']);
    await put('v1.9.0', ['info', 'mod', 'zip']);
    await put('v1.0.0-RC1', ['info', 'mod', 'zip']);
    await put('v1.11.0', ['info', 'mod']); // incomplete: never listed
    assert.equal(await store.rebuildIndex(m, async () => info), true);
    assert.equal(await readFile(store.layout.listFile(m), 'utf8'), 'v1.0.0-RC1\nv1.9.0\nv1.10.0\n');
    assert.equal(await store.read(store.layout.latestFile(m)), undefined, '@latest goes once a tagged version exists');
    assert.equal(await store.rebuildIndex(m), false, 'nothing changed');
  });

  it('sweeps temp files of dead writers, not of live ones', async () => {
    const dir = path.join(root, 'sweep');
    await mkdir(dir);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    const deadTemp = `v1.0.0.zip.tmp-${dead}-abc123`;
    const liveTemp = path.basename(tempPathFor(path.join(dir, 'v1.0.0.mod')));
    await writeFile(path.join(dir, deadTemp), 'partial');
    await writeFile(path.join(dir, liveTemp), 'in progress');
    await writeFile(path.join(dir, 'v1.0.0.info'), '{}');
    assert.deepEqual(await sweepStaleTemps(dir), [deadTemp]);
    assert.deepEqual((await readdir(dir)).sort(), [liveTemp, 'v1.0.0.info'].sort());
  });

  it('keeps hashes in go.sum format and rewrites only when changed', async () => {
    const file = path.join(root, '.gomirror/go.sum');
    const sums = await openSumStore(file);
    sums.set('example.com/m', 'v1.0.0', false, 'h1:KU7oHjnv3XNWfa5COkzUifxZmxp1TyI7ImMXqFxLwvQ=');
    sums.set('example.com/m', 'v1.0.0', true, 'h1:gTqEJ382ZQqv2xsPfdUZDovzOcPwH0eHFziE2Xq+iaU=');
    await sums.flush();
    const text = await readFile(file, 'utf8');
    assert.equal(
      text,
      'example.com/m v1.0.0 h1:KU7oHjnv3XNWfa5COkzUifxZmxp1TyI7ImMXqFxLwvQ=\n' +
        'example.com/m v1.0.0/go.mod h1:gTqEJ382ZQqv2xsPfdUZDovzOcPwH0eHFziE2Xq+iaU=\n',
    );
    const again = await openSumStore(file);
    assert.equal(again.get('example.com/m', 'v1.0.0', true), 'h1:gTqEJ382ZQqv2xsPfdUZDovzOcPwH0eHFziE2Xq+iaU=');
    assert.equal(again.size, 2);
  });
});

describe('tree store index rebuild', () => {
  it("fsyncs the @v directory only when this run renamed files into it or an index changes", async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'gomirror-store-sync-'));
    const opened: string[] = [];
    const restore = replaceFsPromise('open', (original) => (...a) => {
      opened.push(String(a[0]));
      return original(...a);
    });
    try {
      const store = createTreeStore(root);
      const m = 'example.com/m';
      for (const k of ['info', 'mod', 'zip'] as const) await writeFileAtomic(store.layout.versionFile(m, 'v1.0.0', k), k);
      const dirOpens = (): number => opened.filter((f) => f === store.layout.versionDir(m)).length;
      opened.length = 0;
      assert.equal(await store.rebuildIndex(m, undefined, { renamed: true }), true);
      assert.equal(dirOpens(), 2, 'fsynced before list, and with list');
      opened.length = 0;
      assert.equal(await store.rebuildIndex(m, undefined, { renamed: false }), false);
      assert.equal(dirOpens(), 0, 'nothing renamed, nothing to change: no fsync');
      assert.equal(await store.rebuildIndex(m, undefined, { renamed: true }), false);
      assert.equal(dirOpens(), 1, 'renamed files are persisted even when list stays');
      assert.equal(await store.rebuildIndex(m), false);
      assert.equal(dirOpens(), 2, 'callers that do not say are assumed to have renamed');
    } finally {
      restore();
      await rm(root, { recursive: true, force: true });
    }
  });

  it('makes one mkdir for the @v directory that many versions of a module ask for at once', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'gomirror-store-mkdir-'));
    const made: string[] = [];
    const restore = replaceFsPromise('mkdir', (original) => (...a) => {
      made.push(String(a[0]));
      return original(...a);
    });
    try {
      const store = createTreeStore(root);
      const m = 'example.com/m';
      const dests = ['v1.0.0', 'v1.0.1', 'v1.1.0', 'v2.0.0+incompatible'].flatMap((v) => (['info', 'mod', 'zip'] as const).map((k) => store.layout.versionFile(m, v, k)));
      const temps = await Promise.all(dests.map((d) => store.tempFor(d)));
      assert.equal(new Set(temps).size, dests.length);
      assert.deepEqual(made, [store.layout.versionDir(m)]);
      await store.tempFor(store.layout.versionFile(m, 'v3.0.0+incompatible', 'mod'));
      assert.equal(made.length, 1, 'a directory made once is not made again');
    } finally {
      restore();
      await rm(root, { recursive: true, force: true });
    }
  });
});
