/**
 * The real network probes of `gomirror doctor`: node:dns, node:net,
 * node:tls and undici, each with a timeout, each failure carrying the
 * errno-like code the advice table knows.
 */
import { existsSync, readFileSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import { Agent, interceptors, ProxyAgent, request, type Dispatcher } from 'undici';
import type { DoctorProbes, HttpAnswer, ProbeError, TlsInfo } from './types.js';

// Where Go looks for the system roots on Linux (crypto/x509 root_linux.go), first hit wins.
const SYSTEM_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/ca-bundle.pem', '/etc/pki/tls/cacert.pem', '/etc/ssl/cert.pem'];

/**
 * The CA certificates the go command would trust here: $SSL_CERT_FILE, else
 * the system bundle. Undefined: Node's own roots (no system bundle found).
 */
export function goTrustedCa(env: NodeJS.ProcessEnv): string | undefined {
  const file = env.SSL_CERT_FILE && env.SSL_CERT_FILE !== '' ? env.SSL_CERT_FILE : SYSTEM_BUNDLES.find((f) => existsSync(f));
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Real probes; close() releases the HTTP connections. */
export function createDoctorProbes(options: { ca?: string } = {}): DoctorProbes & { close(): Promise<void> } {
  const dispatchers = new Map<string, Dispatcher>();
  const dispatcherFor = (via: string | undefined, timeoutMs: number): Dispatcher => {
    const key = via ?? '';
    let d = dispatchers.get(key);
    if (!d) {
      const tls = options.ca ? { ca: options.ca } : {};
      const base = via
        ? new ProxyAgent({ uri: via, requestTls: tls, proxyTls: tls, headersTimeout: timeoutMs, bodyTimeout: timeoutMs })
        : new Agent({ connect: { timeout: timeoutMs, ...tls }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
      // The go command follows up to 10 redirects.
      d = base.compose(interceptors.redirect({ maxRedirections: 10 }));
      dispatchers.set(key, d);
    }
    return d;
  };

  return {
    async lookup(host, timeoutMs) {
      const t0 = performance.now();
      const found = await withTimeout(lookup(host, { all: true }), timeoutMs, `DNS lookup of ${host}`);
      return { addresses: found.map((a) => a.address), ms: performance.now() - t0 };
    },
    connect(host, port, timeoutMs) {
      return new Promise((resolve, reject) => {
        const t0 = performance.now();
        const socket = netConnect({ host, port });
        const timer = setTimeout(() => {
          socket.destroy();
          reject(probeError(`no answer in ${timeoutMs} ms`, 'ETIMEDOUT'));
        }, timeoutMs);
        socket.once('connect', () => {
          clearTimeout(timer);
          socket.destroy();
          resolve({ ms: performance.now() - t0 });
        });
        socket.once('error', (err: ProbeError) => {
          clearTimeout(timer);
          reject(err);
        });
      });
    },
    tls(host, port, servername, timeoutMs) {
      return new Promise<TlsInfo>((resolve, reject) => {
        const t0 = performance.now();
        // Verified by hand below, so the certificate can be described even when it is not trusted.
        const socket = tlsConnect({ host, port, ...(servername ? { servername } : {}), ...(options.ca ? { ca: options.ca } : {}), rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
        const timer = setTimeout(() => {
          socket.destroy();
          reject(probeError(`TLS handshake did not finish in ${timeoutMs} ms`, 'ETIMEDOUT'));
        }, timeoutMs);
        socket.once('secureConnect', () => {
          clearTimeout(timer);
          const cert: PeerCertificate = socket.getPeerCertificate();
          const authError = socket.authorizationError as unknown;
          resolve({
            ms: performance.now() - t0,
            protocol: socket.getProtocol() ?? 'TLS',
            authorized: socket.authorized,
            ...(authError ? { authorizationError: typeof authError === 'string' ? authError : (authError as Error).message } : {}),
            subject: nameOf(cert.subject),
            issuer: nameOf(cert.issuer),
            validTo: new Date(cert.valid_to),
            altNames: cert.subjectaltname ?? '',
          });
          socket.destroy();
        });
        socket.once('error', (err: ProbeError) => {
          clearTimeout(timer);
          reject(err);
        });
      });
    },
    async get(url, { timeoutMs, maxBytes, via, authorization }): Promise<HttpAnswer> {
      const t0 = performance.now();
      let res: Dispatcher.ResponseData;
      try {
        res = await request(url, {
          method: 'GET',
          headers: { 'user-agent': 'gomirror-doctor', accept: '*/*', ...(authorization ? { authorization } : {}) },
          dispatcher: dispatcherFor(via, timeoutMs),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        throw normalize(err);
      }
      const ttfbMs = performance.now() - t0;
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of res.body) {
          chunks.push(chunk as Buffer);
          size += (chunk as Buffer).length;
          if (size >= maxBytes) break;
        }
      } catch (err) {
        throw normalize(err);
      } finally {
        res.body.destroy();
      }
      const type = res.headers['content-type'];
      const length = res.headers['content-length'];
      return {
        status: res.statusCode,
        contentType: typeof type === 'string' ? type : undefined,
        body: Buffer.concat(chunks).subarray(0, maxBytes),
        contentLength: typeof length === 'string' && /^\d+$/.test(length) ? Number(length) : undefined,
        ttfbMs,
      };
    },
    async close() {
      await Promise.all([...dispatchers.values()].map((d) => d.close().catch(() => undefined)));
    },
  };
}

function nameOf(n: PeerCertificate['subject'] | undefined): string {
  if (!n) return '?';
  const cn = (n as { CN?: string | string[] }).CN;
  const o = (n as { O?: string | string[] }).O;
  return [cn, o].flat().filter(Boolean).join(', ') || '?';
}

function probeError(message: string, code: string): ProbeError {
  return Object.assign(new Error(message), { code });
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(probeError(`${what}: no answer in ${ms} ms`, 'EAI_AGAIN')), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** undici wraps socket errors and names its own timeouts: map both to errno-like codes. */
function normalize(err: unknown): ProbeError {
  const e = err as { code?: string; name?: string; message?: string; cause?: { code?: string; message?: string } };
  let code = e.cause?.code ?? e.code;
  if (e.name === 'TimeoutError' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') code = 'ETIMEDOUT';
  else if (code === 'UND_ERR_SOCKET') code = 'ECONNRESET';
  const message = e.cause?.message ?? e.message ?? String(err);
  return probeError(message, code ?? 'EUNKNOWN');
}
