import { UserError } from '../util/errors';
import { getRealFft } from './rfft';

/** Parameters of a short-time Fourier transform, in samples. */
export interface StftParams {
  /** FFT length in samples (any integer >= 1; powers of two are fastest). */
  nFft: number;
  /** Hop between frame starts, samples (>= 1). */
  hop: number;
  /** Window length in samples, `<= nFft`; the window is zero-padded to `nFft`, centred. Default `nFft`. */
  winLength?: number;
  /**
   * Pad `floor(nFft/2)` samples on both sides so that frame `j` is centred on sample `j*hop`
   * (librosa `center=True`). Default true.
   */
  center?: boolean;
  /**
   * Padding used when `center`: 'reflect' (numpy.pad mode='reflect', edge not repeated; the
   * librosa <= 0.9 default and what Wav2Lip was trained with) or 'constant' (zeros, the
   * librosa >= 0.10 default). Default 'reflect'.
   */
  padMode?: 'reflect' | 'constant';
  /** 1 = magnitude |X|, 2 = power |X|^2. Default 2. */
  power?: 1 | 2;
}

/** A spectrogram `[nFreq, nFrames]` row-major (frequency-major): `data[f * nFrames + t]`. */
export interface Spectrogram {
  data: Float64Array;
  /** `floor(nFft/2) + 1`; bin `f` is at `f * sr / nFft` Hz. */
  nFreq: number;
  nFrames: number;
}

/**
 * Periodic Hann window of length `n`: `w[i] = 0.5 - 0.5*cos(2*pi*i/n)`, i.e.
 * `scipy.signal.get_window('hann', n, fftbins=True)` (the DFT-even window librosa uses).
 * Returns `[n]` float64.
 *
 * @throws UserError `E_AUDIO_PARAM` when `n` is not a positive integer.
 */
export function hannWindow(n: number): Float64Array {
  requirePositiveInt('window length', n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}

/**
 * The analysis window of `stft`: a periodic Hann window of `winLength` zero-padded to `nFft`
 * with `floor((nFft - winLength)/2)` zeros on the left (librosa.util.pad_center). Returns `[nFft]`.
 *
 * @throws UserError `E_AUDIO_PARAM` when `winLength > nFft` or either is not a positive integer.
 */
export function stftWindow(nFft: number, winLength = nFft): Float64Array {
  requirePositiveInt('nFft', nFft);
  requirePositiveInt('winLength', winLength);
  if (winLength > nFft) {
    throw new UserError('E_AUDIO_PARAM', `winLength (${winLength}) must not exceed nFft (${nFft}).`, 'Use winLength <= nFft.');
  }
  const w = hannWindow(winLength);
  const out = new Float64Array(nFft);
  out.set(w, Math.floor((nFft - winLength) / 2));
  return out;
}

/**
 * Number of STFT frames for `nSamples` input samples:
 * `1 + floor(nSamples / hop)` with `center` (librosa), else `1 + floor((nSamples - nFft) / hop)`.
 *
 * @throws UserError `E_AUDIO_TOO_SHORT` when `center` is false and `nSamples < nFft`.
 */
export function stftFrameCount(nSamples: number, nFft: number, hop: number, center = true): number {
  if (center) return 1 + Math.floor(nSamples / hop);
  if (nSamples < nFft) {
    throw new UserError('E_AUDIO_TOO_SHORT', `Audio has ${nSamples} samples, fewer than one ${nFft}-sample STFT frame.`, 'Use a longer audio range or center=true.');
  }
  return 1 + Math.floor((nSamples - nFft) / hop);
}

/**
 * Streams an STFT frame by frame without storing the spectrogram: `onFrame(t, spectrum)` gets
 * frame index `t` and `[nFreq]` magnitudes or powers (float64; the buffer is reused, copy it to
 * keep it). Same semantics and parameters as `stft`.
 *
 * @throws UserError as `stft`.
 */
export function forEachStftFrame(
  samples: Float32Array | Float64Array,
  params: StftParams,
  onFrame: (frameIndex: number, spectrum: Float64Array) => void,
): { nFreq: number; nFrames: number } {
  const { nFft, hop } = params;
  requirePositiveInt('nFft', nFft);
  requirePositiveInt('hop', hop);
  const center = params.center ?? true;
  const padMode = params.padMode ?? 'reflect';
  const power = params.power ?? 2;
  if (power !== 1 && power !== 2) {
    throw new UserError('E_AUDIO_PARAM', `power must be 1 or 2, got ${String(power)}.`, 'Use power 1 (magnitude) or 2 (power).');
  }
  const window = stftWindow(nFft, params.winLength ?? nFft);
  const n = samples.length;
  if (n === 0) {
    throw new UserError('E_AUDIO_EMPTY', 'Audio has no samples.', 'Pass a non-empty audio range.');
  }
  requireFinite(samples);
  const nFrames = stftFrameCount(n, nFft, hop, center);
  const fft = getRealFft(nFft);
  const nFreq = fft.nFreq;
  const pad = center ? Math.floor(nFft / 2) : 0;
  const frame = new Float64Array(nFft);
  const re = new Float64Array(nFreq);
  const im = new Float64Array(nFreq);
  const spec = new Float64Array(nFreq);
  const period = 2 * (n - 1);
  for (let t = 0; t < nFrames; t++) {
    const s0 = t * hop - pad; // index of the frame's first sample in the unpadded signal
    if (s0 >= 0 && s0 + nFft <= n) {
      for (let i = 0; i < nFft; i++) frame[i] = samples[s0 + i] * window[i];
    } else {
      for (let i = 0; i < nFft; i++) {
        const j = s0 + i;
        let v: number;
        if (j >= 0 && j < n) v = samples[j];
        else if (padMode === 'constant') v = 0;
        else if (n === 1) v = samples[0];
        else {
          // numpy 'reflect' (repeated as often as needed): periodic, period 2(n-1), edges not doubled.
          const m = ((j % period) + period) % period;
          v = samples[m < n ? m : period - m];
        }
        frame[i] = v * window[i];
      }
    }
    fft.transform(frame, re, im);
    if (power === 2) for (let k = 0; k < nFreq; k++) spec[k] = re[k] * re[k] + im[k] * im[k];
    else for (let k = 0; k < nFreq; k++) spec[k] = Math.sqrt(re[k] * re[k] + im[k] * im[k]);
    onFrame(t, spec);
  }
  return { nFreq, nFrames };
}

/**
 * Short-time Fourier transform magnitude or power, following `librosa.stft` (+ `np.abs(...)**power`):
 * periodic Hann window of `winLength` zero-padded (centred) to `nFft`, frames every `hop`
 * samples, optional centring by `floor(nFft/2)` samples of reflect (or zero) padding, unnormalised
 * DFT (`numpy.fft.rfft` convention, so a full-scale sine exactly on bin `k` with a Hann window
 * of length N gives |X[k]| = N/4). Float64 throughout.
 *
 * Input: `samples` mono PCM `[nSamples]` (any sample rate; bin `f` is at `f*sr/nFft` Hz).
 * Output: `[nFreq = floor(nFft/2)+1, nFrames]` row-major, frequency-major (`data[f*nFrames + t]`),
 * `nFrames = stftFrameCount(nSamples, nFft, hop, center)`; frame `t` is centred on sample
 * `t*hop` when `center`, else starts at it.
 *
 * @throws UserError `E_AUDIO_PARAM` (bad sizes), `E_AUDIO_EMPTY` (no samples),
 *   `E_AUDIO_NOT_FINITE` (NaN/Inf sample), `E_AUDIO_TOO_SHORT` (center=false and shorter than nFft).
 */
export function stft(samples: Float32Array | Float64Array, params: StftParams): Spectrogram {
  let data = new Float64Array(0);
  let nF = 0;
  const dims = forEachStftFrame(samples, params, (t, spec) => {
    if (t === 0) {
      nF = stftFrameCount(samples.length, params.nFft, params.hop, params.center ?? true);
      data = new Float64Array(spec.length * nF);
    }
    for (let f = 0; f < spec.length; f++) data[f * nF + t] = spec[f];
  });
  return { data, nFreq: dims.nFreq, nFrames: dims.nFrames };
}

/** @internal Throws `E_AUDIO_PARAM` unless `v` is a positive integer. */
export function requirePositiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) {
    throw new UserError('E_AUDIO_PARAM', `${name} must be a positive integer, got ${v}.`, `Pass a whole number >= 1 for ${name}.`);
  }
}

/** @internal Throws `E_AUDIO_NOT_FINITE` if any sample is NaN or infinite. */
export function requireFinite(samples: ArrayLike<number>): void {
  for (let i = 0; i < samples.length; i++) {
    if (!Number.isFinite(samples[i])) {
      throw new UserError(
        'E_AUDIO_NOT_FINITE',
        `Audio sample ${i} is not a finite number (${samples[i]}).`,
        'The decoded audio is corrupt; re-export the dialogue track (PCM WAV) and try again.',
      );
    }
  }
}
