/**
 * Bounded read-ahead over an async iterable: a background loop pulls up to `capacity` items from
 * `source` while the consumer works on earlier ones, so a producer in another process (an
 * ffmpeg decoder behind a 64 KB pipe) runs concurrently with the consumer. Never more than
 * `capacity` items are buffered (back-pressure: the loop waits for the consumer). Closing the
 * returned iterator early (`break`, `return()`, a throw) closes `source`. Errors from `source`
 * are rethrown to the consumer at the point they occurred.
 */
export function prefetch<T>(source: AsyncIterable<T>, capacity: number): AsyncGenerator<T> & { readonly buffered: number; readonly maxBuffered: number } {
  if (!(capacity >= 1)) throw new Error(`prefetch capacity must be >= 1 (got ${capacity})`);
  const it = source[Symbol.asyncIterator]();
  const queue: Array<IteratorResult<T> | { error: unknown }> = [];
  let wakeConsumer = null as (() => void) | null;
  let wakeProducer = null as (() => void) | null;
  let closed = false;
  let maxBuffered = 0;
  let producing: Promise<void> | null = null;

  const pump = async () => {
    while (!closed) {
      if (queue.length >= capacity) {
        await new Promise<void>((r) => (wakeProducer = r));
        continue;
      }
      let item: IteratorResult<T> | { error: unknown };
      try {
        item = await it.next();
      } catch (error) {
        item = { error };
      }
      queue.push(item);
      maxBuffered = Math.max(maxBuffered, queue.filter((q) => !('error' in q) && !q.done).length);
      wakeConsumer?.();
      wakeConsumer = null;
      if ('error' in item || item.done) return;
    }
  };

  const gen = (async function* () {
    producing = pump();
    try {
      while (true) {
        if (queue.length === 0) await new Promise<void>((r) => (wakeConsumer = r));
        const item = queue.shift()!;
        wakeProducer?.();
        wakeProducer = null;
        if ('error' in item) throw item.error;
        if (item.done) return;
        yield item.value;
      }
    } finally {
      closed = true;
      wakeProducer?.();
      await producing?.catch(() => {});
      await it.return?.();
    }
  })();
  Object.defineProperties(gen, {
    buffered: { get: () => queue.filter((q) => !('error' in q) && !q.done).length },
    maxBuffered: { get: () => maxBuffered },
  });
  return gen as AsyncGenerator<T> & { readonly buffered: number; readonly maxBuffered: number };
}
