import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { UserError } from '../util/errors';
import { requireFinite } from './stft';

/**
 * Silero VAD (snakers4/silero-vad, Silero Team 2021-2024) run with onnxruntime-node on the model
 * files shipped in @ricky0123/vad-web (loaded by file path, never fetched).
 *
 * Models (names checked at load):
 * - 'v5' (default) and 'v6': inputs `input` float32 [1, 64 + 512] (64 samples of context from the
 *   previous window, then the window), `state` float32 [2, 1, 128], `sr` int64 scalar;
 *   outputs `output` [1, 1] speech probability, `stateN` [2, 1, 128].
 * - 'legacy' (v4): inputs `input` float32 [1, 512], `sr` int64, `h`, `c` float32 [2, 1, 64];
 *   outputs `output`, `hn`, `cn`.
 * All at 16 kHz with 512-sample (32 ms) windows: window `i` covers samples [512 i, 512 i + 512);
 * the last partial window is zero-padded (as silero's get_speech_timestamps).
 */
export type SileroModel = 'v5' | 'v6' | 'legacy';

/** Samples per VAD window at 16 kHz. */
export const VAD_WINDOW_SAMPLES = 512;
/** The only sample rate supported, Hz. */
export const VAD_SAMPLE_RATE = 16000;
const CONTEXT_SAMPLES = 64;

const MODEL_FILES: Record<SileroModel, string> = {
  v5: 'silero_vad_v5.onnx',
  v6: 'silero_vad_v6.onnx',
  legacy: 'silero_vad_legacy.onnx',
};

const EXPECTED_IO: Record<'stateful' | 'legacy', { inputs: string[]; outputs: string[] }> = {
  stateful: { inputs: ['input', 'state', 'sr'], outputs: ['output', 'stateN'] },
  legacy: { inputs: ['input', 'sr', 'h', 'c'], outputs: ['output', 'hn', 'cn'] },
};

/**
 * Absolute path of a Silero model file inside the installed @ricky0123/vad-web package
 * (`createRequire(import.meta.url).resolve('@ricky0123/vad-web/package.json')` dirname + `dist/...`).
 *
 * @throws UserError `E_VAD_MODEL_MISSING` when the package or file is not installed.
 */
export function sileroModelPath(model: SileroModel = 'v5'): string {
  let pkgJson: string;
  try {
    pkgJson = createRequire(import.meta.url).resolve('@ricky0123/vad-web/package.json');
  } catch {
    throw new UserError('E_VAD_MODEL_MISSING', 'The Silero VAD model package (@ricky0123/vad-web) is not installed.', 'Run npm install in the project folder.');
  }
  const file = path.join(path.dirname(pkgJson), 'dist', MODEL_FILES[model]);
  if (!existsSync(file)) {
    throw new UserError('E_VAD_MODEL_MISSING', `Silero VAD model file not found: ${file}`, 'Reinstall @ricky0123/vad-web (npm install).');
  }
  return file;
}

/** A loaded, name-checked Silero session; `kind` says which input/output set it uses. */
export interface LoadedModel {
  session: ort.InferenceSession;
  kind: 'stateful' | 'legacy';
}

const sessions = new Map<string, Promise<LoadedModel>>();

/**
 * Loads (once per process and file) an InferenceSession for `model`, or for `modelPath` when
 * given (e.g. an unpacked copy in a packaged app), and checks its input/output names.
 *
 * @throws UserError `E_VAD_MODEL_MISSING` (no file), `E_VAD_MODEL` (cannot load, or names are not
 *   those of the expected Silero version).
 */
export async function loadSileroVad(model: SileroModel = 'v5', modelPath?: string): Promise<LoadedModel> {
  const file = modelPath ?? sileroModelPath(model);
  const kind = model === 'legacy' ? 'legacy' : 'stateful';
  const key = `${kind}:${file}`;
  let p = sessions.get(key);
  if (!p) {
    p = (async () => {
      if (!existsSync(file)) {
        throw new UserError('E_VAD_MODEL_MISSING', `Silero VAD model file not found: ${file}`, 'Check the model path.');
      }
      let session: ort.InferenceSession;
      try {
        session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 });
      } catch (e) {
        throw new UserError('E_VAD_MODEL', `Could not load the Silero VAD model ${file}: ${(e as Error).message}`, 'Reinstall @ricky0123/vad-web.');
      }
      const want = EXPECTED_IO[kind];
      const missing = [
        ...want.inputs.filter((n) => !session.inputNames.includes(n)).map((n) => `input '${n}'`),
        ...want.outputs.filter((n) => !session.outputNames.includes(n)).map((n) => `output '${n}'`),
      ];
      if (missing.length > 0) {
        await session.release();
        throw new UserError(
          'E_VAD_MODEL',
          `${file} is not a Silero VAD ${model} model: missing ${missing.join(', ')} (has inputs ${session.inputNames.join(', ')}; outputs ${session.outputNames.join(', ')}).`,
          "Use silero_vad_v5.onnx / silero_vad_v6.onnx with model 'v5'/'v6', or silero_vad_legacy.onnx with 'legacy'.",
        );
      }
      return { session, kind };
    })();
    sessions.set(key, p);
    p.catch(() => sessions.delete(key));
  }
  return p;
}

/** Per-window speech probabilities. */
export interface VadProbabilities {
  /** `[nWindows]`, `nWindows = ceil(nSamples / 512)`; entry `i` is window [512 i, 512 i + 512) samples. */
  probs: Float32Array;
  windowSamples: 512;
  /** 0.032 s. */
  windowSec: number;
}

/**
 * Runs Silero VAD over 16 kHz mono PCM `[nSamples]`, one 512-sample window at a time, carrying the
 * recurrent state (and, for v5/v6, the 64-sample context) exactly as silero's OnnxWrapper /
 * vad-web do. Returns `[ceil(nSamples/512)]` probabilities in [0, 1].
 *
 * @throws UserError `E_AUDIO_NOT_FINITE` (NaN/Inf sample) and those of `loadSileroVad`.
 */
export async function vadProbabilities(
  samples16k: Float32Array,
  opts: { model?: SileroModel; modelPath?: string } = {},
): Promise<VadProbabilities> {
  requireFinite(samples16k);
  const { session, kind } = await loadSileroVad(opts.model ?? 'v5', opts.modelPath);
  const W = VAD_WINDOW_SAMPLES;
  const nWin = Math.ceil(samples16k.length / W);
  const probs = new Float32Array(nWin);
  const sr = new ort.Tensor('int64', BigInt64Array.from([BigInt(VAD_SAMPLE_RATE)]), []);
  if (kind === 'stateful') {
    let state: ort.Tensor = new ort.Tensor('float32', new Float32Array(2 * 128), [2, 1, 128]);
    const buf = new Float32Array(CONTEXT_SAMPLES + W);
    for (let i = 0; i < nWin; i++) {
      // buf = [last 64 samples of the previous window | this window, zero-padded]
      buf.copyWithin(0, W, W + CONTEXT_SAMPLES);
      if (i === 0) buf.fill(0, 0, CONTEXT_SAMPLES);
      const chunk = samples16k.subarray(i * W, Math.min(samples16k.length, (i + 1) * W));
      buf.set(chunk, CONTEXT_SAMPLES);
      buf.fill(0, CONTEXT_SAMPLES + chunk.length);
      const input = new ort.Tensor('float32', buf, [1, buf.length]);
      const out = await session.run({ input, state, sr });
      state = out.stateN;
      probs[i] = (out.output.data as Float32Array)[0];
    }
  } else {
    let h: ort.Tensor = new ort.Tensor('float32', new Float32Array(2 * 64), [2, 1, 64]);
    let c: ort.Tensor = new ort.Tensor('float32', new Float32Array(2 * 64), [2, 1, 64]);
    const buf = new Float32Array(W);
    for (let i = 0; i < nWin; i++) {
      const chunk = samples16k.subarray(i * W, Math.min(samples16k.length, (i + 1) * W));
      buf.set(chunk, 0);
      buf.fill(0, chunk.length);
      const input = new ort.Tensor('float32', buf, [1, W]);
      const out = await session.run({ input, sr, h, c });
      h = out.hn;
      c = out.cn;
      probs[i] = (out.output.data as Float32Array)[0];
    }
  }
  return { probs, windowSamples: 512, windowSec: W / VAD_SAMPLE_RATE };
}

/** Segment options of `detectSpeech` (seconds; probabilities in [0, 1]). */
export interface SpeechSegmentOptions {
  /** A window at or above this starts / continues speech. Default 0.5. */
  threshold?: number;
  /** Speech ends only after windows below this (hysteresis). Default 0.35; must be <= threshold. */
  negThreshold?: number;
  /** Shorter detections are dropped, seconds. Default 0.25. */
  minSpeechSec?: number;
  /** Silence must last this long to end a segment, seconds. Default 0.3. */
  minSilenceSec?: number;
  /** Padding added to both ends (halved gaps between close segments), seconds. Default 0.1. */
  padSec?: number;
}

/** A speech segment in seconds, `start < end`, both within the audio. */
export interface SpeechSegment {
  start: number;
  end: number;
}

/**
 * Turns per-window probabilities into speech segments with silero's `get_speech_timestamps`
 * state machine (also what vad-web's FrameProcessor does with its positive / negative
 * thresholds, redemption and min-speech frames): speech starts at the first window with
 * `p >= threshold`; it ends at the first window with `p < negThreshold` that is followed by
 * `minSilenceSec` without any `p >= threshold`; segments of `minSpeechSec` or less are dropped;
 * then each side is padded by `padSec` (gaps under `2*padSec` are split in the middle), clamped to
 * [0, nSamples/16000]. Window `i` starts at sample `512 i`.
 *
 * Input: `probs` `[nWindows]`, `nSamples` the audio length. Output: sorted, non-overlapping
 * segments in seconds.
 *
 * @throws UserError `E_AUDIO_PARAM` for thresholds outside [0, 1], `negThreshold > threshold`, or
 *   negative durations.
 */
export function speechSegmentsFromProbs(probs: ArrayLike<number>, nSamples: number, opts: SpeechSegmentOptions = {}): SpeechSegment[] {
  const threshold = opts.threshold ?? 0.5;
  const negThreshold = opts.negThreshold ?? 0.35;
  const minSpeechSec = opts.minSpeechSec ?? 0.25;
  const minSilenceSec = opts.minSilenceSec ?? 0.3;
  const padSec = opts.padSec ?? 0.1;
  if (!(threshold >= 0 && threshold <= 1) || !(negThreshold >= 0 && negThreshold <= threshold)) {
    throw new UserError('E_AUDIO_PARAM', `VAD thresholds must satisfy 0 <= negThreshold <= threshold <= 1, got ${negThreshold} / ${threshold}.`, 'Use e.g. threshold 0.5, negThreshold 0.35.');
  }
  for (const [k, v] of Object.entries({ minSpeechSec, minSilenceSec, padSec })) {
    if (!(v >= 0) || !Number.isFinite(v)) throw new UserError('E_AUDIO_PARAM', `${k} must be >= 0 seconds, got ${v}.`, 'Pass a duration in seconds.');
  }
  const sr = VAD_SAMPLE_RATE;
  const W = VAD_WINDOW_SAMPLES;
  const minSpeech = sr * minSpeechSec;
  const minSilence = sr * minSilenceSec;
  const pad = Math.floor(sr * padSec);
  const segs: { start: number; end: number }[] = [];
  let triggered = false;
  let start = 0;
  let tempEnd = -1;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i];
    const pos = W * i;
    if (p >= threshold && tempEnd >= 0) tempEnd = -1;
    if (p >= threshold && !triggered) {
      triggered = true;
      start = pos;
      continue;
    }
    if (p < negThreshold && triggered) {
      if (tempEnd < 0) tempEnd = pos;
      if (pos - tempEnd < minSilence) continue;
      if (tempEnd - start > minSpeech) segs.push({ start, end: tempEnd });
      triggered = false;
      tempEnd = -1;
    }
  }
  if (triggered && nSamples - start > minSpeech) segs.push({ start, end: nSamples });
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i];
    if (i === 0) s.start = Math.max(0, s.start - pad);
    if (i < segs.length - 1) {
      const next = segs[i + 1];
      const gap = next.start - s.end;
      if (gap < 2 * pad) {
        s.end += Math.floor(gap / 2);
        next.start = Math.max(0, next.start - Math.floor(gap / 2));
      } else {
        s.end = Math.min(nSamples, s.end + pad);
        next.start = Math.max(0, next.start - pad);
      }
    } else {
      s.end = Math.min(nSamples, s.end + pad);
    }
  }
  return segs.map((s) => ({ start: s.start / sr, end: s.end / sr }));
}

/**
 * `vadProbabilities` + `speechSegmentsFromProbs` in one call, returning both (probabilities for
 * tests and the UI). Input 16 kHz mono PCM `[nSamples]`; empty input gives no windows and no segments.
 *
 * @throws UserError as the two functions.
 */
export async function runVad(
  samples16k: Float32Array,
  opts: SpeechSegmentOptions & { model?: SileroModel; modelPath?: string } = {},
): Promise<{ segments: SpeechSegment[]; probs: Float32Array; windowSec: number }> {
  const { probs, windowSec } = await vadProbabilities(samples16k, opts);
  return { segments: speechSegmentsFromProbs(probs, samples16k.length, opts), probs, windowSec };
}

/**
 * Speech segments (seconds) of 16 kHz mono PCM with Silero VAD v5 (default) and silero's
 * hysteresis segmentation; defaults threshold 0.5, negThreshold 0.35, minSpeechSec 0.25,
 * minSilenceSec 0.3, padSec 0.1 (see `speechSegmentsFromProbs`). The InferenceSession is cached
 * per process.
 *
 * @throws UserError as `runVad`.
 */
export async function detectSpeech(
  samples16k: Float32Array,
  opts: SpeechSegmentOptions & { model?: SileroModel; modelPath?: string } = {},
): Promise<SpeechSegment[]> {
  return (await runVad(samples16k, opts)).segments;
}
