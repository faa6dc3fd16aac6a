import { describe, expect, it } from 'vitest';
import { prefetch } from '../../src/main/util/prefetch';

async function* counter(n: number, log: string[], failAt = -1) {
  try {
    for (let i = 0; i < n; i++) {
      if (i === failAt) throw new Error(`boom at ${i}`);
      log.push(`p${i}`);
      yield i;
    }
  } finally {
    log.push('closed');
  }
}

describe('prefetch', () => {
  it('yields everything in order and never buffers more than its capacity', async () => {
    const log: string[] = [];
    const p = prefetch(counter(50, log), 4);
    const got: number[] = [];
    for await (const v of p) {
      got.push(v);
      await new Promise((r) => setTimeout(r, 1)); // slow consumer: the producer runs ahead
      expect(p.buffered).toBeLessThanOrEqual(4);
    }
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(p.maxBuffered).toBe(4);
    expect(log.at(-1)).toBe('closed');
  });

  it('reads ahead while the consumer works', async () => {
    const log: string[] = [];
    const p = prefetch(counter(10, log), 3);
    await p.next();
    await new Promise((r) => setTimeout(r, 10));
    expect(log.filter((l) => l.startsWith('p')).length).toBe(4); // 1 consumed + 3 buffered
    await p.return(undefined);
    expect(log.at(-1)).toBe('closed');
  });

  it('closes the source on early exit and rethrows source errors', async () => {
    const log: string[] = [];
    for await (const v of prefetch(counter(100, log), 2)) if (v === 3) break;
    expect(log.at(-1)).toBe('closed');
    const log2: string[] = [];
    await expect(async () => {
      for await (const _ of prefetch(counter(10, log2, 5), 2)) void _;
    }).rejects.toThrow('boom at 5');
  });
});
