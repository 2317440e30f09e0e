/**
 * End to end: gomirror publish with the real rsync, to a directory and to an
 * rsync daemon started here on 127.0.0.1. While a slowed-down publish adds new
 * versions, a reader polls every `list` at the destination and checks that
 * each listed version's .info, .mod and .zip are already there.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { escapeVersion } from '../../src/module/index.js';
import { describeCli, runCli, spawnCli, type CliResult } from '../helpers/cli.js';
import { BASIC, basicSpec, buildUpstream, type Upstream } from '../helpers/fixture-upstream.js';
import { requireCommand } from '../helpers/go-tools.js';
import { treeFiles } from '../helpers/tree.js';
import { startRsyncDaemon } from '../helpers/rsync-daemon.js';
import { freePort } from './nginx-support.js';

const BIG = 'example.com/big';
const MiB = 2 ** 20;

const ok = (r: CliResult): CliResult => {
  assert.equal(r.code, 0, describeCli(r));
  return r;
};

/** Tree files (not tool state) with their bytes. */
async function servedFiles(root: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const f of await treeFiles(root)) if (!f.startsWith('.gomirror/')) out.set(f, await readFile(path.join(root, f)));
  return out;
}

function assertSameTree(a: Map<string, Buffer>, b: Map<string, Buffer>): void {
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  for (const [f, data] of a) assert.ok(data.equals(b.get(f) as Buffer), `${f} differs`);
}

/** Every `@v/list` under dir; directories that vanish while walked (rsync's temp dirs) are skipped. */
async function findLists(dir: string, rel = ''): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(path.join(dir, rel), { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    const r = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...(await findLists(dir, r)));
    else if (r.endsWith('/@v/list')) out.push(r);
  }
  return out;
}

/** Module zips under dir (rsync's hidden temp files left out). */
async function countZips(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && e.name.endsWith('.zip') && !e.name.startsWith('.')).length;
}

/**
 * One look at the destination as a go client would take it: each list read,
 * then each version it names checked. Files are only ever added during the
 * publish, so a file missing now was missing when the list was read.
 */
async function incompleteVersions(dest: string): Promise<{ lists: number; versions: number; missing: string[] }> {
  const missing: string[] = [];
  let versions = 0;
  const lists = await findLists(dest);
  for (const list of lists) {
    const text = await readFile(path.join(dest, list), 'utf8').catch(() => '');
    for (const v of text.split('\n').filter((l) => l !== '')) {
      versions++;
      for (const ext of ['info', 'mod', 'zip']) {
        const file = `${list.slice(0, -'list'.length)}${escapeVersion(v)}.${ext}`;
        if (!(await stat(path.join(dest, file)).catch(() => undefined))) missing.push(`${list} names ${v}, ${file} is missing`);
      }
    }
  }
  return { lists: lists.length, versions, missing };
}


describe('gomirror publish, end to end', () => {
  let upstream: Upstream;
  let work: string;
  let src: string;
  let daemon: Awaited<ReturnType<typeof startRsyncDaemon>> | undefined;

  const sync = async (modules: unknown): Promise<void> => {
    const manifest = path.join(work, 'mirror.json');
    await writeFile(manifest, JSON.stringify({ upstream: `file://${upstream.dir}`, sumdb: 'off', deps: false, modules }));
    ok(await runCli(['sync', '--manifest', manifest, '--out', src]));
  };

  before(async () => {
    await requireCommand('rsync', 'rsync');
    const spec = basicSpec();
    spec.modules.push({
      path: BIG,
      versions: ['v1.0.0', 'v1.1.0', 'v1.2.0'].map((version) => ({
        version,
        files: { 'big.go': 'package big\n' },
        sizeBytes: 1 * MiB,
      })),
    });
    upstream = await buildUpstream(spec);
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-e2e-publish-'));
    src = path.join(work, 'src');
    await sync([
      { path: BASIC.alpha, versions: ['v1.0.0'] },
      { path: BASIC.toml, versions: ['all'] },
      { path: BASIC.pseudoOnly, versions: ['latest'] },
      { path: BIG, versions: ['v1.0.0'] },
    ]);
  });
  after(async () => {
    await daemon?.stop();
    await upstream?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('publishes to a directory: the tree, never the tool state or temp files; --dry-run and --delete', async () => {
    const dest = path.join(work, 'dir-dest');
    const temp = path.join(src, 'example.com/alpha/@v/v9.9.9.zip.tmp-4242-abc123');
    await writeFile(temp, 'half a download');
    try {
      const r = ok(await runCli(['publish', '--root', src, '--to', dest]));
      assert.match(r.stdout, /published to 1 of 1 destinations/);
    } finally {
      await rm(temp);
    }
    assertSameTree(await servedFiles(dest), await servedFiles(src));
    assert.equal(await stat(path.join(dest, '.gomirror')).catch(() => 'absent'), 'absent');

    const again = ok(await runCli(['publish', '--root', src, '--to', dest]));
    assert.match(again.stdout, /: send 0 files, delete 0/);

    const stray = path.join(dest, 'example.com/alpha/@v/v0.0.1.zip');
    await writeFile(stray, 'gone from the source');
    const dry = ok(await runCli(['publish', '--root', src, '--to', dest, '--delete', '--dry-run']));
    assert.match(dry.stdout, /\*deleting +example\.com\/alpha\/@v\/v0\.0\.1\.zip/);
    assert.match(dry.stdout, /would send 0 files, would delete 1/);
    assert.ok(await stat(stray), '--dry-run deletes nothing');

    const del = ok(await runCli(['publish', '--root', src, '--to', dest, '--delete']));
    assert.match(del.stdout, /send 0 files, delete 1/);
    await assert.rejects(stat(stray), { code: 'ENOENT' });
    assertSameTree(await servedFiles(dest), await servedFiles(src));
  });

  it('publishes to an rsync daemon; a reader polling the lists never sees a listed version incomplete', async () => {
    daemon = await startRsyncDaemon(work);
    ok(await runCli(['publish', '--root', src, '--to', daemon.url]));
    assertSameTree(await servedFiles(daemon.dest), await servedFiles(src));

    await sync([
      { path: BASIC.alpha, versions: ['all'] },
      { path: BASIC.toml, versions: ['all'] },
      { path: BASIC.yaml, versions: ['all'] },
      { path: BASIC.pseudoOnly, versions: ['latest'] },
      { path: BIG, versions: ['all'] },
    ]);
    // 2 MiB of new zips at 1 MiB/s: the reader looks again and again while they arrive.
    const zipsBefore = await countZips(daemon.dest);
    const publish = spawnCli(['publish', '--root', src, '--to', daemon.url, '--bwlimit', '1024']);
    let finished = false;
    const result = publish.done.finally(() => (finished = true));
    const looks: (Awaited<ReturnType<typeof incompleteVersions>> & { zips: number })[] = [];
    while (!finished) {
      looks.push({ ...(await incompleteVersions(daemon.dest)), zips: await countZips(daemon.dest) });
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const r = ok(await result);
    const zipsAfter = await countZips(daemon.dest);
    assert.ok(
      looks.some((l) => l.zips > zipsBefore && l.zips < zipsAfter),
      `no look caught the publish half done (zips seen: ${looks.map((l) => l.zips).join(' ')}; ${zipsBefore} before, ${zipsAfter} after): the reader means nothing`,
    );
    assert.deepEqual(looks.flatMap((l) => l.missing), []);
    assert.ok(looks.every((l) => l.lists >= 4));
    assertSameTree(await servedFiles(daemon.dest), await servedFiles(src));
    const after = await incompleteVersions(daemon.dest);
    assert.deepEqual(after.missing, []);
    assert.ok(after.versions > looks[0]!.versions, `${describeCli(r)}\nthe new versions were listed at the end`);
  });

  it('an unreachable destination fails clearly; the others are still published', async () => {
    const port = await freePort();
    const dest = path.join(work, 'second-dest');
    const r = await runCli(['publish', '--root', src, '--to', `rsync://127.0.0.1:${port}/mirror/tree`, '--to', dest]);
    assert.equal(r.code, 1, describeCli(r));
    assert.match(r.stderr, new RegExp(`publish to rsync://127\\.0\\.0\\.1:${port}/mirror/tree failed in the modules pass: rsync exited 10: error in socket I/O`));
    assert.match(r.stderr, /Connection refused/);
    assert.match(r.stderr, /hint: Check that the host is reachable/);
    assert.match(r.stdout, /published to 1 of 2 destinations/);
    assertSameTree(await servedFiles(dest), await servedFiles(src));
  });

  it('a missing rsync binary says how to install it', async () => {
    const r = await runCli(['publish', '--root', src, '--to', path.join(work, 'never')], { env: { PATH: '/nonexistent' } });
    assert.equal(r.code, 1, describeCli(r));
    assert.match(r.stderr, /rsync is not installed: cannot run rsync/);
    assert.match(r.stderr, /apt-get install rsync/);
    await assert.rejects(stat(path.join(work, 'never')), { code: 'ENOENT' });
  });
});
