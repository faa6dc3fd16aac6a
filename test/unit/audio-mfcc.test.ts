import { describe, expect, it } from 'vitest';
import { logMelSpectrogram, melFilterbank } from '../../src/main/audio/mel';
import { cmvn, dct2Ortho, deltas, mfcc, type FeatureMatrix } from '../../src/main/audio/mfcc';
import { UserError } from '../../src/main/util/errors';
import { rng } from '../helpers/rng';

const matrix = (rows: number[][]): FeatureMatrix => ({
  data: Float32Array.from(rows.flat()),
  dim: rows.length,
  nFrames: rows[0].length,
});
const row = (m: FeatureMatrix, d: number) => Array.from(m.data.subarray(d * m.nFrames, (d + 1) * m.nFrames));

describe('dct2Ortho', () => {
  it('matches scipy.fft.dct([1,2,3,4], norm="ortho")', () => {
    const y = dct2Ortho(matrix([[1], [2], [3], [4]]), 4);
    const scipy = [5.000000000000001, -2.2304424973876635, 0.0, -0.15851266778110706];
    scipy.forEach((v, k) => expect(y.data[k]).toBeCloseTo(v, 6));
  });

  it('is orthonormal (Parseval) and maps a constant column to c0 = c*sqrt(N) only', () => {
    const r = rng(5);
    const n = 40;
    const x = matrix(Array.from({ length: n }, () => [r(), 3]));
    const y = dct2Ortho(x, n);
    const energy = (m: FeatureMatrix, t: number) => Array.from({ length: m.dim }, (_, d) => m.data[d * m.nFrames + t] ** 2).reduce((a, b) => a + b);
    expect(energy(y, 0)).toBeCloseTo(energy(x, 0), 4);
    expect(y.data[0 * 2 + 1]).toBeCloseTo(3 * Math.sqrt(n), 5);
    for (let k = 1; k < n; k++) expect(Math.abs(y.data[k * 2 + 1])).toBeLessThan(1e-5);
  });

  it('rejects asking for more coefficients than inputs', () => {
    expect(() => dct2Ortho(matrix([[1], [2]]), 3)).toThrow(UserError);
  });
});

describe('mfcc', () => {
  it('has shape [13, 1 + floor(n/160)] by default', () => {
    const r = rng(1);
    const x = Float32Array.from({ length: 8000 }, () => 0.1 * r());
    const m = mfcc(x);
    expect(m.dim).toBe(13);
    expect(m.nFrames).toBe(51);
  });

  it('of a constant (flat) spectrum is the DCT of 10*log10 of the filter sums, equal in every frame', () => {
    // Unit impulses every 400 samples, frames of 400 every 400 (centred): each frame holds exactly
    // one impulse at its centre where the Hann window is 1, so |X[k]| = 1 for every bin.
    const n = 400 * 20 + 1;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i += 400) x[i] = 1;
    const nMels = 40;
    const m = mfcc(x, { hop: 400, nMels, nMfcc: nMels });
    const fb = melFilterbank({ sr: 16000, nFft: 400, nMels });
    const logMel = Array.from({ length: nMels }, (_, b) => 10 * Math.log10(fb.subarray(b * 201, (b + 1) * 201).reduce((a, v) => a + v, 0)));
    // Reference orthonormal DCT-II written from the definition.
    const ref = (k: number) =>
      (k === 0 ? Math.sqrt(1 / nMels) : Math.sqrt(2 / nMels)) *
      logMel.reduce((acc, v, i) => acc + v * Math.cos((Math.PI * k * (2 * i + 1)) / (2 * nMels)), 0);
    for (let t = 0; t < m.nFrames; t++) for (let k = 0; k < nMels; k++) expect(m.data[k * m.nFrames + t]).toBeCloseTo(ref(k), 3);
    // Slaney area normalisation makes the mel spectrum of a flat spectrum nearly flat (~1/df per band):
    // c0 carries the level (about 10*log10(1/40 Hz) * sqrt(40)), the shape coefficients are small.
    expect(m.data[0]).toBeCloseTo(10 * Math.log10(1 / 40) * Math.sqrt(nMels), -1);
    for (let k = 1; k < 13; k++) expect(Math.abs(m.data[k * m.nFrames])).toBeLessThan(0.1 * Math.abs(m.data[0]));
  });

  it('changes only c0 when the gain changes (by 20*log10(g)*sqrt(nMels))', () => {
    const r = rng(2);
    const x = Float32Array.from({ length: 6400 }, () => 0.05 * r());
    const y = x.map((v) => v * 4);
    const a = mfcc(x, { nMels: 40 });
    const b = mfcc(y, { nMels: 40 });
    for (let t = 0; t < a.nFrames; t++) {
      expect(b.data[t] - a.data[t]).toBeCloseTo(20 * Math.log10(4) * Math.sqrt(40), 2);
      for (let k = 1; k < 13; k++) expect(b.data[k * a.nFrames + t]).toBeCloseTo(a.data[k * a.nFrames + t], 2);
    }
  });

  it("with scale 'ln' is the DCT of the natural-log mel", () => {
    const r = rng(3);
    const x = Float32Array.from({ length: 3200 }, () => 0.3 * r());
    const lm = logMelSpectrogram(x, { nMels: 40, scale: 'ln' });
    const m = mfcc(x, { nMels: 40, scale: 'ln' });
    const d = dct2Ortho({ data: lm.data, dim: 40, nFrames: lm.nFrames }, 13);
    for (let i = 0; i < d.data.length; i++) expect(m.data[i]).toBeCloseTo(d.data[i], 4);
  });
});

describe('deltas', () => {
  it('of a linear ramp is its slope everywhere (interp edges)', () => {
    const ramp = matrix([Array.from({ length: 30 }, (_, t) => 2.5 * t - 7), Array.from({ length: 30 }, (_, t) => -0.5 * t)]);
    const d = deltas(ramp);
    for (const v of row(d, 0)) expect(v).toBeCloseTo(2.5, 5);
    for (const v of row(d, 1)) expect(v).toBeCloseTo(-0.5, 5);
  });

  it('matches librosa.feature.delta on squares and a sine (width 5 / 9, interp and nearest)', () => {
    const x = matrix([Array.from({ length: 12 }, (_, i) => i * i), Array.from({ length: 12 }, (_, i) => Math.sin(i))]);
    const cases: [number, 'interp' | 'nearest', number[][]][] = [
      [
        5,
        'interp',
        [
          [4, 4, 4, 6, 8, 10, 12, 14, 16, 18, 18, 18],
          [-0.2213956, -0.2213956, -0.2213956, -0.526689, -0.347747, 0.150912, 0.5108232, 0.4010859, -0.0774079, -0.4847333, -0.4847333, -0.4847333],
        ],
      ],
      [
        9,
        'interp',
        [
          [8, 8, 8, 8, 8, 10, 12, 14, 14, 14, 14, 14],
          [-0.0012248, -0.0012248, -0.0012248, -0.0012248, -0.0012248, 0.0005315, 0.0017992, 0.0014127, 0.0014127, 0.0014127, 0.0014127, 0.0014127],
        ],
      ],
      [
        5,
        'nearest',
        [
          [0.9, 2.2, 4, 6, 8, 10, 12, 14, 16, 18, 15.4, 10.1],
          [0.2660066, 0.1191537, -0.2213956, -0.526689, -0.347747, 0.150912, 0.5108232, 0.4010859, -0.0774079, -0.4847333, -0.5390806, -0.3280186],
        ],
      ],
    ];
    for (const [width, mode, want] of cases) {
      const d = deltas(x, width, mode);
      for (let r = 0; r < 2; r++) row(d, r).forEach((v, t) => expect(v).toBeCloseTo(want[r][t], 5));
    }
  });

  it('rejects even widths and too-short inputs in interp mode', () => {
    const x = matrix([[1, 2, 3, 4, 5]]);
    expect(() => deltas(x, 4)).toThrow(UserError);
    expect(() => deltas(x, 9)).toThrow(UserError);
    expect(row(deltas(x, 9, 'nearest'), 0)[2]).toBeCloseTo((1 * (4 - 2) + 2 * (5 - 1) + 3 * (5 - 1) + 4 * (5 - 1)) / 60, 6);
  });
});

describe('cmvn', () => {
  it('gives every dimension mean 0 and std 1 over the track', () => {
    const r = rng(9);
    const x = matrix([Array.from({ length: 500 }, () => 10 + 3 * r()), Array.from({ length: 500 }, () => -4 + 0.01 * r())]);
    const y = cmvn(x);
    for (let d = 0; d < 2; d++) {
      const v = row(y, d);
      const mean = v.reduce((a, b) => a + b) / v.length;
      const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
      expect(mean).toBeCloseTo(0, 5);
      expect(std).toBeCloseTo(1, 5);
    }
  });

  it('only centres constant dimensions and can take statistics from a sub-range', () => {
    const x = matrix([[5, 5, 5, 5], [1, 3, 100, -100]]);
    expect(row(cmvn(x), 0)).toEqual([0, 0, 0, 0]);
    const y = cmvn(x, [0, 2]); // mean 2, std 1 from the first two frames
    expect(row(y, 1)).toEqual([-1, 1, 98, -102]);
    expect(() => cmvn(x, [2, 2])).toThrow(UserError);
  });
});
