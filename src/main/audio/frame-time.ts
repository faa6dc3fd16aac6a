import { UserError } from '../util/errors';
import { framesToSeconds } from '../../shared/time';

/**
 * Video frame timing shared by the per-frame audio features. Frame `i` of a stream at
 * `fpsNum/fpsDen` frames per second is presented at `t_i = i * fpsDen / fpsNum` seconds on the
 * clip timeline (sample 0 of the 16 kHz audio at 0 s); every per-frame feature window is centred
 * on that instant. Index math uses exact integer products (safe below 2^53) and one rounding.
 */

/** Rounds the exact rational `p/q` (p >= 0, q > 0 integers) half up: `floor((2p + q) / (2q))`. */
export function roundRatio(p: number, q: number): number {
  return Math.floor((2 * p + q) / (2 * q));
}

/**
 * Checks a frame rate given as an exact fraction (`30000/1001` for 29.97 fps).
 *
 * @throws UserError `E_AUDIO_PARAM` unless both are positive integers.
 */
export function checkFps(fpsNum: number, fpsDen: number): void {
  if (!Number.isInteger(fpsNum) || !Number.isInteger(fpsDen) || fpsNum < 1 || fpsDen < 1) {
    throw new UserError(
      'E_AUDIO_PARAM',
      `Frame rate must be a fraction of positive integers, got ${fpsNum}/${fpsDen}.`,
      'Pass the stream frame rate as fpsNum/fpsDen, e.g. 30000/1001 or 25/1.',
    );
  }
}

/**
 * Presentation time of video frame `frameIndex`, seconds: `frameIndex * fpsDen / fpsNum`
 * (`framesToSeconds` of shared/time.ts, with the arguments checked: one correctly rounded float64
 * division of exact integers, so e.g. frame 30000 at 30000/1001 is exactly 1001 s).
 *
 * @throws UserError `E_AUDIO_PARAM` for a negative / non-integer frame index or a bad frame rate.
 */
export function frameTimeSec(frameIndex: number, fpsNum: number, fpsDen: number): number {
  checkFps(fpsNum, fpsDen);
  checkFrameIndex(frameIndex);
  return framesToSeconds(frameIndex, fpsNum, fpsDen);
}

/**
 * Index of the audio sample at video frame `frameIndex`'s time: `round(t_i * sampleRate)`,
 * computed exactly as `roundRatio(frameIndex * fpsDen * sampleRate, fpsNum)` (halves round up).
 *
 * @throws UserError `E_AUDIO_PARAM` as `frameTimeSec`, or for a non-integer sample rate.
 */
export function frameSampleIndex(frameIndex: number, fpsNum: number, fpsDen: number, sampleRate: number): number {
  checkFps(fpsNum, fpsDen);
  checkFrameIndex(frameIndex);
  checkRate(sampleRate);
  return roundRatio(frameIndex * fpsDen * sampleRate, fpsNum);
}

/** Where a video frame's context window falls in a feature matrix with a fixed hop. */
export interface FeatureWindow {
  /** Column whose centre is nearest the frame time: `round(t_i * sampleRate / hop)` (exact, halves up). */
  centre: number;
  /** First column, `centre - half`, `half = Math.round(contextSec * sampleRate / hop)`. May be < 0. */
  start: number;
  /** One past the last column, `centre + half + 1`. May exceed the matrix; clamp per column. */
  end: number;
}

/**
 * Feature-column range for video frame `frameIndex` with a context of ±`contextSec` seconds,
 * for features whose column `j` is centred at `j * hop / sampleRate` seconds (centred STFT:
 * `stft`, `logMelSpectrogram`, `mfcc` with `center: true`). The window always has
 * `2*half + 1` columns, `half = Math.round(contextSec * sampleRate / hop)` (float64), centred on
 * `centre = round(frameIndex * fpsDen * sampleRate / (fpsNum * hop))` (exact rational, halves up).
 * Columns outside `[0, nColumns)` are the caller's to clamp (edge replication) or zero.
 *
 * Example: 25 fps, hop 160 @ 16 kHz (100 columns/s), contextSec 0.2: frame 10 (0.4 s) ->
 * centre 40, columns [20, 61).
 *
 * @throws UserError `E_AUDIO_PARAM` for a bad frame index / rate, a non-integer sample rate or
 *   hop, or a negative / non-finite `contextSec`.
 */
export function featureWindowForFrame(opts: {
  frameIndex: number;
  fpsNum: number;
  fpsDen: number;
  contextSec: number;
  /** Default 16000 Hz. */
  sampleRate?: number;
  /** Feature hop in samples. Default 160 (10 ms at 16 kHz). */
  hop?: number;
}): FeatureWindow {
  const { frameIndex, fpsNum, fpsDen, contextSec } = opts;
  const sampleRate = opts.sampleRate ?? 16000;
  const hop = opts.hop ?? 160;
  checkFps(fpsNum, fpsDen);
  checkFrameIndex(frameIndex);
  checkRate(sampleRate);
  if (!Number.isInteger(hop) || hop < 1) {
    throw new UserError('E_AUDIO_PARAM', `hop must be a positive integer, got ${hop}.`, 'Pass the feature hop in samples, e.g. 160.');
  }
  if (!(contextSec >= 0) || !Number.isFinite(contextSec)) {
    throw new UserError('E_AUDIO_PARAM', `contextSec must be >= 0 seconds, got ${contextSec}.`, 'Pass e.g. 0.2.');
  }
  const centre = roundRatio(frameIndex * fpsDen * sampleRate, fpsNum * hop);
  const half = Math.round((contextSec * sampleRate) / hop);
  return { centre, start: centre - half, end: centre + half + 1 };
}

/** @internal */
export function checkFrameCount(frameCount: number): void {
  if (!Number.isInteger(frameCount) || frameCount < 0) {
    throw new UserError('E_AUDIO_PARAM', `frameCount must be a non-negative integer, got ${frameCount}.`, 'Pass the number of video frames.');
  }
}

function checkFrameIndex(i: number): void {
  if (!Number.isInteger(i) || i < 0) {
    throw new UserError('E_AUDIO_PARAM', `Frame index must be a non-negative integer, got ${i}.`, 'Frame indices start at 0.');
  }
}

function checkRate(sr: number): void {
  if (!Number.isInteger(sr) || sr < 1) {
    throw new UserError('E_AUDIO_PARAM', `Sample rate must be a positive integer (Hz), got ${sr}.`, 'Pass e.g. 16000.');
  }
}
