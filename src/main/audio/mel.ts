import { UserError } from '../util/errors';
import { forEachStftFrame, requirePositiveInt } from './stft';

// Slaney's Auditory Toolbox mel scale (librosa `htk=False`): linear below 1 kHz at 200/3 Hz per
// mel, logarithmic above with 27 mels per factor 6.4 (so mel(1000 Hz) = 15, mel(6400 Hz) = 42).
const F_SP = 200 / 3;
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP; // 15
const LOGSTEP = Math.log(6.4) / 27;

/**
 * Hz -> mel. Default: Slaney (librosa.hz_to_mel, htk=False): `f / (200/3)` below 1000 Hz,
 * `15 + ln(f/1000) / (ln(6.4)/27)` at and above. With `htk`: `2595 * log10(1 + f/700)`.
 * Units: Hz in, mel out. No validation (negative Hz maps linearly / to NaN for htk).
 */
export function hzToMel(hz: number, htk = false): number {
  if (htk) return 2595 * Math.log10(1 + hz / 700);
  if (hz >= MIN_LOG_HZ) return MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOGSTEP;
  return hz / F_SP;
}

/**
 * Mel -> Hz, the inverse of `hzToMel` (librosa.mel_to_hz): Slaney `(200/3) * m` below 15 mel,
 * `1000 * exp((ln(6.4)/27) * (m - 15))` at and above; with `htk`: `700 * (10^(m/2595) - 1)`.
 */
export function melToHz(mel: number, htk = false): number {
  if (htk) return 700 * (Math.pow(10, mel / 2595) - 1);
  if (mel >= MIN_LOG_MEL) return MIN_LOG_HZ * Math.exp(LOGSTEP * (mel - MIN_LOG_MEL));
  return F_SP * mel;
}

/** numpy.linspace(start, stop, num) with endpoint: `start + i*step`, last element exactly `stop`. */
function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  if (num === 1) {
    out[0] = start;
    return out;
  }
  const step = (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  out[num - 1] = stop;
  return out;
}

/**
 * Centre frequencies (Hz) of `nMels + 2` points equally spaced on the mel scale from `fmin` to
 * `fmax` inclusive (librosa.mel_frequencies(nMels + 2, fmin, fmax, htk)). Point `m+1` is the
 * peak of filter `m`; points `m` and `m+2` are its feet. Returns `[nMels + 2]` Hz.
 */
export function melBandEdges(nMels: number, fmin: number, fmax: number, htk = false): Float64Array {
  const mels = linspace(hzToMel(fmin, htk), hzToMel(fmax, htk), nMels + 2);
  return mels.map((m) => melToHz(m, htk));
}

/** Parameters of `melFilterbank`. */
export interface MelFilterbankParams {
  /** Sample rate, Hz. */
  sr: number;
  /** FFT length in samples; the filterbank covers `nFreq = floor(nFft/2) + 1` bins. */
  nFft: number;
  nMels: number;
  /** Lowest filter foot, Hz. Default 0. */
  fmin?: number;
  /** Highest filter foot, Hz (<= sr/2). Default sr/2. */
  fmax?: number;
  /** HTK mel formula instead of Slaney's. Default false (Slaney). */
  htk?: boolean;
  /**
   * 'slaney' (default): each triangle is scaled by `2 / (f[m+2] - f[m])` so it has unit area in
   * Hz (constant energy per band for white noise); null: peak height 1.
   */
  norm?: 'slaney' | null;
}

/**
 * Mel filterbank matrix, following librosa.filters.mel (librosa 0.7 - 0.11, `htk=False`,
 * `norm='slaney'` / `norm=1` by default; Slaney's Auditory Toolbox, M. Slaney, 1998):
 * FFT bin `k` is at `k * sr / nFft` Hz (numpy.linspace(0, sr/2, nFreq)); filter `m` is the
 * triangle `max(0, min((f - f[m]) / (f[m+1] - f[m]), (f[m+2] - f) / (f[m+2] - f[m+1])))` over the
 * `melBandEdges` `f`, times `2 / (f[m+2] - f[m])` for Slaney normalisation. Weights are rounded to
 * float32 in the same two steps as librosa (triangle stored as float32, then scaled in place), so
 * the matrix equals librosa's bit for bit up to libm differences.
 *
 * Output: `[nMels, nFreq]` row-major, mel-major (`w[m * nFreq + k]`), float32. Multiply a
 * `[nFreq, nFrames]` spectrogram on the left to get `[nMels, nFrames]`.
 *
 * @throws UserError `E_AUDIO_PARAM` for non-positive sizes, `fmin < 0`, `fmin >= fmax`, or
 *   `fmax > sr/2`.
 */
export function melFilterbank(params: MelFilterbankParams): Float32Array {
  const { sr, nFft, nMels } = params;
  const fmin = params.fmin ?? 0;
  const fmax = params.fmax ?? sr / 2;
  const htk = params.htk ?? false;
  const norm = params.norm === undefined ? 'slaney' : params.norm;
  if (!(sr > 0) || !Number.isFinite(sr)) {
    throw new UserError('E_AUDIO_PARAM', `Sample rate must be a positive number, got ${sr}.`, 'Pass the rate in Hz, e.g. 16000.');
  }
  requirePositiveInt('nFft', nFft);
  requirePositiveInt('nMels', nMels);
  if (!(fmin >= 0) || !(fmax > fmin) || fmax > sr / 2) {
    throw new UserError(
      'E_AUDIO_PARAM',
      `Mel range ${fmin}..${fmax} Hz is invalid for sample rate ${sr} Hz.`,
      `Use 0 <= fmin < fmax <= ${sr / 2} Hz.`,
    );
  }
  const nFreq = Math.floor(nFft / 2) + 1;
  const fftFreqs = linspace(0, sr / 2, nFreq);
  const f = melBandEdges(nMels, fmin, fmax, htk);
  const w = new Float32Array(nMels * nFreq);
  for (let m = 0; m < nMels; m++) {
    const d0 = f[m + 1] - f[m];
    const d1 = f[m + 2] - f[m + 1];
    const enorm = norm === 'slaney' ? 2 / (f[m + 2] - f[m]) : 1;
    for (let k = 0; k < nFreq; k++) {
      const lower = -(f[m] - fftFreqs[k]) / d0;
      const upper = (f[m + 2] - fftFreqs[k]) / d1;
      const tri = Math.max(0, Math.min(lower, upper));
      w[m * nFreq + k] = Math.fround(Math.fround(tri) * enorm);
    }
  }
  return w;
}

/** A mel spectrogram `[nMels, nFrames]` row-major, mel-major: `data[m * nFrames + t]`. */
export interface MelSpectrogram {
  data: Float32Array;
  nMels: number;
  nFrames: number;
}

/** Parameters of `logMelSpectrogram`. Sizes in samples, frequencies in Hz. */
export interface LogMelParams {
  /** Default 16000 Hz. */
  sampleRate?: number;
  /** Default 400 (25 ms at 16 kHz). */
  nFft?: number;
  /** Default 160 (10 ms at 16 kHz, 100 frames/s). */
  hop?: number;
  /** Default = nFft. */
  winLength?: number;
  /** Default 80. */
  nMels?: number;
  /** Default 0 Hz. */
  fmin?: number;
  /** Default sampleRate/2. */
  fmax?: number;
  /** Spectrogram exponent before the mel projection: 2 = power (default), 1 = magnitude. */
  power?: 1 | 2;
  /** Default true (frame t centred on sample t*hop), reflect-padded unless padMode says otherwise. */
  center?: boolean;
  padMode?: 'reflect' | 'constant';
  /**
   * 'ln' (default): `ln(max(S, amin))`.
   * 'db': librosa.power_to_db(S, ref=1.0, amin, top_db) for power 2 (`10*log10(max(S, amin))`),
   *   and `20*log10(max(S, amin))` for power 1 (librosa.amplitude_to_db), then floored at
   *   `max - topDb` over the whole spectrogram.
   */
  scale?: 'ln' | 'db';
  /** Floor before the log. Default 1e-10 for power 2, 1e-5 for power 1 (librosa's amins). */
  amin?: number;
  /** Only for 'db': dynamic range limit in dB below the global max; null disables. Default 80. */
  topDb?: number | null;
}

/** The defaults of `logMelSpectrogram` (whisper-like framing: 25 ms window, 10 ms hop, 80 mels). */
export const LOG_MEL_DEFAULTS = {
  sampleRate: 16000,
  nFft: 400,
  hop: 160,
  nMels: 80,
  fmin: 0,
  power: 2,
  center: true,
  padMode: 'reflect',
  scale: 'ln',
  topDb: 80,
} as const;

/**
 * Mel spectrogram (no log) of `samples`: STFT (`stft` semantics, periodic Hann) -> |X|^power ->
 * Slaney-normalised Slaney-scale mel filterbank (`melFilterbank`), as
 * `librosa.feature.melspectrogram(y, sr, n_fft, hop_length, win_length, center, pad_mode, power, n_mels, fmin, fmax)`.
 * Computed in float64, returned as float32 `[nMels, nFrames]` row-major (mel-major),
 * `nFrames = 1 + floor(nSamples/hop)` when centred. Params default as `LOG_MEL_DEFAULTS`.
 *
 * @throws UserError from `stft` / `melFilterbank` on bad input.
 */
export function melSpectrogram(samples: Float32Array | Float64Array, params: LogMelParams = {}): MelSpectrogram {
  const sr = params.sampleRate ?? LOG_MEL_DEFAULTS.sampleRate;
  const nFft = params.nFft ?? LOG_MEL_DEFAULTS.nFft;
  const nMels = params.nMels ?? LOG_MEL_DEFAULTS.nMels;
  const fb = melFilterbank({ sr, nFft, nMels, fmin: params.fmin ?? LOG_MEL_DEFAULTS.fmin, fmax: params.fmax ?? sr / 2 });
  return projectStftToMel(samples, fb, nMels, {
    nFft,
    hop: params.hop ?? LOG_MEL_DEFAULTS.hop,
    winLength: params.winLength ?? nFft,
    center: params.center ?? LOG_MEL_DEFAULTS.center,
    padMode: params.padMode ?? LOG_MEL_DEFAULTS.padMode,
    power: params.power ?? LOG_MEL_DEFAULTS.power,
  }, (x) => x);
}

/**
 * Log-mel spectrogram: `melSpectrogram` followed by a natural log (`scale: 'ln'`, default) or
 * decibels (`scale: 'db'`, librosa.power_to_db / amplitude_to_db with ref 1.0 and `topDb`);
 * see `LogMelParams` for the floors. Defaults (`LOG_MEL_DEFAULTS`): 16 kHz, n_fft 400, hop 160,
 * win 400 (25 ms / 10 ms, 100 frames/s), 80 mels over 0..8000 Hz, power spectrum, centred with
 * reflect padding. This is whisper-*like* framing, not Whisper's exact normalisation (Whisper
 * uses log10, clamps to max-8 and maps (x+4)/4, and drops the last frame).
 *
 * Output: `[nMels, nFrames]` row-major, mel-major, float32; column `t` is centred at
 * `t*hop/sampleRate` seconds.
 *
 * @throws UserError from `stft` / `melFilterbank` on bad input.
 */
export function logMelSpectrogram(samples: Float32Array | Float64Array, params: LogMelParams = {}): MelSpectrogram {
  const power = params.power ?? LOG_MEL_DEFAULTS.power;
  const scale = params.scale ?? LOG_MEL_DEFAULTS.scale;
  const amin = params.amin ?? (power === 2 ? 1e-10 : 1e-5);
  if (!(amin > 0)) throw new UserError('E_AUDIO_PARAM', `amin must be > 0, got ${amin}.`, 'Use e.g. 1e-10.');
  const sr = params.sampleRate ?? LOG_MEL_DEFAULTS.sampleRate;
  const nFft = params.nFft ?? LOG_MEL_DEFAULTS.nFft;
  const nMels = params.nMels ?? LOG_MEL_DEFAULTS.nMels;
  const fb = melFilterbank({ sr, nFft, nMels, fmin: params.fmin ?? LOG_MEL_DEFAULTS.fmin, fmax: params.fmax ?? sr / 2 });
  const dbFactor = power === 2 ? 10 : 20;
  const toLog = scale === 'ln' ? (x: number) => Math.log(Math.max(x, amin)) : (x: number) => dbFactor * Math.log10(Math.max(x, amin));
  const out = projectStftToMel(samples, fb, nMels, {
    nFft,
    hop: params.hop ?? LOG_MEL_DEFAULTS.hop,
    winLength: params.winLength ?? nFft,
    center: params.center ?? LOG_MEL_DEFAULTS.center,
    padMode: params.padMode ?? LOG_MEL_DEFAULTS.padMode,
    power,
  }, toLog);
  const topDb = params.topDb === undefined ? LOG_MEL_DEFAULTS.topDb : params.topDb;
  if (scale === 'db' && topDb !== null) {
    if (!(topDb >= 0)) throw new UserError('E_AUDIO_PARAM', `topDb must be >= 0, got ${topDb}.`, 'Use e.g. 80, or null to disable.');
    let max = -Infinity;
    for (const v of out.data) if (v > max) max = v;
    const floor = max - topDb;
    for (let i = 0; i < out.data.length; i++) if (out.data[i] < floor) out.data[i] = floor;
  }
  return out;
}

/** STFT frame by frame, project onto `fb` (`[nMels, nFreq]`), map each value with `post`. */
function projectStftToMel(
  samples: Float32Array | Float64Array,
  fb: Float32Array,
  nMels: number,
  stftParams: { nFft: number; hop: number; winLength: number; center: boolean; padMode: 'reflect' | 'constant'; power: 1 | 2 },
  post: (x: number) => number,
): MelSpectrogram {
  const nFreq = fb.length / nMels;
  // Non-zero support of each filter, to skip the zeros.
  const lo = new Int32Array(nMels);
  const hi = new Int32Array(nMels);
  for (let m = 0; m < nMels; m++) {
    let a = nFreq;
    let b = -1;
    for (let k = 0; k < nFreq; k++) {
      if (fb[m * nFreq + k] !== 0) {
        if (a === nFreq) a = k;
        b = k;
      }
    }
    lo[m] = a;
    hi[m] = b;
  }
  let data = new Float32Array(0);
  let nFrames = 0;
  const dims = forEachStftFrame(samples, stftParams, (t, spec) => {
    if (t === 0) {
      nFrames = stftParams.center
        ? 1 + Math.floor(samples.length / stftParams.hop)
        : 1 + Math.floor((samples.length - stftParams.nFft) / stftParams.hop);
      data = new Float32Array(nMels * nFrames);
    }
    for (let m = 0; m < nMels; m++) {
      let acc = 0;
      const row = m * nFreq;
      for (let k = lo[m]; k <= hi[m]; k++) acc += fb[row + k] * spec[k];
      data[m * nFrames + t] = post(acc);
    }
  });
  return { data, nMels, nFrames: dims.nFrames };
}

// ---------------------------------------------------------------------------------------------
// Wav2Lip

/** Wav2Lip hparams.py values used by `wav2lipMelSpectrogram`. */
export const WAV2LIP_AUDIO = {
  sampleRate: 16000,
  nFft: 800,
  hop: 200,
  winLength: 800,
  nMels: 80,
  fmin: 55,
  fmax: 7600,
  preemphasis: 0.97,
  minLevelDb: -100,
  refLevelDb: 20,
  maxAbsValue: 4,
  /** Mel columns per second: 16000 / 200. */
  melFramesPerSec: 80,
  /** Mel columns per chunk fed to the model (0.2 s). */
  melStepSize: 16,
} as const;

let wav2lipBasis: Float32Array | null = null;

/**
 * Wav2Lip's `audio.melspectrogram(wav)` (Rudrabha/Wav2Lip audio.py + hparams.py, K R Prajwal et al.,
 * "A Lip Sync Expert Is All You Need...", ACM MM 2020), reproduced step by step in float64:
 * 1. pre-emphasis `scipy.signal.lfilter([1, -0.97], [1], wav)`: `y[0] = x[0]`, `y[n] = x[n] - 0.97 x[n-1]`;
 * 2. `librosa.stft(y, n_fft=800, hop_length=200, win_length=800)` with librosa 0.7 defaults
 *    (periodic Hann, `center=True`, `pad_mode='reflect'`), magnitude `|D|` (not power);
 * 3. `_linear_to_mel`: librosa.filters.mel(16000, 800, n_mels=80, fmin=55, fmax=7600) (Slaney
 *    scale and area normalisation, float32 weights);
 * 4. `_amp_to_db`: `20*log10(max(min_level, x))`, `min_level = exp(-100/20 * ln 10)` (= 1e-5),
 *    then `- ref_level_db` (20);
 * 5. `_normalize` (symmetric, clipping): `clip(8 * ((S + 100) / 100) - 4, -4, 4)`.
 * Silence therefore maps to exactly -4. Checked against librosa 0.11 + scipy (reflect padding):
 * max difference 1.2e-7. (librosa 0.7, which Wav2Lip pins, stores the STFT as complex64; we keep
 * float64, a difference of order 1e-7 in the output.)
 *
 * Input: 16 kHz mono PCM `[nSamples]` (Wav2Lip loads with librosa at 16 kHz; resample first).
 * Output: `[80, nFrames]` row-major, mel-major (`data[m * nFrames + t]`), float32, with
 * `nFrames = 1 + floor(nSamples / 200)`: 80 columns per second, column `t` centred at `t/80` s.
 *
 * @throws UserError `E_AUDIO_EMPTY` (no samples), `E_AUDIO_NOT_FINITE` (NaN/Inf sample; Wav2Lip
 *   itself fails with "Mel contains nan!").
 */
export function wav2lipMelSpectrogram(samples: Float32Array): { data: Float32Array; nMels: 80; nFrames: number } {
  const p = WAV2LIP_AUDIO;
  if (samples.length === 0) throw new UserError('E_AUDIO_EMPTY', 'Audio has no samples.', 'Pass a non-empty audio range.');
  const y = new Float64Array(samples.length);
  y[0] = samples[0];
  for (let i = 1; i < samples.length; i++) y[i] = samples[i] - p.preemphasis * samples[i - 1];
  wav2lipBasis ??= melFilterbank({ sr: p.sampleRate, nFft: p.nFft, nMels: p.nMels, fmin: p.fmin, fmax: p.fmax });
  const minLevel = Math.exp((p.minLevelDb / 20) * Math.log(10));
  const span = -p.minLevelDb;
  const mel = projectStftToMel(
    y,
    wav2lipBasis,
    p.nMels,
    { nFft: p.nFft, hop: p.hop, winLength: p.winLength, center: true, padMode: 'reflect', power: 1 },
    (x) => {
      const s = 20 * Math.log10(Math.max(minLevel, x)) - p.refLevelDb;
      const v = 2 * p.maxAbsValue * ((s - p.minLevelDb) / span) - p.maxAbsValue;
      return Math.min(p.maxAbsValue, Math.max(-p.maxAbsValue, v));
    },
  );
  return { data: mel.data, nMels: 80, nFrames: mel.nFrames };
}

/**
 * Start column of the mel chunk for video frame `i` exactly as Wav2Lip's inference.py computes
 * it: `int(i * (80. / fps))`, 64-bit floats, truncation toward zero. (This is the float product
 * Wav2Lip uses; it can fall one column short of `floor(80*i/fps)` when that is an exact integer,
 * e.g. 24000/1001 fps, i = 300 gives 1000, not 1001.)
 */
export function wav2lipMelStart(frameIndex: number, fps: number): number {
  return Math.trunc(frameIndex * (WAV2LIP_AUDIO.melFramesPerSec / fps));
}

/**
 * Cuts a Wav2Lip mel (`wav2lipMelSpectrogram` output, `[80, nFrames]`) into one 16-column
 * (0.2 s) chunk per video frame, as Wav2Lip's inference.py: chunk `i` is columns
 * `[s, s+16)` with `s = wav2lipMelStart(i, fps)` (80 mel columns per second, so `s` is the
 * frame's start time `i/fps` in mel columns); when `s + 16 > nFrames` the last 16 columns are
 * used (Wav2Lip appends that chunk and stops; here every remaining frame gets it, so exactly
 * `frameCount` chunks come back).
 *
 * Output: `[frameCount, 1, 80, 16]` row-major (`data[((i*80) + m)*16 + c]`), float32: the
 * NCHW tensor Wav2Lip's audio encoder takes.
 *
 * @throws UserError `E_AUDIO_PARAM` for fps <= 0 / non-finite or a negative / non-integer
 *   frameCount or a mel that is not 80 rows; `E_AUDIO_TOO_SHORT` when the mel has fewer than
 *   16 columns (under 0.1875 s of audio).
 */
export function wav2lipMelChunks(
  mel: { data: Float32Array; nMels: number; nFrames: number },
  fps: number,
  frameCount: number,
): { data: Float32Array; shape: [number, 1, 80, 16] } {
  const nMels = WAV2LIP_AUDIO.nMels;
  const step = WAV2LIP_AUDIO.melStepSize;
  if (!(fps > 0) || !Number.isFinite(fps)) {
    throw new UserError('E_AUDIO_PARAM', `fps must be a positive number, got ${fps}.`, 'Pass the video frame rate, e.g. 30000/1001.');
  }
  if (!Number.isInteger(frameCount) || frameCount < 0) {
    throw new UserError('E_AUDIO_PARAM', `frameCount must be a non-negative integer, got ${frameCount}.`, 'Pass the number of video frames.');
  }
  if (mel.nMels !== nMels || mel.data.length !== nMels * mel.nFrames) {
    throw new UserError('E_AUDIO_PARAM', `Expected an [80, nFrames] Wav2Lip mel, got ${mel.nMels} x ${mel.nFrames} (${mel.data.length} values).`, 'Use wav2lipMelSpectrogram output.');
  }
  const n = mel.nFrames;
  if (n < step) {
    throw new UserError(
      'E_AUDIO_TOO_SHORT',
      `Audio gives ${n} mel columns; Wav2Lip needs at least ${step} (0.2 s).`,
      'Use an audio range of at least 0.2 s.',
    );
  }
  const data = new Float32Array(frameCount * nMels * step);
  for (let i = 0; i < frameCount; i++) {
    let s = wav2lipMelStart(i, fps);
    if (s + step > n) s = n - step;
    const base = i * nMels * step;
    for (let m = 0; m < nMels; m++) {
      const src = m * n + s;
      data.set(mel.data.subarray(src, src + step), base + m * step);
    }
  }
  return { data, shape: [frameCount, 1, 80, 16] };
}
