import { describe, expect, it } from 'vitest';
import { OneEuroFilter, smoothSequence } from '../../src/main/tracking/one-euro';

const FPS = 25;
const times = (n: number) => Array.from({ length: n }, (_, i) => i / FPS);

describe('OneEuroFilter', () => {
  it('passes a constant input through unchanged, from the first sample', () => {
    const f = new OneEuroFilter(3, {}, { groupSize: 3, scale: 100 });
    for (const t of times(50)) {
      const out = f.filter([10, -4.5, 300], t);
      expect(Array.from(out)).toEqual([10, -4.5, 300]);
    }
  });

  it('smooths a step but converges to the new value', () => {
    const f = new OneEuroFilter(1, { minCutoff: 1, beta: 0, dCutoff: 1 });
    const ts = times(100);
    const out = ts.map((t, i) => f.filter([i < 10 ? 0 : 100], t)[0]);
    // Right after the step the output is between the two levels (smoothed, not a jump) ...
    expect(out[10]).toBeGreaterThan(0);
    expect(out[10]).toBeLessThan(60);
    // ... rises monotonically ...
    for (let i = 11; i < 100; i++) expect(out[i]).toBeGreaterThanOrEqual(out[i - 1]);
    // ... and reaches the new level within a few seconds.
    expect(out[99]).toBeGreaterThan(99);
    expect(out[99]).toBeLessThanOrEqual(100);
  });

  it('lags less on a ramp with a higher beta', () => {
    const lagAtEnd = (beta: number) => {
      const f = new OneEuroFilter(1, { minCutoff: 0.5, beta, dCutoff: 1 });
      let last = 0;
      const ts = times(50);
      ts.forEach((t) => (last = f.filter([200 * t], t)[0]));
      return 200 * ts[ts.length - 1] - last;
    };
    const slow = lagAtEnd(0);
    const fast = lagAtEnd(1);
    expect(slow).toBeGreaterThan(0);
    expect(fast).toBeGreaterThan(0);
    expect(fast).toBeLessThan(slow * 0.5);
  });

  it('is scale invariant: k x input with scale k gives k x output', () => {
    const ts = times(40);
    const signal = ts.map((t) => [Math.sin(7 * t) * 3 + (t > 0.8 ? 5 : 0), Math.cos(3 * t)]);
    const a = new OneEuroFilter(2, { beta: 5 }, { groupSize: 2, scale: 1 });
    const b = new OneEuroFilter(2, { beta: 5 }, { groupSize: 2, scale: 40 });
    ts.forEach((t, i) => {
      const small = a.filter(signal[i], t);
      const big = b.filter(signal[i].map((v) => v * 40), t);
      expect(big[0]).toBeCloseTo(small[0] * 40, 3);
      expect(big[1]).toBeCloseTo(small[1] * 40, 3);
    });
  });

  it('reset() makes the next sample pass unchanged; a repeated timestamp keeps the output', () => {
    const f = new OneEuroFilter(1);
    f.filter([0], 0);
    const moved = f.filter([10], 0.04)[0];
    expect(moved).toBeLessThan(10);
    expect(f.filter([50], 0.04)[0]).toBe(moved);
    f.reset();
    expect(f.filter([7], 1)[0]).toBe(7);
  });

  it('rejects bad parameters and wrong vector lengths', () => {
    expect(() => new OneEuroFilter(4, {}, { groupSize: 3 })).toThrow(/multiple/);
    expect(() => new OneEuroFilter(1, { minCutoff: 0 })).toThrow(/params/);
    expect(() => new OneEuroFilter(1, {}, { scale: 0 })).toThrow(/scale/);
    expect(() => new OneEuroFilter(2).filter([1], 0)).toThrow(/vector of 2/);
  });
});

describe('smoothSequence', () => {
  it('bidirectional smoothing has no lag on a ramp, the causal filter does', () => {
    const ts = times(60);
    const ramp = ts.map((t) => [100 * t]);
    const causal = smoothSequence(ramp, ts, { minCutoff: 0.5, beta: 0 }, { bidirectional: false });
    const both = smoothSequence(ramp, ts, { minCutoff: 0.5, beta: 0 });
    const mid = 30;
    expect(ramp[mid][0] - causal[mid][0]).toBeGreaterThan(5);
    expect(Math.abs(ramp[mid][0] - both[mid][0])).toBeLessThan(0.5);
  });

  it('reduces noise around a constant and keeps lengths', () => {
    const ts = times(200);
    let seed = 1;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 2;
    const noisy = ts.map(() => [100 + rand(), 50 + rand()]);
    const out = smoothSequence(noisy, ts, {}, { groupSize: 2, scale: 100 });
    expect(out).toHaveLength(200);
    const rms = (xs: number[][], c: number) => Math.sqrt(xs.reduce((a, v) => a + (v[0] - c) ** 2, 0) / xs.length);
    expect(rms(out.map((v) => Array.from(v)), 100)).toBeLessThan(rms(noisy, 100) * 0.6);
    expect(() => smoothSequence([[1]], [0, 1])).toThrow();
    expect(smoothSequence([], [])).toEqual([]);
  });
});
