/**
 * The real go command against the standalone config on a real nginx, each run
 * in a fresh environment whose GOPROXY names only that nginx (and, for the
 * fall-through test, a second fixture proxy): a deep dependency graph resolves
 * and builds; a module the mirror lacks falls through on 404; a protected
 * module needs the NETRC credentials that `client-config` describes.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { CORP, CORP_USER, DEEP, serveMirror, type ServedMirror } from './nginx-mirror.js';
import { buildUpstream, nameSource, parseGoSum, type Upstream } from '../helpers/fixture-upstream.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { assertGoOk, describeGoResult, goEnv, makeConsumerProject, runGo, type GoEnvOptions } from '../helpers/go-client.js';
import { buildClientConfig } from '../../src/client-config/index.js';

const ONLY_SECOND = 'example.com/onlysecond';

let m: ServedMirror;
let second: Upstream;
let secondServer: FixtureServer;

before(async () => {
  m = await serveMirror();
  second = await buildUpstream({
    modules: [{ path: ONLY_SECOND, versions: [{ version: 'v1.0.0', files: { 'onlysecond.go': nameSource('onlysecond', `${ONLY_SECOND}@v1.0.0`) } }] }],
  });
  secondServer = await startFixtureServer({ root: second.dir });
});

after(async () => {
  await secondServer?.close();
  await second?.cleanup();
  await m?.close();
});

/**
 * In a fresh go env: a consumer requiring `requires`, with a go.sum of true
 * hashes (GOSUMDB=off: the sumdb is not mirrored yet), then `go mod tidy`,
 * `go build` and the built program's output.
 */
async function tidyAndBuild(
  envOpts: GoEnvOptions,
  requires: { path: string; version: string }[],
  goSum: string,
): Promise<{ output: string; goSum: string }> {
  const g = await goEnv({ gosumdb: 'off', ...envOpts });
  try {
    const project = path.join(g.home, 'consumer');
    await makeConsumerProject(project, requires, goSum);
    assertGoOk(await runGo(['mod', 'tidy'], { cwd: project, env: g.env }));
    assertGoOk(await runGo(['build', '-o', 'consumer', '.'], { cwd: project, env: g.env }));
    const run = await runGo(['run', '.'], { cwd: project, env: g.env });
    assertGoOk(run);
    return { output: run.stdout, goSum: await readFile(path.join(project, 'go.sum'), 'utf8') };
  } finally {
    await g.cleanup();
  }
}

/** The access log entries nginx wrote so far. */
async function accessLog(): Promise<{ uri: string; status: number; request_time: number }[]> {
  const text = await readFile(path.join(m.prefix, 'access.log'), 'utf8');
  return text.trim().split('\n').map((l) => JSON.parse(l));
}

describe('the go command through nginx', () => {
  test('go mod tidy and go build of a deep dependency graph, with GOPROXY=nginx only', async () => {
    const { output, goSum } = await tidyAndBuild({ goproxy: m.http }, [{ path: DEEP.a, version: 'v1.0.0' }], m.upstream.goSum);
    // MVS picks d v1.1.0 (from c) over v1.0.0 (from b); every module in the graph was compiled.
    for (const id of [
      `${DEEP.a}@v1.0.0`, `${DEEP.b}@v1.0.0`, `${DEEP.c}@v1.1.0`, `${DEEP.d}@v1.1.0`, `${DEEP.e}@v1.0.0`,
      'example.com/BurntSushi/toml@v1.0.0', 'example.com/legacy@v2.1.0+incompatible', 'gopkg.in/yaml.v2@v2.4.0',
      'example.com/alpha@v1.1.0', 'example.com/alpha/v2@v2.1.0',
    ]) {
      assert.ok(output.includes(id), `${id} missing from:\n${output}`);
    }
    assert.ok(!output.includes(`${DEEP.d}@v1.0.0`), output);
    // Everything the go command downloaded hashed to the true values (tidy kept only lines it checked).
    const truth = m.upstream.hashes;
    for (const [key, hash] of parseGoSum(goSum)) assert.equal(hash, truth.get(key), key);
    // What it fetched, it fetched with the escaped paths, all answered from the tree.
    const log = await accessLog();
    assert.ok(log.some((e) => e.uri === '/example.com/%21burnt%21sushi/toml/@v/v1.0.0.zip' && e.status === 200));
    assert.ok(log.some((e) => e.uri === '/example.com/legacy/@v/v2.1.0+incompatible.zip' && e.status === 200));
    assert.ok(log.every((e) => typeof e.request_time === 'number'));
  });

  test('a module the mirror lacks answers 404, and GOPROXY=nginx,second falls through to the second', async () => {
    const goproxy = `${m.http},${secondServer.url}`;
    const { output } = await tidyAndBuild(
      { goproxy },
      [
        { path: ONLY_SECOND, version: 'v1.0.0' },
        { path: 'example.com/alpha', version: 'v1.1.0' },
      ],
      m.upstream.goSum + second.goSum,
    );
    assert.match(output, /example\.com\/onlysecond@v1\.0\.0/);
    assert.match(output, /example\.com\/alpha@v1\.1\.0/);
    const missed = (await accessLog()).filter((e) => e.uri.startsWith('/example.com/onlysecond/'));
    assert.ok(missed.length > 0 && missed.every((e) => e.status === 404), JSON.stringify(missed));
    const served = secondServer.requests.filter((r) => r.path.startsWith('/example.com/onlysecond/') && r.status === 200);
    assert.ok(served.some((r) => r.path.endsWith('.zip')), JSON.stringify(secondServer.requests.map((r) => r.path)));
    // The second proxy saw nothing the mirror has.
    assert.ok(!secondServer.requests.some((r) => r.path.startsWith('/example.com/alpha/')));
  });

  test('a protected module builds over https with the NETRC entry from client-config, and fails without it', async () => {
    const client = buildClientConfig({ url: m.https, private: ['corp.example.com/*'], sumdb: 'off', netrcLogin: CORP_USER.login });
    const settings = Object.fromEntries(client.goEnv);
    assert.equal(settings.GOPROXY, `${m.https},off`);
    const envOpts = {
      goproxy: settings.GOPROXY as string,
      netrc: client.netrc?.replace('YOUR-PASSWORD', CORP_USER.password),
      // The self-signed certificate of the test listener.
      extra: { ...settings, SSL_CERT_FILE: m.cert },
    };
    const requires = [{ path: CORP, version: 'v1.0.0' }];
    const { output } = await tidyAndBuild(envOpts, requires, m.upstream.goSum);
    assert.match(output, /corp\.example\.com\/Team\/lib@v1\.0\.0/);
    assert.ok((await accessLog()).some((e) => e.uri === '/corp.example.com/%21team/lib/@v/v1.0.0.zip' && e.status === 200));

    const g = await goEnv({ ...envOpts, netrc: undefined });
    try {
      const project = path.join(g.home, 'consumer');
      await makeConsumerProject(project, requires, m.upstream.goSum);
      const r = await runGo(['mod', 'download', `${CORP}@v1.0.0`], { cwd: project, env: g.env });
      assert.notEqual(r.code, 0, describeGoResult(r));
      assert.match(r.stderr, /401 Unauthorized/, describeGoResult(r));
    } finally {
      await g.cleanup();
    }
  });
});
