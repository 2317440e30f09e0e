/**
 * What every run does around its work: input errors (exit 2) come before any
 * work and create nothing; temp files of runs that died are swept at the
 * start of every sync after a run that did not end cleanly and of every
 * import, and never show in --autoindex listings;
 * verify --repair builds the same upstream stack as sync ($SSL_CERT_FILE).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempPathFor } from '../../src/tree/atomic.js';
import { describeCli, runCli } from '../helpers/cli.js';
import { startFixtureServer } from '../helpers/fixture-server.js';
import { BASIC, basicSpec, buildUpstream, type Upstream } from '../helpers/fixture-upstream.js';
import { treeFiles } from '../helpers/tree.js';
import { curl, requireNginxTools, serveWithNginx } from './nginx-support.js';

const ZIP = 'example.com/alpha/@v/v1.1.0.zip';

describe('every run: input errors, dead temp files, one upstream stack', () => {
  let upstream: Upstream;
  let work: string;
  let n = 0;
  const fresh = (name: string): string => path.join(work, `${name}-${n++}`);
  /** A pid no process has any more. */
  const deadPid = (): string => spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();

  before(async () => {
    upstream = await buildUpstream(basicSpec());
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-e2e-housekeeping-'));
  });
  after(async () => {
    await upstream?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('input errors exit 2 before any work, name the place, echo no file contents, and create no --out', async () => {
    const longElem = 'x'.repeat(300);
    const manifest = path.join(work, 'long.json');
    await writeFile(manifest, JSON.stringify({ upstream: `file://${upstream.dir}`, modules: [{ path: `example.com/${longElem}`, versions: ['latest'] }] }));
    const longSum = path.join(work, 'long.sum');
    await writeFile(longSum, `example.com/${longElem} v1.0.0 h1:${Buffer.alloc(32).toString('base64')}\n`);
    const binary = path.join(work, 'binary.mod');
    await writeFile(binary, Buffer.from([0x6d, 0x6f, 0x64, 0, 0xff, 0xfe, 0x41, 0x41, 0x41, 0x0a]));
    const cases: [string[], RegExp][] = [
      [['--manifest', manifest], /modules\[0\]\.path: "example\.com\/x+.*: a path element is 300 bytes once escaped; file systems allow at most 255/],
      [['--upstream', `file://${upstream.dir}`, '--gosum', longSum], /long\.sum:1: example\.com\/x+.*: a path element is 300 bytes once escaped/],
      [['--upstream', `file://${upstream.dir}`, '--gomod', '/dev/urandom'], /\/dev\/urandom: cannot read go\.mod: larger than \d+ bytes/],
      [['--upstream', `file://${upstream.dir}`, '--gomod', binary], /binary\.mod: cannot read go\.mod: not a text file/],
      [['--upstream', `file://${upstream.dir}`, '--gosum', path.join(work, 'missing.sum')], /missing\.sum: cannot read go\.sum: ENOENT/],
    ];
    for (const [args, message] of cases) {
      const out = fresh('input');
      const r = await runCli(['sync', ...args, '--out', out]);
      assert.equal(r.code, 2, describeCli(r));
      assert.match(r.stderr, message, describeCli(r));
      assert.ok(r.stderr.length < 2000, `a short message, no file contents (${r.stderr.length} bytes)`);
      assert.doesNotMatch(r.stderr, /AAA|\uFFFD/, 'nothing of the file is echoed');
      await assert.rejects(stat(out), /ENOENT/, `${args.join(' ')}: --out was not created`);
    }
  });

  it('sync and bundle import sweep the temp files of dead runs anywhere in the tree, and only those', async () => {
    const tree = fresh('sweep');
    const sum = path.join(work, 'alpha.sum');
    await writeFile(sum, upstream.goSum.split('\n').filter((l) => l.startsWith(`${BASIC.alpha} `)).join('\n') + '\n');
    const sync = (): Promise<Awaited<ReturnType<typeof runCli>>> => runCli(['sync', '--upstream', `file://${upstream.dir}`, '--gosum', sum, '--out', tree]);
    assert.equal((await sync()).code, 0);
    const dead = deadPid();
    // Modules this run does not touch, the sumdb mirror and tool state: a per-module sweep never reaches them.
    const stale = [
      `example.com/gone/@v/v1.0.0.zip.tmp-${dead}-0abc`,
      `example.com/gone/@v/.v1.0.0.mod.tmp-${dead}-0abd`,
      `example.com/gone/.@latest.tmp-${dead}-1`,
      `sumdb/sum.golang.org/lookup/example.com/x@v1.0.0.tmp-${dead}-2`,
      `.gomirror/go.sum.tmp-${dead}-3`,
    ];
    const live = `example.com/gone/@v/.v1.1.0.zip.tmp-${process.pid}-9`;
    for (const f of [...stale, live]) {
      await mkdir(path.dirname(path.join(tree, f)), { recursive: true });
      await writeFile(path.join(tree, f), 'partial');
    }
    // The dead run's lock is still there: it died holding it.
    const lock = { pid: Number(dead), host: hostname(), startedAt: new Date().toISOString(), command: 'sync' };
    await writeFile(path.join(tree, '.gomirror/lock'), JSON.stringify(lock) + '\n');
    const r = await sync();
    assert.equal(r.code, 0, describeCli(r));
    assert.match(r.stderr, /took over a stale lock/);
    assert.match(r.stderr, /removed 5 temp files left by runs that died/);
    const files = await treeFiles(tree);
    assert.deepEqual(files.filter((f) => f.includes('.tmp-')), [live], 'a live process keeps its temp files');

    // After a run that ended cleanly (its lock released, no .gomirror/unclean) nothing can be left: no walk.
    const planted = `example.com/gone/@v/v1.2.0.zip.tmp-${dead}-5`;
    await writeFile(path.join(tree, planted), 'not left by any run');
    const clean = await sync();
    assert.equal(clean.code, 0, describeCli(clean));
    assert.doesNotMatch(clean.stderr, /temp files left/);
    assert.ok((await treeFiles(tree)).includes(planted), 'the tree was not walked');

    // bundle import does the same in the root it imports into.
    const bundle = path.join(work, 'b.tar');
    assert.equal((await runCli(['bundle', 'export', '--root', tree, '--out', bundle])).code, 0);
    const target = fresh('import');
    await mkdir(path.join(target, 'example.com/other/@v'), { recursive: true });
    await writeFile(path.join(target, `example.com/other/@v/v1.0.0.info.tmp-${dead}-4`), 'partial');
    const imp = await runCli(['bundle', 'import', '--root', target, bundle]);
    assert.equal(imp.code, 0, describeCli(imp));
    assert.deepEqual((await treeFiles(target)).filter((f) => f.includes('.tmp-')), []);
  });

  it('temp files of writes in progress never show in --autoindex listings', async () => {
    await requireNginxTools();
    const tree = fresh('autoindex');
    const sum = path.join(work, 'alpha2.sum');
    await writeFile(sum, upstream.goSum.split('\n').filter((l) => l.startsWith(`${BASIC.alpha} `)).join('\n') + '\n');
    assert.equal((await runCli(['sync', '--upstream', `file://${upstream.dir}`, '--gosum', sum, '--out', tree])).code, 0);
    // A write in progress, named as every writer of the tree names it.
    const tmp = tempPathFor(path.join(tree, 'example.com/alpha/@v/v9.0.0.zip'));
    await writeFile(tmp, 'partial');
    const { url, nginx } = await serveWithNginx(fresh('nginx'), tree, [work, tree], { autoindex: true });
    try {
      const listing = await curl(`${url}/example.com/alpha/@v/`);
      assert.equal(listing.status, 200);
      const body = listing.body.toString();
      assert.match(body, /v1\.1\.0\.zip/, 'the listing works');
      assert.doesNotMatch(body, /tmp-/, body);
      assert.equal((await curl(`${url}/example.com/alpha/@v/${path.basename(tmp)}`)).status, 404);
    } finally {
      await nginx.stop();
    }
  });

  it('verify --repair trusts $SSL_CERT_FILE like sync: repairs from an https upstream with a private CA', async () => {
    const server = await startFixtureServer({ root: upstream.dir, tls: true });
    try {
      const env = { SSL_CERT_FILE: server.caFile ?? '' };
      const tree = fresh('tls');
      const sum = path.join(work, 'tls.sum');
      await writeFile(sum, upstream.goSum);
      const s = await runCli(['sync', '--upstream', server.url, '--gosum', sum, '--out', tree], { env });
      assert.equal(s.code, 0, describeCli(s));
      await writeFile(path.join(tree, ZIP), 'damaged');
      const r = await runCli(['verify', '--root', tree, '--repair', '--upstream', server.url, '--retries', '0'], { env });
      assert.equal(r.code, 0, describeCli(r));
      assert.match(r.stdout, /repaired 1 versions/, describeCli(r));
      assert.ok((await readFile(path.join(tree, ZIP))).equals(await readFile(path.join(upstream.dir, ZIP))));
    } finally {
      await server.close();
    }
  });
});
