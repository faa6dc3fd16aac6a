/**
 * Know the limits: faces the tracker or the mouth warp cannot serve are detected per segment and
 * left as the original, with the reason, instead of being rendered into a picture an editor
 * would reject (a mouth warped onto a profile, a face a few dozen pixels tall, a face the
 * tracker is unsure of: stylized / animated faces, heavy occlusion).
 */
import type { FaceTrack, TrackSample } from '../tracking/types';
import { LANDMARK } from '../../shared/face-mesh';
import type { FrameRange } from '../engines/types';
import { median } from '../util/stats';

/** Why a segment is left as the original. */
export type FaceLimitCode = 'no-face' | 'too-small' | 'profile' | 'unsure';

/** Per-segment verdict with the figures behind it. */
export interface FaceLimitReport {
  /** Null when the segment can be dubbed. */
  code: FaceLimitCode | null;
  /** One sentence for the user (CLI summary, editor), with what to do; null when fine. */
  reason: string | null;
  /** Share of the range's frames with a tracked face, 0..1. */
  facedShare: number;
  /** Median face height (mesh forehead 10 to chin 152), pixels. */
  faceHeightPx: number;
  /** Median absolute head yaw estimated from the mesh, degrees (0 = frontal). */
  yawDeg: number;
  /** Median tracker confidence, 0..1. */
  score: number;
}

/** Thresholds of `assessFace` (defaults chosen on the shared clips; see the docstring). */
export interface FaceLimitOptions {
  /** Below this median face height (pixels) the mouth is a few pixels wide: too small. */
  minFaceHeightPx?: number;
  /** Above this median |yaw| (degrees) the 2-D mouth warp does not hold: profile. */
  maxYawDeg?: number;
  /** Below this median tracker confidence the mesh is not trusted (stylized faces, occlusion). */
  minScore?: number;
  /** Below this share of frames with a face the segment is left alone. */
  minFacedShare?: number;
}

/**
 * Head yaw from a 468-point mesh (Float32Array(468 * 3), pixels), degrees: where the nose tip
 * falls between the two cheek edges, read as a rotating cylinder, asin(2 r - 1) with r the nose
 * tip's relative position (0.5 frontal). Sign: positive when the nose is right of centre.
 */
export function yawFromMesh(mesh: Float32Array): number {
  // The subject's right cheek (234) is on the image left for a frontal face.
  const xl = mesh[LANDMARK.cheekRight * 3];
  const xr = mesh[LANDMARK.cheekLeft * 3];
  const span = xr - xl;
  if (!(Math.abs(span) > 1e-6)) return 90;
  const r = (mesh[LANDMARK.noseTip * 3] - xl) / span;
  return (Math.asin(Math.max(-1, Math.min(1, 2 * r - 1))) * 180) / Math.PI;
}

/** Face height (forehead 10 to chin 152), pixels. */
export function faceHeight(mesh: Float32Array): number {
  return Math.hypot(mesh[LANDMARK.foreheadTop * 3] - mesh[LANDMARK.chin * 3], mesh[LANDMARK.foreheadTop * 3 + 1] - mesh[LANDMARK.chin * 3 + 1]);
}

/**
 * Decides whether a segment's face can be dubbed (pure; the thresholds are in `opts`).
 * Defaults: face height >= 48 px, |yaw| <= 50 degrees, confidence >= 0.5, a face in >= 50 % of
 * the frames. The verdict holds for the whole segment: one with a few bad frames is still
 * rendered (those frames keep the original through the engine's own missing-face path).
 * @param range frames [start, end) of the segment.
 */
export function assessFace(track: FaceTrack, range: FrameRange, opts: FaceLimitOptions = {}): FaceLimitReport {
  const minH = opts.minFaceHeightPx ?? 48;
  const maxYaw = opts.maxYawDeg ?? 50;
  const minScore = opts.minScore ?? 0.5;
  const minShare = opts.minFacedShare ?? 0.5;
  const samples: TrackSample[] = [];
  for (let f = range.start; f < range.end; f++) {
    const s = track.frames[f];
    if (s) samples.push(s);
  }
  const n = Math.max(1, range.end - range.start);
  const facedShare = samples.length / n;
  const med = (v: number[]) => (v.length ? median(v) : 0);
  const faceHeightPx = med(samples.map((s) => faceHeight(s.mesh)));
  const yawDeg = med(samples.map((s) => Math.abs(yawFromMesh(s.mesh))));
  const score = med(samples.map((s) => s.score));
  const base = { facedShare, faceHeightPx, yawDeg, score };
  const pct = (v: number) => `${Math.round(v * 100)} %`;
  if (facedShare < minShare) {
    return { ...base, code: 'no-face', reason: `a face is tracked in only ${pct(facedShare)} of its frames; left as the original. Pick the face with --face or shorten the segment to where the face is visible.` };
  }
  if (faceHeightPx < minH) {
    return { ...base, code: 'too-small', reason: `the face is ${Math.round(faceHeightPx)} px tall (at least ${minH} px are needed for a mouth that reads); left as the original. Use a closer shot or a higher-resolution source.` };
  }
  if (yawDeg > maxYaw) {
    return { ...base, code: 'profile', reason: `the head is turned about ${Math.round(yawDeg)} degrees (profile; at most ${maxYaw} can be dubbed); left as the original.` };
  }
  if (score < minScore) {
    return { ...base, code: 'unsure', reason: `face tracking is unsure here (confidence ${score.toFixed(2)}: a stylized or animated face, or heavy occlusion); left as the original. Check the face mesh in the editor.` };
  }
  return { ...base, code: null, reason: null };
}
