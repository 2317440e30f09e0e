/**
 * End to end: `gomirror doctor` against a healthy mirror (nginx serving a
 * synced tree, over http and https), a stopped one, one that answers 500 and
 * one that serves the wrong content type.
 */
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DoctorReport } from '../../src/doctor/index.js';
import { generateNginxConfig } from '../../src/nginx/index.js';
import { describeCli, runCli } from '../helpers/cli.js';
import { startFixtureServer } from '../helpers/fixture-server.js';
import { BASIC, basicSpec, buildUpstream, type Upstream } from '../helpers/fixture-upstream.js';
import { freePort, makeTlsCert, requireNginxTools, shareWithNginx, startNginx, type RunningNginx } from './nginx-support.js';

const MODULE = BASIC.toml;

describe('gomirror doctor, end to end', () => {
  let upstream: Upstream;
  let work: string;
  let tree: string;
  let nginx: RunningNginx | undefined;
  let http: string;
  let https: string;
  let cert: string;

  before(async () => {
    await requireNginxTools();
    upstream = await buildUpstream(basicSpec());
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-e2e-doctor-'));
    tree = path.join(work, 'tree');
    const sum = path.join(work, 'all.sum');
    await writeFile(sum, upstream.goSum);
    const r = await runCli(['sync', '--upstream', `file://${upstream.dir}`, '--gosum', sum, '--out', tree]);
    assert.equal(r.code, 0, describeCli(r));
    const prefix = path.join(work, 'prefix');
    await mkdir(prefix);
    const tls = await makeTlsCert(prefix);
    cert = tls.cert;
    const [httpPort, httpsPort] = [await freePort(), await freePort()];
    const conf = path.join(prefix, 'nginx.conf');
    await generateNginxConfig(
      { root: tree, standalone: true, listen: `127.0.0.1:${httpPort}`, tlsListen: `127.0.0.1:${httpsPort}`, tlsCert: tls.cert, tlsKey: tls.key },
      conf,
    );
    await shareWithNginx(prefix, work, tree);
    http = `http://127.0.0.1:${httpPort}`;
    https = `https://127.0.0.1:${httpsPort}`;
    nginx = await startNginx(prefix, conf, `${http}/`);
  });
  after(async () => {
    await nginx?.stop();
    await upstream?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const doctor = (proxy: string, env: NodeJS.ProcessEnv = {}, extra: string[] = []) =>
    runCli(['doctor', '--proxy', proxy, '--module', MODULE, '--timeout', '3', ...extra], { env: { GOPROXY: proxy, ...env } });

  it('a healthy mirror over http: every check passes', async () => {
    const r = await doctor(http);
    assert.equal(r.code, 0, describeCli(r));
    for (const line of [
      /✓ DNS +127\.0\.0\.1 is an IP address/,
      /✓ TCP connect +127\.0\.0\.1:\d+ in [\d.]+ ms/,
      /- TLS +not used \(http:\/\/\)/,
      /✓ not-found answer +HTTP 404 for a module it does not have/,
      /✓ example\.com\/BurntSushi\/toml list +HTTP 200, text\/plain.*3 versions, latest v1\.2\.3/,
      /✓ example\.com\/BurntSushi\/toml@v1\.2\.3\.info +HTTP 200, application\/json/,
      /✓ example\.com\/BurntSushi\/toml@v1\.2\.3\.mod +HTTP 200, text\/plain/,
      /✓ example\.com\/BurntSushi\/toml@v1\.2\.3\.zip +HTTP 200, application\/zip/,
      /✓ latency +median \d+ ms to first byte/,
      /^verdict: OK, the go command can use this mirror$/m,
    ]) {
      assert.match(r.stdout, line, describeCli(r));
    }
    assert.equal(r.stdout.includes('✗'), false);
  });

  it('a healthy mirror over https: the certificate is checked against what the go command trusts', async () => {
    const trusted = await doctor(https, { SSL_CERT_FILE: cert }, ['--log-format', 'json']);
    assert.equal(trusted.code, 0, describeCli(trusted));
    const report = JSON.parse(trusted.stdout) as DoctorReport;
    assert.equal(report.ok, true);
    // The test certificate lives two days: trusted, but close to expiry.
    const tls = report.checks.find((c) => c.id === 'tls');
    assert.equal(tls?.status, 'warn');
    assert.match(tls?.detail ?? '', /^TLSv1\.[23], certificate for 127\.0\.0\.1 \(IP Address:127\.0\.0\.1, DNS:localhost\) .*\([01] days? left\)$/);
    assert.equal(tls?.fix, 'Renew the certificate before it expires');

    const untrusted = await doctor(https, { SSL_CERT_FILE: '/nonexistent/ca.pem' });
    assert.equal(untrusted.code, 1, describeCli(untrusted));
    assert.match(untrusted.stdout, /✗ TLS +127\.0\.0\.1:\d+: self-signed certificate, not trusted/);
    assert.match(untrusted.stdout, /fix: Install the certificate .* SSL_CERT_FILE/);
  });

  it('a stopped mirror: connection refused, and how to fix it', async () => {
    const r = await doctor(`http://127.0.0.1:${await freePort()}`);
    assert.equal(r.code, 1, describeCli(r));
    assert.match(r.stdout, /✗ TCP connect +127\.0\.0\.1:\d+: connection refused \(nothing listens there\)/);
    assert.match(r.stdout, /^verdict: 1 check failed; the go command will fail or hang against this mirror$/m);
    assert.match(r.stdout, /fix: Start the mirror's web server/);
    assert.equal(/not-found answer|toml list/.test(r.stdout), false, 'nothing after the TCP check runs');
  });

  it('a mirror that answers 500', async () => {
    const server = await startFixtureServer({ root: upstream.dir, faults: [{ fault: { kind: 'status', status: 500 } }] });
    try {
      const r = await doctor(server.url);
      assert.equal(r.code, 1, describeCli(r));
      assert.match(r.stdout, /✗ example\.com\/BurntSushi\/toml list +example\.com\/BurntSushi\/toml list: HTTP 500, server error/);
      assert.match(r.stdout, /✗ not-found answer +a missing module: HTTP 500, server error; the go command needs 404 or 410 here/);
      assert.match(r.stdout, /fix: Look at the server's error log/);
    } finally {
      await server.close();
    }
  });

  it('a mirror that serves the wrong content type', async () => {
    const server = await serveAsHtml(tree);
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const r = await doctor(url);
      assert.equal(r.code, 1, describeCli(r));
      assert.match(r.stdout, /✗ example\.com\/BurntSushi\/toml@v1\.2\.3\.zip +HTTP 200, text\/html; charset=utf-8, \d+ bytes: Content-Type text\/html; charset=utf-8: an HTML page answered instead of the zip file/);
      assert.match(r.stdout, /fix: A login page, captive portal or catch-all index is in the way/);
      assert.match(r.stdout, /verdict: 4 checks failed/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

/** A misconfigured static server: right files, every one labelled text/html. */
async function serveAsHtml(root: string): Promise<Server> {
  const server = createServer((req, res) => {
    const file = path.join(root, decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/'));
    void (async () => {
      const st = file.startsWith(root + path.sep) ? await stat(file).catch(() => undefined) : undefined;
      if (!st?.isFile()) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found\n');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': st.size });
      createReadStream(file).pipe(res);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  return server;
}
