/**
 * The test git host over https, as a company git server looks to the go
 * command: `<meta name="go-import">` discovery on `?go-get=1`, git's smart
 * HTTP through `git http-backend` run as CGI, basic auth, and a certificate
 * from a test CA for `git.corp.example.com`. The name does not resolve, so
 * clients reach it through a CONNECT proxy on 127.0.0.1 (HTTPS_PROXY), which
 * both the go command and git honour.
 */
import { execFile, spawn } from 'node:child_process';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { connect, type AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BACKEND = '/usr/lib/git-core/git-http-backend';

export interface GitHttps {
  /** Environment for the go command and git: proxy, CA, HOME with .netrc. */
  env: Record<string, string>;
  /** Requests seen (method and path, no credentials). */
  requests: string[];
  close(): Promise<void>;
}

async function makeCa(dir: string, host: string): Promise<{ ca: string; cert: string; key: string }> {
  const f = (n: string): string => path.join(dir, n);
  const o = (args: string[]): Promise<unknown> => run('openssl', args);
  await o(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=gomirror test CA', '-keyout', f('ca.key'), '-out', f('ca.pem')]);
  await o(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${host}`, '-keyout', f('host.key'), '-out', f('host.csr')]);
  await writeFile(f('ext.cnf'), `subjectAltName=DNS:${host}\n`);
  await o(['x509', '-req', '-in', f('host.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', f('ext.cnf'), '-out', f('host.pem')]);
  return { ca: f('ca.pem'), cert: await readFile(f('host.pem'), 'utf8'), key: await readFile(f('host.key'), 'utf8') };
}

/**
 * Serves `root` (holding `team/<name>.git`) as https://<host>/team/<name>,
 * for the login given; `.netrc` in the returned HOME holds `password`.
 */
export async function serveGitHttps(root: string, host: string, login: string, password: string, netrcPassword = password): Promise<GitHttps> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gomirror-githttps-'));
  const { ca, cert, key } = await makeCa(dir, host);
  const requests: string[] = [];
  const expected = `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`;

  const https: HttpsServer = createHttpsServer({ cert, key }, (req, res) => {
    const url = new URL(req.url ?? '/', `https://${host}`);
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="corp"' });
      res.end('unauthorized\n');
      return;
    }
    if (url.searchParams.get('go-get') === '1') {
      // The repository is the first two elements below the host: team/<name>.
      const [team, name] = url.pathname.split('/').filter(Boolean);
      const prefix = `${host}/${team}/${name}`;
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(`<!DOCTYPE html><html><head><meta name="go-import" content="${prefix} git https://${prefix}.git"></head><body></body></html>\n`);
      return;
    }
    const cgi = spawn(BACKEND, [], {
      env: {
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.replace(/^\?/, ''),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        HTTP_GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        REMOTE_USER: login,
        REMOTE_ADDR: '127.0.0.1',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
      },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headerDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headerDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headerDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString().split('\r\n')) {
        const i = line.indexOf(':');
        const name = line.slice(0, i).trim();
        const value = line.slice(i + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else res.setHeader(name, value);
      }
      res.writeHead(status);
      res.write(head.subarray(end + 4));
    });
    cgi.on('close', () => res.end());
  });
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
  const httpsPort = (https.address() as AddressInfo).port;

  // CONNECT to <host>:443 goes to the https server; nothing else is reachable.
  const proxy: HttpServer = createHttpServer((_req, res) => {
    res.writeHead(405);
    res.end();
  });
  const tunnels = new Set<Duplex>();
  proxy.on('connect', (req, socket) => {
    tunnels.add(socket);
    socket.on('close', () => tunnels.delete(socket));
    if (req.url !== `${host}:443`) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = connect(httpsPort, '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

  const home = path.join(dir, 'home');
  await run('mkdir', ['-p', home]);
  const netrc = path.join(home, '.netrc');
  await writeFile(netrc, `machine ${host} login ${login} password ${netrcPassword}\n`, { mode: 0o600 });
  return {
    env: {
      HOME: home,
      NETRC: netrc,
      HTTPS_PROXY: proxyUrl,
      https_proxy: proxyUrl,
      NO_PROXY: '',
      no_proxy: '',
      SSL_CERT_FILE: ca,
      GIT_SSL_CAINFO: ca,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_TERMINAL_PROMPT: '0',
    },
    requests,
    async close() {
      for (const t of tunnels) t.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      https.closeAllConnections();
      await new Promise<void>((resolve) => https.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
