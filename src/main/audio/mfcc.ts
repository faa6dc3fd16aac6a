import { UserError } from '../util/errors';
import { logMelSpectrogram, type LogMelParams } from './mel';
import { requirePositiveInt } from './stft';

/** A feature matrix `[dim, nFrames]` row-major, feature-major: `data[d * nFrames + t]` (librosa layout). */
export interface FeatureMatrix {
  data: Float32Array;
  dim: number;
  nFrames: number;
}

/**
 * Orthonormal DCT-II along the feature axis of a `[nIn, nFrames]` matrix, keeping the first
 * `nOut` coefficients: `y[k, t] = s_k * sum_n x[n, t] * cos(pi * k * (2n + 1) / (2 nIn))`,
 * `s_0 = sqrt(1/nIn)`, `s_k = sqrt(2/nIn)` (scipy.fftpack.dct(type=2, norm='ortho')).
 * Returns `[nOut, nFrames]` row-major, float32 (float64 accumulation).
 *
 * @throws UserError `E_AUDIO_PARAM` when `nOut > nIn` or shapes disagree.
 */
export function dct2Ortho(x: FeatureMatrix, nOut: number): FeatureMatrix {
  const { dim: nIn, nFrames } = x;
  requirePositiveInt('nOut', nOut);
  checkMatrix(x);
  if (nOut > nIn) {
    throw new UserError('E_AUDIO_PARAM', `Cannot keep ${nOut} DCT coefficients of ${nIn} inputs.`, `Use at most ${nIn} coefficients.`);
  }
  const basis = new Float64Array(nOut * nIn);
  for (let k = 0; k < nOut; k++) {
    const s = k === 0 ? Math.sqrt(1 / nIn) : Math.sqrt(2 / nIn);
    for (let n = 0; n < nIn; n++) basis[k * nIn + n] = s * Math.cos((Math.PI * k * (2 * n + 1)) / (2 * nIn));
  }
  const out = new Float32Array(nOut * nFrames);
  const col = new Float64Array(nIn);
  for (let t = 0; t < nFrames; t++) {
    for (let n = 0; n < nIn; n++) col[n] = x.data[n * nFrames + t];
    for (let k = 0; k < nOut; k++) {
      let acc = 0;
      for (let n = 0; n < nIn; n++) acc += basis[k * nIn + n] * col[n];
      out[k * nFrames + t] = acc;
    }
  }
  return { data: out, dim: nOut, nFrames };
}

/** Parameters of `mfcc`: the log-mel ones plus the number of coefficients. */
export interface MfccParams extends LogMelParams {
  /** Coefficients kept, c0..c(nMfcc-1). Default 13. */
  nMfcc?: number;
}

/**
 * MFCCs as librosa.feature.mfcc (Davis & Mermelstein 1980; librosa defaults except n_mfcc):
 * `logMelSpectrogram` with `scale: 'db'` (librosa.power_to_db: `10*log10(max(S, 1e-10))`, ref 1,
 * top_db 80 below the track max), then the orthonormal DCT-II over the mel axis (`dct2Ortho`).
 * Defaults: 16 kHz, n_fft 400, hop 160 (100 frames/s), 80 mels, 13 coefficients including c0
 * (c0 = sqrt(nMels) x mean log-mel level in dB; drop or normalise it for level invariance).
 * Any `scale` in `params` is respected, so `scale: 'ln'` gives natural-log MFCCs (HTK-like).
 *
 * Input: mono PCM `[nSamples]`. Output: `[nMfcc, nFrames]` row-major (coefficient-major), float32;
 * column `t` centred at `t*hop/sampleRate` s.
 *
 * @throws UserError from `logMelSpectrogram`, or `E_AUDIO_PARAM` when `nMfcc > nMels`.
 */
export function mfcc(samples: Float32Array | Float64Array, params: MfccParams = {}): FeatureMatrix {
  const { nMfcc = 13, ...melParams } = params;
  const lm = logMelSpectrogram(samples, { scale: 'db', ...melParams });
  return dct2Ortho({ data: lm.data, dim: lm.nMels, nFrames: lm.nFrames }, nMfcc);
}

/**
 * Regression (delta) features along time, as librosa.feature.delta(data, width, order=1, axis=-1),
 * i.e. scipy.signal.savgol_filter(deriv=1, polyorder=1): with `N = (width-1)/2`,
 * `d[t] = sum_{n=1..N} n * (x[t+n] - x[t-n]) / (2 * sum_{n=1..N} n^2)` (the HTK delta formula;
 * units: feature units per frame). Edges:
 * - 'interp' (librosa default): the first/last `N` frames get the slope of the least-squares
 *   line through the first/last `width` frames (needs `nFrames >= width`);
 * - 'nearest': frames beyond the edges repeat the edge frame (HTK).
 * A linear ramp gives exactly its slope everywhere in 'interp' mode.
 *
 * Input/output: `[dim, nFrames]` row-major, feature-major, float32.
 *
 * @throws UserError `E_AUDIO_PARAM` when `width` is not an odd integer >= 3, or for 'interp'
 *   when `nFrames < width`.
 */
export function deltas(features: FeatureMatrix, width = 9, mode: 'interp' | 'nearest' = 'interp'): FeatureMatrix {
  checkMatrix(features);
  if (!Number.isInteger(width) || width < 3 || width % 2 !== 1) {
    throw new UserError('E_AUDIO_PARAM', `Delta width must be an odd integer >= 3, got ${width}.`, 'Use e.g. 9 (librosa default) or 5.');
  }
  const { dim, nFrames } = features;
  if (mode === 'interp' && nFrames < width) {
    throw new UserError(
      'E_AUDIO_TOO_SHORT',
      `Delta width ${width} needs at least ${width} frames in 'interp' mode, got ${nFrames}.`,
      "Use mode 'nearest' or a smaller width for very short audio.",
    );
  }
  const half = (width - 1) / 2;
  let denom = 0;
  for (let n = 1; n <= half; n++) denom += n * n;
  denom *= 2;
  const out = new Float32Array(dim * nFrames);
  const x = features.data;
  for (let d = 0; d < dim; d++) {
    const row = d * nFrames;
    for (let t = 0; t < nFrames; t++) {
      let acc = 0;
      if (mode === 'nearest' || (t >= half && t < nFrames - half)) {
        for (let n = 1; n <= half; n++) {
          const a = Math.min(nFrames - 1, t + n);
          const b = Math.max(0, t - n);
          acc += n * (x[row + a] - x[row + b]);
        }
        out[row + t] = acc / denom;
      }
    }
    if (mode === 'interp' && nFrames > 0) {
      // Least-squares slope over a window of `width` frames centred on its middle frame.
      const slopeAt = (c: number) => {
        let s = 0;
        for (let n = 1; n <= half; n++) s += n * (x[row + c + n] - x[row + c - n]);
        return s / denom;
      };
      const first = slopeAt(half);
      const last = slopeAt(nFrames - 1 - half);
      for (let t = 0; t < half; t++) out[row + t] = first;
      for (let t = nFrames - half; t < nFrames; t++) out[row + t] = last;
    }
  }
  return { data: out, dim, nFrames };
}

/**
 * Cepstral mean and variance normalisation per feature dimension over the track (Viikki &
 * Laurila 1998): `y[d, t] = (x[d, t] - mean_d) / std_d`, population std over the frames in
 * `statsRange` (`[start, end)`, default all frames); dimensions with `std_d < 1e-8` are only
 * mean-centred. On the stats frames every dimension then has mean 0 and std 1 (or 0).
 *
 * Input/output: `[dim, nFrames]` row-major, feature-major, float32 (float64 statistics).
 *
 * @throws UserError `E_AUDIO_PARAM` for a shape mismatch or an empty / out-of-range `statsRange`.
 */
export function cmvn(features: FeatureMatrix, statsRange?: [number, number]): FeatureMatrix {
  checkMatrix(features);
  const { dim, nFrames } = features;
  const [a, b] = statsRange ?? [0, nFrames];
  if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b > nFrames || b <= a) {
    throw new UserError('E_AUDIO_PARAM', `CMVN needs a non-empty frame range within 0..${nFrames}, got [${a}, ${b}).`, 'Pass at least one frame.');
  }
  const out = new Float32Array(dim * nFrames);
  const x = features.data;
  for (let d = 0; d < dim; d++) {
    const row = d * nFrames;
    let sum = 0;
    for (let t = a; t < b; t++) sum += x[row + t];
    const mean = sum / (b - a);
    let ss = 0;
    for (let t = a; t < b; t++) ss += (x[row + t] - mean) ** 2;
    const std = Math.sqrt(ss / (b - a));
    const inv = std < 1e-8 ? 1 : 1 / std;
    for (let t = 0; t < nFrames; t++) out[row + t] = (x[row + t] - mean) * inv;
  }
  return { data: out, dim, nFrames };
}

function checkMatrix(m: FeatureMatrix): void {
  if (!Number.isInteger(m.dim) || !Number.isInteger(m.nFrames) || m.dim < 0 || m.nFrames < 0 || m.data.length !== m.dim * m.nFrames) {
    throw new UserError('E_AUDIO_PARAM', `Feature matrix data has ${m.data.length} values, expected ${m.dim} x ${m.nFrames}.`, 'Pass a [dim, nFrames] row-major matrix.');
  }
}
