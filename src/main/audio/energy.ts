import { UserError } from '../util/errors';
import { checkFps, checkFrameCount, frameSampleIndex } from './frame-time';
import { requireFinite } from './stft';

/** Per-video-frame window options shared by the energy functions. */
export interface FrameEnergyOptions {
  /** Video frame rate as an exact fraction, e.g. 30000/1001. */
  fpsNum: number;
  fpsDen: number;
  /** Number of video frames; the output has this length whatever the audio length. */
  frameCount: number;
  /** Analysis window length in seconds, centred on each frame time. Default 0.04 (40 ms). */
  windowSec?: number;
  /** Default 16000 Hz. */
  sampleRate?: number;
}

/** RMS floor (1e-5 = -100 dBFS) applied before taking logs, so digital silence stays finite. */
export const RMS_FLOOR = 1e-5;

/**
 * Mean square of the audio in a rectangular window of `N = max(1, round(windowSec * sr))` samples
 * centred on each video frame time: samples `[c - floor(N/2), c - floor(N/2) + N)` with
 * `c = frameSampleIndex(i)` (round(t_i * sr), exact). Samples outside the audio count as zeros
 * (the sum is still divided by N). Returns `[frameCount]` float64.
 *
 * @throws UserError `E_AUDIO_PARAM` for bad options, `E_AUDIO_NOT_FINITE` for NaN/Inf samples.
 */
export function meanSquarePerFrame(samples: Float32Array, opts: FrameEnergyOptions): Float64Array {
  const { fpsNum, fpsDen, frameCount } = opts;
  const sr = opts.sampleRate ?? 16000;
  const windowSec = opts.windowSec ?? 0.04;
  checkFps(fpsNum, fpsDen);
  checkFrameCount(frameCount);
  if (!(windowSec > 0) || !Number.isFinite(windowSec)) {
    throw new UserError('E_AUDIO_PARAM', `windowSec must be > 0 seconds, got ${windowSec}.`, 'Pass e.g. 0.04.');
  }
  requireFinite(samples);
  const n = Math.max(1, Math.round(windowSec * sr));
  // Prefix sums of x^2 in float64 for O(1) windows.
  const cum = new Float64Array(samples.length + 1);
  for (let i = 0; i < samples.length; i++) cum[i + 1] = cum[i] + samples[i] * samples[i];
  const out = new Float64Array(frameCount);
  for (let f = 0; f < frameCount; f++) {
    const a = frameSampleIndex(f, fpsNum, fpsDen, sr) - Math.floor(n / 2);
    const lo = Math.min(samples.length, Math.max(0, a));
    const hi = Math.min(samples.length, Math.max(0, a + n));
    out[f] = Math.max(0, cum[hi] - cum[lo]) / n;
  }
  return out;
}

/**
 * Log RMS envelope sampled at the video frames: `ln(max(rms_i, 1e-5))` where `rms_i` is the RMS
 * of the `windowSec` (default 40 ms) window centred on frame `i` (`meanSquarePerFrame`).
 * Natural log; full-scale sine ~ -0.35, digital silence = ln(1e-5) ~ -11.51. Used as the audio
 * side of the mouth-opening lip-sync proxy (Pearson correlation vs. lip gap).
 *
 * Input: mono PCM `[nSamples]` at `sampleRate` (default 16 kHz). Output: `[frameCount]` float32.
 *
 * @throws UserError as `meanSquarePerFrame`.
 */
export function logRmsEnvelope(samples: Float32Array, opts: FrameEnergyOptions): Float32Array {
  const ms = meanSquarePerFrame(samples, opts);
  const out = new Float32Array(ms.length);
  for (let i = 0; i < ms.length; i++) out[i] = Math.log(Math.max(RMS_FLOOR, Math.sqrt(ms[i])));
  return out;
}

/**
 * Per-video-frame energy in dBFS: `20*log10(max(rms_i, 1e-5))` over the window of
 * `meanSquarePerFrame` (default 40 ms centred on the frame). Range [-100, ~0]; a full-scale sine
 * is -3.01 dBFS. Output `[frameCount]` float32.
 *
 * @throws UserError as `meanSquarePerFrame`.
 */
export function energyPerFrame(samples: Float32Array, opts: FrameEnergyOptions): Float32Array {
  const ms = meanSquarePerFrame(samples, opts);
  const out = new Float32Array(ms.length);
  for (let i = 0; i < ms.length; i++) out[i] = 20 * Math.log10(Math.max(RMS_FLOOR, Math.sqrt(ms[i])));
  return out;
}

/** Options of `silenceFlags`. */
export interface SilenceOptions extends FrameEnergyOptions {
  /** Frames below this level are always silent, dBFS. Default -50. */
  absoluteDb?: number;
  /** Frames more than this many dB below the track's loud level (95th percentile) are silent. Default 35. */
  relativeDb?: number;
}

/**
 * A simple per-video-frame silence flag (1 = silent) for "silence selects a closed mouth":
 * frame `i` is silent when `energyPerFrame[i] < max(absoluteDb, p95 - relativeDb)`, `p95` being
 * the 95th percentile (nearest rank) of the frame energies inside the audio. Energy-only, no
 * smoothing: a 40 ms window also flags stop closures (p/b/m) as silent, which is the mouth
 * shape wanted there. Frames past the end of the audio are silent. Combine with `detectSpeech`
 * (VAD) when noise or music may be present.
 *
 * Output: `[frameCount]` Uint8Array of 0/1.
 *
 * @throws UserError as `meanSquarePerFrame`.
 */
export function silenceFlags(samples: Float32Array, opts: SilenceOptions): Uint8Array {
  const absoluteDb = opts.absoluteDb ?? -50;
  const relativeDb = opts.relativeDb ?? 35;
  const db = energyPerFrame(samples, opts);
  const sr = opts.sampleRate ?? 16000;
  // Frames whose centre lies inside the audio define the loud level.
  const inside: number[] = [];
  for (let i = 0; i < db.length; i++) {
    if (frameSampleIndex(i, opts.fpsNum, opts.fpsDen, sr) < samples.length) inside.push(db[i]);
  }
  inside.sort((a, b) => a - b);
  const p95 = inside.length > 0 ? inside[Math.min(inside.length - 1, Math.ceil(0.95 * inside.length) - 1)] : -Infinity;
  const threshold = Math.max(absoluteDb, p95 - relativeDb);
  const out = new Uint8Array(db.length);
  for (let i = 0; i < db.length; i++) out[i] = db[i] < threshold ? 1 : 0;
  return out;
}
