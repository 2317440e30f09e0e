/**
 * What `npm run build` leaves in dist/ for the process to load: the staging
 * worker is one bundled file (loading it module by module, yauzl through the
 * CommonJS loader, cost every sync ~100 ms of CPU before its first zip
 * check), and it works as built.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { REPO_ROOT } from '../../helpers/go-tools.js';

const WORKER = path.join(REPO_ROOT, 'dist', 'mirror', 'stage-worker.js');

describe('build output', () => {
  it('the staging worker is one file that imports only Node built-ins', async () => {
    const source = await readFile(WORKER, 'utf8').catch(() => undefined);
    assert.ok(source !== undefined, 'run `npm run build` first');
    const specifiers = [...source.matchAll(/^\s*import\b[^'"]*["']([^"']+)["']/gm)].map((m) => m[1] as string);
    assert.ok(specifiers.length > 0, 'no import found: the check reads the wrong file');
    assert.deepEqual(specifiers.filter((s) => !s.startsWith('node:')), [], 'modules the worker loads one by one');
  });

  it('the bundled worker stages a job: it writes the file asked for and answers with the job id', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gomirror-worker-'));
    const w = new Worker(WORKER);
    try {
      const file = path.join(dir, 'v1.0.0.info');
      const data = new TextEncoder().encode('{"Version":"v1.0.0"}\n');
      const reply = await new Promise<unknown>((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
        w.postMessage({ id: 7, job: { files: [{ file, data }] } });
      });
      assert.deepEqual(reply, { id: 7, result: {} });
      assert.equal(await readFile(file, 'utf8'), '{"Version":"v1.0.0"}\n');
    } finally {
      await w.terminate();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
