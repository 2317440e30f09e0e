/**
 * With `sumdb: off`, toolchains are still checked with the checksum database
 * (the go command does the same: modfetch useSumDB), here sum.golang.org
 * reached through the upstream's /sumdb/ proxying. The fixture upstream
 * answers with a lookup whose signature is not sum.golang.org's, so the
 * toolchain is refused and nothing of it is written, while an ordinary
 * module of the same run is mirrored unchecked, as configured.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { describeCli, runCli } from '../helpers/cli.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { buildUpstream } from '../helpers/fixture-upstream.js';
import { dlVersion, writeToolchains } from '../helpers/fixture-toolchains.js';

describe('toolchains with sumdb off: still verified with sum.golang.org', () => {
  let work: string;
  let proxy: FixtureServer;
  const v = dlVersion('1.23.4', 'linux-amd64');

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-e2e-tcoff-'));
    const up = path.join(work, 'up');
    await buildUpstream({ modules: [{ path: 'example.com/plain', versions: [{ version: 'v1.0.0', files: { 'p.go': 'package plain\n' } }] }] }, up);
    const goSum = await writeToolchains(up, [{ go: '1.23.4', platform: 'linux-amd64' }]);
    const zipLine = goSum.split('\n').find((l) => l.startsWith(`golang.org/toolchain ${v} `)) ?? '';
    const db = path.join(up, 'sumdb/sum.golang.org');
    await mkdir(path.join(db, 'lookup/golang.org'), { recursive: true });
    await writeFile(path.join(db, 'supported'), '');
    // The true record, signed by someone else's key under sum.golang.org's name.
    await writeFile(
      path.join(db, 'lookup/golang.org', `toolchain@${v}`),
      `7\n${zipLine}\ngolang.org/toolchain ${v}/go.mod h1:8wlg68NqwW7eMnI1aABk/C2pDYXj8mrMY4TyRfiLeS0=\n\ngo.sum database tree\n8\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n— sum.golang.org Az3grnmrIUEDFqHzGdAfYz1j0i5X5HC1LuHqmQYT6Wr6Fwkz+Qmq+iufk19ZIvCPU5Lf7XRMdvWxgNlNeUqSfYeChg0=\n`,
    );
    proxy = await startFixtureServer({ root: up });
  });
  after(async () => {
    await proxy.close();
    await rm(work, { recursive: true, force: true });
  });

  it('refuses the toolchain the database does not vouch for; the other module is mirrored unchecked', async () => {
    const manifest = path.join(work, 'm.json');
    await writeFile(manifest, JSON.stringify({ upstream: proxy.url, sumdb: 'off', deps: false, modules: [{ path: 'example.com/plain' }], toolchains: { versions: ['go1.23.4'], platforms: [] } }));
    const tree = path.join(work, 'tree');
    const r = await runCli(['sync', '--manifest', manifest, '--out', tree, '--platforms', 'linux-amd64']);
    assert.equal(r.code, 1, describeCli(r));
    assert.match(r.stderr, new RegExp(`golang\\.org/toolchain@${v.replace(/\./g, '\\.')}: verifying with sum\\.golang\\.org: SECURITY ERROR`), describeCli(r));
    assert.ok(proxy.requests.some((q) => q.path === `/sumdb/sum.golang.org/lookup/golang.org/toolchain@${v}`), 'the lookup was asked for');
    assert.equal(existsSync(path.join(tree, 'golang.org/toolchain/@v', `${v}.zip`)), false, 'nothing of the toolchain is written');
    assert.ok(existsSync(path.join(tree, 'example.com/plain/@v/v1.0.0.zip')));
    assert.equal(proxy.requests.filter((q) => q.path.includes('example.com/plain') && q.path.startsWith('/sumdb/')).length, 0);
  });
});
