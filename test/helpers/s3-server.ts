/**
 * A real S3-compatible server for the tests: s3rver (npm, devDependency) on
 * 127.0.0.1, port 0, with a bucket, storing objects in a temp directory.
 * In front of it a small HTTP relay, also on 127.0.0.1, that gomirror talks
 * to: it records every request the server got (method, key, status), and can
 * slow down or fail requests (503 SlowDown, as S3 throttles) so tests can
 * count PUTs and exercise retries. Readers (the go client, a poller) go to
 * s3rver directly.
 *
 *     const s3 = await startS3Server('goproxy');
 *     // gomirror: AWS_ENDPOINT_URL_S3=s3.relayUrl; go: GOPROXY=s3.url/goproxy/prefix
 *     await s3.close();
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';

/** The access key s3rver accepts (it checks signatures). */
export const S3RVER_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' } as const;

export interface S3Request {
  readonly method: string;
  /** The object key (URL-decoded, without the bucket); '' for bucket-level requests. */
  readonly key: string;
  /** The query string, e.g. `uploads` or `partNumber=1&uploadId=...`. */
  readonly query: string;
  status: number;
}

export interface S3Server {
  /** `http://127.0.0.1:PORT`: s3rver itself, for readers. */
  readonly url: string;
  /** `http://127.0.0.1:PORT`: the recording relay, for gomirror. */
  readonly relayUrl: string;
  readonly bucket: string;
  /** Every request that went through the relay, in order. */
  readonly requests: S3Request[];
  /** Fails the next `n` requests matching `match` with HTTP `status` (S3 error `code`), before they reach s3rver. */
  failNext(n: number, match: (method: string, key: string) => boolean, status?: number, code?: string): void;
  clearFaults(): void;
  /** Delays each PUT/POST by this many ms (0: none). */
  slowWrites(ms: number): void;
  /** GET through s3rver, path-style. */
  get(key: string): Promise<{ status: number; body: Buffer; headers: Headers }>;
  /** HEAD through s3rver: the status. */
  head(key: string): Promise<number>;
  /** Every key in the bucket below `prefix`. */
  keys(prefix?: string): Promise<string[]>;
  close(): Promise<void>;
}

export async function startS3Server(bucket: string): Promise<S3Server> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gomirror-s3rver-'));
  const s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: bucket, configs: [] }] });
  const addr = (await s3rver.run()) as AddressInfo;
  const url = `http://127.0.0.1:${addr.port}`;
  const requests: S3Request[] = [];
  const faults: { n: number; match: (m: string, k: string) => boolean; status: number; code: string }[] = [];
  let writeDelay = 0;

  const relay: Server = createServer((req: IncomingMessage, res) => {
    const u = new URL(req.url ?? '/', 'http://relay');
    const parts = u.pathname.split('/').slice(1);
    const key = parts[0] === bucket ? decodeURIComponent(parts.slice(1).join('/')) : decodeURIComponent(u.pathname.slice(1));
    const entry: S3Request = { method: req.method ?? 'GET', key, query: u.search.slice(1), status: 0 };
    requests.push(entry);
    const fault = faults.find((f) => f.n > 0 && f.match(entry.method, key));
    if (fault) {
      fault.n--;
      entry.status = fault.status;
      req.resume();
      res.writeHead(fault.status, { 'Content-Type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${fault.code}</Code><Message>injected by the test relay</Message></Error>`);
      return;
    }
    const forward = (): void => {
      const up = request({ host: '127.0.0.1', port: addr.port, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
        entry.status = upRes.statusCode ?? 0;
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    };
    if (writeDelay > 0 && (req.method === 'PUT' || req.method === 'POST')) setTimeout(forward, writeDelay);
    else forward();
  });
  relay.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;

  const get = async (key: string): Promise<{ status: number; body: Buffer; headers: Headers }> => {
    const r = await fetch(`${url}/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`);
    return { status: r.status, body: Buffer.from(await r.arrayBuffer()), headers: r.headers };
  };

  return {
    url,
    relayUrl,
    bucket,
    requests,
    failNext(n, match, status = 503, code = 'SlowDown') {
      faults.push({ n, match, status, code });
    },
    clearFaults() {
      faults.length = 0;
    },
    slowWrites(ms) {
      writeDelay = ms;
    },
    get,
    async head(key) {
      const r = await fetch(`${url}/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`, { method: 'HEAD' });
      return r.status;
    },
    async keys(prefix = '') {
      const out: string[] = [];
      let token = '';
      for (;;) {
        const q = new URLSearchParams({ 'list-type': '2', prefix, ...(token ? { 'continuation-token': token } : {}) });
        const r = await fetch(`${url}/${bucket}?${q}`);
        const xml = await r.text();
        for (const m of xml.matchAll(/<Key>([^<]*)<\/Key>/g)) out.push(unxml(m[1] as string));
        const next = /<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(xml);
        if (!/<IsTruncated>true<\/IsTruncated>/.test(xml) || !next) break;
        token = unxml(next[1] as string);
      }
      return out.sort();
    },
    async close() {
      relay.closeAllConnections();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
      await s3rver.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function unxml(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}
