/**
 * Where a download's body goes: an open file, written in order through the
 * thread pool. A write never runs on the calling thread, so a slow disk (NFS)
 * stalls neither the other downloads nor the lock's heartbeat. Chunks that
 * arrive while a write is in flight are gathered and go out together (one
 * writev), so a fast network costs few round trips to the pool; past
 * `highWaterBytes` of unwritten data the sender is paused until the disk
 * catches up, so memory stays flat.
 */
import type { FileHandle } from 'node:fs/promises';

/** The transfer feeding the sink (undici's DispatchController): paused while the disk lags, aborted when it fails. */
export interface Sender {
  pause(): void;
  resume(): void;
  abort(reason: Error): void;
}

export class FileSink {
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  private position = 0;
  private writing: Promise<void> | undefined;
  private error: Error | undefined;
  private paused: Sender | undefined;
  private sender: Sender | undefined;

  constructor(
    private readonly fh: Pick<FileHandle, 'write' | 'writev' | 'truncate'>,
    private readonly highWaterBytes = 1 << 20,
  ) {}

  /**
   * Queues a chunk; throws the error of an earlier write, so the caller stops
   * the transfer. Pauses `sender` while too much is waiting for the disk.
   */
  push(chunk: Buffer, sender?: Sender): void {
    if (this.error !== undefined) throw this.error;
    this.sender = sender;
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    if (sender && this.queuedBytes >= this.highWaterBytes && this.paused === undefined) {
      this.paused = sender;
      sender.pause();
    }
    this.kick();
  }

  /** The error of a failed write, which is what the transfer failed of. */
  get failure(): Error | undefined {
    return this.error;
  }

  /** Resolves when every pushed chunk is on its way to the disk (in the page cache); rejects with a write's error. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.error !== undefined) throw this.error;
  }

  /**
   * Starts the file over (a new attempt): waits for writes in flight, forgets
   * an error of theirs, and truncates the file when anything was written.
   */
  async reset(): Promise<void> {
    while (this.writing) await this.writing;
    this.queue = [];
    this.queuedBytes = 0;
    this.error = undefined;
    this.paused = undefined;
    this.sender = undefined;
    if (this.position > 0) await this.fh.truncate(0);
    this.position = 0;
  }

  /** Starts a writer unless one runs; a writer that ends looks again, for chunks that came meanwhile. */
  private kick(): void {
    if (this.writing !== undefined || this.queue.length === 0 || this.error !== undefined) return;
    this.writing = this.drain().then(() => {
      this.writing = undefined;
      this.kick();
    });
  }

  /** Writes until the queue is empty; never rejects (the error is kept for push and flush). */
  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0 && this.error === undefined) {
        const batch = this.queue;
        const bytes = this.queuedBytes;
        this.queue = [];
        this.queuedBytes = 0;
        this.resumeSender();
        await this.writeAll(batch, bytes);
      }
    } catch (err) {
      this.error = err instanceof Error ? err : new Error(String(err));
      this.queue = [];
      this.queuedBytes = 0;
      // The rest of the body has nowhere to go (a no-op when it has all arrived).
      this.paused = undefined;
      this.sender?.abort(this.error);
    } finally {
      this.resumeSender();
    }
  }

  private resumeSender(): void {
    const sender = this.paused;
    this.paused = undefined;
    sender?.resume();
  }

  /** Writes the batch at the current position, going on after short writes. */
  private async writeAll(batch: Buffer[], bytes: number): Promise<void> {
    let rest = batch;
    let left = bytes;
    while (left > 0) {
      const n =
        rest.length === 1
          ? (await this.fh.write(rest[0]!, 0, rest[0]!.length, this.position)).bytesWritten
          : (await this.fh.writev(rest, this.position)).bytesWritten;
      if (n <= 0) throw new Error('write made no progress');
      this.position += n;
      left -= n;
      if (left > 0) rest = skip(rest, n);
    }
  }
}

/** The buffers after the first `n` bytes of `list`. */
function skip(list: Buffer[], n: number): Buffer[] {
  const out: Buffer[] = [];
  let drop = n;
  for (const b of list) {
    if (drop >= b.length) {
      drop -= b.length;
      continue;
    }
    out.push(drop > 0 ? b.subarray(drop) : b);
    drop = 0;
  }
  return out;
}
