/**
 * File I/O behaves the same on every thread: downloads, atomic writes, the
 * zip check and staging go through the thread pool, never through a
 * synchronous file call, on the main thread and on a worker alike. (On NFS a
 * synchronous write blocks every download and the lock's heartbeat.)
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { after, before, describe, it } from 'node:test';
import { escapePath, escapeVersion } from '../../../src/module/index.js';
import { checkModuleZip } from '../../../src/modzip/index.js';
import { commitTempFile, createSyncedFile, syncFile, tempPathFor, writeFileAtomic } from '../../../src/tree/index.js';
import { createTransport } from '../../../src/upstream/transport.js';
import { buildUpstream, type Upstream } from '../../helpers/fixture-upstream.js';
import { REPO_ROOT } from '../../helpers/go-tools.js';
import { spySyncFsCalls, SYNC_FS_SPY_SOURCE } from '../../helpers/sync-fs-spy.js';

const MODULE = 'example.com/threads';
const VERSION = 'v1.0.0';
const GO_MOD = `module ${MODULE}\n\ngo 1.17\n`;
const BODY = Buffer.alloc(4 << 20, 0);
for (let i = 0; i < BODY.length; i += 4) BODY.writeUInt32LE(i, i);

describe('file I/O on every thread', () => {
  let upstream: Upstream;
  let zip: string;
  let work: string;
  let server: Server;
  let url: string;
  let requests = 0;

  before(async () => {
    upstream = await buildUpstream({ modules: [{ path: MODULE, versions: [{ version: VERSION, files: { 'a.go': 'package a\n' } }] }] });
    zip = path.join(upstream.dir, escapePath(MODULE), '@v', `${escapeVersion(VERSION)}.zip`);
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-thread-io-'));
    // 4 MiB in 64 KiB pieces, each sent on its own turn of the loop; the
    // first request breaks off after 1 MiB, so the download is retried.
    server = createServer((req, res) => {
      if (req.url === '/warm') return void res.end('ok');
      const first = requests++ === 0;
      res.writeHead(200, { 'content-length': String(BODY.length) });
      let at = 0;
      const next = (): void => {
        if (first && at >= 1 << 20) return void res.destroy();
        if (at >= BODY.length) return void res.end();
        res.write(BODY.subarray(at, (at += 64 << 10)));
        setImmediate(next);
      };
      next();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/big.zip`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await upstream?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('a download is written to its file without a synchronous file call, retries included', async () => {
    const transport = createTransport({ concurrency: 2, retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 10 } });
    const file = path.join(work, 'big.zip');
    // Loading a module reads files synchronously: undici (and its HTTP parser) is loaded first.
    await transport.getBuffer(url.replace('big.zip', 'warm'), 10);
    const spy = spySyncFsCalls();
    let got;
    try {
      got = await transport.getToFile(url, file, 64 << 20);
    } finally {
      spy.restore();
      await transport.close();
    }
    assert.deepEqual(spy.calls, []);
    assert.equal(requests, 2, 'the broken first attempt was retried');
    assert.equal(got.size, BODY.length);
    assert.ok((await readFile(file)).equals(BODY), 'the file holds the second attempt exactly');
  });

  it('atomic writes and the zip check make no synchronous file call on the main thread', async () => {
    const dir = path.join(work, 'main');
    const spy = spySyncFsCalls();
    let h1;
    try {
      const tmp = tempPathFor(path.join(dir, 'a.mod'));
      await createSyncedFile(tmp, Buffer.from(GO_MOD));
      await commitTempFile(tmp, path.join(dir, 'a.mod'), { synced: true, syncDir: false });
      const copy = tempPathFor(path.join(dir, 'b.zip'));
      await writeFile(copy, await readFile(zip));
      await syncFile(copy);
      await commitTempFile(copy, path.join(dir, 'b.zip'), { synced: true });
      await writeFileAtomic(path.join(dir, 'list'), `${VERSION}\n`);
      h1 = (await checkModuleZip(path.join(dir, 'b.zip'), { modulePath: MODULE, version: VERSION, goMod: Buffer.from(GO_MOD) })).h1;
    } finally {
      spy.restore();
    }
    assert.deepEqual(spy.calls, []);
    assert.equal(h1, upstream.hashes.get(`${MODULE} ${VERSION}`));
    assert.equal(await readFile(path.join(dir, 'a.mod'), 'utf8'), GO_MOD);
  });

  it('staging on a worker thread makes no synchronous file call either', { timeout: 30_000 }, async () => {
    const built = path.join(REPO_ROOT, 'dist/mirror/stage.js');
    if (!existsSync(built)) throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
    const entry = path.join(work, 'spy-worker.mjs');
    await writeFile(
      entry,
      `${SYNC_FS_SPY_SOURCE}
import { parentPort, workerData } from 'node:worker_threads';
const { stageVersion } = await import(workerData.stage);
calls.length = 0;
const result = await stageVersion(workerData.job);
parentPort.postMessage({ calls, h1: result.zip?.h1 });
`,
    );
    const dir = path.join(work, 'worker');
    const mod = path.join(dir, 'v1.0.0.mod.tmp-1-a');
    const job = {
      zip: { file: zip, modulePath: MODULE, version: VERSION, goMod: Buffer.from(GO_MOD), fsync: true },
      files: [{ file: mod, data: Buffer.from(GO_MOD) }],
    };
    const worker = new Worker(entry, { workerData: { stage: built, job } });
    const reply = await new Promise<{ calls: string[]; h1?: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`worker exited (code ${code}) without an answer`)));
    });
    await worker.terminate();
    assert.deepEqual(reply.calls, []);
    assert.equal(reply.h1, upstream.hashes.get(`${MODULE} ${VERSION}`));
    assert.equal(await readFile(mod, 'utf8'), GO_MOD);
  });
});
