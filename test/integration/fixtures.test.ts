/**
 * Proves the test infrastructure against the real go command: trees written by
 * mkupstream (x/mod zips and hashes) download and build through
 * startFixtureServer and through file://, and every fault kind really happens.
 */
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Agent, fetch as undiciFetch } from 'undici';

import { BASIC, BASIC_PSEUDO, basicRequires, basicSpec, buildBenchUpstream, buildUpstream, parseGoSum, type Upstream } from '../helpers/fixture-upstream.js';
import { startFixtureServer, type FaultRule, type FixtureServer } from '../helpers/fixture-server.js';
import { assertGoOk, describeGoResult, goEnv, makeConsumerProject, runGo } from '../helpers/go-client.js';

let basic: Upstream;
before(async () => {
  basic = await buildUpstream(basicSpec());
});
after(async () => {
  await basic.cleanup();
});

/** Every module@version in an upstream's hashes, for `go mod download`. */
function allVersions(up: Upstream): string[] {
  return [...up.hashes.keys()].filter((k) => !k.endsWith('/go.mod')).map((k) => k.replace(' ', '@'));
}

/** `go mod download -json` prints one indented JSON object per module. */
function parseDownloads(stdout: string): { Path: string; Version: string; Sum?: string; GoModSum?: string; Error?: string }[] {
  return stdout.split(/\n(?=\{)/).filter((s) => s.trim()).map((s) => JSON.parse(s));
}

/** Runs `go mod download -json` in a consumer project whose go.sum is `goSum`, in a fresh go env. */
async function download(goproxy: string, versions: string[], goSum: string) {
  const g = await goEnv({ goproxy, gosumdb: 'off' });
  try {
    const project = path.join(g.home, 'consumer');
    await makeConsumerProject(project, [], goSum);
    return await runGo(['mod', 'download', '-json', ...versions], { cwd: project, env: g.env });
  } finally {
    await g.cleanup();
  }
}

describe('mkupstream', () => {
  test('writes the escaped GOPROXY layout, lists and @latest only where asked', async () => {
    const read = (p: string) => readFile(path.join(basic.dir, p), 'utf8');
    assert.equal(await read('example.com/alpha/@v/list'), 'v1.0.0\nv1.1.0\nv1.2.0-beta.1\n');
    assert.equal(await read('example.com/!burnt!sushi/toml/@v/list'), 'v1.0.0-RC1\nv1.0.0\nv1.2.3\n');
    assert.equal(await read('example.com/pseudoonly/@v/list'), '');
    assert.deepEqual(JSON.parse(await read('example.com/pseudoonly/@latest')), {
      Version: BASIC_PSEUDO.pseudoOnly,
      Time: '2024-01-02T03:04:05Z',
    });
    await assert.rejects(stat(path.join(basic.dir, 'example.com/alpha/@latest')), { code: 'ENOENT' });
    assert.equal(await read('example.com/!burnt!sushi/toml/@v/v1.0.0-!r!c1.info'), '{"Version":"v1.0.0-RC1","Time":"2023-12-01T00:00:00Z"}');
    assert.equal(await read('example.com/legacy/@v/v2.1.0+incompatible.mod'), 'module example.com/legacy\n');
    assert.ok((await stat(path.join(basic.dir, 'gopkg.in/yaml.v2/@v/v2.4.0.zip'))).size > 0);
    assert.equal(basic.hashes.get(`${BASIC.alpha} ${BASIC_PSEUDO.alpha}`)?.length, 47);
  });

  test('hashes go.mod like Go (worked example) and honours modOnly', async () => {
    const up = await buildUpstream({
      modules: [{ path: 'example.com/hello', versions: [{ version: 'v1.0.0', gomod: 'module example.com/hello\n\ngo 1.22\n', modOnly: true }] }],
    });
    try {
      assert.equal(up.goSum, 'example.com/hello v1.0.0/go.mod h1:gTqEJ382ZQqv2xsPfdUZDovzOcPwH0eHFziE2Xq+iaU=\n');
      await assert.rejects(stat(path.join(up.dir, 'example.com/hello/@v/v1.0.0.zip')), { code: 'ENOENT' });
    } finally {
      await up.cleanup();
    }
  });

  test('rejects invalid specs with the reason', async () => {
    const bad = (versions: object[]) => buildUpstream({ modules: [{ path: 'example.com/x', versions }] } as never);
    await assert.rejects(bad([{ version: 'v1.0.0', flies: {} }]), /unknown field "flies"/);
    await assert.rejects(bad([{ version: 'v1.0' }]), /not canonical/);
    await assert.rejects(bad([{ version: 'v2.0.0' }]), /invalid version/);
  });

  test('sizeBytes adds incompressible, reproducible content', async () => {
    const spec = { modules: [{ path: 'example.com/big', versions: [{ version: 'v1.0.0', sizeBytes: 2_000_000 }] }] };
    const [a, b] = await Promise.all([buildUpstream(spec), buildUpstream(spec)]);
    try {
      const size = (await stat(path.join(a.dir, 'example.com/big/@v/v1.0.0.zip'))).size;
      assert.ok(size > 2_000_000 && size < 2_100_000, `zip is ${size} bytes`);
      assert.equal(a.goSum, b.goSum);
    } finally {
      await Promise.all([a.cleanup(), b.cleanup()]);
    }
  });

  test('-gen-bench makes a deterministic, go-downloadable upstream', async () => {
    const [a, b] = await Promise.all([buildBenchUpstream(24, { seed: 7 }), buildBenchUpstream(24, { seed: 7 })]);
    try {
      assert.equal(a.goSum, b.goSum);
      const mods = a.goSum.split('\n').filter((l) => l.includes('/go.mod '));
      assert.equal(mods.length, 24);
      assert.ok(mods.some((l) => /[A-Z]/.test(l.split(' ')[0] ?? '')), 'has an upper-case module path');
      assert.ok(mods.some((l) => l.split(' ')[0]?.endsWith('/v2')), 'has a /v2 module');
      const r = await download(`file://${a.dir}`, allVersions(a), a.goSum);
      assert.equal(r.code, 0, describeGoResult(r));
    } finally {
      await Promise.all([a.cleanup(), b.cleanup()]);
    }
  });
});

describe('the go command against a fixture upstream', () => {
  let server: FixtureServer;
  before(async () => {
    server = await startFixtureServer({ root: basic.dir });
  });
  after(() => server.close());

  test('go mod download -json over HTTP computes exactly our hashes', async () => {
    const r = assertGoOk(await download(server.url, allVersions(basic), basic.goSum));
    const results = parseDownloads(r.stdout);
    assert.equal(results.length, allVersions(basic).length);
    for (const m of results) {
      assert.equal(m.Error, undefined, `${m.Path}@${m.Version}: ${m.Error}`);
      assert.equal(m.Sum, basic.hashes.get(`${m.Path} ${m.Version}`), `${m.Path}@${m.Version} zip hash`);
      assert.equal(m.GoModSum, basic.hashes.get(`${m.Path} ${m.Version}/go.mod`), `${m.Path}@${m.Version} go.mod hash`);
    }
    assert.ok(server.requests.some((q) => q.rawUrl.includes('/example.com/%21burnt%21sushi/toml/@v/v1.0.0-%21r%21c1.zip')));
  });

  test('go.sum from the hashes file is really checked', async () => {
    const key = `${BASIC.yaml} v2.4.0`;
    const wrong = basic.goSum.replace(`${key} ${basic.hashes.get(key)}`, `${key} h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=`);
    assert.notEqual(wrong, basic.goSum);
    const r = await download(server.url, [`${BASIC.yaml}@v2.4.0`], wrong);
    assert.notEqual(r.code, 0, describeGoResult(r));
    assert.match(r.stdout + r.stderr, /checksum mismatch/);
  });

  test('go run builds and runs a consumer of every basic module', async () => {
    const g = await goEnv({ goproxy: server.url, gosumdb: 'off' });
    try {
      const project = path.join(g.home, 'consumer');
      await makeConsumerProject(project, basicRequires(), basic.goSum);
      const r = assertGoOk(await runGo(['run', '.'], { cwd: project, env: g.env }));
      const want = basicRequires().map(({ path: p, version }) => `${p}@${version}`);
      want[want.length - 1] = `app(${BASIC.alpha}@v1.1.0,${BASIC.toml}@v1.2.3,${BASIC.yaml}@v2.4.0)`;
      assert.deepEqual(r.stdout.trim().split('\n'), want);
      const sums = parseGoSum(await readFile(path.join(project, 'go.sum'), 'utf8'));
      for (const [k, v] of sums) assert.equal(v, basic.hashes.get(k), `go.sum line for ${k}`);
    } finally {
      await g.cleanup();
    }
  });

  test('netrc credentials reach a basic-auth fixture server over https', async () => {
    const auth: FaultRule = { fault: { kind: 'auth', username: 'alice', password: 's3cret' } };
    const tls = await startFixtureServer({ root: basic.dir, tls: true, faults: [auth] });
    const fetchYaml = async (netrc?: string) => {
      const g = await goEnv({ goproxy: tls.url, gosumdb: 'off', netrc, extra: { SSL_CERT_FILE: tls.caFile ?? '' } });
      try {
        return await runGo(['mod', 'download', '-json', `${BASIC.yaml}@v2.4.0`], { cwd: g.home, env: g.env });
      } finally {
        await g.cleanup();
      }
    };
    try {
      const denied = await fetchYaml();
      assert.notEqual(denied.code, 0, describeGoResult(denied));
      assert.match(denied.stdout + denied.stderr, /401 Unauthorized/);
      const ok = assertGoOk(await fetchYaml('machine 127.0.0.1 login alice password s3cret\n'));
      assert.equal(parseDownloads(ok.stdout)[0]?.Sum, basic.hashes.get(`${BASIC.yaml} v2.4.0`));
      assert.ok(tls.requests.some((q) => q.status === 200 && q.headers.authorization?.startsWith('Basic ')));
    } finally {
      await tls.close();
    }
  });

  test('GOPROXY=file:// serves the same tree', async () => {
    const versions = [`${BASIC.toml}@v1.0.0-RC1`, `${BASIC.legacy}@v2.0.0+incompatible`, `${BASIC.pseudoOnly}@latest`];
    const r = assertGoOk(await download(`file://${basic.dir}`, versions, basic.goSum));
    const got = parseDownloads(r.stdout).map((m) => `${m.Path}@${m.Version} ${m.Sum}`);
    const want = [`${BASIC.toml}@v1.0.0-RC1`, `${BASIC.legacy}@v2.0.0+incompatible`, `${BASIC.pseudoOnly}@${BASIC_PSEUDO.pseudoOnly}`];
    assert.deepEqual(got, want.map((mv) => `${mv} ${basic.hashes.get(mv.replace('@', ' '))}`));
  });
});

describe('startFixtureServer', () => {
  const LIST = '/example.com/alpha/@v/list';
  const ZIP = '/gopkg.in/yaml.v2/@v/v2.4.0.zip';
  const MOD = '/example.com/alpha/@v/v1.0.0.mod';
  const withServer = async (faults: FaultRule[], fn: (s: FixtureServer) => Promise<void>, seed?: number) => {
    const s = await startFixtureServer({ root: basic.dir, faults, seed });
    try {
      await fn(s);
    } finally {
      await s.close();
    }
  };
  /** Reads a body chunk by chunk; resolves with the bytes received and the error that ended it, if any. */
  const drain = async (res: { body: AsyncIterable<Uint8Array> | null }): Promise<{ bytes: number; error?: unknown }> => {
    let bytes = 0;
    try {
      for await (const chunk of res.body ?? []) bytes += chunk.length;
      return { bytes };
    } catch (error) {
      return { bytes, error };
    }
  };

  test('serves files like a GOPROXY: decoded paths, content types, lengths, 404s', async () => {
    await withServer([], async (s) => {
      const cases: [string, string][] = [
        [LIST, 'text/plain; charset=utf-8'],
        ['/example.com/%21burnt%21sushi/toml/@v/v1.0.0-%21r%21c1.mod', 'text/plain; charset=utf-8'],
        ['/example.com/legacy/@v/v2.0.0+incompatible.info', 'application/json'],
        ['/example.com/pseudoonly/@latest', 'application/json'],
        [ZIP, 'application/zip'],
      ];
      for (const [url, type] of cases) {
        const res = await fetch(s.url + url);
        const body = Buffer.from(await res.arrayBuffer());
        const file = await readFile(path.join(basic.dir, decodeURIComponent(url)));
        assert.equal(res.status, 200, url);
        assert.equal(res.headers.get('content-type'), type, url);
        assert.equal(res.headers.get('content-length'), String(file.length), url);
        assert.ok(body.equals(file), url);
      }
      for (const url of ['/example.com/alpha/@v/v9.9.9.info', '/example.com', '/example.com/%2e%2e/%2e%2e/etc/passwd']) {
        assert.equal((await fetch(s.url + url)).status, 404, url);
      }
      assert.deepEqual(
        s.requests.slice(0, 2).map((q) => [q.method, q.path, q.status, q.fault]),
        [['GET', LIST, 200, undefined], ['GET', '/example.com/!burnt!sushi/toml/@v/v1.0.0-!r!c1.mod', 200, undefined]],
      );
    });
  });

  test('status faults: 503 and 429 with Retry-After, 404/410 overrides, first N only', async () => {
    const rules: FaultRule[] = [
      { match: /\/@v\/list$/, first: 2, fault: { kind: 'status', status: 503, retryAfter: 2 } },
      { match: /\.info$/, fault: { kind: 'status', status: 429, retryAfter: 'Wed, 21 Oct 2015 07:28:00 GMT' } },
      { match: /\.mod$/, fault: { kind: 'status', status: 410 } },
    ];
    await withServer(rules, async (s) => {
      const statusOf = async (url: string) => {
        const res = await fetch(s.url + url);
        await res.arrayBuffer();
        return [res.status, res.headers.get('retry-after')];
      };
      assert.deepEqual(await statusOf(LIST), [503, '2']);
      assert.deepEqual(await statusOf(LIST), [503, '2']);
      assert.deepEqual(await statusOf(LIST), [200, null]);
      assert.deepEqual(await statusOf('/example.com/alpha/@v/v1.0.0.info'), [429, 'Wed, 21 Oct 2015 07:28:00 GMT']);
      assert.deepEqual(await statusOf('/example.com/alpha/@v/v1.0.0.mod'), [410, null]);
      assert.deepEqual(s.requests.map((q) => q.fault ?? 'none'), ['status', 'status', 'none', 'status', 'status']);
    });
  });

  test('connection resets before the headers and in the body', async () => {
    await withServer([{ match: /list$/, fault: { kind: 'reset', at: 'headers' } }, { match: /\.zip$/, fault: { kind: 'reset', at: 'body' } }], async (s) => {
      await assert.rejects(fetch(s.url + LIST), (err: Error & { cause?: { code?: string } }) => {
        assert.equal(err.cause?.code, 'ECONNRESET', String(err.cause));
        return true;
      });
      const res = await fetch(s.url + ZIP);
      assert.equal(res.status, 200);
      const { bytes, error } = await drain(res);
      assert.ok(error, 'body read must fail');
      assert.ok(bytes < Number(res.headers.get('content-length')));
      assert.deepEqual(s.requests.map((q) => [q.status, q.fault]), [[0, 'reset'], [200, 'reset']]);
    });
  });

  test('truncated bodies keep the full Content-Length', async () => {
    await withServer([{ first: 1, fault: { kind: 'truncate', sendBytes: 100 } }], async (s) => {
      const res = await fetch(s.url + ZIP);
      const { bytes, error } = await drain(res);
      assert.ok(error, 'body read must fail');
      assert.equal(bytes, 100);
      const full = (await stat(path.join(basic.dir, ZIP))).size;
      assert.equal(res.headers.get('content-length'), String(full));
      assert.equal((await drain(await fetch(s.url + ZIP))).bytes, full);
    });
  });

  test('delays before the headers and mid-body', async () => {
    const wait = heldWaits();
    const s = await startFixtureServer({
      root: basic.dir,
      faults: [{ match: /list$/, fault: { kind: 'delay', ms: 300 } }, { match: /zip$/, fault: { kind: 'delay', ms: 300, at: 'body' } }],
      sleep: wait.sleep,
    });
    try {
      const events: string[] = [];
      // A whole request on another connection, as a yardstick: what is held
      // back is still held back after it.
      const roundTrip = async (what: string) => {
        await (await fetch(s.url + MOD)).arrayBuffer();
        events.push(what);
      };

      const list = fetch(s.url + LIST).then(async (res) => {
        events.push('list headers');
        return res.text();
      });
      await wait.until(1);
      await roundTrip('other request while the list waits');
      wait.release();
      assert.equal(await list, 'v1.0.0\nv1.1.0\nv1.2.0-beta.1\n');

      const res = await fetch(s.url + ZIP);
      events.push('zip headers');
      await wait.until(2);
      const body = drain(res).then((r) => {
        events.push('zip body');
        return r;
      });
      await roundTrip('other request while the zip body waits');
      wait.release();
      const { bytes, error } = await body;
      assert.equal(error, undefined);
      assert.equal(bytes, (await stat(path.join(basic.dir, ZIP))).size);
      assert.deepEqual(wait.asked, [300, 300]);
      assert.deepEqual(events, ['other request while the list waits', 'list headers', 'zip headers', 'other request while the zip body waits', 'zip body']);
    } finally {
      await s.close();
    }
  });

  test('tls: faults work over https too', async () => {
    const s = await startFixtureServer({ root: basic.dir, tls: true, faults: [{ first: 1, fault: { kind: 'reset', at: 'body' } }] });
    const dispatcher = new Agent({ connect: { ca: s.ca } });
    try {
      assert.match(s.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const broken = await undiciFetch(s.url + ZIP, { dispatcher });
      assert.equal(broken.status, 200);
      assert.ok((await drain(broken)).error, 'body read must fail');
      const ok = await undiciFetch(s.url + LIST, { dispatcher });
      assert.equal(await ok.text(), 'v1.0.0\nv1.1.0\nv1.2.0-beta.1\n');
    } finally {
      await dispatcher.close();
      await s.close();
    }
  });

  test('basic auth: 401 without the right credentials, 200 with them', async () => {
    await withServer([{ fault: { kind: 'auth', username: 'alice', password: 's3cret' } }], async (s) => {
      const basicAuth = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
      const none = await fetch(s.url + LIST);
      assert.equal(none.status, 401);
      assert.equal(none.headers.get('www-authenticate'), 'Basic realm="fixture"');
      assert.equal((await fetch(s.url + LIST, { headers: basicAuth('alice', 'wrong') })).status, 401);
      assert.equal((await fetch(s.url + LIST, { headers: basicAuth('alice', 's3cret') })).status, 200);
    });
  });

  test('probabilistic faults replay identically for a seed', async () => {
    const pattern = async (seed: number) => {
      let faults = '';
      await withServer([{ probability: 0.5, fault: { kind: 'status', status: 500 } }], async (s) => {
        for (let i = 0; i < 24; i++) faults += (await fetch(s.url + LIST).then((r) => r.arrayBuffer().then(() => r.status))) === 500 ? 'x' : '.';
      }, seed);
      return faults;
    };
    const [a, b, c] = [await pattern(42), await pattern(42), await pattern(43)];
    assert.equal(a, b);
    assert.notEqual(a, c);
    assert.match(a, /x/);
    assert.match(a, /\./);
  });

  test('close() ends keep-alive and stalled connections', async () => {
    const wait = heldWaits();
    const s = await startFixtureServer({ root: basic.dir, faults: [{ match: /zip$/, fault: { kind: 'delay', ms: 60_000 } }], sleep: wait.sleep });
    await (await fetch(s.url + LIST)).arrayBuffer();
    const stalled = assert.rejects(fetch(s.url + ZIP));
    await wait.until(1);
    const closed = s.close();
    // A close() that waited for open connections would let this response finish.
    wait.release();
    await closed;
    await stalled;
    assert.deepEqual(s.requests.map((r) => [r.path, r.end]), [[LIST, 'finished'], [ZIP, 'cut']]);
    await assert.rejects(fetch(s.url + LIST));
  });
});

/**
 * Waits for the fixture server's delay faults that last until the test ends
 * them: `asked` is the delays asked for, `until(n)` resolves once n waits
 * have begun, `release()` ends every wait begun so far.
 */
function heldWaits() {
  const asked: number[] = [];
  let pending: (() => void)[] = [];
  return {
    asked,
    sleep: (ms: number) =>
      new Promise<void>((resolve) => {
        asked.push(ms);
        pending.push(resolve);
      }),
    async until(n: number) {
      for (let polls = 0; asked.length < n; polls++) {
        if (polls > 1000) throw new Error(`the server began ${asked.length} of ${n} delays`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    release() {
      for (const resolve of pending) resolve();
      pending = [];
    },
  };
}
