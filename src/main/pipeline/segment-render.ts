import path from 'node:path';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import type { SegmentSpec } from './api';
import type { JobContext } from './job';
import type { RgbFrame } from '../media/types';
import type { Rect } from '../masks/types';
import type { EngineFrameInput, FrameRange, Patch, PreparedEngine } from '../engines/types';
import { decodeFrames } from '../media/decode';
import { createEncoder } from '../media/encode';
import { probeMedia } from '../media/probe';
import { unionMask, clampRect, inflateRect, intersectRect } from '../masks/geometry';
import { rasterizeUnionMask } from '../masks/raster';
import { rasterizeOcclusion } from '../masks/occlusion';
import { compositePatch, withAlpha, type UnionMaskRaster } from '../compositing/composite';
import { applyFaceMatte } from '../compositing/face-matte';
import { createEngine, resolveParams } from '../engines/registry';
import { prefetch } from '../util/prefetch';
import { throwIfAborted } from '../util/errors';
import { pickReference } from './reference-stage';
import { LruMemo } from '../util/memo';

/** Bump when the rendered pixels of a segment change meaning (engine, compositing, masks). */
export const RENDER_VERSION = 9;
/** Union-mask options for engines with their own face matte (`EngineDescription.faceMatte`). */
export const FACE_MATTE_UNION = { erode: 0, marginFrac: 0.12, featherFrac: 0 } as const;
/** Decoded frames read ahead of the renderer (the bound on frames in flight, with the window). */
export const PREFETCH_FRAMES = 8;

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/**
 * A rendered segment: the output pixels of the crop rectangle `rect` for frames
 * [startFrame, endFrame), stored losslessly (Ut Video gbrap: bit-exact rgb24 plus an alpha that
 * is 255 where the engine changed the pixel) in `file`. Pixels of the crop outside the union
 * mask are the original's, so pasting the whole crop is exact in RGB; Y'CbCr exports lay only
 * the changed pixels (the alpha) over the clip.
 */
export interface RenderedSegment {
  id: string;
  key: string;
  file: string;
  rect: Rect;
  /**
   * The part of `rect` the union mask can change (its box, even-aligned): exports paste only
   * this, so every pixel outside it stays the original's bit for bit in 4:2:0 exports too.
   */
  pasteRect: Rect;
  startFrame: number;
  endFrame: number;
  reference: { startFrame: number; endFrame: number };
  referenceReason: string;
  /** True when it came from the cache without rendering. */
  cached: boolean;
  /** Busy seconds: engine synthesis, compositing. */
  busySec: { engine: number; composite: number; prepare: number };
  maxFramesInFlight: number;
}

/** The reference range of a segment: the user's, or the automatic choice with its reason. */
export function segmentReference(job: JobContext, spec: SegmentSpec, all: SegmentSpec[]): { start: number; end: number; reason: string } {
  if (spec.reference) return { start: spec.reference.startFrame, end: spec.reference.endFrame, reason: 'given by the user' };
  const r = pickReference(job.facts, { start: spec.startFrame, end: spec.endFrame }, all.map((s) => ({ start: s.startFrame, end: s.endFrame })), job.info);
  return { start: r.start, end: r.end, reason: r.reason };
}

/**
 * Grows an integer rectangle to even x, y, width and height (within the frame when its size is
 * even), so a render can be pasted into 4:2:0 frames without touching chroma outside it.
 */
export function evenRect(r: Rect, width: number, height: number): Rect {
  const x0 = r.x - (r.x % 2);
  const y0 = r.y - (r.y % 2);
  let x1 = r.x + r.w + ((r.x + r.w) % 2);
  let y1 = r.y + r.h + ((r.y + r.h) % 2);
  if (x1 > width) x1 = width - (width % 2 === 0 ? 0 : 1);
  if (y1 > height) y1 = height - (height % 2 === 0 ? 0 : 1);
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/** Bounding box of the tracked face boxes over a frame range, or null. */
function faceBoxes(job: JobContext, r: FrameRange): Rect | null {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let f = r.start; f < r.end; f++) {
    const s = job.track.frames[f];
    if (!s) continue;
    x0 = Math.min(x0, s.box[0]);
    y0 = Math.min(y0, s.box[1]);
    x1 = Math.max(x1, s.box[0] + s.box[2]);
    y1 = Math.max(y1, s.box[1] + s.box[3]);
  }
  return Number.isFinite(x0) ? { x: x0, y: y0, w: x1 - x0, h: y1 - y0 } : null;
}

/**
 * Where a segment renders: `crop` is the region of the output frames decoded, rendered and
 * stored (the union mask's box grown by 6 % for the colour statistics around it; the whole
 * frame for engines that need whole frames), `referenceCrop` the region decoded from the
 * lip-habit reference (its face boxes grown by 15 %). Only the union mask is ever written.
 * Null when the segment has no face.
 */
export function segmentCrop(job: JobContext, range: FrameRange, reference: FrameRange, croppable = true, faceMatte = false): { crop: Rect; referenceCrop: Rect; union: UnionMaskRaster } | null {
  const meshes = job.track.frames.slice(range.start, range.end).map((s) => s?.mesh ?? null);
  // An engine that brings its own face matte gets a hard box around everything its matte can
  // reach (the lower-face outlines of the segment, grown by 12 %: the matte ring lies 5 % beyond
  // the outlines, plus a fifth of the jaw's motion): no feather of the box ever
  // blends two geometries of the jaw.
  const um = unionMask(meshes, job.width, job.height, faceMatte ? FACE_MATTE_UNION : {});
  if (!um) return null;
  const full = { x: 0, y: 0, w: job.width, h: job.height };
  const union = { rect: um.rect, alpha: rasterizeUnionMask(um) };
  if (!croppable) return { crop: full, referenceCrop: full, union };
  const grow = (r: Rect, f: number) => evenRect(clampRect(inflateRect(r, Math.round(Math.max(r.w, r.h) * f)), job.width, job.height), job.width, job.height);
  const refBox = faceBoxes(job, reference);
  return { crop: grow(um.rect, 0.06), referenceCrop: refBox ? grow(refBox, 0.15) : full, union };
}

/** Content address of a segment render: every input that changes its pixels. */
export function segmentKey(job: JobContext, spec: SegmentSpec, ref: { start: number; end: number }, params: Record<string, number>, crop: Rect): string {
  const material = JSON.stringify({
    v: RENDER_VERSION,
    video: job.videoHash,
    dub: job.dubKey,
    face: job.faceIndex,
    track: job.track.frames.length,
    range: [spec.startFrame, spec.endFrame],
    ref: [ref.start, ref.end],
    engine: spec.engine,
    pack: spec.pack ?? null,
    params: Object.entries(params).sort(),
    occlusion: spec.occlusion ?? null,
    crop,
    // Phone timing inputs besides the audio (script, languages) when the engine weighs visemes.
    ...(params.viseme > 0 ? { phonetics: job.phoneticsKey ?? null } : {}),
  });
  return createHash('sha256').update(material).digest('hex').slice(0, 32);
}


export interface RenderSegmentOptions {
  signal?: AbortSignal;
  providers?: string[];
  log?: (m: string) => void;
  /**
   * Each composited crop frame as soon as it is ready (interactive preview, or the export pass
   * running alongside); a returned promise is awaited (back-pressure).
   */
  onFrame?: (frame: RgbFrame, rect: Rect, pasteRect: Rect) => void | Promise<void>;
  /** Only look the render up: return it when cached, `'miss'` when it would have to render. */
  lookupOnly?: boolean;
  onProgress?: (done: number, total: number) => void;
  /** All segments of the job (automatic references avoid every dubbed range). */
  allSegments?: SegmentSpec[];
  /**
   * Keep the segment's decoded crop frames in the process-wide `cropMemo` (default true), so the
   * next render of the same range (a slider change in the editor) does not decode again. The
   * export pass turns it off: it renders each segment once.
   */
  memoFrames?: boolean;
}

/**
 * Decoded crop frames of recently rendered segments (the editor re-renders the same segment as
 * sliders move), keyed by clip content, range and crop; bounded to 192 MB, least recently used
 * first out. A segment whose frames exceed half the budget is not kept.
 */
export const cropMemo = new LruMemo<RgbFrame[]>(192 * 1024 * 1024);

/** Decoded frames from the memo, each a copy (the renderer composites into its frames). */
async function* replayFrames(frames: RgbFrame[], signal?: AbortSignal): AsyncGenerator<RgbFrame> {
  for (const f of frames) {
    throwIfAborted(signal);
    yield { ...f, data: f.data.slice() };
  }
}

/** Passes frames through while keeping a copy of each; `done` gets the copies when complete. */
async function* recordFrames(source: AsyncIterable<RgbFrame>, limitBytes: number, done: (frames: RgbFrame[]) => void): AsyncGenerator<RgbFrame> {
  const kept: RgbFrame[] = [];
  let bytes = 0;
  for await (const f of source) {
    if (bytes <= limitBytes) {
      kept.push({ ...f, data: f.data.slice() });
      bytes += f.data.byteLength;
    }
    yield f;
  }
  if (bytes <= limitBytes) done(kept);
}

/**
 * Renders one segment into the content-addressed render cache (`<cacheDir>/renders/<key>.mkv`)
 * or returns the cached render. Streams: decode (cropped, prefetched) -> engine (windows) ->
 * composite through the union and occlusion masks -> lossless encode. Memory is bounded by the
 * prefetch depth and the engine window. Returns null when the segment has no face.
 * @throws UserError from the engine / media; CancelledError (no partial cache file is left).
 */
export async function renderSegment(job: JobContext, spec: SegmentSpec, o: RenderSegmentOptions & { lookupOnly: true }): Promise<RenderedSegment | null | 'miss'>;
export async function renderSegment(job: JobContext, spec: SegmentSpec, o?: RenderSegmentOptions): Promise<RenderedSegment | null>;
export async function renderSegment(job: JobContext, spec: SegmentSpec, o: RenderSegmentOptions = {}): Promise<RenderedSegment | null | 'miss'> {
  const { info, track } = job;
  const range = { start: spec.startFrame, end: spec.endFrame };
  const ref = segmentReference(job, spec, o.allSegments ?? [spec]);
  const t0 = performance.now();
  const engine = await createEngine(spec.engine, { pack: spec.pack, providers: o.providers });
  const desc = engine.describe();
  const geom = segmentCrop(job, range, { start: ref.start, end: ref.end }, desc.acceptsCroppedFrames === true, desc.faceMatte === true);
  if (!geom) return null;
  const { crop, referenceCrop, union } = geom;
  const cropOrFull = (r: Rect) => (r.x === 0 && r.y === 0 && r.w === job.width && r.h === job.height ? undefined : r);
  const params = resolveParams(engine.describe().params, spec.params, spec.engine);
  const key = segmentKey(job, spec, ref, params, crop);
  const file = path.join(job.cacheDir, 'renders', `${key}.mkv`);
  const pasteRect = intersectRect(evenRect(union.rect, job.width, job.height), crop);
  const base = { id: spec.id, key, file, rect: crop, pasteRect, startFrame: range.start, endFrame: range.end, reference: { startFrame: ref.start, endFrame: ref.end }, referenceReason: ref.reason };
  try {
    const st = await fsp.stat(file);
    if (st.size > 0) return { ...base, cached: true, busySec: { engine: 0, composite: 0, prepare: 0 }, maxFramesInFlight: 0 };
  } catch {
    // Not cached yet.
  }
  if (o.lookupOnly) return 'miss';
  const firstFrame = deferred<IteratorResult<RgbFrame>>();
  await fsp.mkdir(path.dirname(file), { recursive: true });
  // Start the decoder (read-ahead) and the encoder before the engine prepares, so ffmpeg's
  // start-up and seek overlap the engine's preparation.
  // Renders carry an alpha plane marking the pixels the engine changed: exports lay only those
  // over the clip, so every other pixel stays the original's exactly, also in Y'CbCr.
  const encoder = createEncoder({ width: crop.w, height: crop.h, fpsNum: info.fpsNum, fpsDen: info.fpsDen, out: file, lossless: true, losslessCodec: 'utvideo', inputPixFmt: 'rgba', signal: o.signal });
  const changed = new Uint8Array(crop.w * crop.h);
  const rgba = new Uint8Array(crop.w * crop.h * 4);
  const memoKey = `${job.videoHash}|${range.start}-${range.end}|${crop.x},${crop.y},${crop.w}x${crop.h}`;
  const remembered = o.memoFrames === false ? undefined : cropMemo.get(memoKey);
  const source = remembered
    ? replayFrames(remembered, o.signal)
    : decodeFrames(info, { start: range.start, end: range.end, signal: o.signal, crop: cropOrFull(crop) });
  const frames = prefetch(
    o.memoFrames === false || remembered ? source : recordFrames(source, 96 * 1024 * 1024, (kept) => cropMemo.set(memoKey, kept, kept.length * crop.w * crop.h * 3 + 1024)),
    PREFETCH_FRAMES,
  );
  void frames.next().then((first) => firstFrame.resolve(first), (err) => firstFrame.reject(err));
  let prepared: PreparedEngine;
  try {
    // Phone timing (cached) only for engines that weigh visemes (the reference engine's `viseme`).
    const phonetics = params.viseme > 0 && job.phonetics ? await job.phonetics() : null;
    const grain = job.grain ? await job.grain() : undefined;
    prepared = await engine.prepare({
    video: info,
    range,
    reference: { start: ref.start, end: ref.end },
    track,
    dubAudio: job.dub16,
    originalAudio: job.orig16,
    readFrames: async (r, onFrame) => {
      for await (const f of decodeFrames(info, { start: r.start, end: r.end, signal: o.signal, crop: cropOrFull(referenceCrop) })) await onFrame(f);
    },
    params,
    cacheDir: job.cacheDir,
    ...(grain !== undefined ? { grain } : {}),
    ...(phonetics ? { dubVisemes: phonetics.dubVisemes ?? undefined, originalVisemes: phonetics.originalVisemes ?? undefined } : {}),
    signal: o.signal,
    log: o.log,
  });
  } catch (err) {
    await firstFrame.promise.catch(() => undefined);
    await frames.return(undefined);
    await encoder.abort();
    throw err;
  }
  const prepareSec = (performance.now() - t0) / 1000;
  const busy = { engine: 0, composite: 0 };
  let maxInFlight = 0;
  let done = 0;
  const total = range.end - range.start;
  // Windows: with a pipelined engine the next window is synthesized while this one is
  // composited and encoded (one window in flight beyond the one being filled).
  let window: EngineFrameInput[] = [];
  type Started = { inputs: EngineFrameInput[]; patches: Promise<(Patch | null)[]> };
  let inFlight: Started | null = null;
  const start = (inputs: EngineFrameInput[]): Started => {
    const patches = prepared.renderWindow(inputs);
    patches.catch(() => undefined); // awaited in `complete`; never an unhandled rejection
    return { inputs, patches };
  };
  const complete = async (w: Started) => {
    let t = performance.now();
    const patches = await w.patches;
    busy.engine += performance.now() - t;
    for (let i = 0; i < w.inputs.length; i++) {
      const frame = w.inputs[i].frame;
      const patch = patches[i];
      t = performance.now();
      changed.fill(0);
      if (patch && !desc.faceMatte && w.inputs[i].sample) applyFaceMatte(patch, w.inputs[i].sample!.mesh);
      if (patch) compositePatch(frame, patch, union, rasterizeOcclusion(spec.occlusion, frame.index, union.rect), changed);
      busy.composite += performance.now() - t;
      await o.onFrame?.(frame, crop, pasteRect);
      await encoder.write(withAlpha(frame.data, changed, rgba));
      o.onProgress?.(++done, total);
    }
  };
  const flush = async () => {
    if (!window.length) return;
    const w = start(window);
    window = [];
    if (inFlight) await complete(inFlight);
    inFlight = null;
    if (prepared.pipelined) inFlight = w;
    else await complete(w);
  };
  try {
    const first = await firstFrame.promise;
    const rest = (async function* () {
      if (!first.done) yield first.value;
      else return;
      for await (const f of { [Symbol.asyncIterator]: () => frames }) yield f;
    })();
    for await (const frame of rest) {
      throwIfAborted(o.signal);
      maxInFlight = Math.max(maxInFlight, 1 + window.length + frames.buffered + ((inFlight as Started | null)?.inputs.length ?? 0));
      window.push({ frame, sample: track.frames[frame.index] });
      if (window.length >= prepared.windowSize) await flush();
    }
    await flush();
    if (inFlight) await complete(inFlight);
    inFlight = null;
    await encoder.finish();
  } catch (err) {
    await (inFlight as Started | null)?.patches.catch(() => undefined);
    await frames.return(undefined);
    await encoder.abort();
    throw err;
  } finally {
    await prepared.dispose();
  }
  return { ...base, cached: false, busySec: { engine: busy.engine / 1000, composite: busy.composite / 1000, prepare: prepareSec }, maxFramesInFlight: maxInFlight };
}

/**
 * Opens a rendered segment's crop frames as a stream of rgb24 frames (crop size, absolute
 * indices `startFrame`...). Review exports read renders inside ffmpeg (`overlay-args.ts`).
 */
export async function* readRenderedSegment(seg: Pick<RenderedSegment, 'file' | 'startFrame'>, signal?: AbortSignal): AsyncGenerator<RgbFrame> {
  const info = await probeMedia(seg.file, { signal });
  let i = seg.startFrame;
  for await (const f of decodeFrames(info, { signal })) {
    yield { ...f, index: i++ };
  }
}
