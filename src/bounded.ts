/**
 * Runs `fn` over `items` (an array, or a walk that finds them) with at most
 * `n` calls in flight, taking the next item only when a call ends: unlike a Promise.all over a limiter, which
 * makes a promise and a closure per item up front (25,000 modules of a
 * 100,000-version tree), what is held does not grow with the number of items.
 * The first failure stops the taking of new items and is thrown once the
 * calls in flight have ended.
 */
export async function forEachBounded<T>(items: Iterable<T> | AsyncIterable<T>, n: number, fn: (item: T) => Promise<void>): Promise<void> {
  const it = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
  let failure: { err: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined) {
      try {
        // Concurrent next() calls on an async generator are queued by the language: each item goes to one worker.
        const r = await it.next();
        if (r.done) return;
        await fn(r.value);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: n }, worker));
  if (failure) {
    await it.return?.();
    throw failure.err;
  }
}
