import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adviseNetworkError, adviseStatus, checkEnvironment, formatDoctorReport, judgeContentType, proxyForUrl, runDoctor, type CheckResult, type DoctorProbes, type HttpAnswer, type TlsInfo } from '../../../src/doctor/index.js';

const NOW = Date.parse('2025-06-01T00:00:00Z');
const MOD = 'example.com/m';
const INFO = Buffer.from('{"Version":"v1.1.0","Time":"2024-01-01T00:00:00Z"}');
const ZIP = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(20)]);
const NOTE = Buffer.from('go.sum database tree\n5\nabc=\n\n— sum.golang.org Az3gSIG\n');

type Route = Partial<HttpAnswer> | Error;
/** The files of a healthy mirror, by path. */
function healthyRoutes(): Record<string, Route> {
  return {
    [`/${MOD}/@v/list`]: { contentType: 'text/plain; charset=utf-8', body: Buffer.from('v1.0.0\nv1.1.0\nv1.2.0-rc.1\n') },
    [`/${MOD}/@v/v1.1.0.info`]: { contentType: 'application/json', body: INFO },
    [`/${MOD}/@v/v1.1.0.mod`]: { contentType: 'text/plain; charset=utf-8', body: Buffer.from(`module ${MOD}\n`) },
    [`/${MOD}/@v/v1.1.0.zip`]: { contentType: 'application/zip', body: ZIP },
  };
}

function fakeProbes(routes: Record<string, Route>, over: Partial<DoctorProbes> = {}): DoctorProbes & { urls: string[] } {
  const urls: string[] = [];
  return {
    urls,
    lookup: async () => ({ addresses: ['10.0.0.5'], ms: 3 }),
    connect: async () => ({ ms: 1.5 }),
    tls: async (): Promise<TlsInfo> => ({
      ms: 9,
      protocol: 'TLSv1.3',
      authorized: true,
      subject: 'goproxy.corp',
      issuer: 'Corp CA',
      validTo: new Date(NOW + 90 * 86_400_000),
      altNames: 'DNS:goproxy.corp',
    }),
    get: async (url) => {
      urls.push(url);
      const route = routes[new URL(url).pathname];
      if (route instanceof Error) throw route;
      if (!route) return { status: 404, contentType: 'text/plain', body: Buffer.from('not found'), contentLength: 9, ttfbMs: 4 };
      return { status: 200, contentType: undefined, body: Buffer.alloc(0), contentLength: undefined, ttfbMs: 5, ...route };
    },
    ...over,
  };
}

const ENV = { GOPROXY: 'https://goproxy.corp', GOSUMDB: 'off' };
const byId = (checks: CheckResult[]): Record<string, string> => Object.fromEntries(checks.map((c) => [c.id, c.status]));

describe('runDoctor', () => {
  it('a healthy mirror: every check passes, in order', async () => {
    const probes = fakeProbes(healthyRoutes());
    const r = await runDoctor({ proxy: 'https://goproxy.corp', module: MOD, env: ENV }, probes, () => NOW);
    assert.equal(r.ok, true, JSON.stringify(r.checks, null, 1));
    assert.deepEqual(r.checks.map((c) => `${c.id}:${c.status}`), [
      'env:ok',
      'dns:ok',
      'tcp:ok',
      'tls:ok',
      'http-notfound:ok',
      'list:ok',
      'info:ok',
      'mod:ok',
      'zip:ok',
      'sumdb:skip',
      'latency:ok',
    ]);
    assert.match(r.checks.find((c) => c.id === 'list')?.detail ?? '', /3 versions, latest v1\.1\.0/);
    assert.match(r.checks.find((c) => c.id === 'tls')?.detail ?? '', /TLSv1\.3, certificate for goproxy\.corp .* from Corp CA, valid until 2025-08-30 \(90 days left\)/);
    assert.equal(probes.urls[0], 'https://goproxy.corp/gomirror-doctor.invalid/no-such-module/@v/list');
  });

  it('a stopped mirror: connection refused, the fix, and nothing after it', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const r = await runDoctor({ proxy: 'http://10.0.0.5:8080', module: MOD, env: ENV }, fakeProbes({}, { connect: () => Promise.reject(refused) }));
    assert.equal(r.ok, false);
    assert.equal(r.failures, 1);
    const tcp = r.checks.at(-1);
    assert.equal(tcp?.id, 'tcp');
    assert.equal(tcp?.detail, '10.0.0.5:8080: connection refused (nothing listens there)');
    assert.match(tcp?.fix ?? '', /Start the mirror's web server/);
  });

  it('a mirror answering 500: the failing files are named, with the server log as the fix', async () => {
    const probes = fakeProbes({}, {
      get: async () => ({ status: 500, contentType: 'text/html', body: Buffer.from('<h1>500</h1>'), contentLength: 12, ttfbMs: 2 }),
    });
    const r = await runDoctor({ proxy: 'http://10.0.0.5', module: `${MOD}@v1.1.0`, env: { GOPROXY: 'http://10.0.0.5', GOSUMDB: 'off' } }, probes);
    assert.equal(r.ok, false);
    assert.deepEqual(byId(r.checks), { env: 'ok', dns: 'ok', tcp: 'ok', tls: 'skip', 'http-notfound': 'fail', list: 'fail', info: 'fail', mod: 'fail', zip: 'fail', sumdb: 'skip', latency: 'ok' });
    const info = r.checks.find((c) => c.id === 'info');
    assert.equal(info?.detail, `${MOD}@v1.1.0.info: HTTP 500, server error`);
    assert.match(info?.fix ?? '', /error log/);
    assert.match(r.checks.find((c) => c.id === 'http-notfound')?.detail ?? '', /needs 404 or 410 here/);
  });

  it('wrong content types: text/html fails, other mismatches warn', async () => {
    const routes = healthyRoutes();
    routes[`/${MOD}/@v/v1.1.0.info`] = { contentType: 'text/plain', body: INFO };
    routes[`/${MOD}/@v/v1.1.0.zip`] = { contentType: 'text/html; charset=utf-8', body: ZIP };
    const r = await runDoctor({ proxy: 'http://10.0.0.5', module: MOD, env: ENV }, fakeProbes(routes));
    const info = r.checks.find((c) => c.id === 'info');
    const zip = r.checks.find((c) => c.id === 'zip');
    assert.equal(info?.status, 'warn');
    assert.match(info?.detail ?? '', /Content-Type text\/plain, expected application\/json/);
    assert.equal(zip?.status, 'fail');
    assert.match(zip?.detail ?? '', /an HTML page answered instead of the zip file/);
    assert.equal(r.ok, false);
  });

  it('a catch-all page and a body that is not what it claims fail', async () => {
    const routes = healthyRoutes();
    routes['/gomirror-doctor.invalid/no-such-module/@v/list'] = { contentType: 'text/html', body: Buffer.from('<html>') };
    routes[`/${MOD}/@v/v1.1.0.mod`] = { contentType: 'text/plain', body: Buffer.from('<html>login</html>') };
    const r = await runDoctor({ proxy: 'http://10.0.0.5', module: MOD, env: ENV }, fakeProbes(routes));
    assert.match(r.checks.find((c) => c.id === 'http-notfound')?.detail ?? '', /HTTP 200 \(text\/html\) for a module that cannot exist/);
    assert.match(r.checks.find((c) => c.id === 'mod')?.detail ?? '', /body is wrong: no module line/);
  });

  it('DNS failure stops before connecting; untrusted and expiring certificates are judged', async () => {
    const nx = Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    const dns = await runDoctor({ proxy: 'https://nope.corp', env: { ...ENV, GOPROXY: 'https://nope.corp' } }, fakeProbes({}, { lookup: () => Promise.reject(nx) }));
    assert.deepEqual(dns.checks.map((c) => c.id), ['env', 'dns']);
    assert.equal(dns.checks[1]?.detail, 'nope.corp: no such host');

    const base = fakeProbes({});
    const untrusted = await runDoctor(
      { proxy: 'https://goproxy.corp', env: ENV },
      { ...base, tls: async () => ({ ...(await base.tls('', 0, undefined, 0)), authorized: false, authorizationError: 'DEPTH_ZERO_SELF_SIGNED_CERT' }) },
      () => NOW,
    );
    const tls = untrusted.checks.at(-1);
    assert.equal(tls?.status, 'fail');
    assert.match(tls?.detail ?? '', /self-signed certificate, not trusted: TLSv1\.3/);
    assert.match(tls?.fix ?? '', /SSL_CERT_FILE/);

    const soon = await runDoctor(
      { proxy: 'https://goproxy.corp', env: ENV },
      { ...base, tls: async () => ({ ...(await base.tls('', 0, undefined, 0)), validTo: new Date(NOW + 5 * 86_400_000) }) },
      () => NOW,
    );
    assert.equal(soon.checks.find((c) => c.id === 'tls')?.status, 'warn');
    assert.equal(soon.ok, true);
  });

  it('sumdb: 404 warns, 200 with a signed tree head passes, 200 without one fails', async () => {
    const env = { GOPROXY: 'http://10.0.0.5' };
    const none = await runDoctor({ proxy: 'http://10.0.0.5', env }, fakeProbes({}));
    assert.equal(none.checks.find((c) => c.id === 'sumdb')?.status, 'warn');
    const served = await runDoctor(
      { proxy: 'http://10.0.0.5', env },
      fakeProbes({ '/sumdb/sum.golang.org/supported': { body: Buffer.alloc(0) }, '/sumdb/sum.golang.org/latest': { body: NOTE } }),
    );
    assert.deepEqual([served.checks.find((c) => c.id === 'sumdb')?.status, served.checks.find((c) => c.id === 'sumdb-latest')?.status], ['ok', 'ok']);
    const half = await runDoctor({ proxy: 'http://10.0.0.5', sumdb: 'sum.golang.org', env }, fakeProbes({ '/sumdb/sum.golang.org/supported': { body: Buffer.alloc(0) } }));
    assert.equal(half.checks.find((c) => c.id === 'sumdb-latest')?.status, 'fail');
  });

  it('rejects a proxy URL with credentials or a bad module before any work (exit 2)', async () => {
    await assert.rejects(runDoctor({ proxy: 'https://u:p@h', env: ENV }, fakeProbes({})), (e: unknown) => {
      const err = e as { code: string; message: string };
      return err.code === 'E_USAGE' && !err.message.includes(':p@');
    });
    await assert.rejects(runDoctor({ proxy: 'ftp://h', env: ENV }, fakeProbes({})), /only http:\/\/ and https:\/\//);
    await assert.rejects(runDoctor({ proxy: 'http://h', module: 'Example.com/x@latest', env: ENV }, fakeProbes({})), (e: unknown) => (e as { kind?: string }).kind === 'input');
  });
});

describe('checkEnvironment', () => {
  const url = new URL('https://goproxy.corp');
  const cases: { name: string; env: NodeJS.ProcessEnv; module?: string; want: string[]; detail?: RegExp }[] = [
    { name: 'GOPROXY names the mirror', env: { GOPROXY: 'https://goproxy.corp' }, want: ['env'] },
    { name: 'GOPROXY unset', env: {}, want: ['env', 'env-goproxy'] },
    { name: 'GOPROXY elsewhere', env: { GOPROXY: 'https://proxy.golang.org' }, want: ['env', 'env-goproxy'] },
    { name: 'GOPROXY ends in direct', env: { GOPROXY: 'https://goproxy.corp/,direct' }, want: ['env', 'env-goproxy'] },
    { name: 'module matched by GOPRIVATE', env: { GOPROXY: 'https://goproxy.corp', GOPRIVATE: '*.corp,example.com' }, module: 'example.com/m', want: ['env', 'env-noproxy'] },
    { name: 'an HTTP proxy in the way', env: { GOPROXY: 'https://goproxy.corp', HTTPS_PROXY: 'http://u:secret@squid:3128' }, want: ['env', 'env-http-proxy'], detail: /HTTPS_PROXY=http:\/\/\*\*\*@squid:3128/ },
    { name: 'NO_PROXY lets it through', env: { GOPROXY: 'https://goproxy.corp', HTTPS_PROXY: 'squid:3128', NO_PROXY: '.example,goproxy.corp' }, want: ['env'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const checks = checkEnvironment(url, c.env, c.module);
      assert.deepEqual(checks.map((x) => x.id), c.want);
      if (c.detail) assert.match(checks[0]?.detail ?? '', c.detail);
      assert.equal(JSON.stringify(checks).includes('secret'), false);
    });
  }
});

describe('proxyForUrl', () => {
  const cases: [string, NodeJS.ProcessEnv, string | undefined][] = [
    ['https://a.corp', {}, undefined],
    ['https://a.corp', { HTTPS_PROXY: 'squid:3128' }, 'http://squid:3128'],
    ['http://a.corp', { HTTPS_PROXY: 'http://squid:3128' }, undefined],
    ['http://a.corp', { http_proxy: 'http://squid:3128' }, 'http://squid:3128'],
    ['https://a.corp', { HTTPS_PROXY: 'http://p', NO_PROXY: 'corp' }, undefined],
    ['https://a.corp', { HTTPS_PROXY: 'http://p', NO_PROXY: '.corp' }, undefined],
    ['https://corp', { HTTPS_PROXY: 'http://p', NO_PROXY: '.corp' }, 'http://p'],
    ['https://a.corp:8443', { HTTPS_PROXY: 'http://p', NO_PROXY: 'a.corp:443' }, 'http://p'],
    ['https://a.corp:8443', { HTTPS_PROXY: 'http://p', NO_PROXY: 'a.corp:8443' }, undefined],
    ['https://a.corp', { HTTPS_PROXY: 'http://p', no_proxy: '*' }, undefined],
    ['http://127.0.0.1:8080', { HTTP_PROXY: 'http://p' }, undefined],
    ['http://localhost:8080', { HTTP_PROXY: 'http://p' }, undefined],
  ];
  for (const [url, env, want] of cases) it(`${url} ${JSON.stringify(env)}`, () => assert.equal(proxyForUrl(new URL(url), env), want));
});

describe('advice', () => {
  it('knows the common socket and TLS errors, and falls back to the message', () => {
    assert.match(adviseNetworkError('tcp', 'ETIMEDOUT', 'h:443', '').fix, /firewall/);
    assert.match(adviseNetworkError('tls', 'ERR_TLS_CERT_ALTNAME_INVALID', 'h', '').detail, /for another name/);
    assert.deepEqual(adviseNetworkError('http', 'EWHAT', 'u', 'odd'), { detail: 'u: odd (EWHAT)', fix: 'Check the network path to the mirror (try curl -v against the same URL).' });
  });
  it('judges content types', () => {
    assert.equal(judgeContentType('list', 'text/plain; charset=utf-8').status, 'ok');
    assert.equal(judgeContentType('zip', 'application/octet-stream').status, 'ok');
    assert.equal(judgeContentType('info', 'application/octet-stream').status, 'warn');
    assert.equal(judgeContentType('mod', undefined).status, 'warn');
    assert.equal(judgeContentType('mod', 'TEXT/HTML').status, 'fail');
  });
  it('explains statuses', () => {
    assert.match(adviseStatus(404, 'x').fix, /gomirror sync/);
    assert.match(adviseStatus(401, 'x').fix, /netrc/);
    assert.match(adviseStatus(407, 'x').fix, /HTTPS_PROXY/);
    assert.match(adviseStatus(403, 'x').fix, /permissions/);
    assert.match(adviseStatus(302, 'x').detail, /HTTP 302/);
  });
});

describe('formatDoctorReport', () => {
  it('a checklist with marks, then the verdict with each fix', () => {
    const lines = formatDoctorReport({
      proxy: 'http://m',
      checks: [
        { id: 'dns', title: 'DNS', status: 'ok', detail: 'fine' },
        { id: 'tcp', title: 'TCP connect', status: 'fail', detail: 'refused', fix: 'start it' },
        { id: 'tls', title: 'TLS', status: 'skip', detail: 'not run' },
        { id: 'x', title: 'X', status: 'warn', detail: 'meh', fix: 'tune' },
      ],
      ok: false,
      failures: 1,
      warnings: 1,
    });
    assert.deepEqual(lines, [
      'gomirror doctor http://m',
      '  ✓ DNS          fine',
      '  ✗ TCP connect  refused',
      '  - TLS          not run',
      '  ! X            meh',
      '',
      'verdict: 1 check failed; the go command will fail or hang against this mirror',
      '  ✗ TCP connect: refused',
      '    fix: start it',
      '  ! X: meh',
      '    fix: tune',
    ]);
  });
});
