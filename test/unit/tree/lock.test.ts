import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { isGomirrorError } from '../../../src/errors.js';
import { acquireTreeLock, formatAge, judgeLock, readTreeLock, TreeLockedError, type LockHolder } from '../../../src/tree/lock.js';
import { sweepAfterUncleanRun } from '../../../src/tree/store.js';

const holder = (over: Partial<LockHolder> = {}): LockHolder => ({
  pid: 100,
  host: 'h1',
  startedAt: '2025-01-01T00:00:00.000Z',
  command: 'sync',
  ...over,
});
const alive = (pids: number[]) => (pid: number) => pids.includes(pid);
const MIN = 60_000;

describe('judgeLock', () => {
  const self = { host: 'h1', pid: 200 };
  const cases: { name: string; holder: LockHolder | undefined; ageMs: number; alive: number[]; stale: boolean; reason: RegExp }[] = [
    { name: 'live pid on this host', holder: holder(), ageMs: 1000, alive: [100], stale: false, reason: /pid 100 on h1.*refreshed 1s ago/ },
    { name: 'dead pid on this host', holder: holder(), ageMs: 1000, alive: [], stale: true, reason: /pid 100 is not running/ },
    { name: 'live pid, not refreshed (pid reused after a reboot)', holder: holder(), ageMs: 11 * MIN, alive: [100], stale: true, reason: /not refreshed for 11m/ },
    { name: 'other host, fresh', holder: holder({ host: 'h2' }), ageMs: 5 * MIN, alive: [], stale: false, reason: /on h2/ },
    { name: 'other host, not refreshed', holder: holder({ host: 'h2' }), ageMs: 61 * MIN, alive: [], stale: true, reason: /not refreshed for 1h1m/ },
    { name: 'our own pid is never judged dead', holder: holder({ pid: 200 }), ageMs: 1000, alive: [], stale: false, reason: /pid 200/ },
    { name: 'unreadable, fresh', holder: undefined, ageMs: 2000, alive: [], stale: false, reason: /unreadable/ },
    { name: 'unreadable, old', holder: undefined, ageMs: 20 * MIN, alive: [], stale: true, reason: /unreadable lock not refreshed for 20m/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const j = judgeLock(c.holder, c.ageMs, self, alive(c.alive), 10 * MIN);
      assert.equal(j.stale, c.stale);
      assert.match(j.reason, c.reason);
    });
  }
});

describe('formatAge', () => {
  for (const [ms, text] of [[0, '0s'], [59_400, '59s'], [60_000, '1m'], [3_600_000, '1h'], [3_900_000, '1h5m']] as const) {
    it(`${ms} ms → ${text}`, () => assert.equal(formatAge(ms), text));
  }
});

describe('acquireTreeLock', () => {
  let root: string;
  let lockFile: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'gomirror-lock-'));
    lockFile = path.join(root, '.gomirror', 'lock');
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const opts = { command: 'sync', releaseOnExit: false, host: 'h1' } as const;

  it('writes the holder as JSON and removes the file on release', async () => {
    const lock = await acquireTreeLock(root, { ...opts, pid: 11 });
    const onDisk = JSON.parse(await readFile(lockFile, 'utf8')) as LockHolder;
    assert.deepEqual(onDisk, lock.holder);
    assert.equal(onDisk.pid, 11);
    assert.equal(onDisk.host, 'h1');
    assert.equal(onDisk.command, 'sync');
    assert.ok(!Number.isNaN(Date.parse(onDisk.startedAt)));
    await lock.release();
    assert.equal(await readTreeLock(root), undefined);
    await lock.release();
  });

  it('refuses a second run while the holder lives, naming it (E_LOCKED, exit 3)', async () => {
    const first = await acquireTreeLock(root, { ...opts, pid: 11, command: 'prune' });
    await assert.rejects(acquireTreeLock(root, { ...opts, pid: 12, isAlive: alive([11]) }), (err: unknown) => {
      assert.ok(err instanceof TreeLockedError);
      assert.equal(err.code, 'E_LOCKED');
      assert.equal(err.kind, 'lock');
      assert.equal(err.holder?.pid, 11);
      assert.match(err.message, /another gomirror run holds the lock: prune \(pid 11 on h1, started /);
      assert.match(err.hint ?? '', /remove .*\.gomirror\/lock/);
      return true;
    });
    await first.release();
    const second = await acquireTreeLock(root, { ...opts, pid: 12 });
    await second.release();
  });

  it('a disk error while taking the lock is E_FS naming the lock file (no raw errno)', async () => {
    // A file where the state directory must be stands in for a full or read-only disk.
    await mkdir(root, { recursive: true });
    await writeFile(path.join(root, '.gomirror'), 'not a directory');
    await assert.rejects(acquireTreeLock(root, { ...opts, pid: 12 }), (err: unknown) => {
      assert.ok(isGomirrorError(err), String(err));
      assert.equal(err.code, 'E_FS');
      assert.ok(err.message.startsWith(`${lockFile}: cannot take the lock: `), err.message);
      return true;
    });
    await rm(path.join(root, '.gomirror'));
  });

  it('takes over the lock of a dead process', async () => {
    await mkdir(path.dirname(lockFile), { recursive: true });
    await writeFile(lockFile, JSON.stringify(holder({ pid: 999 })));
    const lock = await acquireTreeLock(root, { ...opts, pid: 12, isAlive: alive([12]) });
    assert.match(lock.tookOver ?? '', /pid 999 is not running/);
    assert.equal((JSON.parse(await readFile(lockFile, 'utf8')) as LockHolder).pid, 12);
    await lock.release();
  });

  it("respects another host's fresh lock and takes over one not refreshed for too long", async () => {
    await mkdir(path.dirname(lockFile), { recursive: true });
    await writeFile(lockFile, JSON.stringify(holder({ host: 'other', pid: 5 })));
    await assert.rejects(acquireTreeLock(root, { ...opts, pid: 12, isAlive: alive([]) }), /pid 5 on other/);
    const old = new Date(Date.now() - 11 * MIN);
    await utimes(lockFile, old, old);
    const lock = await acquireTreeLock(root, { ...opts, pid: 12, isAlive: alive([]) });
    assert.match(lock.tookOver ?? '', /not refreshed for 11m/);
    await lock.release();
  });

  it('lets exactly one of several racing runs take over a stale lock', async () => {
    await mkdir(path.dirname(lockFile), { recursive: true });
    await writeFile(lockFile, JSON.stringify(holder({ pid: 999 })));
    const pids = [21, 22, 23, 24, 25, 26];
    const results = await Promise.allSettled(pids.map((pid) => acquireTreeLock(root, { ...opts, pid, isAlive: alive(pids) })));
    const won = results.filter((r) => r.status === 'fulfilled');
    assert.equal(won.length, 1, `winners: ${won.length}`);
    for (const r of results) {
      if (r.status === 'rejected') assert.ok(isGomirrorError(r.reason) && r.reason.code === 'E_LOCKED', String(r.reason));
    }
    const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireTreeLock>>>).value;
    assert.equal((JSON.parse(await readFile(lockFile, 'utf8')) as LockHolder).pid, winner.holder.pid);
    await winner.release();
  });

  it('release leaves a lock that is no longer ours alone', async () => {
    const lock = await acquireTreeLock(root, { ...opts, pid: 11 });
    await writeFile(lockFile, JSON.stringify(holder({ pid: 77 })));
    await lock.release();
    assert.equal((await readTreeLock(root))?.holder?.pid, 77);
  });

  it('installs signal and exit handlers only while held', async () => {
    const before = process.listenerCount('SIGTERM');
    const lock = await acquireTreeLock(root, { command: 'sync' });
    assert.equal(process.listenerCount('SIGTERM'), before + 1);
    assert.equal(lock.holder.pid, process.pid);
    await lock.release();
    assert.equal(process.listenerCount('SIGTERM'), before);
  });
});

describe('runs that did not end cleanly', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'gomirror-unclean-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));
  const opts = { command: 'sync', releaseOnExit: false, host: 'h1' } as const;
  const deadTemp = (): string => path.join(root, 'example.com/m/@v/.v1.0.0.zip.tmp-999999-0a');

  it('after a clean release the next run has nothing to sweep and does not walk the tree', async () => {
    await (await acquireTreeLock(root, { ...opts, pid: 11 })).release();
    await mkdir(path.dirname(deadTemp()), { recursive: true });
    await writeFile(deadTemp(), 'not from a gomirror run');
    const lock = await acquireTreeLock(root, { ...opts, pid: 12 });
    assert.equal(lock.unclean, false);
    assert.deepEqual(await sweepAfterUncleanRun(root, lock), []);
    assert.equal(await readFile(deadTemp(), 'utf8'), 'not from a gomirror run');
    await lock.release();
  });

  it('a run stopped with writes in flight leaves .gomirror/unclean; the next run sweeps once, then forgets it', async () => {
    await (await acquireTreeLock(root, { ...opts, pid: 11 })).release({ unclean: true });
    await mkdir(path.dirname(deadTemp()), { recursive: true });
    await writeFile(deadTemp(), 'partial');
    const next = await acquireTreeLock(root, { ...opts, pid: 12 });
    assert.equal(next.unclean, true);
    assert.deepEqual(await sweepAfterUncleanRun(root, next), ['example.com/m/@v/.v1.0.0.zip.tmp-999999-0a']);
    await next.release();
    const third = await acquireTreeLock(root, { ...opts, pid: 13 });
    assert.equal(third.unclean, false, 'the marker is gone once swept');
    await third.release();
  });

  it('taking over the lock of a run that died counts as unclean', async () => {
    await mkdir(path.join(root, '.gomirror'), { recursive: true });
    await writeFile(path.join(root, '.gomirror', 'lock'), JSON.stringify(holder({ pid: 5 })) + '\n');
    const lock = await acquireTreeLock(root, { ...opts, pid: 12, isAlive: alive([]) });
    assert.match(lock.tookOver ?? '', /pid 5 is not running/);
    assert.equal(lock.unclean, true);
    await lock.release();
  });
});
