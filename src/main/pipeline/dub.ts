import os from 'node:os';
import path from 'node:path';
import { promises as fsp } from 'node:fs';
import type { DubJobOptions, DubJobResult, DubProgress, SegmentSpec } from './api';
import type { VideoInfo, RgbFrame } from '../media/types';
import type { FaceTrack, TrackingResult } from '../tracking/types';
import type { EngineFrameInput, FrameRange, PreparedEngine } from '../engines/types';
import { probeMedia, probeAudio, displaySize } from '../media/probe';
import { decodeFrames } from '../media/decode';
import { createEncoder, muxAudio } from '../media/encode';
import { buildDubbedAudio } from '../media/dub-audio';
import { decodeAudioMono16k, decodeClipAudioMono16k } from '../media/audio-decode';
import { tempPathNextTo, removeQuietly } from '../util/atomic';
import { prefetch } from '../util/prefetch';
import { CancelledError, throwIfAborted, UserError } from '../util/errors';
import { unionMask } from '../masks/geometry';
import { rasterizeUnionMask } from '../masks/raster';
import { rasterizeOcclusion } from '../masks/occlusion';
import { compositePatch, type UnionMaskRaster } from '../compositing/composite';
import { createEngine, resolveParams } from '../engines/registry';
import { trackVideo, chooseFaceTrack } from './tracking-stage';
import { frameToSeconds } from './segments';
import { referenceFacts, pickReference } from './reference-stage';
import { detectSpeech } from '../audio/vad';

const SR = 16_000;
/** Decoded frames read ahead of the renderer (bounded; the pipeline's frames in flight). */
export const PREFETCH_FRAMES = 8;
/** x264 preset of the default H.264 review output (`--preset` changes it). */
export const DEFAULT_PRESET = 'veryfast';

/** Default cache folder: `$DUBBING_CACHE_DIR`, else `~/.cache/dubbing-editor`. */
export function defaultCacheDir(): string {
  return process.env.DUBBING_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'dubbing-editor');
}

/** Places a 16 kHz mono track at `offsetSec` on a clip timeline of `lengthSamples` samples. */
function placeOnTimeline(samples: Float32Array, offsetSec: number, lengthSamples: number): Float32Array {
  const out = new Float32Array(lengthSamples);
  const off = Math.round(offsetSec * SR);
  for (let i = Math.max(0, -off); i < samples.length && i + off < lengthSamples; i++) out[i + off] = samples[i];
  return out;
}

/**
 * Checks an output path before any work: not one of the inputs, folder writable, a supported
 * container extension.
 * @throws UserError E_OUT_IS_INPUT, E_OUT_NOT_WRITABLE, E_BAD_OUTPUT.
 */
export async function checkOutputPath(out: string, inputs: string[]): Promise<void> {
  const abs = path.resolve(out);
  for (const i of inputs) {
    if (path.resolve(i) === abs) {
      throw new UserError('E_OUT_IS_INPUT', `The output path ${out} is one of the inputs.`, 'Write the dub to a new file, e.g. add "-dubbed" to the name.');
    }
  }
  const dir = path.dirname(abs);
  try {
    await fsp.access(dir, fsp.constants.W_OK);
  } catch {
    throw new UserError('E_OUT_NOT_WRITABLE', `Cannot write to the output folder ${dir}.`, 'Create the folder or choose an output path in a writable folder.');
  }
  const ext = path.extname(abs).toLowerCase();
  if (!['.mp4', '.mov', '.m4v', '.mkv'].includes(ext)) {
    throw new UserError('E_BAD_OUTPUT', `Unsupported output extension "${ext || '(none)'}" for ${out}.`, 'Use .mp4, .mov, .m4v or .mkv.');
  }
}

function checkSegments(segments: SegmentSpec[], info: VideoInfo): void {
  const dur = info.frameCount;
  for (const s of segments) {
    if (!(Number.isInteger(s.startFrame) && Number.isInteger(s.endFrame)) || s.startFrame < 0 || s.endFrame > dur || s.endFrame <= s.startFrame) {
      throw new UserError(
        'E_BAD_RANGE',
        `Segment ${s.id} (frames ${s.startFrame}-${s.endFrame}) is outside the clip (0-${dur} frames, ${(dur / info.fps).toFixed(2)} s).`,
        'Give a range inside the clip with start < end.',
      );
    }
    if (s.reference && (s.reference.startFrame < 0 || s.reference.endFrame > dur || s.reference.endFrame - s.reference.startFrame < 2)) {
      throw new UserError('E_BAD_RANGE', `The lip-habit reference of ${s.id} (frames ${s.reference.startFrame}-${s.reference.endFrame}) is outside the clip or shorter than 2 frames.`, `Give a reference range inside 0-${(dur / info.fps).toFixed(2)} s.`);
    }
  }
  const sorted = [...segments].sort((a, b) => a.startFrame - b.startFrame);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].startFrame < sorted[i - 1].endFrame) {
      throw new UserError('E_BAD_RANGE', `Segments ${sorted[i - 1].id} and ${sorted[i].id} overlap.`, 'Trim or merge overlapping segments.');
    }
  }
}

interface ActiveSegment {
  spec: SegmentSpec;
  range: FrameRange;
  union: UnionMaskRaster | null;
  engine: PreparedEngine | null;
}

/** Simple stage clock with fps / ETA for progress lines. */
function progressReporter(onProgress: DubJobOptions['onProgress']) {
  let stage: DubProgress['stage'] = 'probe';
  let t0 = performance.now();
  return {
    start(s: DubProgress['stage'], total: number) {
      stage = s;
      t0 = performance.now();
      onProgress?.({ stage, done: 0, total, fps: 0, etaSec: Number.NaN });
    },
    tick(done: number, total: number) {
      const el = (performance.now() - t0) / 1000;
      const fps = el > 0 ? done / el : 0;
      onProgress?.({ stage, done, total, fps, etaSec: fps > 0 ? (total - done) / fps : Number.NaN });
    },
  };
}

/**
 * Dubs a clip: probe -> audio (16 kHz) -> face tracking (cached) -> per segment: reference,
 * union mask, engine -> streaming decode -> render -> composite -> encode -> mux with the dubbed
 * audio. Frames outside the segments are the original's (bit-exact with `lossless`). The output
 * is written to a temp file and renamed over `out` only when complete; on failure or cancel no
 * temp file or ffmpeg process is left behind.
 * @throws UserError for bad input (E_NOT_FOUND, E_UNREADABLE, E_NO_VIDEO, E_NO_AUDIO, E_NO_FACE,
 *   E_BAD_RANGE, E_OUT_IS_INPUT, E_OUT_NOT_WRITABLE, E_BAD_OUTPUT, ...); CancelledError on abort.
 */
export async function runDub(opts: DubJobOptions): Promise<DubJobResult> {
  const tStart = performance.now();
  const timings: Record<string, number> = {};
  const mark = (k: string, t0: number) => (timings[k] = (performance.now() - t0) / 1000);
  const log = opts.log ?? (() => {});
  const signal = opts.signal;
  const warnings: string[] = [];
  const progress = progressReporter(opts.onProgress);
  const cacheDir = opts.cacheDir ?? defaultCacheDir();

  let t = performance.now();
  let pipelineStats: DubJobResult['pipeline'] | undefined;
  progress.start('probe', 1);
  await checkOutputPath(opts.out, [opts.video, opts.audio]);
  const info = await probeMedia(opts.video, { signal });
  await probeAudio(opts.audio, { signal });
  if (info.variableFrameRate) warnings.push(`${opts.video} has a variable frame rate; it is processed as constant ${info.fps.toFixed(3)} fps.`);
  if (info.bitDepth > 8) warnings.push(`${opts.video} is ${info.bitDepth}-bit; frames are processed and written as 8-bit.`);
  checkSegments(opts.segments, info);
  const { width, height } = displaySize(info);
  mark('probe', t);

  t = performance.now();
  progress.start('audio', 1);
  const lengthSamples = Math.ceil((info.frameCount * info.fpsDen * SR) / info.fpsNum);
  const dub16 = placeOnTimeline(await decodeAudioMono16k(opts.audio, { signal }), opts.audioOffset ?? 0, lengthSamples);
  const origRaw = await decodeClipAudioMono16k(opts.video, { signal });
  const orig16 = placeOnTimeline(origRaw ?? new Float32Array(0), 0, lengthSamples);
  if (!origRaw) warnings.push(`${opts.video} has no audio: the reference engine cannot match the original speech and uses mouth shapes only.`);
  mark('audio', t);

  t = performance.now();
  const tracking: TrackingResult = await trackVideo(info, { cacheDir, signal, onProgress: (d, n) => progress.tick(d, n), onStart: (n) => progress.start('track', n), log });
  const { track, index: faceIndex } = chooseFaceTrack(tracking, opts.face);
  warnings.push(...tracking.warnings);
  mark('track', t);

  // Per segment: reference, union mask, engine.
  t = performance.now();
  progress.start('prepare', opts.segments.length);
  const origSpeech = origRaw ? await detectSpeech(orig16) : [];
  const facts = referenceFacts(track, origSpeech, info, opts.segments.flatMap((s) => (s.occlusion ? [s.occlusion] : [])));
  const active: ActiveSegment[] = [];
  const resolvedSegments: DubJobResult['segments'] = [];
  const outRange = opts.outputRange ?? { startFrame: 0, endFrame: info.frameCount };
  try {
    for (const spec of [...opts.segments].sort((a, b) => a.startFrame - b.startFrame)) {
      throwIfAborted(signal);
      const range = { start: spec.startFrame, end: spec.endFrame };
      const ref = spec.reference
        ? { start: spec.reference.startFrame, end: spec.reference.endFrame, reason: 'given by the user' }
        : pickReference(facts, range, opts.segments.map((s) => ({ start: s.startFrame, end: s.endFrame })), info);
      resolvedSegments.push({ ...spec, reference: { startFrame: ref.start, endFrame: ref.end }, referenceReason: ref.reason });
      if (range.end <= outRange.startFrame || range.start >= outRange.endFrame) continue;
      const meshes = track.frames.slice(range.start, range.end).map((s) => s?.mesh ?? null);
      const um = unionMask(meshes, width, height);
      if (!um) {
        warnings.push(`Segment ${spec.id}: no face in frames ${range.start}-${range.end}; left untouched.`);
        active.push({ spec, range, union: null, engine: null });
        continue;
      }
      const union: UnionMaskRaster = { rect: um.rect, alpha: rasterizeUnionMask(um) };
      const engine = await createEngine(spec.engine, { pack: spec.pack, providers: opts.providers });
      const params = resolveParams(engine.describe().params, spec.params, spec.engine);
      const prepared = await engine.prepare({
        video: info,
        range,
        reference: { start: ref.start, end: ref.end },
        track,
        dubAudio: dub16,
        originalAudio: orig16,
        readFrames: async (r, onFrame) => {
          for await (const f of decodeFrames(info, { start: r.start, end: r.end, signal })) await onFrame(f);
        },
        params,
        cacheDir,
        signal,
        log,
      });
      active.push({ spec, range, union, engine: prepared });
      progress.tick(active.length, opts.segments.length);
    }
    mark('prepare', t);

    // Streaming render: decode -> (window) render -> composite -> encode.
    t = performance.now();
    const total = outRange.endFrame - outRange.startFrame;
    progress.start('render', total);
    const videoTmp = tempPathNextTo(opts.out, '.video' + path.extname(opts.out));
    const encoder = createEncoder({ width, height, fpsNum: info.fpsNum, fpsDen: info.fpsDen, out: videoTmp, lossless: opts.lossless, crf: opts.crf, preset: opts.preset ?? DEFAULT_PRESET, signal });
    let done = 0;
    const busy = { decodeWait: 0, engine: 0, composite: 0, encodeWait: 0 };
    const windowMax = Math.max(1, ...active.map((a) => a.engine?.windowSize ?? 1));
    const frames = prefetch(decodeFrames(info, { start: outRange.startFrame, end: outRange.endFrame, signal }), PREFETCH_FRAMES);
    let inWindow = 0;
    let maxInFlight = 0;
    const timed = async <T>(key: keyof typeof busy, f: () => Promise<T> | T): Promise<T> => {
      const t0 = performance.now();
      try {
        return await f();
      } finally {
        busy[key] += performance.now() - t0;
      }
    };
    try {
      let pending: { seg: ActiveSegment; inputs: EngineFrameInput[] } | null = null;
      const emit = async (frame: RgbFrame) => {
        await timed('encodeWait', () => encoder.write(frame.data));
        done++;
        progress.tick(done, total);
      };
      const flush = async () => {
        if (!pending) return;
        const { seg, inputs } = pending;
        pending = null;
        const patches = await timed('engine', () => seg.engine!.renderWindow(inputs));
        for (let i = 0; i < inputs.length; i++) {
          const frame = inputs[i].frame;
          const patch = patches[i];
          if (patch && seg.union) {
            await timed('composite', () => {
              const occ = rasterizeOcclusion(seg.spec.occlusion, frame.index, seg.union!.rect);
              compositePatch(frame, patch, seg.union!, occ);
            });
          }
          await emit(frame);
          inWindow--;
        }
      };
      while (true) {
        const next = await timed('decodeWait', () => frames.next());
        if (next.done) break;
        const frame = next.value;
        maxInFlight = Math.max(maxInFlight, 1 + inWindow + frames.buffered);
        const seg = active.find((s) => frame.index >= s.range.start && frame.index < s.range.end && s.engine);
        if (pending && pending.seg !== seg) await flush();
        if (!seg) {
          await emit(frame);
          continue;
        }
        pending ??= { seg, inputs: [] };
        pending.inputs.push({ frame, sample: track.frames[frame.index] });
        inWindow++;
        if (pending.inputs.length >= seg.engine!.windowSize) await flush();
      }
      await flush();
      if (done !== total) warnings.push(`Decoded ${done} frames where ${total} were expected (the container's frame count was an estimate).`);
      await encoder.finish();
    } catch (err) {
      await frames.return(undefined);
      await encoder.abort();
      await removeQuietly(videoTmp);
      throw err;
    }
    pipelineStats = { maxFramesInFlight: maxInFlight, framesInFlightBound: PREFETCH_FRAMES + windowMax + 1, busySec: Object.fromEntries(Object.entries(busy).map(([k, v]) => [k, v / 1000])) };
    mark('render', t);

    // Audio: dub replaces the original over the dubbed ranges (or the whole track), then mux.
    t = performance.now();
    progress.start('encode', 1);
    const fps = info.fpsNum / info.fpsDen;
    const ranges = opts.wholeTrack ? undefined : mergeSegmentsSeconds(opts.segments, opts.dubbedRange, info);
    let wav: { path: string } | null = null;
    try {
      wav = await buildDubbedAudio({
        clip: opts.video,
        dub: opts.audio,
        dubOffset: opts.audioOffset ?? 0,
        ranges,
        wholeTrack: opts.wholeTrack || !ranges || ranges.length === 0,
        duration: info.frameCount / fps,
        trimStart: frameToSeconds(outRange.startFrame, info.fpsNum, info.fpsDen),
        trimEnd: frameToSeconds(outRange.endFrame, info.fpsNum, info.fpsDen),
        signal,
      });
      await muxAudio({ videoTmp, audioWav: wav.path, out: opts.out, signal });
    } finally {
      await removeQuietly(videoTmp);
      if (wav) await removeQuietly(wav.path);
    }
    mark('mux', t);
    progress.start('done', 1);
    const totalSec = (performance.now() - tStart) / 1000;
    timings.total = totalSec;
    return {
      out: opts.out,
      frames: done,
      width,
      height,
      fps,
      faceTrack: faceIndex,
      segments: resolvedSegments,
      warnings,
      timings,
      realTimeFactor: done / fps / totalSec,
      pipeline: pipelineStats ?? { maxFramesInFlight: 0, framesInFlightBound: 0, busySec: {} },
      peakRssMB: process.resourceUsage().maxRSS / 1024,
    };
  } catch (err) {
    if (signal?.aborted && !(err instanceof CancelledError)) throw new CancelledError();
    throw err;
  } finally {
    for (const a of active) await a.engine?.dispose();
  }
}

/** The audio ranges (seconds) the dub replaces: the explicit dubbed range, else the segments. */
function mergeSegmentsSeconds(
  segments: SegmentSpec[],
  dubbedRange: DubJobOptions['dubbedRange'],
  info: VideoInfo,
): Array<{ start: number; end: number }> {
  if (dubbedRange) return [{ start: dubbedRange.start, end: dubbedRange.end }];
  return segments.map((s) => ({ start: frameToSeconds(s.startFrame, info.fpsNum, info.fpsDen), end: frameToSeconds(s.endFrame, info.fpsNum, info.fpsDen) }));
}

export type { FaceTrack };
