import type { Point, Polygon, Rect } from './types';
import { DETAILED_MASK_OUTLINE } from '../../shared/face-mesh';

/** Reads point `i` of a mesh laid out as Float32Array(468 * 3) [x, y, z] in pixels. */
export function meshPoint(mesh: Float32Array, i: number): Point {
  return [mesh[i * 3], mesh[i * 3 + 1]];
}

/** Polygon of the given mesh indices, in pixels. */
export function meshPolygon(mesh: Float32Array, indices: readonly number[]): Polygon {
  return indices.map((i) => meshPoint(mesh, i));
}

/** Centroid (vertex mean) of a polygon, pixels. @throws Error on an empty polygon. */
export function centroid(poly: Polygon): Point {
  if (poly.length === 0) throw new Error('centroid of an empty polygon');
  let x = 0;
  let y = 0;
  for (const p of poly) {
    x += p[0];
    y += p[1];
  }
  return [x / poly.length, y / poly.length];
}

/** Scales a polygon about its centroid by `factor` (<1 shrinks, >1 grows). */
/**
 * Signed area (shoelace), square pixels: positive for counter-clockwise in a y-up frame
 * (clockwise on screen, y down), negative for the other orientation.
 */
export function signedArea(poly: Polygon): number {
  let a = 0;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) a += (poly[j][0] + poly[i][0]) * (poly[j][1] - poly[i][1]);
  return a / 2;
}

/**
 * The polygon with a positive `signedArea` (reversed when needed), so several of them
 * rasterized together with the non-zero rule give their union.
 */
export function orientPositive(poly: Polygon): Polygon {
  return signedArea(poly) < 0 ? [...poly].reverse() : poly;
}

export function scalePolygon(poly: Polygon, factor: number): Polygon {
  const [cx, cy] = centroid(poly);
  return poly.map(([x, y]) => [cx + (x - cx) * factor, cy + (y - cy) * factor]);
}

/** Axis-aligned bounding box of polygons (pixels, not rounded). Null when there are no points. */
export function boundingRect(polys: Polygon[]): Rect | null {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const poly of polys) {
    for (const [x, y] of poly) {
      if (x < x0) x0 = x;
      if (y < y0) y0 = y;
      if (x > x1) x1 = x;
      if (y > y1) y1 = y;
    }
  }
  if (!Number.isFinite(x0)) return null;
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/** Intersection of a rectangle with the image [0, width) x [0, height), integer pixel bounds. */
export function clampRect(r: Rect, width: number, height: number): Rect {
  const x0 = Math.max(0, Math.floor(r.x));
  const y0 = Math.max(0, Math.floor(r.y));
  const x1 = Math.min(width, Math.ceil(r.x + r.w));
  const y1 = Math.min(height, Math.ceil(r.y + r.h));
  return { x: x0, y: y0, w: Math.max(0, x1 - x0), h: Math.max(0, y1 - y0) };
}

/** Intersection of two integer rectangles (empty: w or h 0). */
export function intersectRect(a: Rect, b: Rect): Rect {
  const x = Math.max(a.x, b.x), y = Math.max(a.y, b.y);
  return { x, y, w: Math.max(0, Math.min(a.x + a.w, b.x + b.w) - x), h: Math.max(0, Math.min(a.y + a.h, b.y + b.h) - y) };
}

/** Grows a rectangle by `px` pixels on every side. */
export function inflateRect(r: Rect, px: number): Rect {
  return { x: r.x - px, y: r.y - px, w: r.w + 2 * px, h: r.h + 2 * px };
}

/**
 * Detailed facial mask (StableDub III-C): the polygon that precisely covers lips and jaw, from
 * the mesh (Float32Array(468*3), pixels). Returns the polygon in pixels.
 */
export function detailedMask(mesh: Float32Array): Polygon {
  return meshPolygon(mesh, DETAILED_MASK_OUTLINE);
}

/**
 * Coarse facial mask M_c (StableDub III-C): the detailed mask eroded so that small landmark
 * errors do not leak into it. Erosion is a shrink about the centroid by `erode` (fraction of the
 * polygon's size, default 0.08).
 */
export function coarseMask(mesh: Float32Array, erode = 0.08): Polygon {
  return scalePolygon(detailedMask(mesh), 1 - erode);
}

/**
 * Union facial mask M_u of a segment (StableDub III-C): the union of the height and width of every
 * coarse mask in the segment, i.e. their common bounding box, grown by `marginFrac` of its size,
 * with a feathered (blurred) edge `feather` pixels wide inside the box. Fixed for the whole
 * segment so the inpainted region does not jump between frames.
 */
export interface UnionMask {
  /** Box in pixels; the mask is exactly 0 outside it. */
  rect: Rect;
  /** Width of the soft edge in pixels (the mask ramps from 0 at the box edge to 1 inside). */
  feather: number;
}

/**
 * Builds the union mask from the meshes of a segment's frames (nulls skipped).
 * @param meshes per-frame Float32Array(468*3) in pixels, or null where the face is absent.
 * @param width,height frame size in pixels (the box is clamped to it).
 * @returns null when no frame of the segment has a face.
 */
export function unionMask(
  meshes: Array<Float32Array | null>,
  width: number,
  height: number,
  opts: { erode?: number; marginFrac?: number; featherFrac?: number } = {},
): UnionMask | null {
  const polys: Polygon[] = [];
  for (const m of meshes) if (m) polys.push(coarseMask(m, opts.erode ?? 0.08));
  const box = boundingRect(polys);
  if (!box) return null;
  const size = Math.max(box.w, box.h);
  const margin = size * (opts.marginFrac ?? 0.12);
  const rect = clampRect(inflateRect(box, margin), width, height);
  // featherFrac 0: a hard box (for engines whose patches carry their own face matte).
  const ff = opts.featherFrac ?? 0.12;
  const feather = ff > 0 ? Math.max(2, Math.round(size * ff)) : 0;
  return { rect, feather };
}
