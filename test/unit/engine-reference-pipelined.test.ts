import { afterAll, describe, expect, it } from 'vitest';
import { createReferenceEngine } from '../../src/main/engines/registry';
import { warpPool } from '../../src/main/engines/reference/warp-pool';
import type { Patch } from '../../src/main/engines/types';
import { segmentContext, syntheticClip } from '../helpers/tiny-packs';

describe('reference engine: pipelined windows', () => {
  afterAll(() => warpPool()?.close());
  const clip = syntheticClip({ width: 160, height: 128, frames: 40 });
  const range = { start: 16, end: 40 };
  const inputs = clip.frames.slice(range.start, range.end).map((frame) => ({ frame, sample: clip.track.frames[frame.index] }));
  // A long window, then short ones: on the pool the short windows' warps finish first.
  const windows = [inputs.slice(0, 12), inputs.slice(12, 13), inputs.slice(13, 14), inputs.slice(14)];
  const bytes = (ps: (Patch | null)[][]) => ps.flat().map((p) => (p ? Buffer.concat([Buffer.from(p.data), Buffer.from(p.alpha.buffer)]) : null));

  it('overlapping renderWindow calls resolve in call order with the patches of sequential calls', async () => {
    const engine = createReferenceEngine();
    const params = { cutBlend: 0.5, colourMatch: 1 };
    const seq = await engine.prepare(segmentContext(clip, range, { start: 0, end: 16 }, params));
    expect(seq.pipelined).toBe(true);
    const sequential: (Patch | null)[][] = [];
    for (const w of windows) sequential.push(await seq.renderWindow(w));
    await seq.dispose();

    const pip = await engine.prepare(segmentContext(clip, range, { start: 0, end: 16 }, params));
    const order: number[] = [];
    const overlapped = await Promise.all(windows.map((w, i) => pip.renderWindow(w).then((r) => (order.push(i), r))));
    await pip.dispose();
    expect(order).toEqual([0, 1, 2, 3]);
    expect(sequential.flat().filter(Boolean).length).toBeGreaterThan(20);
    const a = bytes(sequential), b = bytes(overlapped);
    a.forEach((x, i) => expect(x === null ? b[i] === null : !!b[i] && x.equals(b[i]!)).toBe(true));
  });
});
