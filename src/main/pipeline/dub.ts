import path from 'node:path';
import { promises as fsp } from 'node:fs';
import type { DubJobOptions, DubJobResult, SegmentSpec } from './api';
import type { VideoInfo } from '../media/types';
import { probeMedia } from '../media/probe';
import { muxAudio } from '../media/encode';
import { runOverlayExport } from '../media/overlay';
import { yuvMatrixOf } from '../media/matrix';
import { REVIEW_CRF } from '../media/args';
import { reviewTune, sourceGrain } from '../media/source-grain';
import { buildDubbedAudio } from '../media/dub-audio';
import { commitTempFile, tempPathNextTo, removeQuietly } from '../util/atomic';
import { CancelledError, throwIfAborted, UserError } from '../util/errors';
import { framesToSeconds } from '../../shared/time';
import { prepareJob } from './job';
import { assessFace } from './face-limits';
import { renderSegment, segmentReference, PREFETCH_FRAMES, type RenderedSegment } from './segment-render';
import { exportThroughNode, type Source } from './node-export';
import { progressReporter } from './progress-reporter';
import { DEFAULT_PRESET } from '../media/args';

export { defaultCacheDir } from './job';
export { yuvMatrixOf } from '../media/matrix';
export { pasteCrop } from './node-export';

export { DEFAULT_PRESET } from '../media/args';

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


/**
 * Dubs a clip: probe -> audio (16 kHz) -> face tracking (cached) -> per segment: reference,
 * union mask, engine render into the content-addressed render cache (cropped, lossless) ->
 * export. Review (H.264, 4:2:0) exports are one ffmpeg pass that decodes the clip, lays the
 * renders' union-mask boxes over it and encodes video and the dubbed audio (`overlay.ts`);
 * lossless and rgb24 exports stream decode -> paste -> encode through Node, rendering while they
 * export, then mux. Frames and pixels outside the segments' union masks are the original's
 * (bit-exact with `lossless`, and in the decoded 4:2:0 planes before encoding otherwise). A second
 * export of an unchanged project re-encodes only (no tracking, no engine) and is bit-identical.
 * The output is written to a temp file and renamed over `out` only when complete; on failure or
 * cancel no temp file or ffmpeg process is left behind.
 * @throws UserError for bad input (E_NOT_FOUND, E_UNREADABLE, E_NO_VIDEO, E_NO_AUDIO, E_NO_FACE,
 *   E_BAD_RANGE, E_OUT_IS_INPUT, E_OUT_NOT_WRITABLE, E_BAD_OUTPUT, ...); CancelledError on abort.
 */
export async function runDub(opts: DubJobOptions): Promise<DubJobResult> {
  const tStart = performance.now();
  const timings: Record<string, number> = {};
  const mark = (k: string, t0: number) => (timings[k] = (performance.now() - t0) / 1000);
  const log = opts.log ?? (() => {});
  const signal = opts.signal;
  const progress = progressReporter(opts.onProgress);

  let t = performance.now();
  progress.start('probe', 1);
  await checkOutputPath(opts.out, [opts.video, opts.audio]);
  // Bad ranges fail before any decoding or tracking.
  const probed = await probeMedia(opts.video, { signal });
  checkSegments(opts.segments, probed);
  const job = await prepareJob({
    video: opts.video, audio: opts.audio, audioOffset: opts.audioOffset, face: opts.face, segments: opts.segments, info: probed,
    script: opts.script, language: opts.language, originalLanguage: opts.originalLanguage,
    cacheDir: opts.cacheDir, signal, log,
    onTrackStart: (n) => progress.start('track', n),
    onTrackProgress: (d, n) => progress.tick(d, n),
  });
  const { info, width, height } = job;
  const warnings = [...job.warnings];
  mark('prepare', t);

  // Segments: found in the render cache, or rendered (below).
  t = performance.now();
  const outRange = opts.outputRange ?? { startFrame: 0, endFrame: info.frameCount };
  const sorted = [...opts.segments].sort((a, b) => a.startFrame - b.startFrame);
  const resolvedSegments: DubJobResult['segments'] = [];
  const busy: Record<string, number> = { engine: 0, composite: 0, enginePrepare: 0 };
  let maxInFlight = 0;
  const sources: Source[] = [];
  for (const spec of sorted) {
    throwIfAborted(signal);
    const ref = segmentReference(job, spec, opts.segments);
    const limit = assessFace(job.track, { start: spec.startFrame, end: spec.endFrame });
    resolvedSegments.push({
      ...spec, reference: { startFrame: ref.start, endFrame: ref.end }, referenceReason: ref.reason,
      ...(limit.code ? { leftOriginal: { code: limit.code, reason: limit.reason! } } : {}),
    });
    if (spec.endFrame <= outRange.startFrame || spec.startFrame >= outRange.endFrame) continue;
    if (limit.code) {
      warnings.push(`Segment ${spec.id} (frames ${spec.startFrame}-${spec.endFrame}): ${limit.reason}`);
      continue;
    }
    const hit = await renderSegment(job, spec, { signal, providers: opts.providers, log, allSegments: opts.segments, lookupOnly: true });
    if (hit === null) {
      warnings.push(`Segment ${spec.id}: no face in frames ${spec.startFrame}-${spec.endFrame}; left untouched.`);
      continue;
    }
    if (hit === 'miss') sources.push({ seg: spec, rect: { x: 0, y: 0, w: 0, h: 0 }, pasteRect: { x: 0, y: 0, w: 0, h: 0 }, cached: null });
    else {
      log(`segment ${spec.id}: rendered earlier (render cache)`);
      sources.push({ seg: spec, rect: hit.rect, pasteRect: hit.pasteRect, cached: hit });
    }
  }
  mark('lookup', t);

  // Segments missing from the cache can be rendered elsewhere (a render farm) into the same
  // content-addressed cache; whatever is still missing afterwards renders here as usual.
  const toRender = sources.filter((s) => !s.cached);
  if (opts.renderMissing && toRender.length) {
    t = performance.now();
    const renderTotal = toRender.reduce((n, s) => n + s.seg.endFrame - s.seg.startFrame, 0);
    progress.start('render', renderTotal);
    await opts.renderMissing({
      segments: toRender.map((s) => s.seg), allSegments: opts.segments, job, options: opts, signal,
      onProgress: (d, n) => progress.tick(d, n),
    });
    for (const src of toRender) {
      const hit = await renderSegment(job, src.seg, { signal, providers: opts.providers, log, allSegments: opts.segments, lookupOnly: true });
      if (hit && hit !== 'miss') Object.assign(src, { cached: hit, rect: hit.rect, pasteRect: hit.pasteRect });
    }
    mark('remoteRender', t);
  }

  t = performance.now();
  const total = outRange.endFrame - outRange.startFrame;
  const videoTmp = tempPathNextTo(opts.out, '.video' + path.extname(opts.out));
  // Review (lossy) exports stay in Y'CbCr 4:2:0 end to end: untouched pixels are never converted
  // through RGB; lossless exports (and clips with other matrices or odd sizes) work in rgb24.
  const yuvMatrix = yuvMatrixOf(info);
  const yuv = !opts.lossless && yuvMatrix !== null && width % 2 === 0 && height % 2 === 0;
  // Audio (the dub replaces the original over the dubbed ranges, or the whole track) is built
  // while the video is made: ffmpeg decodes both tracks in their own processes.
  const fps = info.fpsNum / info.fpsDen;
  const ranges = opts.wholeTrack ? undefined : mergeSegmentsSeconds(opts.segments, opts.dubbedRange, info);
  const audioAbort = new AbortController();
  const onAbortAudio = () => audioAbort.abort();
  signal?.addEventListener('abort', onAbortAudio, { once: true });
  const audio = buildDubbedAudio({
    clip: opts.video,
    dub: opts.audio,
    dubOffset: opts.audioOffset ?? 0,
    ranges,
    wholeTrack: opts.wholeTrack || !ranges || ranges.length === 0,
    duration: info.frameCount / fps,
    trimStart: framesToSeconds(outRange.startFrame, info.fpsNum, info.fpsDen),
    trimEnd: framesToSeconds(outRange.endFrame, info.fpsNum, info.fpsDen),
    signal: audioAbort.signal,
  }).finally(() => signal?.removeEventListener('abort', onAbortAudio));
  // A failed audio build surfaces when awaited (after the video pass), not as an unhandled rejection.
  audio.catch(() => undefined);

  const addBusy = (r: RenderedSegment) => {
    busy.engine += r.busySec.engine;
    busy.composite += r.busySec.composite;
    busy.enginePrepare += r.busySec.prepare;
    maxInFlight = Math.max(maxInFlight, r.maxFramesInFlight);
  };
  let done: number;
  let muxed = false;
  try {
    if (yuv) {
      // Review exports: segments not in the render cache are rendered into it first (each one a
      // bounded stream: cropped decode -> engine -> composite -> lossless encode), then one ffmpeg
      // process decodes the clip, lays the lossless renders over and encodes. No full frame
      // passes through Node, and a second export of the same project is bit-identical.
      const missing = sources.filter((s) => !s.cached);
      if (missing.length) {
        const renderTotal = missing.reduce((n, s) => n + s.seg.endFrame - s.seg.startFrame, 0);
        let base = 0;
        progress.start('render', renderTotal);
        for (const src of missing) {
          const r = await renderSegment(job, src.seg, {
            signal, providers: opts.providers, log, allSegments: opts.segments, memoFrames: false,
            onProgress: (d) => progress.tick(base + d, renderTotal),
          });
          base += src.seg.endFrame - src.seg.startFrame;
          if (!r) continue;
          Object.assign(src, { cached: r, rect: r.rect, pasteRect: r.pasteRect });
          addBusy(r);
        }
        mark('render', t);
      }
      progress.start('encode', total);
      const overlays = sources
        .filter((s) => s.cached && s.pasteRect.w > 0 && s.pasteRect.h > 0)
        .map((s) => ({ path: s.cached!.file, startFrame: s.cached!.startFrame, frames: s.cached!.endFrame - s.cached!.startFrame, rect: s.rect, pasteRect: s.pasteRect, rgb: true }));
      // The dubbed audio (built while the segments rendered) goes into the same ffmpeg pass:
      // the finished file is written next to `out` and renamed over it, no separate mux.
      // A grainy source is encoded with x264's grain tune (else the encoder smooths its grain away).
      const tune = reviewTune(job.grain ? await job.grain() : await sourceGrain(info, signal));
      if (tune) log(`grainy source: the review encode uses x264 -tune ${tune}`);
      const wav = await audio;
      const outTmp = tempPathNextTo(opts.out);
      const t0 = performance.now();
      try {
        done = await runOverlayExport({
          input: info.path, fpsNum: info.fpsNum, fpsDen: info.fpsDen, streamStart: info.startTime, forceCfr: info.variableFrameRate,
          start: outRange.startFrame, end: outRange.endFrame, matrix: yuvMatrix!, overlays,
          crf: opts.crf ?? REVIEW_CRF, preset: opts.preset ?? DEFAULT_PRESET, tune, output: outTmp, audio: wav.path, signal,
          onFrames: (n) => progress.tick(n, total),
        });
        await commitTempFile(outTmp, opts.out).catch((err: unknown) => {
          throw new UserError('E_ENCODE_FAILED', `Could not move the finished file into place at ${opts.out} (${(err as Error).message}).`, 'Check the output folder is writable and has space.');
        });
        muxed = true;
      } finally {
        await removeQuietly(outTmp);
        await removeQuietly(wav.path);
      }
      busy.encode = (performance.now() - t0) / 1000;
      if (done !== total) warnings.push(`Encoded ${done} frames where ${total} were expected (the container's frame count was an estimate).`);
    } else {
      done = await exportThroughNode({ job, sources, outRange, videoTmp, opts, busy, progress, addBusy, onInFlight: (n) => (maxInFlight = Math.max(maxInFlight, n)) });
      if (done !== total) warnings.push(`Decoded ${done} frames where ${total} were expected (the container's frame count was an estimate).`);
    }
  } catch (err) {
    // Stop the audio build and remove its WAV; no temp video is left.
    audioAbort.abort();
    const w = await audio.catch(() => null);
    if (w) await removeQuietly(w.path);
    await removeQuietly(videoTmp);
    if (signal?.aborted && !(err instanceof CancelledError)) throw new CancelledError();
    throw err;
  }
  mark('render+encode', t);

  // Mux with the audio track built alongside the video pass (the overlay pass muxed already).
  if (!muxed) {
    t = performance.now();
    try {
      const wav = await audio;
      try {
        await muxAudio({ videoTmp, audioWav: wav.path, out: opts.out, signal });
      } finally {
        await removeQuietly(wav.path);
      }
    } finally {
      await removeQuietly(videoTmp);
    }
    mark('mux', t);
  }
  progress.start('done', 1);
  const totalSec = (performance.now() - tStart) / 1000;
  timings.total = totalSec;
  return {
    out: opts.out,
    frames: done,
    width,
    height,
    fps,
    faceTrack: job.faceIndex,
    segments: resolvedSegments,
    warnings,
    timings,
    realTimeFactor: done / fps / totalSec,
    renders: sources.flatMap((s) => {
      const file = s.cached?.file;
      return file ? [{ id: s.seg.id, file, startFrame: s.seg.startFrame, endFrame: s.seg.endFrame, rect: { ...s.rect }, pasteRect: { ...s.pasteRect } }] : [];
    }),
    pipeline: { maxFramesInFlight: maxInFlight, framesInFlightBound: 2 * PREFETCH_FRAMES + 1 + 16, busySec: busy },
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  };
}

/** The audio ranges (seconds) the dub replaces: the explicit dubbed range, else the segments. */
function mergeSegmentsSeconds(
  segments: SegmentSpec[],
  dubbedRange: DubJobOptions['dubbedRange'],
  info: VideoInfo,
): Array<{ start: number; end: number }> {
  if (dubbedRange) return [{ start: dubbedRange.start, end: dubbedRange.end }];
  return segments.map((s) => ({ start: framesToSeconds(s.startFrame, info.fpsNum, info.fpsDen), end: framesToSeconds(s.endFrame, info.fpsNum, info.fpsDen) }));
}

