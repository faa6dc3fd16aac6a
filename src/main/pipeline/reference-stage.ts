import type { FaceTrack } from '../tracking/types';
import type { VideoInfo } from '../media/types';
import type { FrameRange } from '../engines/types';
import type { OcclusionMask } from '../masks/types';
import { chooseReference, type ReferenceFrameFacts, type ReferenceSuggestion } from '../engines/reference/auto-reference';
import { occlusionPolygonsAt } from '../masks/occlusion';
import { boundingRect } from '../masks/geometry';
import { rangeToFrames, type SecondsRange } from './segments';
import { LANDMARK } from '../../shared/face-mesh';

/**
 * Yaw proxy in [0, 1]: |d(nose tip, right eye) - d(nose tip, left eye)| / inter-ocular distance
 * (outer eye corners); about 0 for a frontal face, 0.5+ for a strong profile.
 */
export function yawProxy(mesh: Float32Array): number {
  const d = (a: number, b: number) => Math.hypot(mesh[a * 3] - mesh[b * 3], mesh[a * 3 + 1] - mesh[b * 3 + 1]);
  const { noseTip, rightEyeOuter, leftEyeOuter } = LANDMARK;
  const io = d(rightEyeOuter, leftEyeOuter) || 1;
  return Math.abs(d(noseTip, rightEyeOuter) - d(noseTip, leftEyeOuter)) / io;
}

/**
 * Per-frame facts about the original footage for the lip-habit reference suggestion.
 * @param speech speech ranges of the original audio (seconds, from VAD).
 * @param occlusions the occlusion masks of all segments (a frame is occluded when an occluder
 *   polygon overlaps the face box).
 */
export function referenceFacts(track: FaceTrack, speech: SecondsRange[], info: VideoInfo, occlusions: OcclusionMask[] = []): ReferenceFrameFacts[] {
  const speechFrame = new Uint8Array(info.frameCount);
  for (const s of speech) {
    const r = rangeToFrames(s, info.fpsNum, info.fpsDen, info.frameCount);
    speechFrame.fill(1, r.start, r.end);
  }
  return track.frames.map((s, i) => {
    let occluded = false;
    if (s && occlusions.length) {
      const [bx, by, bw, bh] = s.box;
      for (const m of occlusions) {
        const b = boundingRect(occlusionPolygonsAt(m, i));
        if (b && b.x < bx + bw && b.x + b.w > bx && b.y < by + bh && b.y + b.h > by) occluded = true;
      }
    }
    return {
      face: !!s && !s.interpolated,
      speech: speechFrame[i] === 1,
      frontal: !!s && yawProxy(s.mesh) < 0.3,
      occluded,
    };
  });
}

/**
 * Chooses the lip-habit reference for a segment when the user gave none: at least 1.5 s, at most
 * 12 s of good footage outside all dubbed ranges, else the segment's own original footage.
 */
export function pickReference(facts: ReferenceFrameFacts[], segment: FrameRange, allDubbed: FrameRange[], info: VideoInfo): ReferenceSuggestion {
  return chooseReference(facts, segment, allDubbed, {
    minFrames: Math.max(2, Math.round(info.fps * 1.5)),
    maxFrames: Math.max(2, Math.round(info.fps * 12)),
  });
}
