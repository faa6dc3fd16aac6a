import { describe, expect, it } from 'vitest';
import { hzToMel, melToHz, wav2lipMelChunks, wav2lipMelSpectrogram, wav2lipMelStart } from '../../src/main/audio/mel';
import { UserError } from '../../src/main/util/errors';

const SR = 16000;

/** The deterministic test signal the librosa golden values below were computed from. */
function goldenSignal(): Float32Array {
  const x = new Float32Array(4321);
  for (let n = 0; n < x.length; n++) {
    const t = n / SR;
    x[n] =
      0.4 * Math.sin(2 * Math.PI * 220.5 * t) +
      0.25 * Math.sin(2 * Math.PI * 1234.5 * t + 1) * Math.sin(2 * Math.PI * 3 * t) ** 2 +
      0.1 * Math.sin(2 * Math.PI * 5555 * t + 0.3 * Math.sin(2 * Math.PI * 7 * t));
  }
  return x;
}

/** Independent Slaney-normalised triangle weight of Wav2Lip's mel band m at frequency f (Hz), float64. */
function refWeight(m: number, f: number): number {
  const lo = hzToMel(55);
  const step = (hzToMel(7600) - lo) / 81;
  const [a, c, b] = [melToHz(lo + m * step), melToHz(lo + (m + 1) * step), melToHz(lo + (m + 2) * step)];
  return (2 / (b - a)) * Math.max(0, Math.min((f - a) / (c - a), (b - f) / (b - c)));
}

/** Wav2Lip's dB + normalisation chain on a linear mel value (audio.py). */
function refNormalize(melAmp: number): number {
  const s = 20 * Math.log10(Math.max(1e-5, melAmp)) - 20;
  return Math.min(4, Math.max(-4, 8 * ((s + 100) / 100) - 4));
}

describe('wav2lipMelSpectrogram', () => {
  it('has 80 rows and 1 + floor(len/200) columns (centre padding)', () => {
    for (const n of [1, 199, 200, 3199, 3200, 16000, 16199]) {
      const m = wav2lipMelSpectrogram(new Float32Array(n));
      expect(m.nMels).toBe(80);
      expect(m.nFrames).toBe(1 + Math.floor(n / 200));
      expect(m.data.length).toBe(80 * m.nFrames);
    }
  });

  it('maps silence to exactly -4 everywhere', () => {
    const m = wav2lipMelSpectrogram(new Float32Array(SR));
    for (const v of m.data) expect(v).toBe(-4);
  });

  it('puts a full-scale 1 kHz tone in the expected band with the analytic value', () => {
    // x = sin(2 pi 1000 n / 16000): 1000 Hz is exactly FFT bin 50 of n_fft 800 (20 Hz bins).
    // Pre-emphasis scales a sinusoid by |1 - 0.97 e^{-jw}|; a periodic Hann window of N = 800 on a
    // bin-centred sinusoid of amplitude A' gives |Y| = A'N/4 on bin 50, A'N/8 on bins 49 and 51 and
    // 0 elsewhere (interior frames). Then mel_m = sum_k W[m,k] |Y[k]| and Wav2Lip's dB/normalisation.
    const x = new Float32Array(SR);
    for (let n = 0; n < x.length; n++) x[n] = Math.sin((2 * Math.PI * 1000 * n) / SR);
    const mel = wav2lipMelSpectrogram(x);
    const w = (2 * Math.PI * 1000) / SR;
    const aPre = Math.hypot(1 - 0.97 * Math.cos(w), 0.97 * Math.sin(w));
    const expected = (m: number) =>
      refNormalize(refWeight(m, 980) * 100 * aPre + refWeight(m, 1000) * 200 * aPre + refWeight(m, 1020) * 100 * aPre);
    let best = 0;
    for (let m = 1; m < 80; m++) if (expected(m) > expected(best)) best = m;
    for (const t of [5, 40, 75]) {
      let arg = 0;
      for (let m = 1; m < 80; m++) if (mel.data[m * mel.nFrames + t] > mel.data[arg * mel.nFrames + t]) arg = m;
      expect(arg).toBe(best);
      for (let m = 0; m < 80; m++) expect(mel.data[m * mel.nFrames + t]).toBeCloseTo(expected(m), 5);
    }
    // Sanity on the analytic numbers themselves: a real, unclipped level, and far bands at -4.
    expect(expected(best)).toBeGreaterThan(2);
    expect(expected(best)).toBeLessThan(4);
    expect(mel.data[70 * mel.nFrames + 40]).toBe(-4);
  });

  it('matches Wav2Lip audio.melspectrogram computed with librosa 0.11 + scipy (reflect padding)', () => {
    // Golden values: scipy.signal.lfilter([1,-0.97],[1],x); librosa.stft(n_fft=800, hop_length=200,
    // win_length=800, pad_mode='reflect'); librosa.filters.mel(sr=16000, n_fft=800, n_mels=80,
    // fmin=55, fmax=7600); _amp_to_db - 20; _normalize (symmetric, max_abs 4, min_level_db -100).
    const golden: [number, number, number][] = [
      [0, 0, -0.41820445251705207],
      [3, 5, 1.194046922978969],
      [10, 0, -1.105603856556371],
      [10, 11, -4.0],
      [12, 21, -1.272023553220023],
      [25, 7, -3.81090047356224],
      [70, 19, -3.480620137411762],
      [79, 21, -0.732691216091593],
      [79, 0, -0.2515980849858046],
      [0, 1, -0.9083253],
      [14, 1, -1.9244169],
      [28, 6, -2.3533558],
      [28, 21, 0.1205117],
      [35, 11, -3.7388305],
      [42, 21, -0.8254677],
      [56, 1, -2.7214053],
      [63, 21, -0.8720727],
      [70, 1, -0.0202815],
      [70, 11, -3.8212813],
      [77, 21, -0.5803015],
    ];
    const mel = wav2lipMelSpectrogram(goldenSignal());
    expect(mel.nFrames).toBe(22);
    for (const [m, t, v] of golden) expect(mel.data[m * mel.nFrames + t]).toBeCloseTo(v, 5);
  });

  it('rejects NaN audio (Wav2Lip: "Mel contains nan!")', () => {
    expect(() => wav2lipMelSpectrogram(Float32Array.from([0, NaN]))).toThrow(UserError);
    expect(() => wav2lipMelSpectrogram(new Float32Array(0))).toThrow(UserError);
  });
});

describe('wav2lipMelChunks', () => {
  /** A fake [80, n] mel whose value encodes (row, column). */
  function codedMel(n: number) {
    const data = new Float32Array(80 * n);
    for (let m = 0; m < 80; m++) for (let c = 0; c < n; c++) data[m * n + c] = m * 1000 + c;
    return { data, nMels: 80, nFrames: n };
  }
  const startOf = (chunks: Float32Array, i: number) => chunks[i * 80 * 16];

  it('has shape [frameCount, 1, 80, 16] and copies 16 consecutive columns per row', () => {
    const mel = codedMel(200);
    const { data, shape } = wav2lipMelChunks(mel, 25, 10);
    expect(shape).toEqual([10, 1, 80, 16]);
    expect(data.length).toBe(10 * 80 * 16);
    const i = 7; // start = int(7 * 3.2) = 22
    for (let m = 0; m < 80; m++) for (let c = 0; c < 16; c++) expect(data[(i * 80 + m) * 16 + c]).toBe(m * 1000 + 22 + c);
  });

  it('starts chunk i at int(80 * i / fps) columns (25 fps and 29.97 = 30000/1001 fps)', () => {
    const mel = codedMel(100000);
    const a = wav2lipMelChunks(mel, 25, 300);
    for (let i = 0; i < 300; i++) expect(startOf(a.data, i)).toBe(Math.floor((16 * i) / 5));
    const b = wav2lipMelChunks(mel, 30000 / 1001, 3000);
    // exact integer reference: floor(80 * i * 1001 / 30000)
    for (let i = 0; i < 3000; i++) expect(startOf(b.data, i)).toBe(Math.floor((80 * 1001 * i) / 30000));
    expect(startOf(b.data, 375)).toBe(1001);
  });

  it("uses Wav2Lip's float product int(i * (80/fps)), which can fall one column short at 24000/1001", () => {
    expect(wav2lipMelStart(300, 24000 / 1001)).toBe(1000); // exact value 1001; Wav2Lip computes 1000.9999999999999
    expect(wav2lipMelStart(301, 24000 / 1001)).toBe(Math.floor((80 * 1001 * 301) / 24000));
  });

  it('takes the last 16 columns when start + 16 exceeds the mel (tail case)', () => {
    const mel = codedMel(100);
    const { data } = wav2lipMelChunks(mel, 25, 40);
    expect(startOf(data, 26)).toBe(83); // 83 + 16 = 99 <= 100: regular
    for (let i = 27; i < 40; i++) {
      expect(startOf(data, i)).toBe(84); // int(3.2 * 27) = 86, 86 + 16 > 100 -> last 16 = 84..99
      expect(data[(i * 80 + 79) * 16 + 15]).toBe(79 * 1000 + 99);
    }
  });

  it('rejects too-short mels and bad fps', () => {
    expect(() => wav2lipMelChunks(codedMel(15), 25, 1)).toThrow(UserError);
    expect(() => wav2lipMelChunks(codedMel(20), 0, 1)).toThrow(UserError);
    expect(() => wav2lipMelChunks(codedMel(20), 25, -1)).toThrow(UserError);
  });

  it('works end to end on audio: 1 s at 25 fps gives 25 chunks from an 81-column mel', () => {
    const mel = wav2lipMelSpectrogram(new Float32Array(SR));
    const { data, shape } = wav2lipMelChunks(mel, 25, 25);
    expect(shape[0]).toBe(25);
    expect(data.every((v) => v === -4)).toBe(true);
  });
});
