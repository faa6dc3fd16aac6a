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

describe('warpTriangles bicubic (Catmull-Rom)', () => {
  /** Brute-force Catmull-Rom sample of channel c at (sx, sy), taps clamped to the image. */
  function catmullRom(src: { width: number; height: number; data: Uint8Array }, sx: number, sy: number, c: number): number {
    const w = (t: number) => [0.5 * (-t * t * t + 2 * t * t - t), 0.5 * (3 * t * t * t - 5 * t * t + 2), 0.5 * (-3 * t * t * t + 4 * t * t + t), 0.5 * (t * t * t - t * t)];
    const ix = Math.floor(sx), iy = Math.floor(sy);
    const wx = w(sx - ix), wy = w(sy - iy);
    let acc = 0;
    for (let j = 0; j < 4; j++) for (let i = 0; i < 4; i++) {
      const x = Math.min(src.width - 1, Math.max(0, ix - 1 + i)), y = Math.min(src.height - 1, Math.max(0, iy - 1 + j));
      acc += wy[j] * wx[i] * src.data[(y * src.width + x) * 3 + c];
    }
    return Math.min(255, Math.max(0, Math.floor(acc + 0.5)));
  }

  it('matches a brute-force Catmull-Rom resampling, inside and at the edges, and copies whole-pixel shifts exactly', () => {
    const W = 40, H = 30;
    const data = new Uint8Array(W * H * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 37 + ((i / 3) | 0) * 11) % 256;
    const src = { width: W, height: H, data };
    // One big triangle pair covering the destination; the source is a rotated, scaled copy.
    const dst = new Float32Array([0, 0, 40, 0, 40, 30, 0, 30]);
    const tri = new Uint32Array([0, 1, 2, 0, 2, 3]);
    const a = 0.1, k = 0.93;
    const srcPts = new Float32Array(8);
    for (let i = 0; i < 4; i++) {
      const x = dst[2 * i] - 20, y = dst[2 * i + 1] - 15;
      srcPts[2 * i] = 20 + k * (x * Math.cos(a) - y * Math.sin(a)) + 0.37;
      srcPts[2 * i + 1] = 15 + k * (x * Math.sin(a) + y * Math.cos(a)) - 0.21;
    }
    const roi = { x: 0, y: 0, w: W, h: H };
    const out = warpTriangles(src, srcPts, dst, tri, roi, undefined, 'bicubic');
    let checked = 0;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const o = y * W + x;
      if (!out.coverage[o]) continue;
      // The source position of this pixel centre (the affine map of the triangles is one map).
      const dx = x + 0.5 - 20, dy = y + 0.5 - 15;
      const sx = 20 + k * (dx * Math.cos(a) - dy * Math.sin(a)) + 0.37 - 0.5;
      const sy = 15 + k * (dx * Math.sin(a) + dy * Math.cos(a)) - 0.21 - 0.5;
      for (let c = 0; c < 3; c++) expect(Math.abs(out.data[o * 3 + c] - catmullRom(src, sx, sy, c))).toBeLessThanOrEqual(1);
      checked++;
    }
    expect(checked).toBeGreaterThan(600);
    // A whole-pixel shift is an exact copy.
    const shifted = warpTriangles(src, new Float32Array([3, 2, 43, 2, 43, 32, 3, 32]), dst, tri, roi, undefined, 'bicubic');
    for (let y = 0; y < H - 3; y++) for (let x = 0; x < W - 4; x++) {
      const o = y * W + x;
      for (let c = 0; c < 3; c++) expect(shifted.data[o * 3 + c]).toBe(data[((y + 2) * W + x + 3) * 3 + c]);
    }
  });
});
