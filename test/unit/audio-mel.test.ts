import { describe, expect, it } from 'vitest';
import { hzToMel, logMelSpectrogram, melBandEdges, melFilterbank, melSpectrogram, melToHz } from '../../src/main/audio/mel';
import { UserError } from '../../src/main/util/errors';

describe('Slaney mel scale (librosa htk=False)', () => {
  it('has the known anchor values', () => {
    // Exactly 15 / 1000 up to float rounding (librosa itself returns 14.999999999999998 and
    // 1000.0000000000002 because 1000 / (200/3) is not exact in binary).
    expect(hzToMel(1000)).toBeCloseTo(15, 13);
    expect(melToHz(15)).toBeCloseTo(1000, 11);
    expect(hzToMel(0)).toBe(0);
    // librosa docs: hz_to_mel(60) = 0.9, mel_to_hz(3) = 200.
    expect(hzToMel(60)).toBeCloseTo(0.9, 12);
    expect(melToHz(3)).toBeCloseTo(200, 12);
    // Wav2Lip range (values printed by librosa 0.11): 55 Hz -> 0.825, 7600 Hz -> 44.49957547823767.
    expect(hzToMel(55)).toBeCloseTo(0.825, 12);
    expect(hzToMel(7600)).toBeCloseTo(44.49957547823767, 10);
  });

  it('is linear below 1 kHz at 200/3 Hz per mel', () => {
    for (const f of [10, 123.4, 500, 999]) expect(hzToMel(f)).toBeCloseTo(f / (200 / 3), 12);
    expect(hzToMel(500) - hzToMel(400)).toBeCloseTo(1.5, 12);
  });

  it('is logarithmic above 1 kHz: 27 mels per factor 6.4', () => {
    expect(hzToMel(6400)).toBeCloseTo(42, 12);
    expect(hzToMel(6400 * 6.4)).toBeCloseTo(69, 12);
    expect(hzToMel(4000) - hzToMel(2000)).toBeCloseTo(hzToMel(6000) - hzToMel(3000), 12);
    expect(melToHz(42)).toBeCloseTo(6400, 9);
  });

  it('round-trips and is monotonic', () => {
    let prev = -1;
    for (let f = 0; f <= 8000; f += 37.5) {
      const m = hzToMel(f);
      expect(m).toBeGreaterThan(prev);
      prev = m;
      expect(melToHz(m)).toBeCloseTo(f, 8);
      expect(melToHz(hzToMel(f, true), true)).toBeCloseTo(f, 8);
    }
  });

  it('supports the HTK formula', () => {
    expect(hzToMel(700, true)).toBeCloseTo(2595 * Math.log10(2), 12);
    expect(hzToMel(1000, true)).toBeCloseTo(999.9855, 3);
  });
});

describe('melFilterbank', () => {
  const sr = 16000;
  const nFft = 800;
  const df = sr / nFft;
  const nFreq = nFft / 2 + 1;
  const fb = melFilterbank({ sr, nFft, nMels: 80, fmin: 55, fmax: 7600 });
  const edges = melBandEdges(80, 55, 7600);

  it('has shape [nMels, nFreq] and band edges equally spaced in mel', () => {
    expect(fb.length).toBe(80 * nFreq);
    expect(edges.length).toBe(82);
    expect(edges[0]).toBeCloseTo(55, 9);
    expect(edges[81]).toBeCloseTo(7600, 9);
    const step = (hzToMel(7600) - hzToMel(55)) / 81;
    for (let i = 1; i < 82; i++) expect(hzToMel(edges[i]) - hzToMel(edges[i - 1])).toBeCloseTo(step, 9);
  });

  it('is a set of triangles: zero outside (f_lo, f_hi), rising then falling, peak bin next to f_c', () => {
    for (let m = 0; m < 80; m++) {
      const [lo, c, hi] = [edges[m], edges[m + 1], edges[m + 2]];
      const row = fb.subarray(m * nFreq, (m + 1) * nFreq);
      let arg = 0;
      for (let k = 0; k < nFreq; k++) {
        const f = k * df;
        if (f <= lo || f >= hi) expect(row[k]).toBe(0);
        else expect(row[k]).toBeGreaterThan(0);
        if (row[k] > row[arg]) arg = k;
      }
      expect([Math.floor(c / df), Math.ceil(c / df)]).toContain(arg);
      for (let k = 1; k <= arg; k++) expect(row[k]).toBeGreaterThanOrEqual(row[k - 1]);
      for (let k = arg + 1; k < nFreq; k++) expect(row[k]).toBeLessThanOrEqual(row[k - 1]);
    }
  });

  it('has Slaney area normalisation: weight = (2/(f_hi-f_lo)) * triangle, area ~ 1', () => {
    // Derivation: filter m is h * tri(f) with tri the unit-peak triangle on (f_lo, f_c, f_hi) and
    // h = 2/(f_hi - f_lo), so its continuous area is h * (f_hi - f_lo)/2 = 1. Sampled on the bin
    // grid, df * sum_k w[k] is the trapezoid rule (ends are zero), exact on linear pieces; each of
    // the three kinks (feet, peak) inside a bin interval adds at most df^2 * slope / 8, so
    // |df * sum - 1| <= df^2 (s_up + s_down) / 4 with s_up = h/(f_c-f_lo), s_down = h/(f_hi-f_c)
    // (valid here because every rise/fall is wider than one bin).
    for (let m = 0; m < 80; m++) {
      const [lo, c, hi] = [edges[m], edges[m + 1], edges[m + 2]];
      expect(c - lo).toBeGreaterThan(df);
      const h = 2 / (hi - lo);
      let sum = 0;
      for (let k = 0; k < nFreq; k++) {
        const f = k * df;
        const tri = Math.max(0, Math.min((f - lo) / (c - lo), (hi - f) / (hi - c)));
        expect(fb[m * nFreq + k]).toBeCloseTo(h * tri, 7);
        sum += fb[m * nFreq + k];
      }
      const bound = (df * df * (h / (c - lo) + h / (hi - c))) / 4;
      expect(Math.abs(df * sum - 1)).toBeLessThanOrEqual(bound + 1e-6);
    }
  });

  it('norm=null gives unit-peak triangles', () => {
    const raw = melFilterbank({ sr, nFft, nMels: 80, fmin: 55, fmax: 7600, norm: null });
    for (let m = 0; m < 80; m++) {
      const scale = 2 / (edges[m + 2] - edges[m]);
      for (let k = 0; k < nFreq; k += 13) expect(raw[m * nFreq + k] * scale).toBeCloseTo(fb[m * nFreq + k], 7);
    }
  });

  it('matches librosa.filters.mel(sr=16000, n_fft=800, n_mels=80, fmin=55, fmax=7600) values', () => {
    // Printed with librosa 0.11.0 (float32 weights); our matrix equalled librosa's bit for bit.
    const golden: [number, number, number][] = [
      [0, 3, 0.0038695919793099165],
      [0, 5, 0.020812449976801872],
      [5, 14, 0.020604081451892853],
      [17, 35, 0.02624775469303131],
      [33, 67, 0.01658627949655056],
      [40, 85, 0.00936313346028328],
      [60, 181, 0.0073937964625656605],
      [79, 366, 0.00363533990457654],
      [79, 370, 0.0026630081702023745],
      [79, 375, 0.0013315040851011872],
      [0, 2, 0],
      [1, 4, 0],
    ];
    for (const [m, k, v] of golden) expect(fb[m * nFreq + k]).toBe(Math.fround(v));
    // Non-zero supports [first, last] bins, from librosa.
    const support: [number, number, number][] = [
      [0, 3, 6],
      [1, 5, 8],
      [20, 39, 42],
      [50, 121, 129],
      [79, 353, 379],
    ];
    for (const [m, a, b] of support) {
      const row = Array.from(fb.subarray(m * nFreq, (m + 1) * nFreq));
      expect(row.findIndex((v) => v > 0)).toBe(a);
      expect(row.length - 1 - [...row].reverse().findIndex((v) => v > 0)).toBe(b);
    }
  });

  it('rejects bad ranges', () => {
    expect(() => melFilterbank({ sr, nFft, nMels: 80, fmin: 55, fmax: 9000 })).toThrow(UserError);
    expect(() => melFilterbank({ sr, nFft, nMels: 0 })).toThrow(UserError);
    expect(() => melFilterbank({ sr, nFft, nMels: 10, fmin: 500, fmax: 400 })).toThrow(UserError);
  });
});

describe('logMelSpectrogram', () => {
  const sr = 16000;
  const tone = (hz: number, n: number, amp = 0.5) => {
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = amp * Math.sin((2 * Math.PI * hz * i) / sr);
    return x;
  };

  it('uses the documented defaults: 80 mels, 1 + floor(n/160) frames', () => {
    const lm = logMelSpectrogram(tone(440, 16000));
    expect(lm.nMels).toBe(80);
    expect(lm.nFrames).toBe(101);
    expect(lm.data.length).toBe(80 * 101);
  });

  it('puts a pure tone in the band whose triangle weights its frequency most', () => {
    for (const hz of [300, 1000, 2000, 5200]) {
      const lm = logMelSpectrogram(tone(hz, 8000));
      const t = 20;
      let arg = 0;
      for (let m = 1; m < 80; m++) if (lm.data[m * lm.nFrames + t] > lm.data[arg * lm.nFrames + t]) arg = m;
      // Independent expectation: the Slaney triangle (unit area) with the largest value at hz.
      const edges = melBandEdges(80, 0, 8000);
      let best = 0;
      let bestW = -1;
      for (let m = 0; m < 80; m++) {
        const [lo, c, hi] = [edges[m], edges[m + 1], edges[m + 2]];
        const w = (2 / (hi - lo)) * Math.max(0, Math.min((hz - lo) / (c - lo), (hi - hz) / (hi - c)));
        if (w > bestW) [best, bestW] = [m, w];
      }
      // n_fft 400 bins are 40 Hz wide and a Hann main lobe spans ±80 Hz, so allow one band either way.
      expect(Math.abs(arg - best)).toBeLessThanOrEqual(1);
      expect(edges[arg]).toBeLessThan(hz + 80);
      expect(edges[arg + 2]).toBeGreaterThan(hz - 80);
    }
  });

  it("'db' is 10*log10 of the power mel, 'ln' its natural log, floored at amin", () => {
    const x = tone(1000, 4000);
    const mel = melSpectrogram(x);
    const ln = logMelSpectrogram(x, { scale: 'ln' });
    const db = logMelSpectrogram(x, { scale: 'db', topDb: null });
    for (let i = 0; i < mel.data.length; i += 17) {
      expect(ln.data[i]).toBeCloseTo(Math.log(Math.max(1e-10, mel.data[i])), 4);
      expect(db.data[i]).toBeCloseTo(10 * Math.log10(Math.max(1e-10, mel.data[i])), 3);
    }
    const silent = logMelSpectrogram(new Float32Array(1600));
    expect(Array.from(new Set(silent.data))).toEqual([Math.fround(Math.log(1e-10))]);
  });

  it("'db' with topDb floors everything at max - topDb", () => {
    const x = tone(1000, 4000);
    const db = logMelSpectrogram(x, { scale: 'db', topDb: 30 });
    let max = -Infinity;
    let min = Infinity;
    for (const v of db.data) [max, min] = [Math.max(max, v), Math.min(min, v)];
    expect(min).toBeCloseTo(max - 30, 4);
  });

  it('scales with the signal: x2 amplitude adds 20*log10(2) dB on the power mel', () => {
    const a = logMelSpectrogram(tone(700, 4000, 0.2), { scale: 'db', topDb: null });
    const b = logMelSpectrogram(tone(700, 4000, 0.4), { scale: 'db', topDb: null });
    const i = 17 * a.nFrames + 10; // band 17 peaks near 700 Hz
    expect(b.data[i] - a.data[i]).toBeCloseTo(20 * Math.log10(2), 3);
  });
});
