import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BackgroundSync, type SyncableFile } from '../../../src/bundle/background-sync.js';

/** A file whose fsync ends when the test says; records the order of events. */
function fakeFile(name: string, events: string[]): SyncableFile & { finish(err?: Error): void } {
  let end: ((err?: Error) => void) | undefined;
  const synced = new Promise<void>((resolve, reject) => (end = (err) => (err ? reject(err) : resolve())));
  return {
    sync: async () => {
      events.push(`sync ${name}`);
      await synced;
      events.push(`synced ${name}`);
    },
    close: async () => {
      events.push(`close ${name}`);
    },
    finish: (err) => end?.(err),
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('BackgroundSync', () => {
  it('keeps at most `limit` fsyncs in flight; add() waits for one to end; drain() for all, each file closed after its fsync', async () => {
    const events: string[] = [];
    const bg = new BackgroundSync(2);
    const [a, b, c] = ['a', 'b', 'c'].map((n) => fakeFile(n, events)) as [ReturnType<typeof fakeFile>, ReturnType<typeof fakeFile>, ReturnType<typeof fakeFile>];
    await bg.add(a, (e) => e);
    await bg.add(b, (e) => e);
    let third = false;
    const adding = bg.add(c, (e) => e).then(() => (third = true));
    await tick();
    assert.equal(third, false, 'a third file waits while two are in flight');
    assert.deepEqual(events, ['sync a', 'sync b']);
    b.finish();
    await adding;
    assert.deepEqual(events, ['sync a', 'sync b', 'synced b', 'close b', 'sync c']);
    let drained = false;
    const draining = bg.drain().then(() => (drained = true));
    a.finish();
    await tick();
    assert.equal(drained, false, 'drain waits for every file handed in');
    c.finish();
    await draining;
    assert.deepEqual(events.filter((e) => e.startsWith('close')).sort(), ['close a', 'close b', 'close c']);
    assert.equal(bg.count, 3);
  });

  it('a failed fsync closes its file and is thrown, described, by drain() and by every later add()', async () => {
    const events: string[] = [];
    const bg = new BackgroundSync(4);
    const a = fakeFile('a', events);
    await bg.add(a, (e) => new Error(`described: ${(e as Error).message}`));
    a.finish(new Error('EIO'));
    await assert.rejects(bg.drain(), /described: EIO/);
    assert.ok(events.includes('close a'));
    const b = fakeFile('b', events);
    await assert.rejects(bg.add(b, (e) => e), /described: EIO/);
    assert.ok(!events.includes('sync b'), 'nothing more is taken after a failure');
  });

  it('refuses a limit below 1', () => {
    assert.throws(() => new BackgroundSync(0), RangeError);
  });
});
