import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { detectSpeech, loadSileroVad, runVad, sileroModelPath, speechSegmentsFromProbs, vadProbabilities } from '../../src/main/audio/vad';
import { UserError } from '../../src/main/util/errors';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MEDIA = path.resolve(REPO_ROOT, '../shared/media');
const DUB = path.join(MEDIA, 'dub-a.wav');
const FFMPEG = '/usr/bin/ffmpeg';
const haveDub = existsSync(DUB) && existsSync(FFMPEG);
if (!haveDub) console.warn(`audio-vad: skipping real-speech tests: ${DUB} or ${FFMPEG} is absent`);

/** Decodes a file to 16 kHz mono float32 with ffmpeg (test-only; decoding is not this module's job). */
function decode16k(file: string): Float32Array {
  const r = spawnSync(FFMPEG, ['-v', 'error', '-i', file, '-f', 'f32le', '-ac', '1', '-ar', '16000', '-'], { maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr.toString()}`);
  const b = r.stdout;
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function lowNoise(seconds: number, rms: number, seed = 1): Float32Array {
  const x = new Float32Array(seconds * 16000);
  let s = seed;
  for (let i = 0; i < x.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    x[i] = ((s / 2147483648) * 2 - 1) * rms * Math.sqrt(3);
  }
  return x;
}

const covered = (segs: { start: number; end: number }[]) => segs.reduce((a, s) => a + (s.end - s.start), 0);

describe('speechSegmentsFromProbs (silero get_speech_timestamps hysteresis)', () => {
  it('starts at threshold, bridges short dips and values between the thresholds, drops short bursts, pads', () => {
    const p: number[] = [];
    const put = (v: number, n: number) => p.push(...new Array<number>(n).fill(v));
    put(0.1, 5); // 0-4
    put(0.9, 20); // 5-24: speech starts at window 5 (2560 samples)
    put(0.4, 5); // between negThreshold and threshold: still speech
    put(0.1, 5); // 160 ms dip < minSilence 300 ms: bridged
    put(0.9, 10); // 35-44
    put(0.1, 35); // 45-79: ends the segment at 45 * 512 = 23040
    put(0.9, 5); // 80-84: 160 ms burst < minSpeech 250 ms: dropped
    put(0.1, 35); // 85-119
    put(0.9, 20); // 120-139: runs to the end of the audio
    const nSamples = 140 * 512 - 100;
    const segs = speechSegmentsFromProbs(p, nSamples);
    expect(segs).toEqual([
      { start: (2560 - 1600) / 16000, end: (23040 + 1600) / 16000 },
      { start: (61440 - 1600) / 16000, end: nSamples / 16000 },
    ]);
  });

  it('splits a gap shorter than 2*pad between neighbours', () => {
    const p = [...new Array<number>(20).fill(0.9), ...new Array<number>(10).fill(0.1), ...new Array<number>(20).fill(0.9)];
    const segs = speechSegmentsFromProbs(p, 50 * 512, { minSilenceSec: 0.1, padSec: 0.2 });
    expect(segs).toEqual([
      { start: 0, end: 0.8 },
      { start: 0.8, end: 1.6 },
    ]);
  });

  it('finds nothing in all-low probabilities and validates thresholds', () => {
    expect(speechSegmentsFromProbs(new Float32Array(100).fill(0.49), 51200)).toEqual([]);
    expect(() => speechSegmentsFromProbs([0.9], 512, { threshold: 0.3, negThreshold: 0.5 })).toThrow(UserError);
    expect(() => speechSegmentsFromProbs([0.9], 512, { minSpeechSec: -1 })).toThrow(UserError);
  });
});

describe('Silero VAD model loading', () => {
  it('resolves the model files inside the installed package', () => {
    for (const m of ['v5', 'legacy'] as const) {
      const f = sileroModelPath(m);
      expect(existsSync(f)).toBe(true);
      expect(f).toMatch(/@ricky0123[\\/]vad-web[\\/]dist[\\/]silero_vad_/);
    }
  });

  it('caches the session and checks input/output names', async () => {
    const a = await loadSileroVad('v5');
    const b = await loadSileroVad('v5');
    expect(a.session).toBe(b.session);
    expect(a.session.inputNames).toEqual(expect.arrayContaining(['input', 'state', 'sr']));
    // The legacy file has h/c instead of state: loading it as v5 must fail clearly.
    await expect(loadSileroVad('v5', sileroModelPath('legacy'))).rejects.toMatchObject({ code: 'E_VAD_MODEL' });
    await expect(loadSileroVad('v5', '/nonexistent/model.onnx')).rejects.toBeInstanceOf(UserError);
  });
});

describe('Silero VAD on audio', () => {
  it('reproduces silero-vad OnnxWrapper probabilities (64-sample context, carried state) on a synthetic voice', async () => {
    // 1.5 s of a 12-harmonic 140 Hz buzz with vibrato, 4 Hz syllable envelope. Reference values from
    // Python onnxruntime 1.30 running the same .onnx files with silero-vad's utils_vad.OnnxWrapper
    // logic (v5: input = [64 context samples | 512 window], state [2,1,128]; legacy: h/c [2,1,64]).
    const x = new Float32Array(24000);
    for (let n = 0; n < x.length; n++) {
      const t = n / 16000;
      let v = 0;
      for (let h = 1; h <= 12; h++) v += Math.sin(2 * Math.PI * h * (140 * t - (20 / (2 * Math.PI * 3)) * Math.cos(2 * Math.PI * 3 * t))) / h;
      x[n] = 0.2 * v * Math.max(0, Math.sin(2 * Math.PI * 4 * t)) ** 2;
    }
    const refV5 = [
      0.3993, 0.5867, 0.7979, 0.8173, 0.6409, 0.2294, 0.051, 0.0171, 0.7689, 0.9095, 0.9395, 0.9064, 0.7491, 0.2866, 0.098, 0.1818, 0.8777,
      0.9465, 0.9538, 0.9445, 0.7852, 0.3477, 0.1071, 0.3268, 0.9081, 0.928, 0.9484, 0.4477, 0.4386, 0.1353, 0.0199, 0.2835, 0.8908, 0.8877,
      0.9025, 0.8761, 0.5489, 0.214, 0.0388, 0.5664, 0.9713, 0.9773, 0.9692, 0.9571, 0.7081, 0.3159, 0.0626,
    ];
    const refLegacy = [
      0.1208, 0.0393, 0.0229, 0.0293, 0.1868, 0.1931, 0.1462, 0.1708, 0.8256, 0.9043, 0.8793, 0.5959, 0.6285, 0.7801, 0.6308, 0.4996, 0.9066,
      0.9166, 0.8713, 0.3703, 0.4822, 0.6273, 0.5212, 0.4849, 0.8877, 0.8915, 0.8477, 0.3009, 0.4375, 0.5518, 0.4881, 0.5464, 0.8759, 0.883,
      0.8327, 0.2824, 0.4045, 0.5455, 0.4984, 0.6128, 0.8088, 0.7678, 0.7184, 0.7185, 0.6122, 0.4778, 0.3235,
    ];
    const v5 = (await vadProbabilities(x)).probs;
    const legacy = (await vadProbabilities(x, { model: 'legacy' })).probs;
    expect(v5.length).toBe(47);
    refV5.forEach((p, i) => expect(Math.abs(v5[i] - p)).toBeLessThan(2e-3));
    refLegacy.forEach((p, i) => expect(Math.abs(legacy[i] - p)).toBeLessThan(2e-3));
  });

  it('gives one probability per 512-sample window and none for silence or low noise', async () => {
    const silence = new Float32Array(3 * 16000);
    const r = await runVad(silence);
    expect(r.probs.length).toBe(Math.ceil(silence.length / 512));
    expect(r.windowSec).toBeCloseTo(0.032, 12);
    expect(r.segments).toEqual([]);
    expect(await detectSpeech(lowNoise(3, 0.001))).toEqual([]); // -60 dBFS white noise
    expect(await detectSpeech(lowNoise(3, 0.001), { model: 'legacy' })).toEqual([]);
    expect((await vadProbabilities(new Float32Array(0))).probs.length).toBe(0);
  });

  it.skipIf(!haveDub)(`finds speech covering most of ${DUB} (skipped when ../shared/media is absent)`, async () => {
    const x = decode16k(DUB);
    const dur = x.length / 16000;
    expect(dur).toBeGreaterThan(4);
    const { segments, probs } = await runVad(x);
    expect(covered(segments)).toBeGreaterThan(0.8 * dur);
    expect(probs.reduce((a, v) => a + v, 0) / probs.length).toBeGreaterThan(0.6);
    const legacy = await detectSpeech(x, { model: 'legacy' });
    expect(covered(legacy)).toBeGreaterThan(0.7 * dur);
  });

  it.skipIf(!haveDub)('finds the gap when 2 s of near-silence are spliced into the speech', async () => {
    const x = decode16k(DUB);
    const cut = 2 * 16000;
    const spliced = new Float32Array(x.length + cut);
    spliced.set(x.subarray(0, cut), 0);
    spliced.set(lowNoise(2, 0.0005), cut);
    spliced.set(x.subarray(cut), 2 * cut);
    const segs = await detectSpeech(spliced);
    // Nothing may cover the middle of the inserted pause (2.0 .. 4.0 s, allowing padding and model hangover).
    for (const s of segs) expect(s.end <= 2.5 || s.start >= 3.8).toBe(true);
    expect(segs.some((s) => s.end <= 2.5)).toBe(true);
    expect(segs.some((s) => s.start >= 3.8)).toBe(true);
    expect(covered(segs)).toBeGreaterThan(0.6 * (spliced.length / 16000 - 2));
  });
});
