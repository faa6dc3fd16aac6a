import { describe, expect, it } from 'vitest';
import { splitFrames } from '../../src/main/tracking/parallel-detect';
import { compositePatch } from '../../src/main/compositing/composite';
import { pasteCrop } from '../../src/main/pipeline/dub';
import { LruMemo } from '../../src/main/util/memo';
import { articulationTarget } from '../../src/main/engines/reference/reference-engine';

describe('splitFrames', () => {
  it('covers every frame once in contiguous, nearly equal chunks', () => {
    for (const [n, k] of [[125, 2], [7, 3], [3, 8], [1, 1]] as const) {
      const c = splitFrames(n, k);
      expect(c[0].start).toBe(0);
      expect(c.at(-1)!.end).toBe(n);
      for (let i = 1; i < c.length; i++) expect(c[i].start).toBe(c[i - 1].end);
      const sizes = c.map((x) => x.end - x.start);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      expect(sizes.every((s) => s > 0)).toBe(true);
    }
  });
});

describe('compositePatch on cropped frames', () => {
  it('gives the same pixels as compositing the whole frame', () => {
    const W = 20, H = 16;
    const full = { index: 0, width: W, height: H, data: Uint8Array.from({ length: W * H * 3 }, (_, i) => (i * 7) % 251) };
    const crop = { x: 5, y: 4, w: 10, h: 9 };
    const cropped = { index: 0, width: crop.w, height: crop.h, x0: crop.x, y0: crop.y, data: new Uint8Array(crop.w * crop.h * 3) };
    for (let y = 0; y < crop.h; y++) cropped.data.set(full.data.subarray(((crop.y + y) * W + crop.x) * 3, ((crop.y + y) * W + crop.x + crop.w) * 3), y * crop.w * 3);
    const patch = { x: 3, y: 2, width: 12, height: 12, data: new Uint8Array(12 * 12 * 3).fill(200), alpha: new Float32Array(144).fill(0.5) };
    const union = { rect: { x: 6, y: 5, w: 8, h: 7 }, alpha: new Float32Array(56).fill(1) };
    const occ = new Uint8Array(56);
    occ[0] = 1;
    compositePatch(full, patch, union, occ);
    compositePatch(cropped, patch, union, occ);
    const back = { ...full, data: Uint8Array.from({ length: W * H * 3 }, (_, i) => (i * 7) % 251) };
    pasteCrop(back, cropped, crop);
    expect(Buffer.from(back.data).equals(Buffer.from(full.data))).toBe(true);
    // The occluded pixel (6, 5) and everything outside the union box kept the original value.
    expect(full.data[(5 * W + 6) * 3]).toBe(((5 * W + 6) * 3 * 7) % 251);
    expect(full.data[(5 * W + 7) * 3]).not.toBe(((5 * W + 7) * 3 * 7) % 251);
  });
});

describe('pasteCrop of the union box only', () => {
  const W = 24, H = 16;
  const rect = { x: 4, y: 2, w: 14, h: 10 };
  const sub = { x: 8, y: 4, w: 6, h: 6 };
  const pattern = (n: number, k: number) => Uint8Array.from({ length: n }, (_, i) => (i * k) % 253);

  it('rgb24: copies exactly the sub-rectangle of the crop and nothing else', () => {
    const frame = { index: 0, width: W, height: H, data: pattern(W * H * 3, 7) };
    const orig = Uint8Array.from(frame.data);
    const crop = { index: 0, width: rect.w, height: rect.h, x0: rect.x, y0: rect.y, data: pattern(rect.w * rect.h * 3, 11) };
    pasteCrop(frame, crop, rect, sub);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const inSub = x >= sub.x && x < sub.x + sub.w && y >= sub.y && y < sub.y + sub.h;
      const i = (y * W + x) * 3;
      const expected = inSub ? crop.data[((y - rect.y) * rect.w + x - rect.x) * 3] : orig[i];
      expect(frame.data[i]).toBe(expected);
    }
  });

  it('yuv420p: luma and both chroma planes change only inside the sub-rectangle', () => {
    const frame = { index: 0, width: W, height: H, pixFmt: 'yuv420p' as const, data: pattern(W * H * 1.5, 5) };
    const orig = Uint8Array.from(frame.data);
    const crop = { index: 0, width: rect.w, height: rect.h, x0: rect.x, y0: rect.y, pixFmt: 'yuv420p' as const, data: pattern(rect.w * rect.h * 1.5, 13) };
    pasteCrop(frame, crop, rect, sub);
    let changedOutside = 0, changedInside = 0;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const inSub = x >= sub.x && x < sub.x + sub.w && y >= sub.y && y < sub.y + sub.h;
      const d = frame.data[y * W + x] !== orig[y * W + x];
      if (inSub) changedInside += d ? 1 : 0;
      else changedOutside += d ? 1 : 0;
    }
    for (const off of [W * H, W * H + (W / 2) * (H / 2)]) for (let y = 0; y < H / 2; y++) for (let x = 0; x < W / 2; x++) {
      const inSub = x >= sub.x / 2 && x < (sub.x + sub.w) / 2 && y >= sub.y / 2 && y < (sub.y + sub.h) / 2;
      if (!inSub && frame.data[off + y * (W / 2) + x] !== orig[off + y * (W / 2) + x]) changedOutside++;
    }
    expect(changedOutside).toBe(0);
    expect(changedInside).toBeGreaterThan(sub.w * sub.h / 2);
  });

  it('rejects a paste rectangle outside the crop', () => {
    const frame = { index: 0, width: W, height: H, data: new Uint8Array(W * H * 3) };
    const crop = { index: 0, width: rect.w, height: rect.h, data: new Uint8Array(rect.w * rect.h * 3) };
    expect(() => pasteCrop(frame, crop, rect, { x: 2, y: 2, w: 4, h: 4 })).toThrow(/outside/);
  });
});

describe('LruMemo', () => {
  it('evicts the least recently used entries beyond its budget', async () => {
    const m = new LruMemo<number>(3);
    m.set('a', 1);
    m.set('b', 2);
    m.set('c', 3);
    m.get('a');
    m.set('d', 4);
    expect(m.get('b')).toBeUndefined();
    expect(m.get('a')).toBe(1);
    let calls = 0;
    expect(await m.getOrCompute('d', () => ++calls)).toBe(4);
    expect(await m.getOrCompute('e', () => ++calls)).toBe(1);
    expect(calls).toBe(1);
  });
});

describe('articulationTarget', () => {
  it('maps louder dub frames to wider reference openings (monotone, within the actor range)', () => {
    const level = Float32Array.from([-9, -1, -5, -3, -7, -2]);
    const t = articulationTarget(level, { start: 0, end: 5 }, [0.01, 0.02, 0.05, 0.08], 1);
    // Frame t uses the level one frame later: [-1, -5, -3, -7, -2].
    expect(Array.from(t)).toEqual([0.08, 0.02, 0.05, 0.01, 0.05]);
  });
});
