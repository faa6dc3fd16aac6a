import { defaultCacheDir } from '../util/cache-dir';
import path from 'node:path';
import type { VideoInfo } from '../media/types';
import type { FaceTrack, TrackingResult } from '../tracking/types';
import { displaySize } from '../media/probe';
import { trackingCacheKey } from '../tracking/track-clip';
import { detectFacesParallel } from '../tracking/parallel-detect';
import { buildTracks, noFaceError } from '../tracking/tracker';
import { faceMeshSettingsKey, type FaceMeshDetectorOptions } from '../tracking/mesh-detector';
import { ortFaceMeshSettingsKey, type OrtFaceMeshOptions } from '../tracking/ort/ort-face-mesh';
import { yuvMatrixOf } from '../media/matrix';
import { detectFrameSize } from '../tracking/detect-size';
import type { ColorMatrix } from '../media/args';
import { contentHash } from '../util/memo';
import { readTrackingCache, writeTrackingCache } from '../tracking/track-cache';
import { pickLargestTrack, selectTrack } from '../tracking/tracker';
import { throwIfAborted, UserError } from '../util/errors';

/**
 * Face-mesh settings of the pipeline: the detector (blazeface) runs every `skipFrames + 1` frames
 * and the mesh follows the face in between (MediaPipe-style); smoothing removes the extra jitter.
 */
export const DETECTOR_OPTIONS: FaceMeshDetectorOptions = { skipFrames: Number(process.env.DUBBING_SKIP_FRAMES ?? 0) };

/**
 * The per-frame face detector of the pipeline: 'ort' (default; BlazeFace + FaceMesh converted to
 * ONNX and run natively, ~3x faster) or 'human' (the same networks on tfjs-wasm through
 * @vladmandic/human; `DUBBING_TRACKER=human`). Both give the same landmarks within ~1 px.
 */
export const TRACKER_ENGINE: 'ort' | 'human' = process.env.DUBBING_TRACKER === 'human' ? 'human' : 'ort';

/**
 * Settings of the 'ort' detector: BlazeFace runs on every 5th frame and the mesh follows each
 * face in between (2.3x faster; on talk-a, talk-b and the 720p bench clip the smoothed landmarks
 * stay within 0.8-1.3 px of detecting on every frame and jitter no more). `DUBBING_REDETECT_EVERY`
 * overrides it (1 = detector on every frame).
 */
export const ORT_DETECTOR_OPTIONS: OrtFaceMeshOptions = { redetectEvery: Number(process.env.DUBBING_REDETECT_EVERY ?? 5) };

/** Cache-key description of the pipeline's detector. */
function detectorKey(): string {
  return TRACKER_ENGINE === 'human' ? faceMeshSettingsKey(DETECTOR_OPTIONS) : ortFaceMeshSettingsKey(ORT_DETECTOR_OPTIONS);
}

/**
 * Frames are scaled down for detection so their longer side is at most this many pixels (the
 * mesh model sees a 192 px face crop anyway); landmarks are mapped back to full resolution.
 */
export const DETECT_MAX_SIDE = Number(process.env.DUBBING_DETECT_MAX_SIDE ?? 1280);

/** Detection scale factor (<= 1) for a frame size. */
export function detectScale(width: number, height: number): number {
  return Math.min(1, DETECT_MAX_SIDE / Math.max(width, height));
}

/**
 * The matrix the ORT tracker samples RGB with when it reads yuv420p frames (half the pipe bytes
 * of rgb24, no conversion in ffmpeg), or undefined for rgb24: the Human tracker, full-range or
 * other-matrix clips, odd detection sizes, and `DUBBING_TRACK_RGB=1`.
 */
export function trackingYuvMatrix(info: VideoInfo): ColorMatrix | undefined {
  if (TRACKER_ENGINE !== 'ort' || process.env.DUBBING_TRACK_RGB === '1') return undefined;
  const { width, height } = displaySize(info);
  const { w, h } = detectFrameSize(width, height, detectScale(width, height));
  if (w % 2 !== 0 || h % 2 !== 0) return undefined;
  return yuvMatrixOf(info) ?? undefined;
}

/** Cache-key description of how frames reach the detector (scale, pixel format). */
function decodeKey(info: VideoInfo): string {
  const { width, height } = displaySize(info);
  const m = trackingYuvMatrix(info);
  return `scale=${detectScale(width, height).toFixed(4)}${m ? `|yuv420p-${m}` : ''}`;
}

/**
 * Tracks the faces of a whole clip (468-point mesh per frame, smoothed tracks), using the
 * content-addressed cache in `<cacheDir>/tracking`. A cache hit neither decodes nor runs the
 * detector.
 */
export async function trackVideo(
  info: VideoInfo,
  o: { cacheDir?: string; signal?: AbortSignal; onStart?: (total: number) => void; onProgress?: (done: number, total: number) => void; log?: (m: string) => void; workers?: number } = {},
): Promise<TrackingResult> {
  const { width, height } = displaySize(info);
  const cacheDir = resolveCacheDir(o.cacheDir);
  const scale = detectScale(width, height);
  const options = { width, height, frameCount: info.frameCount, fps: info.fps, detectorKey: detectorKey(), decodeKey: decodeKey(info) };
  const key = trackingCacheKey(await contentHash(info.path, o.signal), options);
  const file = path.join(cacheDir, 'tracking', `${key}.dtrk`);
  const cached = await readTrackingCache(file, key);
  if (cached) {
    o.log?.(`tracking: cache hit`);
    return usableTracks(cached);
  }
  o.onStart?.(info.frameCount);
  const detections = await detectFacesParallel(info, { workers: o.workers, engine: TRACKER_ENGINE, detector: DETECTOR_OPTIONS, ortDetector: ORT_DETECTOR_OPTIONS, scale, yuvMatrix: trackingYuvMatrix(info), signal: o.signal, onProgress: o.onProgress });
  throwIfAborted(o.signal);
  const raw = buildTracks(detections, { width, height }, { fps: info.fps });
  if (raw.tracks.length === 0) throw noFaceError();
  try {
    await writeTrackingCache(file, raw, key);
  } catch (err) {
    o.log?.(`tracking: could not write the cache ${file}: ${(err as Error).message}`);
  }
  return usableTracks(raw);
}

/** Tracks below this median confidence are detector false positives (real faces score ~1). */
export const MIN_TRACK_SCORE = 0.75;
/** Faces smaller than this (median box side, pixels) are too small to dub. */
export const MIN_FACE_PX = 40;

/**
 * Drops tracks that cannot be dubbed: median detection score below `MIN_TRACK_SCORE` (false
 * positives on patterns and textures) or median face size below `MIN_FACE_PX`. Track ids are
 * renumbered 0.. in order, so `--face N` indexes the usable faces.
 * @throws UserError E_NO_FACE when no usable face remains.
 */
export function usableTracks(result: TrackingResult): TrackingResult {
  const median = (v: number[]) => (v.length ? [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] : 0);
  let dropped = 0;
  const tracks = result.tracks.filter((t) => {
    const seen = t.frames.filter((f) => f && !f.interpolated);
    const ok = median(seen.map((f) => f!.score)) >= MIN_TRACK_SCORE && median(seen.map((f) => Math.min(f!.box[2], f!.box[3]))) >= MIN_FACE_PX;
    if (!ok) dropped++;
    return ok;
  });
  if (tracks.length === 0) {
    throw new UserError(
      'E_NO_FACE',
      `No face large and clear enough to dub was found in the clip${dropped ? ` (${dropped} small or uncertain detection${dropped > 1 ? 's' : ''} ignored)` : ''}.`,
      `Check that the actor's face is visible, frontal and at least ${MIN_FACE_PX} pixels tall.`,
    );
  }
  const warnings = dropped ? [...result.warnings, `Ignored ${dropped} small or uncertain face detection(s).`] : result.warnings;
  return { ...result, tracks: tracks.map((t, i) => ({ ...t, id: i })), warnings };
}

function resolveCacheDir(dir?: string): string {
  return dir ?? defaultCacheDir();
}

/**
 * Stores a tracking result for a clip in the cache exactly where `trackVideo` looks, so the next
 * dub uses it instead of running the tracker (corrected tracks from the editor, synthetic tracks
 * in tests).
 */
export async function storeTracking(info: VideoInfo, result: TrackingResult, cacheDir?: string): Promise<void> {
  const { width, height } = displaySize(info);
  const key = trackingCacheKey(await contentHash(info.path), { width, height, frameCount: info.frameCount, fps: info.fps, detectorKey: detectorKey(), decodeKey: decodeKey(info) });
  await writeTrackingCache(path.join(resolveCacheDir(cacheDir), 'tracking', `${key}.dtrk`), result, key);
}

/**
 * The face track to dub: `face` (index into `result.tracks`) when given, else the largest face.
 * @throws UserError E_FACE_INDEX when `face` is out of range (the message lists the tracks).
 */
export function chooseFaceTrack(result: TrackingResult, face?: number): { track: FaceTrack; index: number } {
  const track = face === undefined ? pickLargestTrack(result) : selectTrack(result, face);
  return { track, index: result.tracks.indexOf(track) };
}
