/**
 * Occluder suggestions from detected hands (pure geometry, shared by the inference host and the
 * tests). A hand is a 21-keypoint skeleton in image pixels with a box; a suggestion is one
 * keyframed shape (fixed vertex count, aligned keyframes) that the editor can add to a segment's
 * occlusion mask as it is.
 */
import { alignPolygon, resamplePolygon, signedArea, type Poly, type Pt } from './keyframes';

/** What the host needs of a detected hand (a HandObservation of src/main/tracking/types.ts). */
export interface HandLike {
  /** [x, y, w, h] pixels. */
  box: [number, number, number, number];
  /** x, y, z per keypoint (21 * 3 for Human's hand skeleton), pixels. */
  keypoints: ArrayLike<number>;
  score: number;
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface HandSuggestionKeyframe {
  frame: number;
  polygon: Poly;
}

export interface HandSuggestion {
  /** Keyframes sorted by frame, every polygon with the same vertex count. */
  keyframes: HandSuggestionKeyframe[];
  /** Mean detection score over the keyframes. */
  score: number;
  reason: string;
}

/** Defaults of {@link suggestHandOccluders}. */
export const HAND_SUGGESTION_DEFAULTS = {
  /** Outline growth, as a fraction of the hand box's larger side. */
  grow: 0.15,
  /** Vertices of every suggested polygon. */
  vertices: 16,
  /** Minimum detection score. */
  minScore: 0.3,
  /** Minimum smaller side of a hand box, pixels (slivers are detector noise). */
  minBoxSide: 12,
  /** A new group starts when the hand moved more than this many box sizes since the group's last keyframe. */
  maxJump: 1.0,
  /** A new group starts after a gap of more than this many sampled frames without the hand. */
  maxGapSamples: 2,
};

/** Convex hull (Andrew's monotone chain) of points; clockwise in image coordinates (y down). */
export function convexHull(points: Pt[]): Poly {
  const pts = points.filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1])).map((p) => [p[0], p[1]] as Pt);
  pts.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const uniq: Pt[] = [];
  for (const p of pts) if (!uniq.length || uniq[uniq.length - 1][0] !== p[0] || uniq[uniq.length - 1][1] !== p[1]) uniq.push(p);
  if (uniq.length < 3) return uniq;
  const cross = (o: Pt, a: Pt, b: Pt) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: Pt[] = [];
  for (const p of uniq) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: Pt[] = [];
  for (let i = uniq.length - 1; i >= 0; i--) {
    const p = uniq[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop();
    upper.push(p);
  }
  const hull = [...lower.slice(0, -1), ...upper.slice(0, -1)];
  // Monotone chain gives counter-clockwise in y-up axes: positive signed area in y-down image axes
  // means clockwise on screen; normalise to that.
  return signedArea(hull) < 0 ? hull.reverse() : hull;
}

/** Moves every vertex of a convex polygon `by` pixels away from its centroid. */
export function growPolygon(poly: Poly, by: number): Poly {
  if (poly.length === 0) return [];
  const cx = poly.reduce((a, p) => a + p[0], 0) / poly.length;
  const cy = poly.reduce((a, p) => a + p[1], 0) / poly.length;
  return poly.map(([x, y]) => {
    const dx = x - cx;
    const dy = y - cy;
    const d = Math.hypot(dx, dy);
    return d > 0 ? ([x + (dx / d) * by, y + (dy / d) * by] as Pt) : ([x, y] as Pt);
  });
}

/** Area of the intersection of two rectangles (pixels²). */
export function overlapArea(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/** A detection that can be a real hand: confident enough and not a sliver. */
export function plausibleHand(hand: HandLike, opts: { minScore?: number; minBoxSide?: number } = {}): boolean {
  return hand.score >= (opts.minScore ?? HAND_SUGGESTION_DEFAULTS.minScore) && Math.min(hand.box[2], hand.box[3]) >= (opts.minBoxSide ?? HAND_SUGGESTION_DEFAULTS.minBoxSide);
}

/** True when the hand's box overlaps the lower-face rectangle (any positive area). */
export function handOverlapsFace(hand: HandLike, face: Rect): boolean {
  const [x, y, w, h] = hand.box;
  return overlapArea({ x, y, w, h }, face) > 0;
}

/**
 * The suggested occluder outline of one hand: convex hull of its keypoints, grown by `grow` x the
 * box's larger side, resampled to `vertices` points (clockwise), rounded to 0.1 px. Null when the
 * keypoints do not span an area.
 */
export function handOutline(hand: HandLike, opts: { grow?: number; vertices?: number } = {}): Poly | null {
  const pts: Pt[] = [];
  for (let i = 0; i + 1 < hand.keypoints.length; i += 3) pts.push([hand.keypoints[i], hand.keypoints[i + 1]]);
  const hull = convexHull(pts);
  if (hull.length < 3 || Math.abs(signedArea(hull)) < 1) return null;
  const grown = growPolygon(hull, (opts.grow ?? HAND_SUGGESTION_DEFAULTS.grow) * Math.max(hand.box[2], hand.box[3]));
  return resamplePolygon(grown, opts.vertices ?? HAND_SUGGESTION_DEFAULTS.vertices).map(([x, y]) => [Math.round(x * 10) / 10, Math.round(y * 10) / 10] as Pt);
}

function centroid(poly: Poly): Pt {
  return [poly.reduce((a, p) => a + p[0], 0) / poly.length, poly.reduce((a, p) => a + p[1], 0) / poly.length];
}

/**
 * Suggestions for a segment: `detections` are the hands found on sampled frames (sorted by frame,
 * `step` frames apart), `face` the lower-face rectangle to protect (the union-mask rectangle), or
 * null when the face is unknown (then nothing is suggested). Hands below `minScore` or not
 * overlapping the face are dropped; the rest are grouped over time (nearest group whose last
 * outline is close and recent) into shapes of aligned keyframes, one keyframe per sampled frame.
 */
export function suggestHandOccluders(
  detections: Array<{ frame: number; hands: HandLike[] }>,
  face: Rect | null,
  opts: Partial<typeof HAND_SUGGESTION_DEFAULTS> & { step?: number } = {},
): HandSuggestion[] {
  const o = { ...HAND_SUGGESTION_DEFAULTS, ...opts };
  const step = Math.max(1, opts.step ?? 1);
  if (!face) return [];
  interface Group {
    keyframes: HandSuggestionKeyframe[];
    scores: number[];
    size: number;
  }
  const groups: Group[] = [];
  const sorted = [...detections].sort((a, b) => a.frame - b.frame);
  for (const { frame, hands } of sorted) {
    const used = new Set<Group>();
    const kept = hands
      .filter((h) => plausibleHand(h, o) && handOverlapsFace(h, face))
      .map((h) => ({ h, poly: handOutline(h, o) }))
      .filter((x): x is { h: HandLike; poly: Poly } => x.poly !== null)
      .sort((a, b) => b.h.score - a.h.score);
    for (const { h, poly } of kept) {
      const size = Math.max(h.box[2], h.box[3], 1);
      const c = centroid(poly);
      let best: Group | null = null;
      let bestD = Infinity;
      for (const g of groups) {
        if (used.has(g)) continue;
        const last = g.keyframes[g.keyframes.length - 1];
        if (frame - last.frame > (o.maxGapSamples + 1) * step) continue;
        const lc = centroid(last.polygon);
        const d = Math.hypot(c[0] - lc[0], c[1] - lc[1]);
        if (d <= o.maxJump * Math.max(size, g.size) && d < bestD) {
          best = g;
          bestD = d;
        }
      }
      if (best) {
        best.keyframes.push({ frame, polygon: alignPolygon(poly, best.keyframes[best.keyframes.length - 1].polygon) });
        best.scores.push(h.score);
        best.size = size;
        used.add(best);
      } else {
        const g: Group = { keyframes: [{ frame, polygon: poly }], scores: [h.score], size };
        groups.push(g);
        used.add(g);
      }
    }
  }
  return groups
    .sort((a, b) => a.keyframes[0].frame - b.keyframes[0].frame)
    .map((g) => {
      const first = g.keyframes[0].frame;
      const last = g.keyframes[g.keyframes.length - 1].frame;
      const score = g.scores.reduce((a, b) => a + b, 0) / g.scores.length;
      return {
        keyframes: g.keyframes,
        score,
        reason: `Hand over the lower face on frames ${first}-${last} (${g.keyframes.length} keyframe${g.keyframes.length === 1 ? '' : 's'}, score ${Math.round(score * 100)}%)`,
      };
    });
}

/** Frames to sample in [start, end): every `minStep`-th frame, fewer when that would exceed `max`. */
export function sampleFrames(start: number, end: number, minStep = 3, max = 40): { frames: number[]; step: number } {
  const n = Math.max(0, end - start);
  const step = Math.max(minStep, Math.ceil(n / max));
  const frames: number[] = [];
  for (let f = start; f < end; f += step) frames.push(f);
  return { frames, step };
}
