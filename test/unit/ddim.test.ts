import { describe, expect, it } from 'vitest';
import { addNoise, alphaBarAt, ddimSchedule, ddimStep, ddimTimesteps, makeBetas, prevTimestep, type DdimConfig } from '../../src/main/engines/common/ddim';
import { gaussian } from '../../src/main/engines/common/rng';

const SD: DdimConfig = {
  trainTimesteps: 1000,
  betaStart: 0.00085,
  betaEnd: 0.012,
  betaSchedule: 'scaled_linear',
  steps: 20,
  stepsOffset: 1,
  eta: 0,
  timestepSpacing: 'leading',
  predictionType: 'epsilon',
  setAlphaToOne: false,
  clipSample: false,
  clipSampleRange: 1,
};

describe('DDIM schedule (diffusers DDIMScheduler semantics)', () => {
  it('scaled-linear betas and cumulative alphas match Stable Diffusion', () => {
    const b = makeBetas(SD);
    expect(b[0]).toBeCloseTo(0.00085, 12);
    expect(b[999]).toBeCloseTo(0.012, 12);
    // sqrt-spaced: the midpoint beta is ((sqrt(b0)+sqrt(b1))/2)^2, not the arithmetic mean.
    expect(makeBetas({ ...SD, trainTimesteps: 3 })[1]).toBeCloseTo(((Math.sqrt(0.00085) + Math.sqrt(0.012)) / 2) ** 2, 12);
    const s = ddimSchedule(SD);
    expect(s.alphasCumprod[0]).toBeCloseTo(0.99915, 10);
    expect(s.alphasCumprod[999]).toBeGreaterThan(0.0046);
    expect(s.alphasCumprod[999]).toBeLessThan(0.0047);
    expect(s.finalAlphaCumprod).toBeCloseTo(0.99915, 10);
    expect(ddimSchedule({ ...SD, setAlphaToOne: true }).finalAlphaCumprod).toBe(1);
    expect(makeBetas({ ...SD, betaSchedule: 'linear', trainTimesteps: 3 })[1]).toBeCloseTo((0.00085 + 0.012) / 2, 12);
  });

  it('timestep spacing: leading (+offset), trailing, linspace', () => {
    const leading = ddimTimesteps(SD);
    expect(leading).toHaveLength(20);
    expect(leading[0]).toBe(951);
    expect(leading[1]).toBe(901);
    expect(leading[19]).toBe(1);
    expect(ddimTimesteps({ ...SD, stepsOffset: 0 })[19]).toBe(0);
    const trailing = ddimTimesteps({ ...SD, timestepSpacing: 'trailing' });
    expect(trailing[0]).toBe(999);
    expect(trailing[1]).toBe(949);
    expect(trailing[19]).toBe(49);
    const lin = ddimTimesteps({ ...SD, timestepSpacing: 'linspace' });
    expect(lin[0]).toBe(999);
    expect(lin[1]).toBe(946); // round(18 * 999 / 19) = round(946.42)
    expect(lin[19]).toBe(0);
    expect(() => ddimTimesteps({ ...SD, steps: 1001 })).toThrow(RangeError);
    const s = ddimSchedule(SD);
    expect(prevTimestep(s, 951)).toBe(901);
    expect(alphaBarAt(s, prevTimestep(s, 1))).toBe(s.finalAlphaCumprod);
  });
});

describe('DDIM step', () => {
  const n = 64;
  const x0 = gaussian(1, n).map((v) => v * 0.5);
  const eps = gaussian(2, n);

  it('with the true noise (eta 0) lands exactly on the forward process at t - T/steps', () => {
    const s = ddimSchedule(SD);
    for (const t of [951, 501, 51]) {
      const xt = addNoise(s, x0, eps, t);
      const prev = ddimStep(s, t, xt, eps, null);
      const expected = addNoise(s, x0, eps, t - 50);
      for (let i = 0; i < n; i++) expect(prev[i]).toBeCloseTo(expected[i], 4);
    }
  });

  it('v-prediction and sample-prediction give the same update as epsilon', () => {
    const s = ddimSchedule(SD);
    const t = 701;
    const a = alphaBarAt(s, t);
    const xt = addNoise(s, x0, eps, t);
    const ref = ddimStep(s, t, xt, eps, null);
    const v = x0.map((x, i) => Math.sqrt(a) * eps[i] - Math.sqrt(1 - a) * x);
    const viaV = ddimStep(ddimSchedule({ ...SD, predictionType: 'v_prediction' }), t, xt, v, null);
    const viaX0 = ddimStep(ddimSchedule({ ...SD, predictionType: 'sample' }), t, xt, x0, null);
    for (let i = 0; i < n; i++) {
      expect(viaV[i]).toBeCloseTo(ref[i], 4);
      expect(viaX0[i]).toBeCloseTo(ref[i], 4);
    }
  });

  it('eta > 0 adds sigma * z with sigma from DDIM Eq. 16', () => {
    const s = ddimSchedule({ ...SD, eta: 1 });
    const t = 501;
    const a = alphaBarAt(s, t);
    const ap = alphaBarAt(s, t - 50);
    const sigma = Math.sqrt((1 - ap) / (1 - a)) * Math.sqrt(1 - a / ap);
    const z = gaussian(3, n);
    const xt = addNoise(s, x0, eps, t);
    const out = ddimStep(s, t, xt, eps, z);
    for (let i = 0; i < n; i++) {
      const expected = Math.sqrt(ap) * x0[i] + Math.sqrt(1 - ap - sigma * sigma) * eps[i] + sigma * z[i];
      expect(out[i]).toBeCloseTo(expected, 4);
    }
    // Noise shorter than the sample is tiled (one shared noise image per frame).
    const tiled = ddimStep(s, t, Float32Array.from([...xt, ...xt]), Float32Array.from([...eps, ...eps]), z);
    for (let i = 0; i < n; i++) expect(tiled[n + i]).toBeCloseTo(out[i], 5);
  });

  it('a full deterministic loop with an oracle denoiser recovers x0 (set_alpha_to_one)', () => {
    const s = ddimSchedule({ ...SD, setAlphaToOne: true, steps: 10 });
    let x = gaussian(9, n);
    for (const t of s.timesteps) {
      const a = alphaBarAt(s, t);
      const oracle = x.map((v, i) => (v - Math.sqrt(a) * x0[i]) / Math.sqrt(1 - a));
      x = ddimStep(s, t, x, oracle, null);
    }
    for (let i = 0; i < n; i++) expect(x[i]).toBeCloseTo(x0[i], 4);
  });

  it('clip_sample clamps the predicted x0', () => {
    const s = ddimSchedule({ ...SD, clipSample: true, clipSampleRange: 0.1, predictionType: 'sample' });
    const pred = new Float32Array(n);
    ddimStep(s, 951, new Float32Array(n), Float32Array.from({ length: n }, () => 5), null, undefined, pred);
    expect(Math.max(...pred)).toBeCloseTo(0.1, 6);
  });
});

describe('seeded noise', () => {
  it('is deterministic, standard normal, and prefix-stable', () => {
    const a = gaussian(42, 20000);
    expect(gaussian(42, 20000)).toEqual(a);
    expect(gaussian(43, 10)).not.toEqual(a.slice(0, 10));
    expect(gaussian(42, 11)).toEqual(a.slice(0, 11));
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const sd = Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(sd - 1)).toBeLessThan(0.03);
  });
});
