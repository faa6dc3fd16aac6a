import { UserError } from '../util/errors';
import { checkFps, checkFrameCount, featureWindowForFrame, frameTimeSec } from './frame-time';
import { cmvn, deltas, mfcc } from './mfcc';

/** Options of `audioContextFeatures`. */
export interface AudioContextOptions {
  /** Video frame rate as an exact fraction, e.g. 30000/1001. */
  fpsNum: number;
  fpsDen: number;
  /** Number of video frames; rows of the output. */
  frameCount: number;
  /** Half-width of the context around each frame time, seconds. Default 0.2 (±200 ms). */
  contextSec?: number;
  /** Number of consecutive sub-windows the context is split into (temporal order kept). Default 5. */
  subWindows?: number;
  /** Keep c0 (track-normalised log energy) as the first coefficient. Default true. */
  includeC0?: boolean;
}

/** Audio feature settings of `audioContextFeatures` (16 kHz input). */
export const AUDIO_CONTEXT_FEATURES = {
  sampleRate: 16000,
  nFft: 400,
  hop: 160,
  nMels: 40,
  nMfcc: 13,
  deltaWidth: 9,
} as const;

/**
 * Per-video-frame, speaker/channel-normalised descriptor of the audio around each frame.
 *
 * Features (100 columns/s): MFCC c0..c12 (`mfcc`: 16 kHz, n_fft 400 / hop 160 / 25 ms Hann,
 * 40 Slaney mels over 0-8 kHz, power_to_db with top_db 80, DCT-II ortho), plus their regression
 * deltas (`deltas`, width 9, 'interp' edges; 'nearest' below 9 columns). Both are normalised by
 * `cmvn` over the columns covering the given audio (per-track mean 0 / std 1, which removes the
 * speaker's / channel's average spectral envelope and level, including c0's). With
 * `includeC0: false` c0 and its delta are dropped (F = 24), else F = 26, ordered
 * `[c0..c12, d0..d12]`.
 *
 * Pooling: for frame `i` the window is `featureWindowForFrame` (±`contextSec`, `W = 2*half+1`
 * columns centred on `round(t_i * 100)`), split into `S = subWindows` consecutive parts with
 * boundaries `start + floor(k*W/S)`, k = 0..S; each part is averaged. Columns before 0 or after
 * the track's end are clamped to the first/last column; audio shorter than the video is
 * zero-padded first (so trailing frames describe silence).
 *
 * Output: `{ data, frameCount, dim }`, `[frameCount, dim]` row-major, `dim = S * F`, with
 * `data[i*dim + s*F + f]` = mean of feature `f` over sub-window `s` (s = 0 earliest) of frame `i`.
 *
 * @throws UserError `E_AUDIO_PARAM` for bad frame rate / count / contextSec / subWindows, or when
 *   the window has fewer columns than `subWindows`; `E_AUDIO_EMPTY` / `E_AUDIO_NOT_FINITE` from
 *   the MFCC front end.
 */
export function audioContextFeatures(
  samples: Float32Array,
  opts: AudioContextOptions,
): { data: Float32Array; frameCount: number; dim: number; subWindows: number; featureDim: number } {
  const { fpsNum, fpsDen, frameCount } = opts;
  const contextSec = opts.contextSec ?? 0.2;
  const subWindows = opts.subWindows ?? 5;
  const includeC0 = opts.includeC0 ?? true;
  const p = AUDIO_CONTEXT_FEATURES;
  checkFps(fpsNum, fpsDen);
  checkFrameCount(frameCount);
  if (!Number.isInteger(subWindows) || subWindows < 1) {
    throw new UserError('E_AUDIO_PARAM', `subWindows must be a positive integer, got ${subWindows}.`, 'Use e.g. 3 or 5.');
  }
  if (samples.length === 0) throw new UserError('E_AUDIO_EMPTY', 'Audio has no samples.', 'Pass a non-empty audio track.');
  // Window geometry (also validates contextSec).
  const w0 = featureWindowForFrame({ frameIndex: 0, fpsNum, fpsDen, contextSec, sampleRate: p.sampleRate, hop: p.hop });
  const width = w0.end - w0.start;
  if (width < subWindows) {
    throw new UserError(
      'E_AUDIO_PARAM',
      `A ±${contextSec} s context has ${width} feature columns, fewer than ${subWindows} sub-windows.`,
      `Use contextSec >= ${((subWindows - 1) / 2) * (p.hop / p.sampleRate)} s or fewer sub-windows.`,
    );
  }

  // Zero-pad so that every frame's window lies inside the features.
  const lastT = frameCount > 0 ? frameTimeSec(frameCount - 1, fpsNum, fpsDen) : 0;
  const needed = Math.ceil((lastT + contextSec) * p.sampleRate) + p.hop;
  let audio = samples;
  if (needed > samples.length) {
    audio = new Float32Array(needed);
    audio.set(samples);
  }
  const realCols = 1 + Math.floor(samples.length / p.hop);

  const c = mfcc(audio, { sampleRate: p.sampleRate, nFft: p.nFft, hop: p.hop, nMels: p.nMels, nMfcc: p.nMfcc });
  const nCols = c.nFrames;
  const d = deltas(c, p.deltaWidth, nCols >= p.deltaWidth ? 'interp' : 'nearest');
  const first = includeC0 ? 0 : 1;
  const nC = p.nMfcc - first;
  const F = 2 * nC;
  const stacked = new Float32Array(F * nCols);
  stacked.set(c.data.subarray(first * nCols, p.nMfcc * nCols), 0);
  stacked.set(d.data.subarray(first * nCols, p.nMfcc * nCols), nC * nCols);
  const norm = cmvn({ data: stacked, dim: F, nFrames: nCols }, [0, Math.min(realCols, nCols)]);

  const dim = subWindows * F;
  const out = new Float32Array(frameCount * dim);
  const x = norm.data;
  for (let i = 0; i < frameCount; i++) {
    const w = featureWindowForFrame({ frameIndex: i, fpsNum, fpsDen, contextSec, sampleRate: p.sampleRate, hop: p.hop });
    for (let s = 0; s < subWindows; s++) {
      const a = w.start + Math.floor((s * width) / subWindows);
      const b = w.start + Math.floor(((s + 1) * width) / subWindows);
      const base = i * dim + s * F;
      for (let f = 0; f < F; f++) {
        const row = f * nCols;
        let acc = 0;
        for (let j = a; j < b; j++) acc += x[row + Math.min(nCols - 1, Math.max(0, j))];
        out[base + f] = acc / (b - a);
      }
    }
  }
  return { data: out, frameCount, dim, subWindows, featureDim: F };
}
