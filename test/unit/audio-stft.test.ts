import { describe, expect, it } from 'vitest';
import { getRealFft } from '../../src/main/audio/rfft';
import { hannWindow, stft, stftFrameCount, stftWindow } from '../../src/main/audio/stft';
import { UserError } from '../../src/main/util/errors';
import { rng } from '../helpers/rng';

function randomSignal(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = r();
  return x;
}

/** Reference: naive O(N^2) DFT of the windowed frames, written from the definitions (independent of src). */
function naiveStft(
  x: Float32Array,
  nFft: number,
  hop: number,
  winLength: number,
  center: boolean,
  padMode: 'reflect' | 'constant',
  power: 1 | 2,
): number[][] {
  // numpy.pad(x, nFft//2, mode) built explicitly (single reflection is enough for these lengths).
  const pad = center ? Math.floor(nFft / 2) : 0;
  const padded: number[] = [];
  for (let i = pad; i >= 1; i--) padded.push(padMode === 'reflect' ? x[i] : 0);
  for (const v of x) padded.push(v);
  for (let i = 1; i <= pad; i++) padded.push(padMode === 'reflect' ? x[x.length - 1 - i] : 0);
  // scipy.signal.get_window('hann', winLength, fftbins=True): symmetric Hann of winLength+1, last dropped.
  const win = new Array<number>(nFft).fill(0);
  const off = Math.floor((nFft - winLength) / 2);
  for (let i = 0; i < winLength; i++) win[off + i] = Math.sin((Math.PI * i) / winLength) ** 2;
  const nFrames = 1 + Math.floor((padded.length - nFft) / hop);
  const out: number[][] = [];
  for (let k = 0; k <= nFft / 2; k++) out.push([]);
  for (let t = 0; t < nFrames; t++) {
    for (let k = 0; k <= Math.floor(nFft / 2); k++) {
      let re = 0;
      let im = 0;
      for (let n = 0; n < nFft; n++) {
        const v = padded[t * hop + n] * win[n];
        const ang = (-2 * Math.PI * ((k * n) % nFft)) / nFft;
        re += v * Math.cos(ang);
        im += v * Math.sin(ang);
      }
      const mag2 = re * re + im * im;
      out[k].push(power === 2 ? mag2 : Math.sqrt(mag2));
    }
  }
  return out;
}

function expectClose(got: Float64Array, nFrames: number, ref: number[][], relTol: number): void {
  let peak = 0;
  for (const row of ref) for (const v of row) peak = Math.max(peak, Math.abs(v));
  let maxErr = 0;
  for (let k = 0; k < ref.length; k++) {
    for (let t = 0; t < ref[k].length; t++) maxErr = Math.max(maxErr, Math.abs(got[k * nFrames + t] - ref[k][t]));
  }
  expect(maxErr / peak).toBeLessThan(relTol);
}

describe('rfft', () => {
  it.each([1, 2, 8, 64, 7, 100, 400, 800])('matches a naive DFT for n = %i', (n) => {
    const x = randomSignal(n, n);
    const fft = getRealFft(n);
    const re = new Float64Array(fft.nFreq);
    const im = new Float64Array(fft.nFreq);
    fft.transform(x, re, im);
    expect(fft.nFreq).toBe(Math.floor(n / 2) + 1);
    for (let k = 0; k < fft.nFreq; k++) {
      let r = 0;
      let i = 0;
      for (let t = 0; t < n; t++) {
        r += x[t] * Math.cos((2 * Math.PI * ((k * t) % n)) / n);
        i -= x[t] * Math.sin((2 * Math.PI * ((k * t) % n)) / n);
      }
      expect(Math.abs(re[k] - r)).toBeLessThan(1e-9 * n);
      expect(Math.abs(im[k] - i)).toBeLessThan(1e-9 * n);
    }
  });

  it('rejects a non-integer size', () => {
    expect(() => getRealFft(10.5)).toThrow(UserError);
  });
});

describe('hann window', () => {
  it('is periodic (DFT-even): w[0] = 0, w[n/2] = 1, symmetric about n/2, sums to n/2', () => {
    const w = hannWindow(800);
    expect(w[0]).toBe(0);
    expect(w[400]).toBeCloseTo(1, 15);
    for (let i = 1; i < 400; i++) expect(w[i]).toBeCloseTo(w[800 - i], 14);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(400, 10);
  });

  it('is zero-padded to nFft centred, like librosa pad_center', () => {
    const w = stftWindow(16, 10);
    expect(Array.from(w.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(Array.from(w.subarray(13))).toEqual([0, 0, 0]);
    expect(w[3 + 5]).toBeCloseTo(1, 15);
  });
});

describe('stft', () => {
  it('equals a naive DFT on random input (reflect, centre, power, non-power-of-two n_fft, short window)', () => {
    const x = randomSignal(1000, 42);
    const s = stft(x, { nFft: 200, hop: 80, winLength: 150, power: 2 });
    expect(s.nFreq).toBe(101);
    expect(s.nFrames).toBe(1 + Math.floor(1000 / 80));
    expectClose(s.data, s.nFrames, naiveStft(x, 200, 80, 150, true, 'reflect', 2), 1e-12);
  });

  it('equals a naive DFT with zero padding and magnitude output (power of two)', () => {
    const x = randomSignal(777, 7);
    const s = stft(x, { nFft: 128, hop: 50, power: 1, padMode: 'constant' });
    expectClose(s.data, s.nFrames, naiveStft(x, 128, 50, 128, true, 'constant', 1), 1e-12);
  });

  it('equals a naive DFT without centring', () => {
    const x = randomSignal(900, 9);
    const s = stft(x, { nFft: 256, hop: 100, center: false });
    expect(s.nFrames).toBe(1 + Math.floor((900 - 256) / 100));
    expectClose(s.data, s.nFrames, naiveStft(x, 256, 100, 256, false, 'reflect', 2), 1e-12);
  });

  it('reflect and constant padding differ only in the edge frames', () => {
    const x = randomSignal(2000, 3);
    const a = stft(x, { nFft: 400, hop: 160, padMode: 'reflect' });
    const b = stft(x, { nFft: 400, hop: 160, padMode: 'constant' });
    const diffAt = (t: number) => {
      let d = 0;
      for (let k = 0; k < a.nFreq; k++) d = Math.max(d, Math.abs(a.data[k * a.nFrames + t] - b.data[k * b.nFrames + t]));
      return d;
    };
    expect(diffAt(0)).toBeGreaterThan(1e-3);
    expect(diffAt(5)).toBe(0);
    expect(diffAt(a.nFrames - 1)).toBeGreaterThan(1e-3);
  });

  it('puts a pure tone on its bin with the Hann peak A*N/4 and neighbours A*N/8', () => {
    const nFft = 512;
    const k0 = 40; // 1250 Hz at 16 kHz, exactly on a bin
    const x = new Float32Array(8000);
    for (let i = 0; i < x.length; i++) x[i] = 0.5 * Math.cos((2 * Math.PI * k0 * i) / nFft);
    const s = stft(x, { nFft, hop: 256, power: 1 });
    const t = 10; // interior frame
    let arg = 0;
    for (let k = 1; k < s.nFreq; k++) if (s.data[k * s.nFrames + t] > s.data[arg * s.nFrames + t]) arg = k;
    expect(arg).toBe(k0);
    expect(s.data[k0 * s.nFrames + t]).toBeCloseTo((0.5 * nFft) / 4, 3);
    expect(s.data[(k0 + 1) * s.nFrames + t]).toBeCloseTo((0.5 * nFft) / 8, 3);
    expect(s.data[(k0 + 5) * s.nFrames + t]).toBeLessThan(1e-3);
  });

  it('handles audio shorter than the reflect pad (numpy repeats the reflection)', () => {
    const x = Float32Array.from([1, 2, 3]);
    const s = stft(x, { nFft: 16, hop: 4, power: 1 });
    // numpy.pad([1,2,3], 8, 'reflect') = 1 2 3 2 1 2 3 2 | 1 2 3 | 2 1 2 3 2 1 2 3 ; DC of frame 0 = sum(w * padded[0:16])
    const padded = [1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2];
    const w = hannWindow(16);
    const dc = padded.reduce((acc, v, i) => acc + v * w[i], 0);
    expect(s.nFrames).toBe(1);
    expect(s.data[0]).toBeCloseTo(Math.abs(dc), 10);
  });

  it('counts frames like librosa', () => {
    expect(stftFrameCount(16000, 800, 200)).toBe(81);
    expect(stftFrameCount(16199, 800, 200)).toBe(81);
    expect(stftFrameCount(1000, 400, 160, false)).toBe(4);
    expect(() => stftFrameCount(100, 400, 160, false)).toThrow(UserError);
  });

  it('rejects bad input with UserError codes', () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof UserError ? e.code : 'not a UserError';
      }
      return 'no error';
    };
    expect(err(() => stft(new Float32Array(0), { nFft: 400, hop: 160 }))).toBe('E_AUDIO_EMPTY');
    expect(err(() => stft(Float32Array.from([0, NaN, 0]), { nFft: 4, hop: 1 }))).toBe('E_AUDIO_NOT_FINITE');
    expect(err(() => stft(new Float32Array(10), { nFft: 8, hop: 0 }))).toBe('E_AUDIO_PARAM');
    expect(err(() => stft(new Float32Array(10), { nFft: 8, hop: 2, winLength: 9 }))).toBe('E_AUDIO_PARAM');
  });
});
