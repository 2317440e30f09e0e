/**
 * The weekly far-side verify of a mirror synced with a checksum database
 * other than sum.golang.org: the key travels in the signed bundle and verify
 * uses it by default; without a trusted key, `--sumdb` gives it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { describeCli, runCli } from '../helpers/cli.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { startFixtureSumdb, type FixtureSumdb } from '../helpers/fixture-sumdb.js';
import { BASIC, basicSpec, buildUpstream, type Upstream } from '../helpers/fixture-upstream.js';

describe('verify with the checksum database key the tree was synced with', () => {
  let upstream: Upstream;
  let proxy: FixtureServer;
  let db: FixtureSumdb;
  let work: string;
  let tree: string;

  before(async () => {
    upstream = await buildUpstream(basicSpec());
    proxy = await startFixtureServer({ root: upstream.dir });
    db = await startFixtureSumdb({ goSum: upstream.goSum, name: 'sum.fixture.example', fillers: 200 });
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-verify-key-'));
    tree = path.join(work, 'near');
    const manifest = path.join(work, 'mirror.json');
    await writeFile(manifest, JSON.stringify({ upstream: proxy.url, sumdb: db.gosumdb, deps: false, modules: [{ path: BASIC.alpha, versions: ['all'] }, { path: BASIC.toml, versions: ['latest'] }] }));
    const r = await runCli(['sync', '--manifest', manifest, '--out', tree]);
    assert.equal(r.code, 0, describeCli(r));
  });
  after(async () => {
    await db?.close();
    await proxy?.close();
    await upstream?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('the near side verifies with the key sync recorded', async () => {
    assert.equal((await readFile(path.join(tree, '.gomirror/sumdb/sum.fixture.example/key'), 'utf8')).trim(), db.vkey);
    const v = await runCli(['verify', '--root', tree]);
    assert.equal(v.code, 0, describeCli(v));
  });

  it('the far side, after importing a signed bundle, verifies with no --sumdb', async () => {
    const key = path.join(work, 'bundle.key');
    assert.equal((await runCli(['keygen', '--out', key])).code, 0);
    const bundle = path.join(work, 'full.tar');
    const e = await runCli(['bundle', 'export', '--root', tree, '--out', bundle, '--sign-key', key]);
    assert.equal(e.code, 0, describeCli(e));
    assert.ok((await readFile(path.join(work, 'full.index.json'), 'utf8')).includes(db.vkey), 'the index names the key');
    const far = path.join(work, 'far');
    const i = await runCli(['bundle', 'import', '--root', far, '--verify-key', `${key}.pub`, bundle]);
    assert.equal(i.code, 0, describeCli(i));
    const v = await runCli(['verify', '--root', far]);
    assert.equal(v.code, 0, describeCli(v));
    assert.match(v.stdout, /tree OK: [1-9]/);
  });

  it('an unsigned import records no key; verify --sumdb gives it', async () => {
    const bundle = path.join(work, 'unsigned.tar');
    assert.equal((await runCli(['bundle', 'export', '--root', tree, '--out', bundle])).code, 0);
    const far = path.join(work, 'far-unsigned');
    const i = await runCli(['bundle', 'import', '--root', far, bundle]);
    assert.equal(i.code, 0, describeCli(i));
    assert.match(i.stderr, /not signature-checked; not recording it/);
    const v = await runCli(['verify', '--root', far]);
    assert.equal(v.code, 1, describeCli(v));
    assert.match(v.stderr, /no verifier key for sum\.fixture\.example.*--sumdb/);
    const withKey = await runCli(['verify', '--root', far, '--sumdb', db.vkey]);
    assert.equal(withKey.code, 0, describeCli(withKey));
  });
});
