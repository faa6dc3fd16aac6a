import { describe, expect, it } from 'vitest';
import Delaunator from 'delaunator';
import { warpTriangles } from '../../src/main/imaging/triangle-warp';
import { rng } from '../helpers/rng';

/** Point-in-triangle by barycentrics computed directly (no incremental arithmetic). */
function inside(px: number, py: number, p: Float32Array, t: Uint32Array, k: number): boolean {
  const [i0, i1, i2] = [t[k] * 2, t[k + 1] * 2, t[k + 2] * 2];
  const [x0, y0, x1, y1, x2, y2] = [p[i0], p[i0 + 1], p[i1], p[i1 + 1], p[i2], p[i2 + 1]];
  const det = (y1 - y2) * (x0 - x2) + (x2 - x1) * (y0 - y2);
  const l0 = ((y1 - y2) * (px - x2) + (x2 - x1) * (py - y2)) / det;
  const l1 = ((y2 - y0) * (px - x2) + (x0 - x2) * (py - y2)) / det;
  return l0 >= 1e-6 && l1 >= 1e-6 && 1 - l0 - l1 >= 1e-6;
}

describe('warpTriangles (piecewise-affine warp)', () => {
  const W = 64, H = 48;
  const r0 = rng(7);
  const r = () => (r0() + 1) / 2;
  const src = { width: W, height: H, data: Uint8Array.from({ length: W * H * 3 }, () => Math.floor(r() * 256)) };
  // A jittered mesh with the image corners, triangulated.
  const pts: number[] = [1, 1, W - 2, 1, 1, H - 2, W - 2, H - 2];
  for (let i = 0; i < 40; i++) pts.push(2 + r() * (W - 4), 2 + r() * (H - 4));
  const P = Float32Array.from(pts);
  const tri = Uint32Array.from(new Delaunator(pts).triangles);

  it('an identity warp copies the source and covers every pixel centre strictly inside a triangle', () => {
    const roi = { x: 0, y: 0, w: W, h: H };
    const out = warpTriangles(src, P, P, tri, roi, new Float32Array(W * H).fill(0.25));
    let covered = 0;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const o = y * W + x;
      let strictlyInside = false;
      for (let k = 0; k < tri.length; k += 3) if (inside(x + 0.5, y + 0.5, P, tri, k)) strictlyInside = true;
      if (strictlyInside) expect(out.coverage[o]).toBe(1);
      if (!out.coverage[o]) continue;
      covered++;
      for (let c = 0; c < 3; c++) expect(out.data[o * 3 + c]).toBe(src.data[o * 3 + c]);
      expect(out.alpha![o]).toBeCloseTo(0.25, 6);
    }
    expect(covered).toBeGreaterThan(0.9 * (W - 3) * (H - 3));
  });

  it('a translation by whole pixels shifts the source, in a region of interest', () => {
    const dst = P.map((v, i) => v + (i % 2 === 0 ? 5 : 3));
    const roi = { x: 4, y: 2, w: 50, h: 40 };
    const out = warpTriangles(src, P, dst, tri, roi);
    let covered = 0;
    for (let y = 0; y < roi.h; y++) for (let x = 0; x < roi.w; x++) {
      const o = y * roi.w + x;
      const fx = roi.x + x, fy = roi.y + y;
      let strictlyInside = false;
      for (let k = 0; k < tri.length; k += 3) if (inside(fx + 0.5, fy + 0.5, dst, tri, k)) strictlyInside = true;
      if (strictlyInside) expect(out.coverage[o]).toBe(1);
      if (!out.coverage[o]) continue;
      covered++;
      const s = ((fy - 3) * W + fx - 5) * 3;
      for (let c = 0; c < 3; c++) expect(out.data[o * 3 + c]).toBe(src.data[s + c]);
    }
    expect(covered).toBeGreaterThan(1000);
  });
});
