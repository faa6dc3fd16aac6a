import { describe, expect, it } from 'vitest';
import { AsyncQueue } from '../../src/main/util/async-queue';

describe('AsyncQueue', () => {
  it('applies back-pressure, preserves order and delivers the close error after draining', async () => {
    const q = new AsyncQueue<number>(2);
    let pushed = 0;
    const producer = (async () => {
      for (let i = 0; i < 5; i++) {
        await q.push(i);
        pushed++;
      }
      q.close(new Error('render failed'));
    })();
    await new Promise((r) => setTimeout(r, 5));
    expect(pushed).toBe(2);
    const got: number[] = [];
    await expect(async () => {
      while (true) {
        const n = await q.next();
        if (n.done) break;
        got.push(n.value);
      }
    }).rejects.toThrow('render failed');
    await producer;
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });
});
