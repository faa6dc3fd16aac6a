import { describe, expect, it } from 'vitest';
import { dtw, boundariesThroughPath } from '../../src/main/phonetics/dtw';
import { alignPhonesToAudio, resampleLinear, speechSpan } from '../../src/main/phonetics/align';
import { parseSrt, parseSrtTime } from '../../src/main/phonetics/script';
import { parsePocketsphinxTimes } from '../../src/main/phonetics/pocketsphinx';
import { phonesFromEvents } from '../../src/main/phonetics/espeak';
import type { TimedPhone } from '../../src/main/phonetics/types';

/** A 1-D "feature" sequence as [n, 1]. */
const seq = (v: number[]) => Float32Array.from(v);

describe('dtw', () => {
  it('finds the warping of a stretched sequence and maps boundaries through it', () => {
    // b = [0 0 | 5 5 | 9 9]; a = b with each segment stretched differently.
    const a = seq([0, 0, 0, 0, 5, 5, 9, 9, 9]);
    const b = seq([0, 0, 5, 5, 9, 9]);
    const { path } = dtw(a, b, 1);
    expect([path[0], path[1]]).toEqual([0, 0]);
    expect([path[path.length - 2], path[path.length - 1]]).toEqual([8, 5]);
    for (let k = 2; k < path.length; k += 2) {
      expect(path[k]).toBeGreaterThanOrEqual(path[k - 2]);
      expect(path[k + 1]).toBeGreaterThanOrEqual(path[k - 1]);
    }
    const bounds = boundariesThroughPath(path, 9, 6);
    expect(bounds[2]).toBe(4); // b's segment "5" starts at a frame 4
    expect(bounds[4]).toBe(6); // b's segment "9" starts at a frame 6
    expect(bounds[0]).toBe(0);
    expect(bounds[6]).toBe(9);
  });

  it('rejects bad shapes and an impossible band with a UserError', () => {
    expect(() => dtw(seq([]), seq([1]), 1)).toThrow(/non-empty/);
    expect(() => dtw(seq([1, 2, 3]), seq([1, 2]), 2)).toThrow(/matrices/);
  });

  it('aligns synthetic "speech" (tone segments) whose segments changed length', () => {
    // Synthesized side: three tones of 0.2 s (phones A, B, C) between 0.1 s silences. Target: the
    // same tones lasting 0.35, 0.15 and 0.3 s, after 0.5 s of silence.
    const sr = 16000;
    const tone = (f: number, sec: number) => Float32Array.from({ length: Math.round(sec * sr) }, (_, i) => 0.3 * Math.sin((2 * Math.PI * f * i) / sr) + 0.1 * Math.sin((2 * Math.PI * 2.7 * f * i) / sr));
    const cat = (...xs: Float32Array[]) => { const out = new Float32Array(xs.reduce((n, x) => n + x.length, 0)); let o = 0; for (const x of xs) { out.set(x, o); o += x.length; } return out; };
    const sil = (sec: number) => new Float32Array(Math.round(sec * sr));
    const synth = cat(sil(0.1), tone(300, 0.2), tone(1200, 0.2), tone(3000, 0.2), sil(0.1));
    const target = cat(sil(0.5), tone(300, 0.35), tone(1200, 0.15), tone(3000, 0.3), sil(0.4));
    const ph = (phone: string, start: number, end: number): TimedPhone => ({ phone, start, end, viseme: 10, vowel: true });
    const out = alignPhonesToAudio({ synth16k: synth, synthPhones: [ph('A', 0.1, 0.3), ph('B', 0.3, 0.5), ph('C', 0.5, 0.7)], target16k: target, targetStartSec: 2 });
    const want = [[2.5, 2.85], [2.85, 3.0], [3.0, 3.3]];
    expect(out.map((p) => p.phone)).toEqual(['A', 'B', 'C']);
    out.forEach((p, k) => {
      expect(Math.abs(p.start - want[k][0])).toBeLessThan(0.03);
      expect(Math.abs(p.end - want[k][1])).toBeLessThan(0.03);
    });
  });

  it('finds the speech span and resamples', () => {
    const x = new Float32Array(16000);
    for (let i = 4000; i < 8000; i++) x[i] = Math.sin(i / 5) * 0.5;
    const s = speechSpan(x)!;
    expect(Math.abs(s.start - 4000)).toBeLessThanOrEqual(160);
    expect(Math.abs(s.end - 8000)).toBeLessThanOrEqual(160);
    expect(speechSpan(new Float32Array(1000))).toBeNull();
    const r = resampleLinear(Float32Array.from({ length: 22050 }, (_, i) => i / 22050), 22050, 16000);
    expect(r.length).toBe(16000);
    expect(r[8000]).toBeCloseTo(0.5, 2);
  });
});

describe('parsers', () => {
  it('parses SRT cues and times', () => {
    expect(parseSrtTime('00:01:02,500')).toBe(62.5);
    const cues = parseSrt('\uFEFF1\r\n00:00:01,000 --> 00:00:02,500\r\n<i>Hello</i> there\r\nfriend\r\n\r\n2\n00:00:03,000 --> 00:00:04,000\nBye.\n');
    expect(cues).toEqual([{ text: 'Hello there friend', start: 1, end: 2.5 }, { text: 'Bye.', start: 3, end: 4 }]);
    expect(() => parseSrt('1\n00:00:02,000 --> 00:00:01,000\nx\n')).toThrow(/timing/);
    expect(() => parseSrt('just text')).toThrow(/no cues/);
  });

  it('parses pocketsphinx -time output (end = start of the last 10 ms frame)', () => {
    const out = 'SIL B AE\nSIL 0.000 0.020 1.000000\nB 0.030 0.110 0.98\nAE 0.120 0.190 1.000000\n+SPN+ 0.200 0.290 1.0\n';
    const p = parsePocketsphinxTimes(out);
    expect(p.map((x) => x.phone)).toEqual(['SIL', 'B', 'AE']);
    expect(p[1].start).toBeCloseTo(0.03, 6);
    expect(p[1].end).toBeCloseTo(0.12, 6);
    expect(p[1].viseme).toBe(1);
    expect(p[2].vowel).toBe(true);
  });

  it('turns espeak-ng phoneme events into timed phones', () => {
    const { phones, wordStarts } = phonesFromEvents([[0, '#word'], [220, 'b'], [1100, 'ɑː'], [4410, 'b'], [5000, '']], 22050, 6000);
    expect(phones.map((p) => p.phone)).toEqual(['b', 'ɑː', 'b', '_']);
    expect(phones[0].start).toBeCloseTo(0.00998, 4);
    expect(phones[1].end).toBeCloseTo(0.2, 6);
    expect(phones[3].viseme).toBe(0);
    expect(wordStarts).toEqual([0]);
  });
});
