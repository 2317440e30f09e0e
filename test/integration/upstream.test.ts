/**
 * The upstream client against a real HTTP(S) server on 127.0.0.1 with
 * injected faults: retries and their limits, Retry-After, timeouts, short
 * bodies, size limits, netrc credentials (https only) and file:// upstreams.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createUpstreamClient } from '../../src/upstream/client.js';
import { parseNetrc } from '../../src/upstream/netrc.js';
import { parseProxyList } from '../../src/upstream/proxy-list.js';
import { createTransport, type Transport, type TransportOptions } from '../../src/upstream/transport.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { BASIC, basicSpec, buildUpstream, type Upstream } from '../helpers/fixture-upstream.js';

const FAST = { retries: 3, baseDelayMs: 10, maxDelayMs: 2000 };

describe('upstream client over HTTP', () => {
  let upstream: Upstream;
  let server: FixtureServer;
  let work: string;
  const transports: Transport[] = [];
  const transport = (o: Partial<TransportOptions> = {}): Transport => {
    const t = createTransport({ concurrency: 4, retry: FAST, ...o });
    transports.push(t);
    return t;
  };
  const zipUrl = (s: FixtureServer): string => `${s.url}/example.com/alpha/@v/v1.0.0.zip`;

  before(async () => {
    upstream = await buildUpstream(basicSpec());
    server = await startFixtureServer({ root: upstream.dir, seed: 3 });
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-upstream-'));
  });
  after(async () => {
    await Promise.all(transports.map((t) => t.close()));
    await server?.close();
    await upstream?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('retries 5xx, resets and short bodies, then delivers the exact bytes', async () => {
    server.setFaults([
      { match: /\.zip$/, first: 1, fault: { kind: 'status', status: 502 } },
      { match: /\.zip$/, first: 2, fault: { kind: 'reset', at: 'body' } },
      { match: /\.zip$/, first: 3, fault: { kind: 'truncate' } },
    ]);
    const t = transport();
    const file = path.join(work, 'a.zip');
    const got = await t.getToFile(zipUrl(server), file, 1 << 20);
    const want = await readFile(path.join(upstream.dir, 'example.com/alpha/@v/v1.0.0.zip'));
    assert.ok((await readFile(file)).equals(want));
    assert.equal(got.size, want.length);
    assert.equal(t.stats.retries, 3);
  });

  it('gives up after the retry budget with a typed error naming the URL', async () => {
    server.setFaults([{ match: /\.mod$/, fault: { kind: 'truncate' } }]);
    const t = transport();
    await assert.rejects(t.getBuffer(`${server.url}/example.com/alpha/@v/v1.0.0.mod`, 1 << 20), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'E_SHORT_BODY');
      assert.match(e.message, /example\.com\/alpha\/@v\/v1\.0\.0\.mod/);
      return true;
    });
    assert.equal(t.stats.retries, 3);
  });

  it('never retries 404 or 410', async () => {
    server.setFaults([{ match: /gone/, fault: { kind: 'status', status: 410 } }]);
    server.requests.length = 0;
    const t = transport();
    for (const p of ['/nope.example/x/@v/list', '/gone.example/x/@v/list']) {
      await assert.rejects(t.getBuffer(server.url + p, 1000), { code: 'E_NOT_FOUND' });
    }
    assert.equal(server.requests.length, 2);
    assert.equal(t.stats.retries, 0);
  });

  it('honours Retry-After', async () => {
    server.setFaults([{ match: /list$/, first: 1, fault: { kind: 'status', status: 429, retryAfter: 1 } }]);
    const delays: number[] = [];
    const t = transport({ sleep: async (ms) => void delays.push(ms), retry: { ...FAST, maxDelayMs: 5000 } });
    await t.getBuffer(`${server.url}/example.com/alpha/@v/list`, 1000);
    assert.deepEqual(delays, [1000]);
  });

  it('gives up at once when Retry-After asks for more than the longest wait, saying so', async () => {
    server.setFaults([{ match: /list$/, first: 5, fault: { kind: 'status', status: 503, retryAfter: 3600 } }]);
    const before = server.requests.length;
    const delays: number[] = [];
    const t = transport({ sleep: async (ms) => void delays.push(ms) });
    await assert.rejects(t.getBuffer(`${server.url}/example.com/alpha/@v/list`, 1000), (e: Error & { code?: string; hint?: string }) => {
      assert.equal(e.code, 'E_HTTP');
      assert.match(e.message, /HTTP 503, and the server asks to wait 3600 s \(Retry-After\), longer than gomirror waits \(2 s\)/);
      assert.match(e.hint ?? '', /run again after that time/);
      return true;
    });
    assert.deepEqual(delays, []);
    assert.equal(server.requests.length - before, 1);
  });

  it('fails a body that trickles in below the minimum rate (E_TOO_SLOW), after retrying it', async () => {
    const zip = /alpha\/@v\/v1\.0\.0\.zip$/;
    server.setFaults([{ match: zip, fault: { kind: 'trickle', bytes: 64, everyMs: 20 } }]);
    try {
      const count = (): number => server.requests.filter((r) => zip.test(r.path)).length;
      const before = count();
      const slow = transport({ retry: { ...FAST, retries: 1 }, minRate: { bytesPerSecond: 1_000_000, graceMs: 100 } });
      await assert.rejects(slow.getBuffer(zipUrl(server), 1 << 20), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'E_TOO_SLOW');
        assert.match(e.message, /too slow: \d+ bytes in [\d.]+ s, below the minimum of 1000000 bytes\/s/);
        return true;
      });
      assert.equal(count() - before, 2, 'one attempt and one retry');
      assert.equal(slow.stats.retries, 1);
      // The same trickle above a lower minimum arrives whole.
      const ok = transport({ minRate: { bytesPerSecond: 100, graceMs: 10 } });
      const body = await ok.getBuffer(zipUrl(server), 1 << 20);
      assert.deepEqual(body, await readFile(path.join(upstream.dir, 'example.com/alpha/@v/v1.0.0.zip')));
    } finally {
      server.setFaults([]);
    }
  });

  it('times out a body that stalls, and retries it', async () => {
    // The server and the client share one event loop, so their timers fire in
    // order: a client that waited for anything longer than its 200 ms idle
    // timeout (the 30 s default, say) would get the whole body at 5 s.
    server.setFaults([{ match: /\.info$/, first: 1, fault: { kind: 'delay', ms: 5000, at: 'body' } }]);
    server.requests.length = 0;
    const t = transport({ bodyIdleTimeoutMs: 200 });
    const info = await t.getBuffer(`${server.url}/example.com/alpha/@v/v1.0.0.info`, 1000);
    assert.match(info.toString(), /"Version":"v1\.0\.0"/);
    assert.equal(t.stats.retries, 1);
    assert.deepEqual(
      server.requests.map((r) => [r.fault, r.end]),
      [['delay', 'cut'], [undefined, 'finished']],
      'the stalled body must be abandoned before the stall ends, then fetched again',
    );
  });

  it('follows redirects to where a file really is; a redirect loop or endless chain fails at once', async () => {
    // Some proxies answer .zip with a redirect to blob storage.
    const hops = createServer((req, res) => {
      const hop = /^\/hop\/(\d+)$/.exec(req.url ?? '');
      if (req.url === '/loop') res.writeHead(302, { location: '/loop' }).end();
      else if (hop) res.writeHead(302, { location: `/hop/${Number(hop[1]) + 1}` }).end();
      else res.writeHead(302, { location: `${server.url}${req.url ?? '/'}` }).end('see elsewhere');
    });
    await new Promise<void>((resolve) => hops.listen(0, '127.0.0.1', resolve));
    try {
      server.setFaults([]);
      const base = `http://127.0.0.1:${(hops.address() as AddressInfo).port}`;
      const t = transport();
      const file = path.join(work, 'redirected.zip');
      const got = await t.getToFile(`${base}/example.com/alpha/@v/v1.0.0.zip`, file, 1 << 20);
      const want = await readFile(path.join(upstream.dir, 'example.com/alpha/@v/v1.0.0.zip'));
      assert.ok((await readFile(file)).equals(want));
      assert.equal(got.size, want.length);
      assert.match((await t.getBuffer(`${base}/example.com/alpha/@v/v1.0.0.mod`, 1000)).toString(), /^module example\.com\/alpha/);
      await assert.rejects(t.getBuffer(`${base}/loop`, 1000), { code: 'E_HTTP', message: /\/loop: the server redirects in a loop/ });
      // An endless chain ends after 10 redirects, with the last answer.
      await assert.rejects(t.getBuffer(`${base}/hop/0`, 1000), { code: 'E_HTTP', message: /\/hop\/0: HTTP 302/ });
      assert.equal(t.stats.retries, 0);
    } finally {
      await new Promise((resolve) => hops.close(resolve));
    }
  });

  it('starts the file over on each attempt: a longer failed attempt leaves nothing behind', async () => {
    let calls = 0;
    const flaky = createServer((_req, res) => {
      calls++;
      if (calls === 1) {
        // Promises 200 bytes, sends 150, then drops the connection.
        res.writeHead(200, { 'content-length': '200' });
        res.write('x'.repeat(150), () => res.destroy());
      } else {
        res.writeHead(200, { 'content-length': '100' }).end('y'.repeat(100));
      }
    });
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
    try {
      const t = transport();
      const file = path.join(work, 'retried.bin');
      const got = await t.getToFile(`http://127.0.0.1:${(flaky.address() as AddressInfo).port}/f.zip`, file, 1000);
      assert.equal(got.size, 100);
      assert.equal(await readFile(file, 'utf8'), 'y'.repeat(100));
      assert.equal(t.stats.retries, 1);
    } finally {
      await new Promise((resolve) => flaky.close(resolve));
    }
  });

  it('enforces size limits while the body streams', async () => {
    server.setFaults([]);
    const t = transport();
    await assert.rejects(t.getToFile(zipUrl(server), path.join(work, 'big.zip'), 100), { code: 'E_TOO_LARGE' });
    assert.equal(t.stats.retries, 0);
  });

  it('walks a proxy list, falling through 404 after a comma and any error after a pipe', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'gomirror-empty-'));
    const missing = await startFixtureServer({ root: empty });
    const broken = await startFixtureServer({ root: upstream.dir, faults: [{ fault: { kind: 'status', status: 403 } }] });
    try {
      const client = (spec: string) => createUpstreamClient({ entries: parseProxyList(spec), transport: transport() });
      assert.deepEqual(await client(`${missing.url},${server.url}`).list(BASIC.alpha), ['v1.0.0', 'v1.1.0', 'v1.2.0-beta.1']);
      await assert.rejects(client(`${broken.url},${server.url}`).list(BASIC.alpha), { code: 'E_HTTP' });
      assert.equal((await client(`${broken.url}|${server.url}`).list(BASIC.alpha)).length, 3);
      await assert.rejects(client(`${missing.url}`).list(BASIC.alpha), { code: 'E_NOT_FOUND' });
      await assert.rejects(client(`off`).list(BASIC.alpha), { code: 'E_UPSTREAM_OFF' });
      // Upper-case paths travel escaped, with ! as %21 as the go command sends them.
      server.requests.length = 0;
      assert.equal((await client(server.url).list(BASIC.toml)).length, 3);
      assert.equal(server.requests[0]?.rawUrl, '/example.com/%21burnt%21sushi/toml/@v/list');
    } finally {
      await missing.close();
      await broken.close();
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('reads file:// upstreams; a missing file is not-found', async () => {
    const client = createUpstreamClient({ entries: parseProxyList(`file://${upstream.dir}`), transport: transport() });
    assert.match((await client.info(BASIC.toml, 'v1.0.0-RC1')).toString(), /v1\.0\.0-RC1/);
    await assert.rejects(client.mod('example.com/absent', 'v1.0.0'), { code: 'E_NOT_FOUND' });
  });

  it('sends .netrc credentials over https, never over http, and never prints them', async () => {
    const auth = { kind: 'auth' as const, username: 'mirror', password: 's3cret-pw' };
    const secure = await startFixtureServer({ root: upstream.dir, tls: true, faults: [{ fault: auth }] });
    const plain = await startFixtureServer({ root: upstream.dir, faults: [{ fault: auth }] });
    try {
      const netrc = parseNetrc(`machine 127.0.0.1 login mirror password s3cret-pw\n`);
      const t = transport({ netrc, ca: secure.ca! });
      const list = await t.getBuffer(`${secure.url}/example.com/alpha/@v/list`, 1000);
      assert.equal(list.toString(), 'v1.0.0\nv1.1.0\nv1.2.0-beta.1\n');
      await assert.rejects(t.getBuffer(`${plain.url}/example.com/alpha/@v/list`, 1000), (e: Error & { code?: string; hint?: string }) => {
        assert.equal(e.code, 'E_HTTP');
        assert.match(e.message, /HTTP 401/);
        assert.match(e.hint ?? '', /netrc/);
        assert.doesNotMatch(e.message, /s3cret/);
        return true;
      });
      assert.equal(plain.requests.every((r) => r.headers.authorization === undefined), true);
      // Without the CA the https upstream is refused, and TLS errors are not retried.
      const untrusted = transport({ netrc });
      await assert.rejects(untrusted.getBuffer(`${secure.url}/example.com/alpha/@v/list`, 1000), { code: 'E_NETWORK' });
      assert.equal(untrusted.stats.retries, 0);
    } finally {
      await secure.close();
      await plain.close();
    }
  });

  it('never sends default or other hosts\' .netrc credentials (as the go command)', async () => {
    const secure = await startFixtureServer({ root: upstream.dir, tls: true, faults: [{ fault: { kind: 'auth', username: 'mirror', password: 's3cret-pw' } }] });
    try {
      const netrc = parseNetrc('machine localhost login mirror password s3cret-pw\nmachine 127.0.0.1 login mirror\ndefault login mirror password s3cret-pw\n');
      const t = transport({ netrc, ca: secure.ca! });
      await assert.rejects(t.getBuffer(`${secure.url}/example.com/alpha/@v/list`, 1000), { code: 'E_HTTP' });
      assert.ok(secure.requests.length > 0);
      assert.equal(secure.requests.every((r) => r.headers.authorization === undefined), true);
    } finally {
      await secure.close();
    }
  });

  it('the CLI reads $NETRC and $SSL_CERT_FILE like the go command', async () => {
    const { runCli, describeCli } = await import('../helpers/cli.js');
    const secure = await startFixtureServer({
      root: upstream.dir,
      tls: true,
      faults: [{ fault: { kind: 'auth', username: 'mirror', password: 'pw-from-netrc' } }],
    });
    try {
      const netrcFile = path.join(work, 'netrc');
      await writeFile(netrcFile, 'machine 127.0.0.1\n  login mirror\n  password pw-from-netrc\n');
      const manifest = path.join(work, 'auth.json');
      await writeFile(manifest, JSON.stringify({ upstream: secure.url, deps: false, modules: [{ path: BASIC.yaml, versions: ['all'] }] }));
      const r = await runCli(['sync', '--manifest', manifest, '--out', path.join(work, 'auth-tree')], {
        env: { NETRC: netrcFile, SSL_CERT_FILE: secure.caFile! },
      });
      assert.equal(r.code, 0, describeCli(r));
      assert.match(r.stdout, /2 fetched/);
      assert.doesNotMatch(r.stdout + r.stderr, /pw-from-netrc/);
    } finally {
      await secure.close();
    }
  });
});

describe('failure budget', () => {
  it('stops calling an origin that failed several times in a row', async () => {
    const t = createTransport({ concurrency: 2, retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 5 }, maxConsecutiveFailures: 2 });
    try {
      // Port 9 on loopback: nothing listens, every connect is refused at once.
      for (let i = 0; i < 2; i++) {
        await assert.rejects(t.getBuffer(`http://127.0.0.1:9/m${i}/@v/list`, 100), { code: 'E_NETWORK' });
      }
      const before = t.stats.requests;
      await assert.rejects(t.getBuffer('http://127.0.0.1:9/m2/@v/list', 100), /failed 2 times in a row/);
      assert.equal(t.stats.requests, before, 'no request once the origin is down');
    } finally {
      await t.close();
    }
  });
});
