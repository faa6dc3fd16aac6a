/** A point in image pixels (origin top-left). */
export type Point = [number, number];

/** A closed polygon in image pixels. */
export type Polygon = Point[];

/**
 * Occlusion mask keyframe: at `frame` the occluder is the union of `polygons`. Between two
 * keyframes the polygons are linearly interpolated point by point (same polygon count and vertex
 * count required); before the first / after the last keyframe the nearest keyframe holds.
 */
export interface OcclusionKeyframe {
  frame: number;
  polygons: Polygon[];
}

/** One occluder (a hand, a microphone) with its keyframes, sorted by frame. */
export interface OcclusionShape {
  id: string;
  keyframes: OcclusionKeyframe[];
}

/** The occlusion mask of a segment or clip: pixels under any shape are kept from the original. */
export interface OcclusionMask {
  shapes: OcclusionShape[];
}

/** A single-channel mask, HxW, values in [0, 1] (Float32) for soft masks. */
export interface SoftMask {
  width: number;
  height: number;
  data: Float32Array;
}

/** Axis-aligned rectangle in pixels: x, y top-left, w, h size. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}
