/**
 * Every command that writes an `--out` (and sync's --report/--metrics) names
 * the cause when it cannot (E_FS, the path, "is the drive mounted?") before
 * any work, with no stack trace; bundle export never replaces a bundle that
 * may not have been carried yet unless told to (--force).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { describeCli, runCli, type CliResult } from '../helpers/cli.js';
import { basicSpec, buildUpstream, type Upstream } from '../helpers/fixture-upstream.js';
import { treeFromUpstream } from '../helpers/tree.js';

function assertNamedFsError(r: CliResult, missingDir: string): void {
  assert.equal(r.code, 1, describeCli(r));
  assert.ok(r.stderr.includes(`the directory ${missingDir} does not exist`), describeCli(r));
  assert.match(r.stderr, /hint: Does the directory exist, and is the drive mounted\?/, describeCli(r));
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  assert.doesNotMatch(r.stderr, /\.tmp-/, 'no temp file name');
}

describe('--out paths', () => {
  let upstream: Upstream;
  let work: string;
  let tree: string;

  before(async () => {
    upstream = await buildUpstream(basicSpec());
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-out-paths-'));
    tree = await treeFromUpstream(upstream, path.join(work, 'tree'));
  });
  after(async () => {
    await upstream?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('bundle export into a missing directory (a USB drive not mounted)', async () => {
    const usb = path.join(work, 'media/usb');
    assertNamedFsError(await runCli(['bundle', 'export', '--root', tree, '--out', path.join(usb, 'full.tar')]), usb);
    assertNamedFsError(await runCli(['bundle', 'export', '--root', tree, '--out', path.join(usb, 'full.tar'), '--split', '1M']), usb);
  });

  it('nginx --out, keygen --out, sync --report/--metrics into a missing directory', async () => {
    const missing = path.join(work, 'nope');
    assertNamedFsError(await runCli(['nginx', '--standalone', '--root', tree, '--out', path.join(missing, 'nginx.conf')]), missing);
    assertNamedFsError(await runCli(['keygen', '--out', path.join(missing, 'bundle.key')]), missing);
    const synced = path.join(work, 'never');
    for (const flag of ['--report', '--metrics']) {
      const r = await runCli(['sync', '--gosum', path.join(work, 'none.sum'), '--out', synced, flag, path.join(missing, 'x')]);
      assertNamedFsError(r, missing);
      assert.equal(existsSync(synced), false, 'nothing was done');
    }
  });

  it('bundle export refuses an existing --out (a nightly block run twice) unless --force', async () => {
    const usb = path.join(work, 'usb');
    await runCli(['bundle', 'export', '--root', tree, '--out', path.join(work, 'seed.tar')]);
    const { mkdir } = await import('node:fs/promises');
    await mkdir(usb);
    const first = await runCli(['bundle', 'export', '--root', tree, '--out', path.join(usb, 'night.tar'), '--split', '4k']);
    assert.equal(first.code, 0, describeCli(first));
    const before = (await readdir(usb)).sort();
    const again = await runCli(['bundle', 'export', '--root', tree, '--out', path.join(usb, 'night.tar'), '--split', '4k', '--since', path.join(usb, 'night.index.json')]);
    assert.equal(again.code, 2, describeCli(again));
    assert.match(again.stderr, /exists; not overwriting a bundle that may not have been carried yet/);
    assert.match(again.stderr, /--force/);
    assert.deepEqual((await readdir(usb)).sort(), before, 'nothing changed');
    const plain = await runCli(['bundle', 'export', '--root', tree, '--out', path.join(work, 'seed.tar')]);
    assert.equal(plain.code, 2, describeCli(plain));
    const forced = await runCli(['bundle', 'export', '--root', tree, '--out', path.join(work, 'seed.tar'), '--force']);
    assert.equal(forced.code, 0, describeCli(forced));
  });
});
