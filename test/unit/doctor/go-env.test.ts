/** doctor reads what `go env -w` wrote, and names unreadable trees (issue #19 item 4). */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { adviseStatus, checkEnvironment, runDoctor, type DoctorProbes } from '../../../src/doctor/index.js';
import { goEnvFile, loadGoEnv, parseGoEnvFile, userConfigDir } from '../../../src/doctor/go-env.js';

describe('go env file', () => {
  it('is found where the go command looks', () => {
    assert.equal(goEnvFile({ GOENV: '/etc/goenv' }), '/etc/goenv');
    assert.equal(goEnvFile({ GOENV: 'off', HOME: '/h' }), undefined);
    assert.equal(goEnvFile({ XDG_CONFIG_HOME: '/x', HOME: '/h' }, 'linux'), '/x/go/env');
    assert.equal(goEnvFile({ XDG_CONFIG_HOME: 'relative', HOME: '/h' }, 'linux'), '/h/.config/go/env');
    assert.equal(userConfigDir({ HOME: '/Users/a' }, 'darwin'), '/Users/a/Library/Application Support');
    assert.equal(userConfigDir({ AppData: 'C:\\Users\\a\\AppData\\Roaming' }, 'win32'), 'C:\\Users\\a\\AppData\\Roaming');
  });

  it('parses what go env -w writes', () => {
    assert.deepEqual(parseGoEnvFile('GOPROXY=https://m.example,off\nGOSUMDB=off\n\nGOPRIVATE=corp.example.com/*\n'), {
      GOPROXY: 'https://m.example,off',
      GOSUMDB: 'off',
      GOPRIVATE: 'corp.example.com/*',
    });
  });

  it('without the go command, the file fills what the environment does not set', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gomirror-goenv-'));
    try {
      await mkdir(path.join(dir, 'go'));
      await writeFile(path.join(dir, 'go/env'), 'GOPROXY=https://m.example,off\nGOSUMDB=off\n');
      const g = await loadGoEnv({ XDG_CONFIG_HOME: dir, HOME: '/nonexistent', GOSUMDB: 'sum.golang.org' }, { useGoCommand: false });
      assert.equal(g.env.GOPROXY, 'https://m.example,off');
      assert.equal(g.env.GOSUMDB, 'sum.golang.org', 'the environment wins over the file');
      assert.equal(g.source, path.join(dir, 'go/env'));
      const checks = checkEnvironment(new URL('https://m.example'), g.env, undefined, g.source);
      assert.deepEqual(checks.map((c) => c.id), ['env'], 'no GOPROXY warning');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("the GOPROXY fix is client-config's: the mirror, then off", () => {
    const checks = checkEnvironment(new URL('https://m.example/'), {});
    assert.equal(checks.find((c) => c.id === 'env-goproxy')?.fix, 'go env -w GOPROXY=https://m.example,off');
  });
});

describe('a tree the web server cannot read', () => {
  const probes: DoctorProbes = {
    lookup: async () => ({ addresses: ['10.0.0.5'], ms: 1 }),
    connect: async () => ({ ms: 1 }),
    tls: async () => {
      throw new Error('not used');
    },
    get: async () => ({ status: 404, contentType: 'text/plain', body: Buffer.from('not found'), contentLength: 9, ttfbMs: 1 }),
    close: async () => undefined,
  } as unknown as DoctorProbes;

  it('every file a 404: says permissions and error.log, not only "add it to the manifest"', async () => {
    const r = await runDoctor({ proxy: 'http://goproxy.corp', module: 'example.com/m', env: { GOPROXY: 'http://goproxy.corp,off', GOSUMDB: 'sum.golang.org' } }, probes);
    const c = r.checks.find((x) => x.id === 'tree-readable');
    assert.equal(c?.status, 'fail', JSON.stringify(r.checks, null, 1));
    assert.match(c?.fix ?? '', /permissions.*error\.log/i);
    assert.match(adviseStatus(404, 'list').fix, /permissions and nginx's error\.log/);
  });

  it('with GOSUMDB=off only the list was asked for: no conclusion from one file', async () => {
    const r = await runDoctor({ proxy: 'http://goproxy.corp', module: 'example.com/m', env: { GOPROXY: 'http://goproxy.corp,off', GOSUMDB: 'off' } }, probes);
    assert.equal(r.checks.find((x) => x.id === 'tree-readable'), undefined, 'one file only: no conclusion');
  });
});
