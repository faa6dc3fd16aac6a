import { describe, expect, it } from 'vitest';
import {
  dilateSquare, finiteMean, flicker, gaussianKernel, laplacian4, laplacianVariance, lowerFaceBox, lumaOfRect, meanAbsDiffMasked,
  outsideFaceMask, pickSheetFrames, seamMask, seamScore, squareAround, ssim, SSIM_C1, worstFrames,
} from '../../src/main/eval/quality-metrics';
import { DETAILED_MASK_OUTLINE, FACE_OVAL, LANDMARK, LIPS_OUTER } from '../../src/shared/face-mesh';
import { boxBlur } from '../../src/main/masks/raster';
import { rng } from '../helpers/rng';

const { chin: CHIN, foreheadTop: FACE_TOP } = LANDMARK;

/** Uniform in [0, 1). */
const mulberry32 = (seed: number) => { const r = rng(seed); return () => (r() + 1) / 2; };

const W = 64, H = 48;

/** Deterministic texture: random luma 0-255, Float32Array(H*W). */
function texture(seed = 1, w = W, h = H): Float32Array {
  const rnd = mulberry32(seed);
  return Float32Array.from({ length: w * h }, () => rnd() * 255);
}

/** A mesh whose every point sits at (cx, cy), then `set` places chosen index sets. */
function mesh(cx: number, cy: number, set: Array<{ indices: readonly number[]; at: (k: number, n: number) => [number, number] }> = []): Float32Array {
  const m = new Float32Array(468 * 3);
  for (let i = 0; i < 468; i++) { m[i * 3] = cx; m[i * 3 + 1] = cy; }
  for (const s of set) s.indices.forEach((idx, k) => { const [x, y] = s.at(k, s.indices.length); m[idx * 3] = x; m[idx * 3 + 1] = y; });
  return m;
}
const circle = (cx: number, cy: number, r: number) => (k: number, n: number): [number, number] => [cx + r * Math.sin((2 * Math.PI * k) / n), cy - r * Math.cos((2 * Math.PI * k) / n)];

describe('luma and the lower-face box', () => {
  it('uses BT.601 or BT.709 weights on a rectangle of an rgb24 frame', () => {
    const rgb = new Uint8Array(4 * 2 * 3);
    rgb.set([255, 0, 0], (1 * 4 + 2) * 3); // pure red at (2, 1)
    const y601 = lumaOfRect(rgb, 4, { x: 2, y: 1, w: 2, h: 1 }, 'bt601');
    const y709 = lumaOfRect(rgb, 4, { x: 2, y: 1, w: 2, h: 1 }, 'bt709');
    expect(y601[0]).toBeCloseTo(0.299 * 255, 4);
    expect(y709[0]).toBeCloseTo(0.2126 * 255, 4);
    expect(y601[1]).toBe(0);
  });

  it('grows the outline bounding box by 15 % of its larger side and clips to the frame', () => {
    // Outline spans x 100..200 (w 100), y 300..360 (h 60): margin 15 px every side.
    const m = mesh(150, 330, [{ indices: DETAILED_MASK_OUTLINE, at: (k) => [k % 2 ? 100 : 200, k % 3 ? 300 : 360] }]);
    expect(lowerFaceBox(m, 1000, 1000)).toEqual({ x: 85, y: 285, w: 130, h: 90 });
    expect(lowerFaceBox(m, 210, 370)).toEqual({ x: 85, y: 285, w: 125, h: 85 });
  });

  it('squares a box around its centre, inside the frame', () => {
    expect(squareAround({ x: 100, y: 100, w: 60, h: 40 }, 500, 500)).toEqual({ x: 100, y: 90, w: 60, h: 60 });
    expect(squareAround({ x: 0, y: 480, w: 60, h: 20 }, 500, 500)).toEqual({ x: 0, y: 440, w: 60, h: 60 });
    expect(squareAround({ x: 0, y: 0, w: 80, h: 20 }, 100, 50)).toEqual({ x: 0, y: 0, w: 80, h: 50 });
  });
});

describe('sharpness (variance of the Laplacian)', () => {
  it('is the 4-neighbour Laplacian', () => {
    const img = new Float32Array(9);
    img[4] = 1;
    const lap = laplacian4(img, 3, 3);
    expect(lap[4]).toBe(-4);
    expect(laplacianVariance(img, 3, 3)).toBe(0); // one valid pixel: no spread
  });

  it('is 0 on a linear ramp and drops when the image is blurred', () => {
    const ramp = Float32Array.from({ length: W * H }, (_, i) => (i % W) * 2 + Math.floor(i / W));
    expect(laplacianVariance(ramp, W, H)).toBeCloseTo(0, 6);
    const sharp = texture(3);
    const blurred = boxBlur(sharp, W, H, 1);
    const ratio = laplacianVariance(blurred, W, H) / laplacianVariance(sharp, W, H);
    expect(ratio).toBeLessThan(0.2);
    expect(laplacianVariance(sharp, W, H) / laplacianVariance(sharp, W, H)).toBe(1);
  });
});

describe('seam score', () => {
  const all = new Uint8Array(W * H).fill(1);

  it('is 0 for identical images and for a uniform brightness change', () => {
    const a = texture(5);
    expect(seamScore(a, a, all, W, H)).toBe(0);
    const brighter = a.map((v) => v + 7);
    expect(seamScore(a, brighter, all, W, H)).toBeCloseTo(0, 4);
  });

  it('rises with a step seam, and only where the mask counts it', () => {
    const a = texture(6);
    const b = a.map((v, i) => (i % W >= 32 ? v + 20 : v)); // a vertical step of 20 at x = 32
    const s = seamScore(a, b, all, W, H);
    // Columns 31 and 32 carry |lap| = 20 each; the valid interior is (W-2) columns wide.
    expect(s).toBeCloseTo((2 * 20) / (W - 2), 4);
    const awayFromSeam = Uint8Array.from({ length: W * H }, (_, i) => (Math.abs((i % W) - 32) > 3 ? 1 : 0));
    expect(seamScore(a, b, awayFromSeam, W, H)).toBeCloseTo(0, 4);
    expect(Number.isNaN(seamScore(a, b, new Uint8Array(W * H), W, H))).toBe(true);
  });

  it('excludes the dilated outer lips of both meshes', () => {
    const box = { x: 0, y: 0, w: 200, h: 200 };
    // Face height 100 px (points 10 and 152); lips: circles of radius 10 at (60, 100) and (140, 100).
    const face = (lx: number) => mesh(lx, 100, [
      { indices: LIPS_OUTER, at: circle(lx, 100, 10) },
      { indices: [FACE_TOP], at: () => [100, 20] },
      { indices: [CHIN], at: () => [100, 120] },
    ]);
    const m = seamMask(box, face(60), face(140), 0.03); // dilation 3 px
    const at = (x: number, y: number) => m[y * 200 + x];
    expect(at(60, 100)).toBe(0);
    expect(at(140, 100)).toBe(0);
    expect(at(60, 87)).toBe(0); // 13 px above a lip centre: inside the 3 px dilation
    expect(at(60, 85)).toBe(1);
    expect(at(100, 100)).toBe(1);
    expect(at(10, 10)).toBe(1);
  });
});

describe('SSIM (Wang et al. 2004)', () => {
  it('is 1 for identical images and lower for noisy ones', () => {
    const a = texture(7);
    expect(ssim(a, a, W, H)).toBeCloseTo(1, 6);
    const rnd = mulberry32(8);
    const noise = Float32Array.from(a, () => rnd() - 0.5);
    const light = ssim(a, a.map((v, i) => v + noise[i] * 60), W, H);
    const heavy = ssim(a, a.map((v, i) => v + noise[i] * 240), W, H);
    expect(light).toBeLessThan(0.99);
    expect(heavy).toBeLessThan(light - 0.1);
    expect(heavy).toBeGreaterThan(0);
    expect(Number.isNaN(ssim(a, a, 10, 10))).toBe(true);
  });

  it('matches the closed form on flat images (luminance term only)', () => {
    const a = new Float32Array(W * H).fill(100);
    const b = new Float32Array(W * H).fill(110);
    const expected = (2 * 100 * 110 + SSIM_C1) / (100 * 100 + 110 * 110 + SSIM_C1);
    expect(ssim(a, b, W, H)).toBeCloseTo(expected, 5);
  });

  it('uses a normalized Gaussian window', () => {
    const k = gaussianKernel(11, 1.5);
    expect(k.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
    expect(k[5]).toBeGreaterThan(k[4]);
    expect(k[0]).toBeCloseTo(k[10], 8);
  });
});

describe('flicker', () => {
  it('is 0 for identical frames and for a change constant over time', () => {
    const o0 = texture(9), o1 = texture(10);
    expect(flicker(o1, o1, o0, o0)).toBe(0);
    const d0 = o0.map((v) => v + 5), d1 = o1.map((v) => v + 5);
    expect(flicker(o1, d1, o0, d0)).toBeCloseTo(0, 4);
  });

  it('measures a change that jumps between frames', () => {
    const o0 = texture(11), o1 = texture(12);
    const d0 = o0.map((v) => v + 4), d1 = o1.map((v) => v - 2); // D goes +4 -> -2
    expect(flicker(o1, d1, o0, d0)).toBeCloseTo(6, 4);
  });
});

describe('change outside the face', () => {
  it('counts only pixels outside both face ovals', () => {
    const box = { x: 0, y: 0, w: 200, h: 200 };
    const orig = mesh(70, 100, [{ indices: FACE_OVAL, at: circle(70, 100, 40) }]);
    const dub = mesh(130, 100, [{ indices: FACE_OVAL, at: circle(130, 100, 40) }]);
    const outside = outsideFaceMask(box, [orig, dub]);
    const a = new Float32Array(200 * 200);
    // Change inside the original's oval only (by 50), inside the dub's only (by 50): not counted.
    const b = a.map((_, i) => {
      const x = i % 200, y = Math.floor(i / 200);
      if (Math.hypot(x - 50, y - 100) < 10) return 50;
      if (Math.hypot(x - 150, y - 100) < 10) return 50;
      return 0;
    });
    expect(meanAbsDiffMasked(a, b, outside)).toBe(0);
    // A change of 8 everywhere outside both ovals is measured as 8.
    const c = b.map((v, i) => (outside[i] ? 8 : v));
    expect(meanAbsDiffMasked(a, c, outside)).toBeCloseTo(8, 6);
    // With only the original's mesh, the dub's oval counts as outside.
    const onlyOrig = outsideFaceMask(box, [orig, null]);
    expect(meanAbsDiffMasked(a, b, onlyOrig)).toBeGreaterThan(0);
  });
});

describe('helpers', () => {
  it('dilates by a square of radius r, clipped at the edges', () => {
    const m = new Uint8Array(10 * 8);
    m[3 * 10 + 4] = 1;
    m[0] = 1;
    const d = dilateSquare(m, 10, 8, 2);
    let count = 0;
    for (let y = 0; y < 8; y++) for (let x = 0; x < 10; x++) {
      const expected = (Math.abs(x - 4) <= 2 && Math.abs(y - 3) <= 2) || (x <= 2 && y <= 2) ? 1 : 0;
      expect(d[y * 10 + x], `(${x}, ${y})`).toBe(expected);
      count += d[y * 10 + x];
    }
    expect(count).toBe(25 + 9 - 2); // the two squares overlap at (2, 1) and (2, 2)
  });

  it('ranks worst frames in either direction and picks sheet frames round robin', () => {
    const items = [{ frame: 3, value: 1 }, { frame: 4, value: 5 }, { frame: 5, value: NaN }, { frame: 6, value: 5 }, { frame: 7, value: 0.5 }];
    expect(worstFrames(items, 2, 'high')).toEqual([4, 6]);
    expect(worstFrames(items, 2, 'low')).toEqual([7, 3]);
    expect(pickSheetFrames([[1, 2, 3], [2, 4], [5]], 4)).toEqual([1, 2, 5, 4]);
    expect(pickSheetFrames([[1], [1]], 8)).toEqual([1]);
    expect(finiteMean([1, NaN, 3])).toBe(2);
    expect(Number.isNaN(finiteMean([NaN]))).toBe(true);
  });
});
