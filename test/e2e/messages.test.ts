/**
 * Failures that must be said once, clearly, and not retried: a redirect to
 * file:// (or any scheme but http/https), a checksum database host DNS does
 * not know, and input that can never work (an --auth pattern no module path
 * can match, a password in an rsync:// URL), refused with exit 2.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { describeCli, runCli } from '../helpers/cli.js';
import type { FixtureServer } from '../helpers/fixture-server.js';
import { startFixtureSumdb } from '../helpers/fixture-sumdb.js';
import { BASIC, type Upstream } from '../helpers/fixture-upstream.js';
import { serveBasicUpstream, type ServedBasic } from '../helpers/served-basic.js';

describe('clear messages, no pointless retries', () => {
  let served: ServedBasic | undefined;
  let upstream: Upstream;
  let server: FixtureServer;
  let work: string;

  before(async () => {
    served = await serveBasicUpstream('gomirror-messages-');
    ({ upstream, server, work } = served);
  });
  after(() => served?.close());

  const sync = async (name: string, modules: unknown[], extra: string[]): Promise<Awaited<ReturnType<typeof runCli>>> => {
    const manifest = path.join(work, `${name}.json`);
    await writeFile(manifest, JSON.stringify({ upstream: server.url, deps: false, modules }));
    return runCli(['sync', '--manifest', manifest, '--out', path.join(work, name), '--retries', '4', ...extra]);
  };

  it('a redirect to file:// fails that file at once, saying so', async () => {
    server.setFaults([{ match: /alpha\/@v\/v1\.0\.0\.zip$/, fault: { kind: 'redirect', location: 'file:///etc/passwd' } }]);
    try {
      const before = server.requests.length;
      const r = await sync('redirect', [{ path: BASIC.alpha, versions: ['v1.0.0'] }], ['--sumdb', 'off']);
      assert.equal(r.code, 1, describeCli(r));
      assert.match(r.stderr, /v1\.0\.0\.zip: the server redirects to a URL that is not http:\/\/ or https:\/\//, describeCli(r));
      assert.doesNotMatch(r.stdout + r.stderr, /retrying|check that the upstream is reachable/i, describeCli(r));
      assert.equal(server.requests.slice(before).filter((q) => q.path.endsWith('.zip')).length, 1);
    } finally {
      server.setFaults([]);
    }
  });

  it('a checksum database host DNS does not know: one lookup, no retries, and the fix', async () => {
    const db = await startFixtureSumdb({ goSum: upstream.goSum, fillers: 10 });
    await db.close();
    const versions = ['v2.2.8', 'v2.4.0'];
    const r = await sync('nodns', [{ path: BASIC.yaml, versions }, { path: BASIC.toml, versions: ['all'] }], ['--sumdb', `${db.vkey} http://sum.gomirror-test.invalid`]);
    assert.equal(r.code, 1, describeCli(r));
    const out = r.stdout + r.stderr;
    assert.match(out, /checksum database sum\.fixture\.example: cannot resolve host sum\.gomirror-test\.invalid \(DNS: no such host\)/, describeCli(r));
    assert.match(out, /--sumdb off/);
    assert.doesNotMatch(out, /retrying/, describeCli(r));
    assert.deepEqual(await readdir(path.join(work, 'nodns', BASIC.yaml, '@v')).catch(() => []), [], 'nothing unverified is written');
  });

  it('--auth with a pattern no module path can match exits 2', async () => {
    const root = path.join(work, 'tree');
    await mkdir(root, { recursive: true });
    const r = await runCli(['nginx', '--root', root, '--auth', `corp.com/..=${path.join(work, 'htpasswd')}`]);
    assert.equal(r.code, 2, describeCli(r));
    assert.match(r.stderr, /--auth: bad module path pattern "corp\.com\/\.\.": no module path element starts or ends with "\."/);
  });

  it('publish to rsync://user:pass@host exits 2 and points at RSYNC_PASSWORD, without echoing the password', async () => {
    const root = path.join(work, 'tree');
    await mkdir(root, { recursive: true });
    const r = await runCli(['publish', '--root', root, '--to', 'rsync://bob:hunter2@127.0.0.1:1/mod']);
    assert.equal(r.code, 2, describeCli(r));
    assert.match(r.stderr, /rsync:\/\/ URLs do not carry passwords/);
    assert.match(r.stderr, /RSYNC_PASSWORD/);
    assert.doesNotMatch(r.stdout + r.stderr, /hunter2/);
  });
});
