import type { VideoInfo } from '../media/types';
import type { FaceTrack } from '../tracking/types';
import type { ReferenceFrameFacts } from '../engines/reference/auto-reference';
import type { DubProgress, SegmentSpec } from './api';
import type { SecondsRange } from './segments';
import { probeMedia, probeAudio, displaySize } from '../media/probe';
import { decodeAudioMono16k, decodeClipAudioMono16k } from '../media/audio-decode';
import { detectSpeech } from '../audio/vad';
import { trackVideo, chooseFaceTrack } from './tracking-stage';
import { referenceFacts } from './reference-stage';
import { LruMemo, contentHash } from '../util/memo';
import { phoneticTiming, PHONETICS_VERSION } from '../phonetics/phonetic-stage';
import { frameVisemes } from '../phonetics/frame-visemes';
import type { ScriptCue } from '../phonetics/script';
import type { PhoneTiming } from '../phonetics/types';
import { cachedSourceGrain } from '../media/source-grain';

/** Audio sample rate of the pipeline's analysis tracks (Hz). */
export const SR = 16_000;

import { defaultCacheDir } from '../util/cache-dir';

export { defaultCacheDir };

/**
 * Everything about a clip + dub that does not depend on the segments' engine settings: probe,
 * 16 kHz tracks placed on the clip timeline, the chosen face track, per-frame reference facts and
 * content hashes for cache keys. Built once per job (and memoized per process by `prepareJob`).
 */
export interface JobContext {
  info: VideoInfo;
  width: number;
  height: number;
  videoHash: string;
  /** Hash of the dub file + its offset (cache keys of rendered segments). */
  dubKey: string;
  /** Dubbed and original audio, 16 kHz mono, sample 0 at clip time 0, clip length. */
  dub16: Float32Array;
  orig16: Float32Array;
  hasOriginalAudio: boolean;
  track: FaceTrack;
  faceIndex: number;
  facts: ReferenceFrameFacts[];
  warnings: string[];
  cacheDir: string;
  /**
   * Phone timing and per-frame MPEG-4 visemes of the dub and of the original audio (computed on
   * first call, cached on disk by content; `phonetics/phonetic-stage.ts`). Absent on job
   * contexts built elsewhere.
   */
  phonetics?: () => Promise<JobPhonetics>;
  /** What the phonetics depend on besides the audio (script hash, languages): render cache keys. */
  phoneticsKey?: string;
  /**
   * Grain of the clip (`media/source-grain.ts`, 8-bit levels; computed on first call, cached on
   * disk by the clip's content hash). Absent on job contexts built elsewhere (treated as clean).
   */
  grain?: () => Promise<number>;
}

/** Phone timing of a job's tracks and their per-frame visemes (Uint8Array(frameCount), 255 = unknown). */
export interface JobPhonetics {
  dub: PhoneTiming;
  original: PhoneTiming;
  dubVisemes: Uint8Array | null;
  originalVisemes: Uint8Array | null;
}

/** Places a 16 kHz mono track at `offsetSec` on a clip timeline of `lengthSamples` samples. */
export function placeOnTimeline(samples: Float32Array, offsetSec: number, lengthSamples: number): Float32Array {
  const out = new Float32Array(lengthSamples);
  const off = Math.round(offsetSec * SR);
  for (let i = Math.max(0, -off); i < samples.length && i + off < lengthSamples; i++) out[i + off] = samples[i];
  return out;
}

const audioMemo = new LruMemo<{ samples: Float32Array | null }>(512 * 1024 * 1024);

/**
 * A file's first audio stream as 16 kHz mono float32 (sample 0 = file time 0), memoized per
 * process by content. `clip`: the file is a video clip whose audio may be absent (null then);
 * otherwise a missing/unreadable audio stream throws UserError (E_NO_AUDIO / E_UNREADABLE).
 */
export async function decodeTrack16k(file: string, clip: boolean, signal?: AbortSignal): Promise<Float32Array | null> {
  const key = `${await contentHash(file, signal)}|${clip}`;
  const r = await audioMemo.getOrCompute(
    key,
    async () => ({ samples: clip ? await decodeClipAudioMono16k(file, { signal }) : await decodeAudioMono16k(file, { signal }) }),
    (v) => (v.samples?.byteLength ?? 0) + 64,
  );
  return r.samples;
}

const speechMemo = new LruMemo<SecondsRange[]>(1024);

/**
 * Speech ranges (seconds, file time) of a file's audio by Silero VAD, memoized per process by
 * content (the planner, the job and the editor's preview ask for the same tracks).
 * @returns [] for a clip without audio.
 */
export async function speechRanges(file: string, clip: boolean, signal?: AbortSignal): Promise<SecondsRange[]> {
  const key = `${await contentHash(file, signal)}|${clip}`;
  return speechMemo.getOrCompute(key, async () => {
    const samples = await decodeTrack16k(file, clip, signal);
    return samples ? detectSpeech(samples) : [];
  });
}

export interface PrepareJobOptions {
  video: string;
  audio: string;
  audioOffset?: number;
  face?: number;
  segments: SegmentSpec[];
  /** The clip's probe when the caller already has it (saves probing again). */
  info?: VideoInfo;
  cacheDir?: string;
  signal?: AbortSignal;
  onProgress?: (p: DubProgress) => void;
  log?: (m: string) => void;
  /** Called when tracking actually runs (a cache miss), with the frame count. */
  onTrackStart?: (total: number) => void;
  onTrackProgress?: (done: number, total: number) => void;
  /** The dub's script (SRT cue times on the dub file's own timeline; shifted by `audioOffset`). */
  script?: ScriptCue[];
  /** Language of the dub as an espeak-ng voice (default `en-us`). */
  language?: string;
  /** Language of the clip's original speech (default `en-us`; recognized without a script only in English). */
  originalLanguage?: string;
}

/**
 * Probes the clip and the dub, decodes both to 16 kHz (memoized by content), tracks faces
 * (content-addressed cache), chooses the face track and computes reference facts.
 * @throws UserError E_NOT_FOUND / E_UNREADABLE / E_NO_VIDEO / E_NO_AUDIO / E_NO_FACE /
 *   E_FACE_INDEX; CancelledError.
 */
export async function prepareJob(o: PrepareJobOptions): Promise<JobContext> {
  const signal = o.signal;
  const cacheDir = o.cacheDir ?? defaultCacheDir();
  const warnings: string[] = [];
  const info = o.info ?? (await probeMedia(o.video, { signal }));
  await probeAudio(o.audio, { signal });
  if (info.variableFrameRate) warnings.push(`${o.video} has a variable frame rate; it is processed as constant ${info.fps.toFixed(3)} fps.`);
  if (info.bitDepth > 8) warnings.push(`${o.video} is ${info.bitDepth}-bit; frames are processed and written as 8-bit.`);
  const { width, height } = displaySize(info);
  const lengthSamples = Math.ceil((info.frameCount * info.fpsDen * SR) / info.fpsNum);
  const offset = o.audioOffset ?? 0;
  const dubRaw = await decodeTrack16k(o.audio, false, signal);
  const dub16 = placeOnTimeline(dubRaw!, offset, lengthSamples);
  const origRaw = await decodeTrack16k(o.video, true, signal);
  const orig16 = placeOnTimeline(origRaw ?? new Float32Array(0), 0, lengthSamples);
  if (!origRaw) warnings.push(`${o.video} has no audio: the reference engine cannot match the original speech and uses mouth shapes only.`);
  const tracking = await trackVideo(info, { cacheDir, signal, onProgress: o.onTrackProgress, onStart: o.onTrackStart, log: o.log });
  const { track, index: faceIndex } = chooseFaceTrack(tracking, o.face);
  warnings.push(...tracking.warnings);
  const origSpeech = await speechRanges(o.video, true, signal);
  const facts = referenceFacts(track, origSpeech, info, o.segments.flatMap((s) => (s.occlusion ? [s.occlusion] : [])));
  const videoHash = await contentHash(o.video, signal);
  return {
    info,
    width,
    height,
    videoHash,
    dubKey: `${await contentHash(o.audio, signal)}@${offset}`,
    dub16,
    orig16,
    hasOriginalAudio: !!origRaw,
    track,
    faceIndex,
    facts,
    warnings,
    cacheDir,
    phonetics: jobPhonetics({ info, dub16, orig16, hasOriginalAudio: !!origRaw, offset, o, cacheDir }),
    phoneticsKey: JSON.stringify({ v: PHONETICS_VERSION, script: o.script ?? null, lang: o.language ?? 'en-us', orig: o.originalLanguage ?? 'en-us', offset }),
    grain: memoOnce(() => cachedSourceGrain(info, videoHash, cacheDir, signal)),
  };
}

/** A lazy value computed once (a failed computation is retried on the next call). */
function memoOnce<T>(f: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () => {
    pending ??= f();
    pending.catch(() => (pending = null));
    return pending;
  };
}

/** The lazy, memoized phonetic timing of a job (see `JobContext.phonetics`). */
function jobPhonetics(j: { info: VideoInfo; dub16: Float32Array; orig16: Float32Array; hasOriginalAudio: boolean; offset: number; o: PrepareJobOptions; cacheDir: string }): () => Promise<JobPhonetics> {
  return memoOnce(async () => {
      const { info, o } = j;
      const script = o.script?.map((c) => (c.start === undefined ? c : { ...c, start: c.start + j.offset, end: (c.end ?? c.start) + j.offset }));
      const dub = await phoneticTiming(j.dub16, { script, language: o.language, cacheDir: j.cacheDir, signal: o.signal, log: o.log, label: 'dub' });
      const original = j.hasOriginalAudio
        ? await phoneticTiming(j.orig16, { language: o.originalLanguage, cacheDir: j.cacheDir, signal: o.signal, log: o.log, label: 'original audio' })
        : { source: 'none' as const, alphabet: null, phones: [], note: 'The clip has no audio.' };
      const fo = { fpsNum: info.fpsNum, fpsDen: info.fpsDen, frameCount: info.frameCount };
      return {
        dub,
        original,
        dubVisemes: dub.source === 'none' ? null : frameVisemes(dub, fo),
        originalVisemes: original.source === 'none' ? null : frameVisemes(original, fo),
      };
  });
}
