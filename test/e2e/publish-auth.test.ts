/**
 * publish to an rsync daemon that wants a password (secrets file as
 * docs/air-gap.md describes it): the right RSYNC_PASSWORD publishes; a wrong
 * one gets the password / secrets file hint, never the "wrong module" one,
 * and the password never shows up in the output.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { describeCli, runCli } from '../helpers/cli.js';
import { basicSpec, buildUpstream, type Upstream } from '../helpers/fixture-upstream.js';
import { treeFromUpstream } from '../helpers/tree.js';
import { startRsyncDaemon } from '../helpers/rsync-daemon.js';

describe('publish to an rsync daemon with auth users', () => {
  let upstream: Upstream;
  let work: string;
  let tree: string;
  let daemon: Awaited<ReturnType<typeof startRsyncDaemon>>;

  before(async () => {
    upstream = await buildUpstream(basicSpec());
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-publish-auth-'));
    tree = await treeFromUpstream(upstream, path.join(work, 'tree'));
    daemon = await startRsyncDaemon(work, { auth: { user: 'publisher', password: 'rs-s3cret-pw' } });
  });
  after(async () => {
    await daemon?.stop();
    await upstream?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('a wrong password: the hint names the password and the secrets file', async () => {
    const url = daemon.url.replace('rsync://', 'rsync://publisher@');
    const r = await runCli(['publish', '--root', tree, '--to', url], { env: { RSYNC_PASSWORD: 'wrong-password' } });
    assert.equal(r.code, 1, describeCli(r));
    assert.match(r.stderr, /auth failed/, describeCli(r));
    assert.match(r.stderr, /hint: The daemon refused the login: check the rsync password \(RSYNC_PASSWORD\) and the daemon's secrets file/);
    assert.doesNotMatch(r.stderr, /wrong rsync:\/\/ module|runs an rsync daemon with that module/);
    assert.ok(!r.stderr.includes('wrong-password') && !r.stdout.includes('wrong-password'), 'the password is not shown');
  });

  it('the right password publishes', async () => {
    const url = daemon.url.replace('rsync://', 'rsync://publisher@');
    const r = await runCli(['publish', '--root', tree, '--to', url], { env: { RSYNC_PASSWORD: 'rs-s3cret-pw' } });
    assert.equal(r.code, 0, describeCli(r));
  });
});
