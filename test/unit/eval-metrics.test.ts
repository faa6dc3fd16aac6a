import { describe, expect, it } from 'vitest';
import { laggedCorrelation, lipLandmarkDistance, mouthJitter, pearson, PsnrAccumulator, LIP_POINTS } from '../../src/main/eval/metrics';

function mesh(fill: (i: number) => [number, number]): Float32Array {
  const m = new Float32Array(468 * 3);
  for (let i = 0; i < 468; i++) {
    const [x, y] = fill(i);
    m[i * 3] = x;
    m[i * 3 + 1] = y;
  }
  // Eyes 100 px apart.
  m[33 * 3] = 0; m[33 * 3 + 1] = 0; m[263 * 3] = 100; m[263 * 3 + 1] = 0;
  return m;
}

describe('pearson / laggedCorrelation', () => {
  it('recovers a known lag', () => {
    const audio = Array.from({ length: 200 }, (_, t) => Math.sin(t * 0.7) + Math.sin(t * 0.13));
    // The mouth leads the audio by 1 frame (the sound comes 1 frame after the shape).
    const opening = audio.map((_, t) => (t + 1 < audio.length ? audio[t + 1] : 0));
    const r = laggedCorrelation(opening, audio, -2, 2);
    const best = r.reduce((a, b) => (b.r > a.r ? b : a));
    expect(best.lag).toBe(1);
    expect(best.r).toBeGreaterThan(0.99);
    expect(pearson([1, 2, 3, 4], [2, 4, 6, 8])).toBeCloseTo(1);
    expect(pearson([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1);
    expect(Number.isNaN(pearson([1, 1, 1], [1, 2, 3]))).toBe(true);
  });
});

describe('LMD and jitter', () => {
  it('LMD is the mean lip displacement over the inter-ocular distance', () => {
    const a = mesh(() => [50, 50]);
    const b = mesh((i) => (LIP_POINTS.includes(i) ? [53, 54] : [50, 50])); // 5 px on every lip point
    expect(lipLandmarkDistance([a, null], [b, b])).toBeCloseTo(0.05, 6);
    expect(Number.isNaN(lipLandmarkDistance([null], [b]))).toBe(true);
  });

  it('jitter is zero for smooth motion and positive for an alternating mouth', () => {
    const smooth = Array.from({ length: 10 }, (_, t) => mesh((i) => [50 + t, 50 + (LIP_POINTS.indexOf(i) % 3)]));
    expect(mouthJitter(smooth)).toBeCloseTo(0, 9);
    const shaky = Array.from({ length: 10 }, (_, t) => mesh((i) => [50, 50 + (LIP_POINTS.indexOf(i) % 2) * (t % 2 ? 4 : 0)]));
    expect(mouthJitter(shaky)).toBeGreaterThan(0.01);
  });
});

describe('PsnrAccumulator', () => {
  it('is infinite for identical pixels and matches the formula otherwise', () => {
    const a = new Uint8Array([10, 10, 10, 20, 20, 20]);
    const acc = new PsnrAccumulator();
    acc.add(a, a, new Uint8Array([1, 1]));
    expect(acc.psnr()).toBe(Infinity);
    const b = new Uint8Array([10, 10, 10, 30, 30, 30]);
    const acc2 = new PsnrAccumulator();
    acc2.add(a, b, new Uint8Array([1, 1]));
    expect(acc2.psnr()).toBeCloseTo(10 * Math.log10((255 * 255) / 50), 6);
    const acc3 = new PsnrAccumulator();
    acc3.add(a, b, new Uint8Array([1, 0]));
    expect(acc3.psnr()).toBe(Infinity);
  });
});
