import { afterAll, describe, expect, it } from 'vitest';
import { syntheticMesh } from '../helpers/synthetic-face';
import { buildWarpLayout } from '../../src/main/engines/reference/warp-geometry';
import { cropReference } from '../../src/main/engines/reference/mouth-warp';
import { WarpPool, warpLocally } from '../../src/main/engines/reference/warp-pool';
import { rng } from '../helpers/rng';

/** A textured frame (rgb24) so warps and colour statistics are not trivial. */
function frame(w: number, h: number, seed: number) {
  const r = rng(seed);
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const o = (y * w + x) * 3;
    data[o] = (x * 3 + y) & 255;
    data[o + 1] = 120 + 60 * Math.sin(x / 7) + 20 * r();
    data[o + 2] = (y * 2) & 255;
  }
  return { width: w, height: h, data };
}

describe('reference engine warp pool (worker threads)', () => {
  const pool = new WarpPool(2);
  afterAll(() => pool.close());
  const W = 200, H = 180;
  const refMesh = syntheticMesh(100, 95, 90, 0.05);
  const layout = buildWarpLayout(refMesh);
  const ref = cropReference('ref-a', frame(W, H, 1), refMesh, layout);
  const nextRef = cropReference('ref-b', frame(W, H, 2), syntheticMesh(101, 96, 90, 0.02), layout);

  it('gives exactly the warps and colour statistics of the calling thread, for many frames at once', async () => {
    const tasks = Array.from({ length: 6 }, (_, i) => ({
      frame: { ...frame(W, H, 10 + i), x0: 0, y0: 0 },
      targetMesh: syntheticMesh(98 + i, 92 + i / 2, 88 + i, 0.01 * i),
      ref,
      next: i % 2 ? nextRef : null,
      layout,
      colourMatch: true,
      cutBlend: 0.5,
      amount: i === 5 ? 0.5 : 1,

    }));
    const pooled = await Promise.all(tasks.map((t) => pool.warp(t)));
    let inner = 0;
    tasks.forEach((t, i) => {
      const local = warpLocally(t);
      const a = pooled[i].result;
      expect(a).not.toBeNull();
      expect(local).not.toBeNull();
      if (!a || !local) return;
      for (const k of ['own', 'inner'] as const) {
        const pa = a[k], pb = local[k];
        expect(pa === null).toBe(pb === null);
        if (!pa || !pb) continue;
        if (k === 'inner') inner++;
        expect([pa.x, pa.y, pa.width, pa.height]).toEqual([pb.x, pb.y, pb.width, pb.height]);
        expect(Buffer.from(pa.data).equals(Buffer.from(pb.data))).toBe(true);
        expect(Buffer.from(pa.alpha.buffer).equals(Buffer.from(pb.alpha.buffer))).toBe(true);
      }
      expect(a.stats).toEqual(local.stats);
    });
    expect(inner).toBeGreaterThan(0);
    // The caller's frame is not handed over (it is composited into afterwards).
    expect(tasks[0].frame.data.byteLength).toBe(W * H * 3);
  });

  it('reports a failing warp as an error and stays usable', async () => {
    const broken = { ...ref, key: 'broken', crop: undefined as unknown as typeof ref.crop };
    const base = { next: null, layout, colourMatch: false, cutBlend: 0, amount: 1 };
    const bad = { ...base, frame: frame(W, H, 3), targetMesh: syntheticMesh(100, 95, 90, 0.08), ref: broken };
    await expect(pool.warp(bad)).rejects.toThrow(/warp worker/);
    const ok = await pool.warp({ ...base, frame: frame(W, H, 4), targetMesh: refMesh, ref });
    expect(ok.result).not.toBeNull();
    expect(pool.broken).toBeNull();
  });
});
