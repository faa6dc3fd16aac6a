import type { FaceObservation } from './types';

/** Frame-to-frame matching settings. Distances are in face sizes (sqrt of box area). */
export interface AssociationOptions {
  /** A track that has not been seen for more than this many frames takes no new faces. Default 75 (3 s at 25 fps). */
  maxLostFrames: number;
  /** Largest centre distance between a track's predicted box and a face, in face sizes. Default 0.6. */
  maxCentreDistance: number;
  /** Largest size ratio (bigger / smaller side of sqrt(area)) between track and face. Default 1.6. */
  maxSizeRatio: number;
  /** Frames of constant-velocity extrapolation at most (beyond that the position holds). Default 5. */
  maxExtrapolationFrames: number;
}

export const DEFAULT_ASSOCIATION: AssociationOptions = {
  maxLostFrames: 75,
  maxCentreDistance: 0.6,
  maxSizeRatio: 1.6,
  maxExtrapolationFrames: 5,
};

/** Observations of one face before smoothing: `observations[i]` is frame i's face or null. */
export interface RawTrack {
  /** Order of first appearance, from 0. */
  id: number;
  observations: (FaceObservation | null)[];
}

interface ActiveTrack {
  track: RawTrack;
  lastFrame: number;
  cx: number;
  cy: number;
  size: number;
  /** Centre velocity in pixels per frame, smoothed. */
  vx: number;
  vy: number;
}

function centre(box: FaceObservation['box']): [number, number] {
  return [box[0] + box[2] / 2, box[1] + box[3] / 2];
}

function sizeOf(box: FaceObservation['box']): number {
  return Math.sqrt(Math.max(box[2], 0) * Math.max(box[3], 0));
}

/**
 * Links per-frame faces (`frames[i]` = faces found in frame i) into tracks. Each track predicts
 * its box centre with a constant velocity (pixels/frame, at most `maxExtrapolationFrames`
 * ahead); candidate pairs within `maxCentreDistance` face sizes and `maxSizeRatio` are matched
 * greedily, closest first (optimal for the few faces of a dubbing shot, and it keeps ids when two
 * faces cross). A face matching no track starts a new one. Frames without faces are fine.
 * Returns tracks in order of first appearance; `observations` has one entry per frame.
 */
export function associate(frames: FaceObservation[][], options: Partial<AssociationOptions> = {}): RawTrack[] {
  const o = { ...DEFAULT_ASSOCIATION, ...options };
  const n = frames.length;
  const tracks: RawTrack[] = [];
  let active: ActiveTrack[] = [];

  for (let f = 0; f < n; f++) {
    active = active.filter((a) => f - a.lastFrame <= o.maxLostFrames);
    const faces = frames[f].filter((face) => sizeOf(face.box) > 0);
    const pairs: { a: number; b: number; cost: number }[] = [];
    active.forEach((a, ai) => {
      const k = Math.min(f - a.lastFrame, o.maxExtrapolationFrames);
      const px = a.cx + a.vx * k;
      const py = a.cy + a.vy * k;
      faces.forEach((face, fi) => {
        const s = sizeOf(face.box);
        const ratio = Math.max(s, a.size) / Math.min(s, a.size);
        if (ratio > o.maxSizeRatio) return;
        const [cx, cy] = centre(face.box);
        const cost = Math.hypot(cx - px, cy - py) / a.size;
        if (cost <= o.maxCentreDistance) pairs.push({ a: ai, b: fi, cost });
      });
    });
    pairs.sort((p, q) => p.cost - q.cost);
    const usedTrack = new Set<number>();
    const usedFace = new Set<number>();
    for (const { a: ai, b: fi } of pairs) {
      if (usedTrack.has(ai) || usedFace.has(fi)) continue;
      usedTrack.add(ai);
      usedFace.add(fi);
      const a = active[ai];
      const face = faces[fi];
      const [cx, cy] = centre(face.box);
      const gap = f - a.lastFrame;
      a.vx = 0.5 * a.vx + 0.5 * ((cx - a.cx) / gap);
      a.vy = 0.5 * a.vy + 0.5 * ((cy - a.cy) / gap);
      a.cx = cx;
      a.cy = cy;
      a.size = sizeOf(face.box);
      a.lastFrame = f;
      a.track.observations[f] = face;
    }
    faces.forEach((face, fi) => {
      if (usedFace.has(fi)) return;
      const track: RawTrack = { id: tracks.length, observations: new Array(n).fill(null) };
      track.observations[f] = face;
      tracks.push(track);
      const [cx, cy] = centre(face.box);
      active.push({ track, lastFrame: f, cx, cy, size: sizeOf(face.box), vx: 0, vy: 0 });
    });
  }
  return tracks;
}
