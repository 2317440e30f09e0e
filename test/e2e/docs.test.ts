/**
 * The documentation, followed literally (issue #19): every shell, cron and
 * console block of README.md and docs/*.md is either walked here or marked
 * `<!-- not runnable here: why -->`. The walked procedures run the documented
 * text itself, with the system paths (/srv/goproxy, /etc/gomirror,
 * /var/lib/gomirror, /media/usb, ...) and the mirror's URL replaced by
 * temporary ones, against a local fixture upstream and checksum database:
 * the quick start, client-config, the cron lines, the air-gap blocks (the
 * nightly block twice the same day), the far side's verify with the
 * database key, the standalone nginx example, and doctor after client-config.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { startFixtureSumdb, type FixtureSumdb } from '../helpers/fixture-sumdb.js';
import { buildUpstream, nameSource, type UpstreamSpec, type Upstream } from '../helpers/fixture-upstream.js';
import { REPO_ROOT } from '../helpers/go-tools.js';
import { COMMAND_LANGS, cronJobs, docBlocks, procedure } from './docs-blocks.js';
import { freePort, requireNginxTools, shareWithNginx } from './nginx-support.js';

const BIN = path.join(REPO_ROOT, 'bin/gomirror.js');
/** The procedures this file walks; every `doc-test` marker must name one, and each must be in the docs. */
const PROCEDURES = ['quick-start', 'client-config', 'client-config-output', 'cron', 'air-gap-once', 'air-gap-nightly', 'air-gap-import', 'standalone-nginx', 'doctor'];

/** The modules of mirror-manifest.example.json, as a local upstream. */
function exampleSpec(): UpstreamSpec {
  const mod = (p: string, pkg: string, versions: string[]): UpstreamSpec['modules'][number] => ({
    path: p,
    versions: versions.map((version) => ({ version, files: { [`${pkg}.go`]: nameSource(pkg, `${p}@${version}`) } })),
  });
  return {
    modules: [
      mod('github.com/spf13/cobra', 'cobra', ['v1.9.1', 'v1.10.1']),
      mod('github.com/BurntSushi/toml', 'toml', ['v1.4.0', 'v1.5.0']),
      mod('golang.org/x/text', 'text', ['v0.19.0', 'v0.20.0', 'v0.21.0', 'v0.22.0']),
      mod('gopkg.in/yaml.v3', 'yaml', ['v3.0.1']),
    ],
  };
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a documented block with bash: `gomirror` is this checkout's CLI. */
function runScript(script: string, opts: { cwd: string; env: NodeJS.ProcessEnv; prelude?: string }): Promise<Run> {
  const text = `gomirror() { node '${BIN}' "$@"; }\n${opts.prelude ?? ''}\n${script}\n`;
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-e', '-c', text], { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const show = (r: Run, script: string): string => `exit ${r.code}\n--- script ---\n${script}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

function substitute(text: string, subs: readonly (readonly [string, string])[]): string {
  let out = text;
  for (const [from, to] of subs) out = out.split(from).join(to);
  return out;
}

describe('the documentation, followed literally', () => {
  let upstream: Upstream;
  let proxy: FixtureServer;
  let db: FixtureSumdb;
  let work: string;
  const D = { srv: '', far: '', etc: '', varlib: '', log: '', prom: '', usb: '', home: '' };
  let env: NodeJS.ProcessEnv;
  let subs: [string, string][];
  let manifest: { upstream: string; sumdb: string; vulndb?: string; modules: { path: string; versions: string[] }[] };

  before(async () => {
    upstream = await buildUpstream(exampleSpec());
    proxy = await startFixtureServer({ root: upstream.dir });
    db = await startFixtureSumdb({ goSum: upstream.goSum, name: 'sum.fixture.example', fillers: 200 });
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-docs-'));
    for (const k of Object.keys(D) as (keyof typeof D)[]) {
      D[k] = path.join(work, k);
      // The tree directories are made by gomirror, like install.md's step 1 makes /srv/goproxy empty.
      await mkdir(D[k]);
    }
    // A clean user: no Go or proxy settings inherited from the machine running the tests.
    env = { PATH: process.env.PATH, HOME: D.home, XDG_CONFIG_HOME: path.join(D.home, '.config'), GOTOOLCHAIN: 'local', LANG: 'C.UTF-8' };
    subs = [
      ['/usr/local/bin/gomirror', `node '${BIN}'`],
      ['node bin/gomirror.js', `node '${BIN}'`],
      ['/var/lib/prometheus/node-exporter', D.prom],
      ['/var/lib/gomirror', D.varlib],
      ['/var/log/gomirror', D.log],
      ['/etc/gomirror', D.etc],
      ['/srv/goproxy', D.srv],
      ['/media/usb', D.usb],
    ];
    // The example manifest, pointed at the local upstream and database; yaml.v3 comes a night later.
    const example = JSON.parse(await readFile(path.join(REPO_ROOT, 'mirror-manifest.example.json'), 'utf8')) as typeof manifest;
    // vuln.go.dev is out of reach here; mirroring the database is walked in test/e2e/vulndb.test.ts.
    manifest = { ...example, upstream: proxy.url, sumdb: db.gosumdb, vulndb: 'off' };
    await writeFile(path.join(D.etc, 'mirror.json'), JSON.stringify({ ...manifest, modules: manifest.modules.filter((m) => m.path !== 'gopkg.in/yaml.v3') }));
  });
  after(async () => {
    await db?.close();
    await proxy?.close();
    await upstream?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('every shell, cron and console block is walked here or marked as not runnable', () => {
    const blocks = docBlocks().filter((b) => COMMAND_LANGS.has(b.lang));
    const unmarked = blocks.filter((b) => b.test === undefined && b.notRunnable === undefined).map((b) => `${b.file}:${b.line}`);
    assert.deepEqual(unmarked, [], 'mark each with <!-- doc-test: NAME --> or <!-- not runnable here: REASON -->');
    const named = new Set(blocks.flatMap((b) => (b.test ? [b.test] : [])));
    assert.deepEqual([...named].filter((n) => !PROCEDURES.includes(n)), [], 'a doc-test name this file does not walk');
    assert.deepEqual(PROCEDURES.filter((n) => !named.has(n)), [], 'a procedure no longer in the docs');
  });

  it('paths, binaries and cron lines agree on every page; cron output goes to a log', async () => {
    for (const b of docBlocks()) assert.ok(!b.text.includes('/srv/gomirror'), `${b.file}:${b.line}: the tree is /srv/goproxy`);
    const jobs = procedure('cron').flatMap((b) => cronJobs(b.text));
    const syncLines = new Set(jobs.filter((j) => j.command.includes(' sync ')).map((j) => j.line));
    assert.equal(syncLines.size, 1, `one nightly sync line on every page:\n${[...syncLines].join('\n')}`);
    for (const j of jobs) {
      assert.match(j.command, /^\/usr\/local\/bin\/gomirror /, j.line);
      assert.match(j.command, />>\/var\/log\/gomirror\/\S+\.log 2>&1$/, `${j.line}: cron would mail the output`);
    }
    const install = await readFile(path.join(REPO_ROOT, 'docs/install.md'), 'utf8');
    assert.match(install, /^UMask=0022$/m);
    const rw = /^ReadWritePaths=(.*)$/m.exec(install)?.[1]?.split(/\s+/) ?? [];
    const made = install.split('\n').filter((l) => /^sudo install -d /.test(l)).join(' ');
    for (const dir of rw) assert.ok(made.includes(dir), `ReadWritePaths ${dir} is not made in step 1`);
  });

  it('quick start (README), against a local upstream', async () => {
    const qs = path.join(work, 'qs');
    await mkdir(qs);
    await writeFile(path.join(qs, 'mirror-manifest.example.json'), JSON.stringify(manifest));
    // npm ci is what `bash .ci/run` does for this checkout before the tests.
    const script = substitute(procedure('quick-start').map((b) => b.text).join('\n'), subs).replace(/^npm ci$/m, ': npm ci');
    const r = await runScript(script, { cwd: qs, env });
    assert.equal(r.code, 0, show(r, script));
    assert.match(r.stdout, /tree OK: 6 versions of 4 modules/, show(r, script));
    assert.equal(await readFile(path.join(qs, 'goproxy/github.com/spf13/cobra/@v/list'), 'utf8'), 'v1.9.1\nv1.10.1\n');
  });

  it('client-config (README and nginx.md): the documented output is the output', async () => {
    const [readme] = procedure('client-config');
    const r = await runScript(readme?.text ?? '', { cwd: work, env });
    assert.equal(r.code, 0, show(r, readme?.text ?? ''));
    assert.match(r.stdout, /^go env -w GOPROXY=https:\/\/goproxy\.corp\.example\.com,off GOSUMDB=sum\.golang\.org$/m);
    for (const b of procedure('client-config-output')) {
      const [first, ...expected] = b.text.split('\n');
      const cmd = (first ?? '').replace(/^\$ /, '');
      const out = await runScript(cmd, { cwd: work, env });
      assert.equal(out.code, 0, show(out, cmd));
      assert.equal(out.stdout.trimEnd(), expected.join('\n').trimEnd(), `${b.file}:${b.line}`);
    }
  });

  it('cron: the nightly sync, weekly verify and monthly prune; nothing for cron to mail', async () => {
    await mkdir(path.join(D.srv), { recursive: true });
    for (const job of procedure('cron').flatMap((b) => cronJobs(b.text))) {
      const cmd = substitute(job.command, subs);
      const r = await runScript(cmd, { cwd: D.varlib, env });
      assert.equal(r.code, 0, show(r, cmd));
      assert.equal(r.stdout + r.stderr, '', `${job.line}: output reaches cron`);
    }
    assert.match(await readFile(path.join(D.prom, 'gomirror.prom'), 'utf8'), /^gomirror_sync_success\{root="[^"]+"\} 1$/m);
    assert.match(await readFile(path.join(D.log, 'verify.log'), 'utf8'), /tree OK/);
    assert.ok(existsSync(path.join(D.srv, '.gomirror/sumdb/sum.fixture.example/key')));
  });

  it('air gap: once, the nightly block twice the same day, import on the far side, verify with the database key', async () => {
    const once = substitute(procedure('air-gap-once').map((b) => b.text).join('\n'), subs);
    const r0 = await runScript(once, { cwd: D.etc, env });
    assert.equal(r0.code, 0, show(r0, once));
    assert.ok(existsSync(path.join(D.varlib, 'last.index.json')), 'seeded after the full export');

    // A new module arrives with the next nightly sync.
    await writeFile(path.join(D.etc, 'mirror.json'), JSON.stringify(manifest));
    const [sync] = cronJobs(procedure('cron')[0]?.text ?? '').filter((j) => j.command.includes(' sync '));
    const s = await runScript(substitute(sync?.command ?? '', subs), { cwd: D.varlib, env });
    assert.equal(s.code, 0, show(s, sync?.command ?? ''));

    const nightly = substitute(procedure('air-gap-nightly').map((b) => b.text).join('\n'), subs);
    const r1 = await runScript(nightly, { cwd: D.etc, env });
    assert.equal(r1.code, 0, show(r1, nightly));
    // The names carry the time to the second.
    await new Promise((res) => setTimeout(res, 1100));
    const r2 = await runScript(nightly, { cwd: D.etc, env });
    assert.equal(r2.code, 0, show(r2, nightly));
    const indexes = (await readdir(D.usb)).filter((f) => /^2.*\.index\.json$/.test(f)).sort();
    assert.equal(indexes.length, 2, (await readdir(D.usb)).join(' '));
    const first = await readFile(path.join(D.usb, indexes[0] ?? ''), 'utf8');
    assert.match(first, /"gopkg\.in\/yaml\.v3\/@v\/v3\.0\.1\.zip".*"bundled":true/, 'the first night carries the new module');
    assert.equal(await readFile(path.join(D.varlib, 'last.index.json'), 'utf8'), await readFile(path.join(D.usb, indexes[1] ?? ''), 'utf8'));

    const farSubs = subs.map(([from, to]): [string, string] => [from, from === '/srv/goproxy' ? D.far : to]);
    const imp = substitute(procedure('air-gap-import').map((b) => b.text).join('\n'), farSubs);
    const r3 = await runScript(imp, { cwd: D.etc, env });
    assert.equal(r3.code, 0, show(r3, imp));
    assert.match(r3.stdout, /tree OK: 6 versions of 4 modules/, show(r3, imp));

    // The weekly verify of install.md, on the far side: the database key came with the signed bundles.
    const verify = cronJobs(procedure('cron')[1]?.text ?? '').find((j) => j.command.includes(' verify '));
    const v = await runScript(substitute(verify?.command ?? '', farSubs), { cwd: D.varlib, env });
    assert.equal(v.code, 0, show(v, verify?.command ?? ''));
    assert.match(await readFile(path.join(D.log, 'verify.log'), 'utf8'), /tree OK: 6 versions/);
  });

  it('the standalone nginx example (nginx.md)', async () => {
    await requireNginxTools();
    const port = await freePort();
    await shareWithNginx(D.home, work);
    // As root (CI), nginx runs as an unprivileged user, as the example assumes a non-root user.
    const prelude =
      process.getuid?.() === 0
        ? `nginx() { chown -R 65534:65534 "$HOME/gomirror"; setpriv --reuid=65534 --regid=65534 --clear-groups nginx "$@"; }`
        : '';
    const script = substitute(procedure('standalone-nginx').map((b) => b.text).join('\n'), [...subs, ['127.0.0.1:8080', `127.0.0.1:${port}`]]);
    try {
      const r = await runScript(script, { cwd: work, env, prelude });
      assert.equal(r.code, 0, show(r, script));
      assert.match(r.stdout, /^v3\.0\.1$/m, show(r, script));
    } finally {
      await runScript(`nginx -p ~/gomirror -c ~/gomirror/nginx.conf -s quit 2>/dev/null || true`, { cwd: work, env, prelude });
    }
  });

  it('doctor on a machine set up with client-config (operations.md)', async () => {
    const server = await startFixtureServer({ root: D.srv });
    try {
      const home = path.join(work, 'dev-home');
      await mkdir(home);
      const devEnv = { ...env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config') };
      const [block] = procedure('doctor');
      const lines = (block?.text ?? '').split('\n');
      // The documented go env -w line is what client-config prints.
      const cc = await runScript(lines[0] ?? '', { cwd: work, env: devEnv });
      assert.ok(cc.stdout.split('\n').includes(lines[1] ?? ''), `client-config printed:\n${cc.stdout}`);
      const script = substitute(block?.text ?? '', [['https://goproxy.corp.example', server.url]]);
      const r = await runScript(script, { cwd: work, env: devEnv });
      assert.equal(r.code, 0, show(r, script));
      assert.doesNotMatch(r.stdout + r.stderr, /GOPROXY.*(not set|does not name)/, show(r, script));
      assert.match(r.stdout, new RegExp(`GOPROXY=${server.url.replace(/\./g, '\\.')},off`), show(r, script));
    } finally {
      await server.close();
    }
  });
});
