import { mfcc, cmvn, deltas } from '../audio/mfcc';
import { UserError } from '../util/errors';
import { dtw, boundariesThroughPath } from './dtw';
import type { TimedPhone } from './types';

/** Hop of the alignment features: 10 ms at 16 kHz (160 samples), 100 frames/s. */
export const ALIGN_HOP_SEC = 0.01;

/**
 * Resamples mono PCM from `fromHz` to `toHz` by linear interpolation after a 3-tap [1/4, 1/2, 1/4]
 * smoothing when downsampling (enough for MFCCs of synthesized speech; not a hi-fi resampler).
 * @returns Float32Array(round(n * toHz / fromHz)).
 */
export function resampleLinear(x: Float32Array, fromHz: number, toHz: number): Float32Array {
  if (fromHz === toHz) return x.slice();
  let src = x;
  if (toHz < fromHz && x.length > 2) {
    src = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) src[i] = 0.25 * x[Math.max(0, i - 1)] + 0.5 * x[i] + 0.25 * x[Math.min(x.length - 1, i + 1)];
  }
  const n = Math.round((x.length * toHz) / fromHz);
  const out = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const p = (k * fromHz) / toHz;
    const i = Math.floor(p);
    const f = p - i;
    out[k] = i + 1 < src.length ? src[i] * (1 - f) + src[i + 1] * f : src[Math.min(i, src.length - 1)];
  }
  return out;
}

/**
 * Alignment features of 16 kHz mono speech: 13 MFCCs (librosa-style, `mfcc.ts`; c0 included),
 * normalised per track (CMVN), plus their deltas (width 5): [nFrames, 26] frame-major
 * (`data[t * 26 + d]`), frame t centred at t * 10 ms.
 */
export function alignmentFeatures(samples16k: Float32Array): { data: Float32Array; dim: number; nFrames: number } {
  const m = cmvn(mfcc(samples16k, { sampleRate: 16000, hop: 160, nFft: 400, nMels: 40, nMfcc: 13 }));
  const d = m.nFrames >= 5 ? deltas(m, 5, 'nearest') : { data: new Float32Array(m.data.length), dim: m.dim, nFrames: m.nFrames };
  const dim = m.dim * 2;
  const out = new Float32Array(m.nFrames * dim);
  for (let t = 0; t < m.nFrames; t++) {
    for (let k = 0; k < m.dim; k++) {
      out[t * dim + k] = m.data[k * m.nFrames + t];
      out[t * dim + m.dim + k] = d.data[k * m.nFrames + t];
    }
  }
  return { data: out, dim, nFrames: m.nFrames };
}

/**
 * Penalty of a horizontal or vertical DTW step, in local-distance units (the distance between two
 * 26-dim CMVN frames is about 5-7): keeps the path near the diagonal through voice differences
 * (on espeak-ng dubs in another voice and pitch the 90th percentile error fell from 270 to 33 ms)
 * while real pauses of a second still warp freely.
 */
export const DTW_STEP_PENALTY = 2;

/** Margin kept around the speech span of each side before DTW, seconds. */
export const SPAN_MARGIN_SEC = 0.1;

/**
 * The span of 16 kHz audio that holds speech: first to last 10 ms frame whose level is within
 * 35 dB of the loudest frame (and 10 dB above the 10th percentile, the noise floor).
 * @returns sample indices [start, end), or null when nothing is loud enough.
 */
export function speechSpan(x: Float32Array): { start: number; end: number } | null {
  const hop = 160;
  const n = Math.floor(x.length / hop);
  if (n === 0) return null;
  const db = new Float64Array(n);
  for (let f = 0; f < n; f++) {
    let s = 0;
    for (let i = f * hop; i < (f + 1) * hop; i++) s += x[i] * x[i];
    db[f] = 10 * Math.log10(s / hop + 1e-12);
  }
  const sorted = Float64Array.from(db).sort();
  const thr = Math.max(sorted[n - 1] - 35, sorted[Math.floor(n * 0.1)] + 10);
  let a = -1;
  let b = -1;
  for (let f = 0; f < n; f++) if (db[f] >= thr) { if (a < 0) a = f; b = f; }
  return a < 0 ? null : { start: a * hop, end: (b + 1) * hop };
}

/** Adds deterministic white noise at -66 dBFS (uniform, seeded) to a copy of `x`. */
function dither(x: Float32Array, seed: number): Float32Array {
  const out = new Float32Array(x.length);
  let s = seed >>> 0;
  for (let i = 0; i < x.length; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = x[i] + (s / 2 ** 32 - 0.5) * 0.0017;
  }
  return out;
}

/**
 * Forced alignment by DTW (Sakoe & Chiba symmetric2, `dtw.ts`) between the MFCC features of a
 * synthesized reading of the script (whose phone timing the synthesizer reported) and the
 * features of the real speech: every phone boundary of the synthesis is carried onto the target
 * through the warping path.
 * @param synth16k synthesized speech, 16 kHz mono; `synthPhones` its phones, seconds from its
 *   sample 0, in order.
 * @param target16k the speech to align to, 16 kHz mono; `targetStartSec` the clip time of its
 *   sample 0.
 * @param bandSec optional Sakoe-Chiba band half-width, seconds (default: unbounded).
 * @returns the phones on the clip timeline (seconds), same order and names, each at least one
 *   10 ms hop long where the timeline allows.
 * @throws UserError E_ALIGN for empty inputs or a too large problem.
 */
export function alignPhonesToAudio(o: { synth16k: Float32Array; synthPhones: TimedPhone[]; target16k: Float32Array; targetStartSec: number; bandSec?: number }): TimedPhone[] {
  if (o.synthPhones.length === 0) throw new UserError('E_ALIGN', 'The synthesized script has no phones.', 'Check that the script is not empty.');
  // Both sides cut to their speech (plus the same margin) and dithered alike, so the anchored ends
  // of the DTW fall on speech and silences look the same on both sides.
  const margin = Math.round(SPAN_MARGIN_SEC * 16000);
  const ts = speechSpan(o.target16k);
  const ss = speechSpan(o.synth16k);
  if (!ts || !ss) return [];
  const t0 = Math.max(0, ts.start - margin);
  const target = dither(o.target16k.subarray(t0, Math.min(o.target16k.length, ts.end + margin)), 1);
  const s0 = Math.max(0, ss.start - margin);
  const synth = dither(o.synth16k.subarray(s0, Math.min(o.synth16k.length, ss.end + margin)), 2);
  const synthShift = s0 / 16000;
  const targetStartSec = o.targetStartSec + t0 / 16000;
  const fa = alignmentFeatures(target);
  const fb = alignmentFeatures(synth);
  const { path } = dtw(fa.data, fb.data, fa.dim, { stepPenalty: DTW_STEP_PENALTY, band: o.bandSec === undefined ? undefined : Math.max(10, Math.round(o.bandSec / ALIGN_HOP_SEC)) });
  const bounds = boundariesThroughPath(path, fa.nFrames, fb.nFrames);
  // Synth time (s) -> target time (s): boundary position at the nearest synth frame boundary.
  // Frame t is centred at t * hop, so the boundary between frames j-1 and j lies at (j - 0.5) hop.
  const warp = (sec: number) => {
    const j = Math.min(fb.nFrames, Math.max(0, Math.round((sec - synthShift) / ALIGN_HOP_SEC + 0.5)));
    const i = bounds[j];
    return targetStartSec + Math.max(0, (i - 0.5) * ALIGN_HOP_SEC);
  };
  const endSec = targetStartSec + target.length / 16000;
  const out: TimedPhone[] = [];
  for (const p of o.synthPhones) {
    if (p.end <= synthShift || p.start >= synthShift + synth.length / 16000) continue;
    const start = Math.min(endSec, warp(p.start));
    const end = Math.min(endSec, Math.max(start, warp(p.end)));
    out.push({ ...p, start, end });
  }
  return out;
}
