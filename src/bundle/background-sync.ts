/**
 * The fsyncs of staged files, run while the tar is read on. Staging writes a
 * bundle's files one after another; an fsync each, in turn, left an import
 * waiting on the disk most of the time (about 80% idle at 5,000 versions),
 * whereas fsyncs in flight together share the file system's journal commits.
 * At most `limit` files wait at once (each keeps its descriptor open until
 * its fsync is done); drain() returns when every file handed in is on disk,
 * and the import commits nothing before that. The first failure is thrown
 * by the next add() or by drain().
 */
export interface SyncableFile {
  sync(): Promise<void>;
  close(): Promise<void>;
}

export class BackgroundSync {
  readonly #limit: number;
  readonly #inflight = new Set<Promise<void>>();
  #failure: { err: unknown } | undefined;
  /** Files handed in so far. */
  count = 0;

  constructor(limit: number) {
    if (!(limit >= 1)) throw new RangeError(`limit must be at least 1, not ${limit}`);
    this.#limit = limit;
  }

  /**
   * Takes `fh` (its data written) and closes it once its fsync is done;
   * waits while `limit` files are in flight. `describe` turns a failed
   * fsync into the error to throw.
   */
  async add(fh: SyncableFile, describe: (err: unknown) => unknown): Promise<void> {
    this.#throwIfFailed();
    while (this.#inflight.size >= this.#limit) await Promise.race(this.#inflight);
    this.#throwIfFailed();
    this.count++;
    const done: Promise<void> = fh
      .sync()
      .then(
        () => fh.close(),
        async (err: unknown) => {
          await fh.close().catch(() => undefined);
          throw err;
        },
      )
      .catch((err: unknown) => {
        this.#failure ??= { err: describe(err) };
      })
      .finally(() => this.#inflight.delete(done));
    this.#inflight.add(done);
  }

  /** Waits for every fsync handed in; throws the first failure. */
  async drain(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.race(this.#inflight);
    this.#throwIfFailed();
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure.err;
  }
}
