import { promises as fsp } from 'node:fs';
import { sha256File } from './file-hash';

/**
 * A small least-recently-used map bounded by a cost budget (bytes, entries...). Used for
 * process-wide memos (decoded audio, features, reference crops) in the long-lived inference host,
 * so a slider change does not redo work whose inputs did not change.
 */
export class LruMemo<V> {
  private map = new Map<string, { value: V; cost: number }>();
  private total = 0;
  constructor(private readonly budget: number) {}

  get(key: string): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  set(key: string, value: V, cost = 1): void {
    const old = this.map.get(key);
    if (old) {
      this.total -= old.cost;
      this.map.delete(key);
    }
    this.map.set(key, { value, cost });
    this.total += cost;
    for (const [k, e] of this.map) {
      if (this.total <= this.budget || this.map.size <= 1) break;
      this.map.delete(k);
      this.total -= e.cost;
    }
  }

  /** Returns the memoized value or computes, stores and returns it. */
  async getOrCompute(key: string, compute: () => Promise<V> | V, cost: (v: V) => number = () => 1): Promise<V> {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const v = await compute();
    this.set(key, v, cost(v));
    return v;
  }

  get size(): number {
    return this.map.size;
  }

  clear(): void {
    this.map.clear();
    this.total = 0;
  }
}

const hashes = new LruMemo<string>(4096);

/**
 * SHA-256 of a file's content, memoized per process by (path, size, mtime) so a file is read
 * once per session even when several stages key caches by its content.
 */
export async function contentHash(path: string, signal?: AbortSignal): Promise<string> {
  const st = await fsp.stat(path);
  return hashes.getOrCompute(`${path}|${st.size}|${st.mtimeMs}`, () => sha256File(path, signal));
}
