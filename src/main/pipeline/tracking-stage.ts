import os from 'node:os';
import path from 'node:path';
import type { VideoInfo } from '../media/types';
import type { FaceTrack, TrackingResult } from '../tracking/types';
import { decodeFrames } from '../media/decode';
import { displaySize } from '../media/probe';
import { trackClipCached } from '../tracking/track-clip';
import { pickLargestTrack, selectTrack } from '../tracking/tracker';

/** Counts calls that actually ran the tracker (cache misses); the regression guard reads it. */
export const trackerRuns = { count: 0 };

/**
 * Tracks the faces of a whole clip (468-point mesh per frame, smoothed tracks), using the
 * content-addressed cache in `<cacheDir>/tracking`. A cache hit neither decodes nor runs the
 * detector.
 */
export async function trackVideo(
  info: VideoInfo,
  o: { cacheDir?: string; signal?: AbortSignal; onStart?: (total: number) => void; onProgress?: (done: number, total: number) => void; log?: (m: string) => void } = {},
): Promise<TrackingResult> {
  const { width, height } = displaySize(info);
  const cacheDir = o.cacheDir ?? process.env.DUBBING_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'dubbing-editor');
  return trackClipCached(
    info.path,
    () => {
      trackerRuns.count++;
      o.onStart?.(info.frameCount);
      return decodeFrames(info, { signal: o.signal });
    },
    { width, height, frameCount: info.frameCount, fps: info.fps, signal: o.signal, onProgress: o.onProgress, log: o.log },
    cacheDir,
  );
}

/**
 * The face track to dub: `face` (index into `result.tracks`) when given, else the largest face.
 * @throws UserError E_FACE_INDEX when `face` is out of range (the message lists the tracks).
 */
export function chooseFaceTrack(result: TrackingResult, face?: number): { track: FaceTrack; index: number } {
  const track = face === undefined ? pickLargestTrack(result) : selectTrack(result, face);
  return { track, index: result.tracks.indexOf(track) };
}
