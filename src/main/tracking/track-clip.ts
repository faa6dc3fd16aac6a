import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { RgbFrame } from '../media/types';
import { throwIfAborted, UserError } from '../util/errors';
import { sha256File } from '../util/file-hash';
import { FaceMeshDetector, faceMeshSettingsKey, type FaceDetector, type FaceMeshDetectorOptions } from './mesh-detector';
import { readTrackingCache, writeTrackingCache } from './track-cache';
import { buildTracks, DEFAULT_TRACKER, noFaceError, type TrackerOptions } from './tracker';
import type { FaceObservation, TrackingResult } from './types';

/** Bump when detection, association, smoothing or the stored format change meaning. */
export const TRACKER_VERSION = 1;

export interface TrackClipOptions {
  /** Frame size in pixels; every frame must have it. */
  width: number;
  height: number;
  /** Expected number of frames (for progress; the result has as many frames as were yielded). */
  frameCount: number;
  /** Frames per second, for the smoothing filter's timestamps. Default 25. */
  fps?: number;
  signal?: AbortSignal;
  /** Called after each frame with frames done and `frameCount`. */
  onProgress?: (done: number, total: number) => void;
  /** Detector to use (it is `reset()` first); default: a {@link FaceMeshDetector} with `detectorOptions`. */
  detector?: FaceDetector;
  detectorOptions?: FaceMeshDetectorOptions;
  /** Association / smoothing / gap settings (fps comes from `fps`). */
  tracker?: Partial<Omit<TrackerOptions, 'fps'>>;
}

/**
 * Detects faces in every frame of `frames` (in order; `frames[i]` of the result is the i-th frame
 * yielded) and builds smoothed tracks with {@link buildTracks}.
 * Throws `UserError` `E_NO_FACE` when no face is found anywhere, `E_NO_FRAMES` when `frames`
 * yields nothing, `CancelledError` when `signal` aborts (the frame iterator is closed), `Error`
 * when a frame's size differs from `width` x `height`, and whatever the detector throws.
 */
export async function trackClip(frames: AsyncIterable<RgbFrame>, options: TrackClipOptions): Promise<TrackingResult> {
  const { width, height, frameCount, signal, onProgress } = options;
  throwIfAborted(signal);
  const detector = options.detector ?? (await FaceMeshDetector.create(options.detectorOptions));
  detector.reset();
  const detections: FaceObservation[][] = [];
  for await (const frame of frames) {
    throwIfAborted(signal);
    if (frame.width !== width || frame.height !== height) {
      throw new Error(`frame ${frame.index} is ${frame.width}x${frame.height}, expected ${width}x${height}`);
    }
    detections.push(await detector.detect(frame));
    onProgress?.(detections.length, frameCount);
  }
  throwIfAborted(signal);
  if (detections.length === 0) {
    throw new UserError('E_NO_FRAMES', 'No video frames could be decoded.', 'Check that the file plays and has a video stream.');
  }
  const result = buildTracks(detections, { width, height }, { ...options.tracker, fps: options.fps ?? DEFAULT_TRACKER.fps });
  if (result.tracks.length === 0) throw noFaceError();
  return result;
}

export interface TrackClipCachedOptions extends TrackClipOptions {
  /**
   * Anything about how the frames are produced that changes them (decode range, scaling,
   * rotation handling), e.g. `JSON.stringify({ start, end })`. Part of the cache key.
   */
  decodeKey?: string;
  /** The detector's settings key when no `detector` instance is given (else `settingsKey` of `detectorOptions`' Human detector). */
  detectorKey?: string;
  log?: (message: string) => void;
}

/**
 * The cache key of a tracking run: sha256 of the video's content hash, {@link TRACKER_VERSION},
 * the detector's settings, the tracker settings, frame size, fps and `decodeKey`.
 */
export function trackingCacheKey(contentHash: string, options: TrackClipCachedOptions): string {
  const detectorKey = options.detector?.settingsKey ?? options.detectorKey ?? faceMeshSettingsKey(options.detectorOptions);
  const tracker = { ...DEFAULT_TRACKER, ...options.tracker, fps: options.fps ?? DEFAULT_TRACKER.fps };
  const material = JSON.stringify({
    version: TRACKER_VERSION,
    content: contentHash,
    detector: detectorKey,
    tracker,
    width: options.width,
    height: options.height,
    frameCount: options.frameCount,
    decode: options.decodeKey ?? '',
  });
  return createHash('sha256').update(material).digest('hex');
}

/**
 * {@link trackClip} with a disk cache in `<cacheDir>/tracking/<key>.dtrk` (key:
 * {@link trackingCacheKey}; the video's bytes are hashed, not its size or date). On a hit the
 * stored result is returned and neither `openFrames` nor the detector is touched; on a miss
 * `openFrames()` is called once, the clip is tracked and the result written atomically.
 * Throws what {@link trackClip} throws, the fs error when the video cannot be read, and
 * `CancelledError`. A failure to write the cache is logged, not thrown.
 */
export async function trackClipCached(
  videoPath: string,
  openFrames: () => AsyncIterable<RgbFrame>,
  options: TrackClipCachedOptions,
  cacheDir: string,
): Promise<TrackingResult> {
  const contentHash = await sha256File(videoPath, options.signal);
  const key = trackingCacheKey(contentHash, options);
  const file = join(cacheDir, 'tracking', `${key}.dtrk`);
  const cached = await readTrackingCache(file, key);
  if (cached) {
    options.log?.(`tracking: cache hit ${file}`);
    return cached;
  }
  const result = await trackClip(openFrames(), options);
  try {
    await writeTrackingCache(file, result, key);
  } catch (err) {
    options.log?.(`tracking: could not write cache ${file}: ${(err as Error).message}`);
  }
  return result;
}
