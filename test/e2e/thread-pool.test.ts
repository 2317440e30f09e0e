/**
 * bin/gomirror.js sizes libuv's thread pool (8 threads unless the user set
 * UV_THREADPOOL_SIZE) before anything starts it: with the default 4, a sync's
 * fsyncs and its staging worker's file calls queue behind each other.
 *
 * Observed from outside: a sync whose manifest is a FIFO blocks reading it;
 * while it does, its thread count is read from /proc. Runs that differ only in
 * UV_THREADPOOL_SIZE differ only in pool threads.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { spawnCli } from '../helpers/cli.js';

const linux = existsSync('/proc/self/status');

/** Threads of a `gomirror sync` blocked on reading its manifest, with `pool` as UV_THREADPOOL_SIZE (undefined: unset). */
async function threadsOfSync(dir: string, pool: string | undefined): Promise<number> {
  const fifo = path.join(dir, `manifest-${pool ?? 'unset'}.json`);
  execFileSync('mkfifo', [fifo]);
  const { child, done } = spawnCli(['sync', '--manifest', fifo, '--out', path.join(dir, `tree-${pool ?? 'unset'}`)], {
    env: { UV_THREADPOOL_SIZE: pool },
  });
  try {
    // A writer's non-blocking open fails (ENXIO) until the sync has the FIFO open for reading.
    let writer: number | undefined;
    for (let i = 0; writer === undefined; i++) {
      try {
        writer = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENXIO' || i > 3000) throw err;
        const r = await Promise.race([done, sleep(10)]);
        if (r) throw new Error(`gomirror exited before reading its manifest:\n${r.stderr}`);
      }
    }
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const threads = Number(/^Threads:\s+(\d+)$/m.exec(status)?.[1]);
    // An empty manifest: the sync fails on it and exits.
    writeSync(writer, '{}');
    closeSync(writer);
    return threads;
  } finally {
    child.kill();
    await done;
  }
}

describe('thread pool of the command line', { skip: linux ? false : 'reads /proc' }, () => {
  it('starts 8 pool threads unless UV_THREADPOOL_SIZE says otherwise', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gomirror-pool-'));
    try {
      const four = await threadsOfSync(dir, '4');
      const unset = await threadsOfSync(dir, undefined);
      const six = await threadsOfSync(dir, '6');
      assert.ok(four > 4, `threads with a pool of 4: ${four}`);
      assert.equal(unset - four, 4, `threads: ${unset} with UV_THREADPOOL_SIZE unset, ${four} with 4`);
      assert.equal(six - four, 2, `threads: ${six} with UV_THREADPOOL_SIZE=6, ${four} with 4`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
