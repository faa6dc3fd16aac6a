/**
 * A bounded single-producer / single-consumer queue: `push` waits while `capacity` items are
 * queued (back-pressure), `next` waits for an item, `close(error?)` ends the stream (the consumer
 * sees the error, or the end, after the queued items). Used to hand rendered frames from a
 * segment renderer to the export pass while both run.
 */
export class AsyncQueue<T> {
  private items: T[] = [];
  private waitingConsumer: (() => void) | null = null;
  private waitingProducer: (() => void) | null = null;
  private closed = false;
  private error: unknown = null;
  constructor(private readonly capacity: number) {
    if (!(capacity >= 1)) throw new Error(`AsyncQueue capacity must be >= 1 (got ${capacity})`);
  }

  /** Items waiting to be consumed. */
  get size(): number {
    return this.items.length;
  }

  /** Adds an item, waiting while the queue is full. Throws if the queue was closed. */
  async push(item: T): Promise<void> {
    while (this.items.length >= this.capacity && !this.closed) await new Promise<void>((r) => (this.waitingProducer = r));
    if (this.closed) throw new Error('AsyncQueue: push after close');
    this.items.push(item);
    this.waitingConsumer?.();
    this.waitingConsumer = null;
  }

  /** The next item, or `done` once closed and drained; rethrows the close error after draining. */
  async next(): Promise<IteratorResult<T>> {
    while (this.items.length === 0 && !this.closed) await new Promise<void>((r) => (this.waitingConsumer = r));
    if (this.items.length > 0) {
      const value = this.items.shift()!;
      this.waitingProducer?.();
      this.waitingProducer = null;
      return { value, done: false };
    }
    if (this.error) throw this.error;
    return { value: undefined, done: true };
  }

  /** Ends the stream; pending and later `push` calls fail, the consumer drains then ends/throws. */
  close(error?: unknown): void {
    this.closed = true;
    if (error !== undefined) this.error = error;
    this.waitingConsumer?.();
    this.waitingConsumer = null;
    this.waitingProducer?.();
    this.waitingProducer = null;
  }
}
