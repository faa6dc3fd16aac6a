import { describe, expect, it } from 'vitest';
import {
  audioContextFeatures,
  energyPerFrame,
  featureWindowForFrame,
  frameSampleIndex,
  frameTimeSec,
  logRmsEnvelope,
  silenceFlags,
} from '../../src/main/audio/frames';
import { UserError } from '../../src/main/util/errors';

const SR = 16000;

/** 0.5-amplitude 1 kHz tone from `on` to `off` seconds (starting at phase 0), silence elsewhere. */
function toneBurst(totalSec: number, on: number, off: number, amp = 0.5): Float32Array {
  const x = new Float32Array(Math.round(totalSec * SR));
  for (let i = Math.round(on * SR); i < Math.round(off * SR); i++) x[i] = amp * Math.sin((2 * Math.PI * 1000 * (i - on * SR)) / SR);
  return x;
}

describe('frame timing', () => {
  it('frameTimeSec is i * den / num, exact for NTSC rates', () => {
    expect(frameTimeSec(0, 30000, 1001)).toBe(0);
    expect(frameTimeSec(25, 25, 1)).toBe(1);
    expect(frameTimeSec(30000, 30000, 1001)).toBe(1001);
    expect(frameTimeSec(1, 30000, 1001)).toBe(1001 / 30000);
    expect(frameTimeSec(3, 24000, 1001)).toBe(3003 / 24000);
  });

  it('frameSampleIndex rounds t * sr exactly', () => {
    expect(frameSampleIndex(2, 25, 1, SR)).toBe(1280);
    expect(frameSampleIndex(1, 30000, 1001, SR)).toBe(534); // 533.8666...
    expect(frameSampleIndex(3, 30000, 1001, SR)).toBe(1602); // 1601.6
  });

  it('rejects bad indices and rates', () => {
    expect(() => frameTimeSec(-1, 25, 1)).toThrow(UserError);
    expect(() => frameTimeSec(1.5, 25, 1)).toThrow(UserError);
    expect(() => frameTimeSec(1, 29.97, 1)).toThrow(UserError);
    expect(() => frameTimeSec(1, 25, 0)).toThrow(UserError);
  });
});

describe('featureWindowForFrame', () => {
  it('centres 2*half+1 columns on round(t * sr / hop)', () => {
    expect(featureWindowForFrame({ frameIndex: 10, fpsNum: 25, fpsDen: 1, contextSec: 0.2 })).toEqual({ centre: 40, start: 20, end: 61 });
    expect(featureWindowForFrame({ frameIndex: 0, fpsNum: 25, fpsDen: 1, contextSec: 0.1 })).toEqual({ centre: 0, start: -10, end: 11 });
    // 29.97 fps, frame 1 at 33.37 ms -> column 3 (3.3367 rounds down)
    expect(featureWindowForFrame({ frameIndex: 1, fpsNum: 30000, fpsDen: 1001, contextSec: 0.05 })).toEqual({ centre: 3, start: -2, end: 9 });
  });

  it('rounds exact halves up using the exact rational (frame 150 at 30000/1001 is column 500.5)', () => {
    expect(featureWindowForFrame({ frameIndex: 150, fpsNum: 30000, fpsDen: 1001, contextSec: 0 }).centre).toBe(501);
    expect(featureWindowForFrame({ frameIndex: 149, fpsNum: 30000, fpsDen: 1001, contextSec: 0 }).centre).toBe(497); // 497.163
  });

  it('works for other hops (Wav2Lip mel: hop 200 -> 80 columns/s)', () => {
    expect(featureWindowForFrame({ frameIndex: 5, fpsNum: 25, fpsDen: 1, contextSec: 0.1, hop: 200 })).toEqual({ centre: 16, start: 8, end: 25 });
  });

  it('rejects negative context', () => {
    expect(() => featureWindowForFrame({ frameIndex: 0, fpsNum: 25, fpsDen: 1, contextSec: -0.1 })).toThrow(UserError);
  });
});

describe('logRmsEnvelope / energyPerFrame / silenceFlags', () => {
  const x = toneBurst(3, 1, 2); // 25 fps -> frames 25..50 are inside the burst
  const opts = { fpsNum: 25, fpsDen: 1, frameCount: 75 };

  it('logRmsEnvelope follows a tone burst: ln(A/sqrt2) inside, ln(1e-5) outside, ln(A/2) at the onset', () => {
    const env = logRmsEnvelope(x, opts);
    expect(env.length).toBe(75);
    for (let i = 0; i < 24; i++) expect(env[i]).toBeCloseTo(Math.log(1e-5), 5);
    for (let i = 26; i < 50; i++) expect(env[i]).toBeCloseTo(Math.log(0.5 / Math.SQRT2), 4);
    // Frame 25 sits on the onset: half of its 40 ms (= 20 whole periods) has the tone.
    expect(env[25]).toBeCloseTo(Math.log(0.25), 4);
    for (let i = 51; i < 75; i++) expect(env[i]).toBeCloseTo(Math.log(1e-5), 5);
  });

  it('windowSec changes the window: 0.2 s at frame 24 (0.96 s) reaches 0.06 s into the burst', () => {
    const env = logRmsEnvelope(x, { ...opts, windowSec: 0.2 });
    // window [0.86, 1.06): 0.06 s of tone out of 0.2 s -> mean square 0.125 * 0.3
    expect(env[24]).toBeCloseTo(0.5 * Math.log(0.125 * 0.3), 4);
  });

  it('energyPerFrame is dBFS: a full-scale sine is -3.01 dBFS, silence -100', () => {
    const full = toneBurst(1, 0, 1, 1);
    const db = energyPerFrame(full, { fpsNum: 25, fpsDen: 1, frameCount: 30 });
    expect(db[10]).toBeCloseTo(-10 * Math.log10(2), 4);
    expect(db[29]).toBe(-100); // past the end of the audio
  });

  it('silenceFlags marks the quiet frames (also with a -70 dBFS noise floor) and frames past the audio', () => {
    const noisy = x.slice();
    let s = 7;
    for (let i = 0; i < noisy.length; i++) {
      s = (s * 1103515245 + 12345) % 2147483648;
      noisy[i] += ((s / 2147483648) * 2 - 1) * 0.000548; // uniform: rms 3.2e-4 = -70 dBFS
    }
    const flags = silenceFlags(noisy, { ...opts, frameCount: 90 });
    for (let i = 0; i < 24; i++) expect(flags[i]).toBe(1);
    for (let i = 25; i <= 50; i++) expect(flags[i]).toBe(0);
    for (let i = 52; i < 90; i++) expect(flags[i]).toBe(1);
    // A quiet but real signal 30 dB below the loud level still counts as sound (relative threshold 35 dB).
    const quiet = toneBurst(3, 1, 2, 0.5 * 10 ** (-30 / 20));
    const both = x.map((v, i) => (i < 1 * SR ? quiet[i + SR] : v));
    expect(silenceFlags(both, opts)[10]).toBe(0);
  });

  it('rejects bad options', () => {
    expect(() => logRmsEnvelope(x, { ...opts, windowSec: 0 })).toThrow(UserError);
    expect(() => logRmsEnvelope(x, { ...opts, frameCount: -1 })).toThrow(UserError);
  });
});

describe('audioContextFeatures', () => {
  // Speech-like test signal: 1 s silence, then alternating 150 ms bursts of a low and a high tone.
  function signal(gain = 1): Float32Array {
    const x = new Float32Array(4 * SR);
    for (let i = SR; i < 3 * SR; i++) {
      const seg = Math.floor((i - SR) / (0.15 * SR));
      const f = seg % 2 === 0 ? 300 : 2500;
      x[i] = gain * 0.3 * Math.sin((2 * Math.PI * f * i) / SR);
    }
    return x;
  }
  const opts = { fpsNum: 25, fpsDen: 1, frameCount: 100 };

  it('returns [frameCount, subWindows * 26] with c0..c12 and deltas per sub-window', () => {
    const f = audioContextFeatures(signal(), opts);
    expect(f.dim).toBe(5 * 26);
    expect(f.featureDim).toBe(26);
    expect(f.data.length).toBe(100 * 130);
    expect(f.data.every(Number.isFinite)).toBe(true);
    const noC0 = audioContextFeatures(signal(), { ...opts, includeC0: false, subWindows: 3 });
    expect(noC0.dim).toBe(3 * 24);
  });

  it('keeps temporal order inside the window: at the onset the last sub-window is louder (c0) than the first', () => {
    const f = audioContextFeatures(signal(), opts);
    const at = (frame: number, sub: number, feat: number) => f.data[frame * f.dim + sub * f.featureDim + feat];
    const onset = 25; // t = 1.0 s: window 0.8 .. 1.2 s, silence then tone
    expect(at(onset, 4, 0)).toBeGreaterThan(at(onset, 0, 0) + 1);
    const offset = 75; // t = 3.0 s: tone then silence
    expect(at(offset, 0, 0)).toBeGreaterThan(at(offset, 4, 0) + 1);
    // Deep in silence all sub-windows look alike.
    expect(Math.abs(at(5, 0, 0) - at(5, 4, 0))).toBeLessThan(1e-6);
  });

  it('is normalised per track: a 20 dB louder copy gives the same features', () => {
    const a = audioContextFeatures(signal(1), opts);
    const b = audioContextFeatures(signal(10), opts);
    let maxDiff = 0;
    for (let i = 0; i < a.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a.data[i] - b.data[i]));
    expect(maxDiff).toBeLessThan(1e-3);
  });

  it('handles audio shorter than the video (treated as trailing silence)', () => {
    const short = signal().subarray(0, 2 * SR);
    const f = audioContextFeatures(short, opts);
    expect(f.data.length).toBe(100 * 130);
    expect(f.data.every(Number.isFinite)).toBe(true);
  });

  it('rejects a context too short for the sub-windows', () => {
    expect(() => audioContextFeatures(signal(), { ...opts, contextSec: 0.01, subWindows: 5 })).toThrow(UserError);
  });
});
