/**
 * A pool of large typed arrays reused across segments of one engine (aligned crops, batch
 * buffers), so rendering does not churn tens of MB of ArrayBuffers per window: fresh ones cost
 * page faults and zeroing, and their external-memory accounting drives V8's major GCs.
 *
 * A taken array belongs to the taker until it is given back; arrays are NOT zeroed, so only
 * buffers that are fully overwritten before being read may come from the pool.
 */
export class ArrayPool {
  private readonly free = new Map<string, (Float32Array | Uint8Array)[]>();
  private freeBytes = 0;

  /** @param maxFreeBytes Arrays given back beyond this many free bytes are dropped (left to the GC). */
  constructor(private readonly maxFreeBytes = 64 * 1024 * 1024) {}

  /** A Float32Array of exactly `length` elements, contents unspecified. */
  float32(length: number): Float32Array {
    return (this.takeFree(`f${length}`) as Float32Array | undefined) ?? new Float32Array(length);
  }

  /** A Uint8Array of exactly `length` elements, contents unspecified. */
  uint8(length: number): Uint8Array {
    return (this.takeFree(`u${length}`) as Uint8Array | undefined) ?? new Uint8Array(length);
  }

  /** Returns an array for reuse; views into a larger buffer are not pooled. Giving null / undefined is a no-op. */
  give(a: Float32Array | Uint8Array | null | undefined): void {
    if (!a || a.byteOffset !== 0 || a.byteLength !== a.buffer.byteLength) return;
    if (this.freeBytes + a.byteLength > this.maxFreeBytes) return;
    const key = `${a instanceof Float32Array ? 'f' : 'u'}${a.length}`;
    const list = this.free.get(key);
    if (list?.includes(a)) return; // given twice
    if (list) list.push(a);
    else this.free.set(key, [a]);
    this.freeBytes += a.byteLength;
  }

  private takeFree(key: string): Float32Array | Uint8Array | undefined {
    const a = this.free.get(key)?.pop();
    if (a) this.freeBytes -= a.byteLength;
    return a;
  }
}
