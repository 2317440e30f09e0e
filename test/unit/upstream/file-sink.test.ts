/**
 * FileSink, the writer behind every download: chunks reach the file in
 * order through asynchronous writes, chunks that arrive during a write go
 * out together, the sender is paused while too much waits for the disk, and
 * a failed write stops the transfer. A fake file handle decides when each
 * write completes, so the tests see the order of events.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FileSink, type Sender } from '../../../src/upstream/file-sink.js';

interface PendingWrite {
  buffers: Buffer[];
  position: number;
  finish(bytes?: number): void;
  fail(err: Error): void;
}

/** A file in memory whose writes complete when the test says so. */
function fakeFile(): {
  fh: ConstructorParameters<typeof FileSink>[0];
  pending: PendingWrite[];
  data: () => Buffer;
  events: string[];
} {
  let content = Buffer.alloc(0);
  const pending: PendingWrite[] = [];
  const events: string[] = [];
  const write = (buffers: Buffer[], position: number): Promise<{ bytesWritten: number }> =>
    new Promise((resolve, reject) => {
      events.push(`write ${buffers.map((b) => b.toString()).join('+')} @${position}`);
      pending.push({
        buffers,
        position,
        finish(bytes = buffers.reduce((n, b) => n + b.length, 0)) {
          const all = Buffer.concat(buffers).subarray(0, bytes);
          const end = position + all.length;
          if (content.length < end) content = Buffer.concat([content, Buffer.alloc(end - content.length)]);
          all.copy(content, position);
          resolve({ bytesWritten: bytes });
        },
        fail: reject,
      });
    });
  const fh = {
    write: ((buffer: Buffer, offset: number, length: number, position: number) =>
      write([buffer.subarray(offset, offset + length)], position)) as unknown as ConstructorParameters<typeof FileSink>[0]['write'],
    writev: ((buffers: Buffer[], position: number) => write(buffers, position)) as unknown as ConstructorParameters<typeof FileSink>[0]['writev'],
    truncate: (async (len?: number) => {
      events.push(`truncate ${len ?? 0}`);
      content = content.subarray(0, len ?? 0);
    }) as ConstructorParameters<typeof FileSink>[0]['truncate'],
  };
  return { fh, pending, data: () => content, events };
}

function fakeSender(events: string[]): Sender & { aborted?: Error } {
  const s: Sender & { aborted?: Error } = {
    pause: () => void events.push('pause'),
    resume: () => void events.push('resume'),
    abort: (reason) => {
      s.aborted = reason;
      events.push(`abort ${reason.message}`);
    },
  };
  return s;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('FileSink', () => {
  it('writes in order; chunks that arrive during a write go out in one writev', async () => {
    const f = fakeFile();
    const sink = new FileSink(f.fh);
    sink.push(Buffer.from('a'));
    sink.push(Buffer.from('b'));
    sink.push(Buffer.from('c'));
    await tick();
    assert.deepEqual(f.events, ['write a @0'], 'one write at a time');
    f.pending.shift()?.finish();
    await tick();
    assert.deepEqual(f.events, ['write a @0', 'write b+c @1']);
    f.pending.shift()?.finish();
    await sink.flush();
    assert.equal(f.data().toString(), 'abc');
  });

  it('the event loop runs while a write waits on the disk; the sender is paused past the high-water mark and resumed once it drains', async () => {
    const f = fakeFile();
    const sink = new FileSink(f.fh, 4);
    const sender = fakeSender(f.events);
    sink.push(Buffer.from('12'), sender);
    sink.push(Buffer.from('34'), sender);
    sink.push(Buffer.from('56'), sender);
    let ticks = 0;
    const heartbeat = setInterval(() => ticks++, 0);
    try {
      while (ticks < 3) await tick();
    } finally {
      clearInterval(heartbeat);
    }
    assert.deepEqual(f.events, ['write 12 @0', 'pause'], 'the slow write holds nothing but the sender');
    f.pending.shift()?.finish();
    await tick();
    assert.deepEqual(f.events.slice(2), ['resume', 'write 34+56 @2']);
    f.pending.shift()?.finish();
    await sink.flush();
    assert.equal(f.data().toString(), '123456');
  });

  it('goes on after a short write', async () => {
    const f = fakeFile();
    const sink = new FileSink(f.fh);
    sink.push(Buffer.from('hello'));
    await tick();
    f.pending.shift()?.finish(2);
    await tick();
    assert.deepEqual(f.events, ['write hello @0', 'write llo @2']);
    f.pending.shift()?.finish();
    await sink.flush();
    assert.equal(f.data().toString(), 'hello');
  });

  it('a failed write aborts the transfer; push and flush report it; reset starts the file over', async () => {
    const f = fakeFile();
    const sink = new FileSink(f.fh);
    const sender = fakeSender(f.events);
    sink.push(Buffer.from('ab'), sender);
    await tick();
    f.pending.shift()?.finish();
    sink.push(Buffer.from('cd'), sender);
    await tick();
    f.pending.shift()?.fail(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
    await tick();
    assert.equal(sender.aborted?.message, 'no space left on device');
    assert.equal(sink.failure, sender.aborted);
    assert.throws(() => sink.push(Buffer.from('ef'), sender), /no space left/);
    await assert.rejects(sink.flush(), /no space left/);

    await sink.reset();
    assert.equal(sink.failure, undefined);
    sink.push(Buffer.from('xyz'), sender);
    await tick();
    f.pending.shift()?.finish();
    await sink.flush();
    assert.equal(f.data().toString(), 'xyz');
    assert.deepEqual(f.events.filter((e) => e.startsWith('truncate') || e.startsWith('write')), [
      'write ab @0',
      'write cd @2',
      'truncate 0',
      'write xyz @0',
    ]);
  });

  it('reset before anything was written truncates nothing', async () => {
    const f = fakeFile();
    const sink = new FileSink(f.fh);
    await sink.reset();
    assert.deepEqual(f.events, []);
  });
});
