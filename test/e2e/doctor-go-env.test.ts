/**
 * doctor on a machine set up with client-config: the `go env -w` line it
 * prints is run with the real go command (HOME and XDG_CONFIG_HOME in a temp
 * directory), then doctor, with nothing in its environment, sees those
 * settings, with and without the go command on PATH.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { DoctorReport } from '../../src/doctor/index.js';
import { describeCli, runCli } from '../helpers/cli.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { BASIC, basicSpec, buildUpstream, type Upstream } from '../helpers/fixture-upstream.js';

const run = promisify(execFile);

describe('doctor after client-config', () => {
  let upstream: Upstream;
  let server: FixtureServer;
  let home: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    upstream = await buildUpstream(basicSpec());
    server = await startFixtureServer({ root: upstream.dir });
    home = await mkdtemp(path.join(tmpdir(), 'gomirror-doctor-home-'));
    // A fresh user: no Go variables in the environment, the go env file under HOME.
    env = { HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), GOPROXY: undefined, GOSUMDB: undefined, GOENV: undefined, GOPRIVATE: undefined, GONOSUMDB: undefined, GONOPROXY: undefined, GOFLAGS: undefined };
  });
  after(async () => {
    await server?.close();
    await upstream?.cleanup();
    if (home) await rm(home, { recursive: true, force: true });
  });

  const doctor = async (extra: NodeJS.ProcessEnv = {}): Promise<DoctorReport> => {
    const r = await runCli(['doctor', '--proxy', server.url, '--module', BASIC.toml, '--log-format', 'json'], { env: { ...env, ...extra } });
    assert.ok(r.code === 0 || r.code === 1, describeCli(r));
    return JSON.parse(r.stdout) as DoctorReport;
  };

  it('before client-config: GOPROXY warns, and the fix is the mirror then off', async () => {
    const report = await doctor();
    const goproxy = report.checks.find((c) => c.id === 'env-goproxy');
    assert.equal(goproxy?.status, 'warn');
    assert.equal(goproxy?.fix, `go env -w GOPROXY=${server.url},off`);
  });

  it('after running what client-config prints: no GOPROXY warning, GOSUMDB=off honoured', async () => {
    const cc = await runCli(['client-config', '--url', server.url, '--sumdb', 'off'], { env });
    assert.equal(cc.code, 0, describeCli(cc));
    const line = cc.stdout.split('\n').find((l) => l.startsWith('go env -w '));
    assert.ok(line, cc.stdout);
    await run('sh', ['-c', line], { env: { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: env.XDG_CONFIG_HOME } });
    for (const [label, extra] of [
      ['with go on PATH', {}],
      ['without the go command', { PATH: '/nonexistent' }],
    ] as const) {
      const report = await doctor(extra);
      assert.equal(report.checks.find((c) => c.id === 'env-goproxy'), undefined, `${label}: ${JSON.stringify(report.checks, null, 1)}`);
      assert.match(report.checks[0]?.detail ?? '', new RegExp(`GOPROXY=${server.url.replace(/[.]/g, '\\.')},off`), label);
      assert.equal(report.checks.find((c) => c.id === 'sumdb')?.status, 'skip', `${label}: GOSUMDB=off from the go env file`);
      assert.equal(report.ok, true, `${label}: ${JSON.stringify(report.checks, null, 1)}`);
    }
  });
});
