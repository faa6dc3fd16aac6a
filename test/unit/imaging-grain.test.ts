import { describe, expect, it } from 'vitest';
import { addGrain, splitGrain } from '../../src/main/imaging/grain';
import { warpTriangles } from '../../src/main/imaging/triangle-warp';

/** Deterministic Gaussian noise (xorshift + Box-Muller). */
function gaussian(seed: number): () => number {
  let s = seed >>> 0 || 1;
  const u = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** A W x H rgb24 image: a soft horizontal ramp (skin-like, 120..160) plus Gaussian grain of `sigma` levels. */
function grainy(W: number, H: number, sigma: number, seed = 7): Uint8Array {
  const n = gaussian(seed);
  const d = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      for (let c = 0; c < 3; c++) d[(y * W + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(120 + (40 * x) / W + c * 10 + sigma * n())));
    }
  }
  return d;
}

/** Variance of the 4-neighbour Laplacian of channel 1 over the interior (a sharpness measure). */
function laplacianVariance(d: ArrayLike<number>, W: number, H: number): number {
  let s = 0, s2 = 0, k = 0;
  for (let y = 2; y < H - 2; y++) {
    for (let x = 2; x < W - 2; x++) {
      const g = (i: number, j: number) => d[(j * W + i) * 3 + 1];
      const l = g(x - 1, y) + g(x + 1, y) + g(x, y - 1) + g(x, y + 1) - 4 * g(x, y);
      s += l;
      s2 += l * l;
      k++;
    }
  }
  return s2 / k - (s / k) ** 2;
}

/** A translation by (dx, dy) as two triangles covering a W x H destination. */
function translation(W: number, H: number, dx: number, dy: number) {
  const dst = Float32Array.from([0, 0, W, 0, W, H, 0, H]);
  const src = Float32Array.from([0 + dx, 0 + dy, W + dx, 0 + dy, W + dx, H + dy, 0 + dx, H + dy]);
  return { src, dst, tri: Uint32Array.from([0, 1, 2, 0, 2, 3]) };
}

describe('grain split (degrain, warp, regrain)', () => {
  it('is exact: clean plate + grain = the input, and the clean plate stays in 0..255', () => {
    const W = 40, H = 30;
    const data = grainy(W, H, 30); // heavy grain: many residuals hit the clamp and 0/255
    const s = splitGrain({ width: W, height: H, data }, { x: 5, y: 4, w: 30, h: 20 });
    for (let y = 0; y < 20; y++) {
      for (let x = 0; x < 30; x++) {
        for (let c = 0; c < 3; c++) {
          const i = (y * 30 + x) * 3 + c;
          expect(s.clean.data[i] + s.grain[i]).toBe(data[((y + 4) * W + x + 5) * 3 + c]);
        }
      }
    }
    expect(s.grain.some((g) => g !== 0)).toBe(true);
  });

  it('the residual is the input minus its 3x3 median (edges repeated)', () => {
    const W = 17, H = 13;
    const data = grainy(W, H, 40, 5);
    const s = splitGrain({ width: W, height: H, data }, { x: 0, y: 0, w: W, h: H }, 1e6);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        for (let c = 0; c < 3; c++) {
          const taps: number[] = [];
          for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) taps.push(data[(Math.min(H - 1, Math.max(0, y + dy)) * W + Math.min(W - 1, Math.max(0, x + dx))) * 3 + c]);
          taps.sort((a, b) => a - b);
          expect(s.grain[(y * W + x) * 3 + c]).toBe(data[(y * W + x) * 3 + c] - taps[4]);
        }
      }
    }
  });

  it('measures the grain: σ within 25 % of the noise added, about 0 on a clean image', () => {
    const W = 96, H = 96;
    for (const sigma of [3, 8]) {
      const s = splitGrain({ width: W, height: H, data: grainy(W, H, sigma) }, { x: 0, y: 0, w: W, h: H });
      for (const v of s.sigma) {
        expect(v).toBeGreaterThan(0.75 * sigma);
        expect(v).toBeLessThan(1.25 * sigma);
      }
    }
    const clean = splitGrain({ width: W, height: H, data: grainy(W, H, 0) }, { x: 0, y: 0, w: W, h: H });
    for (const v of clean.sigma) expect(v).toBeLessThan(1.6);
  });

  it('keeps a step edge (the lip line, a jaw) in the clean plate, not in the grain', () => {
    const W = 32, H = 32;
    const d = grainy(W, H, 2);
    for (let y = 16; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) d[(y * W + x) * 3 + c] = 40;
    const s = splitGrain({ width: W, height: H, data: d }, { x: 0, y: 0, w: W, h: H });
    // Along the edge rows the grain is limited to the noise level (a few levels), never the 100-level step.
    for (let x = 0; x < W; x++) {
      for (const y of [15, 16]) expect(Math.abs(s.grain[(y * W + x) * 3 + 1])).toBeLessThanOrEqual(Math.floor(2.5 * s.sigma[1]));
    }
  });

  it('computes a sub-rectangle as the same pixels of a larger split (crops placed in the frame)', () => {
    const W = 50, H = 40;
    const data = grainy(W, H, 6, 11);
    const whole = splitGrain({ width: W, height: H, data }, { x: 0, y: 0, w: W, h: H }, 1000);
    const crop = { width: 30, height: 25, data: new Uint8Array(30 * 25 * 3), x0: 10, y0: 8 };
    for (let y = 0; y < 25; y++) crop.data.set(data.subarray(((y + 8) * W + 10) * 3, ((y + 8) * W + 40) * 3), y * 30 * 3);
    const sub = splitGrain(crop, { x: 12, y: 10, w: 20, h: 15 }, 1000);
    for (let y = 0; y < 15; y++) for (let x = 0; x < 20; x++) for (let c = 0; c < 3; c++) expect(sub.grain[(y * 20 + x) * 3 + c]).toBe(whole.grain[((y + 10) * W + x + 12) * 3 + c]);
    expect(() => splitGrain(crop, { x: 5, y: 10, w: 20, h: 15 })).toThrow(/outside/);
  });

  it('a sub-pixel warp of the clean plate with the grain added back keeps the sharpness a plain warp loses', () => {
    const W = 80, H = 80;
    const data = grainy(W, H, 6, 3);
    const frame = { width: W, height: H, data };
    const before = laplacianVariance(data, W, H);
    const roi = { x: 0, y: 0, w: W, h: H };
    const { src, dst, tri } = translation(W, H, 0.5, 0.5);
    const plain = warpTriangles(frame, src, dst, tri, roi, undefined, 'bicubic');
    const split = splitGrain(frame, roi);
    const moved = warpTriangles(split.clean, src, dst, tri, roi, undefined, 'bicubic');
    const patch = { x: 0, y: 0, width: W, height: H, data: moved.data };
    addGrain(patch, new Float32Array(W * H).fill(1), split);
    const plainRatio = laplacianVariance(plain.data, W, H) / before;
    const keptRatio = laplacianVariance(patch.data, W, H) / before;
    expect(plainRatio).toBeLessThan(0.5);
    expect(keptRatio).toBeGreaterThan(0.85);
    expect(keptRatio).toBeLessThan(1.15);
    // The identity warp gives the input back exactly.
    const id = translation(W, H, 0, 0);
    const same = warpTriangles(split.clean, id.src, id.dst, id.tri, roi, undefined, 'bicubic');
    addGrain({ x: 0, y: 0, width: W, height: H, data: same.data }, new Float32Array(W * H).fill(1), split);
    let diff = 0;
    for (let y = 3; y < H - 3; y++) for (let x = 3; x < W - 3; x++) for (let c = 0; c < 3; c++) diff = Math.max(diff, Math.abs(same.data[(y * W + x) * 3 + c] - data[(y * W + x) * 3 + c]));
    expect(diff).toBe(0);
  });

  it('adds grain only where selected', () => {
    const split = splitGrain({ width: 20, height: 20, data: grainy(20, 20, 10) }, { x: 0, y: 0, w: 20, h: 20 });
    const patch = { x: 5, y: 5, width: 4, height: 1, data: new Uint8Array(12).fill(128) };
    addGrain(patch, [1, 0, 1, 0], split);
    expect(patch.data[3]).toBe(128);
    expect(patch.data[9]).toBe(128);
    expect(patch.data[0]).toBe(128 + split.grain[(5 * 20 + 5) * 3]);
  });
});
