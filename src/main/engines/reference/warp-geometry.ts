import Delaunator from 'delaunator';
import { DETAILED_MASK_OUTLINE, INNER_LIPS, OUTER_LIPS, STABLE_POINTS } from '../../masks/face-regions';
import { rasterizePolygons } from '../../masks/raster';
import type { Polygon } from '../../masks/types';

/** Outline points on the nose / cheek line: they follow the target face, not the reference. */
const UPPER_BOUNDARY = new Set([425, 327, 2, 98, 205]);

/**
 * The point set and triangulation used to warp a reference mouth onto a target face.
 * Points are mesh indices (lower face: outline, lips and every mesh point inside the outline)
 * followed by a ring of virtual points: the outline scaled by `ringScale` about its centroid, so
 * the warp also covers the chin's surroundings (jaw motion changes the chin line).
 */
export interface WarpLayout {
  /** Mesh indices of the first `meshIndices.length` warp points. */
  meshIndices: number[];
  /** Number of ring points (one per outline point, appended after the mesh points). */
  ringCount: number;
  ringScale: number;
  /** Uint32Array(k * 3) triangles over all warp points. */
  triangles: Uint32Array;
  /** Per warp point: 1 = follows the reference (speech-driven), 0 = follows the target. */
  followReference: Float32Array;
  /** Positions (in `meshIndices`) of the outline points, in outline order. */
  outlineSlots: number[];
  /** Positions of the inner-lip points, in order. */
  innerLipSlots: number[];
}

/**
 * Builds the layout from a representative mesh (Float32Array(468*3), pixels): chooses interior
 * points and triangulates (Delaunay, delaunator) once, so every frame uses the same triangles.
 */
export function buildWarpLayout(mesh: Float32Array, ringScale = 1.22): WarpLayout {
  const outline: Polygon = DETAILED_MASK_OUTLINE.map((i) => [mesh[i * 3], mesh[i * 3 + 1]]);
  const xs = outline.map((p) => p[0]);
  const ys = outline.map((p) => p[1]);
  const x0 = Math.floor(Math.min(...xs));
  const y0 = Math.floor(Math.min(...ys));
  const roi = { x: x0, y: y0, w: Math.ceil(Math.max(...xs)) - x0 + 1, h: Math.ceil(Math.max(...ys)) - y0 + 1 };
  const inside = rasterizePolygons([outline], roi);
  const stable = new Set(STABLE_POINTS);
  const chosen = new Set<number>([...DETAILED_MASK_OUTLINE, ...OUTER_LIPS, ...INNER_LIPS]);
  for (let i = 0; i < 468; i++) {
    if (chosen.has(i) || stable.has(i)) continue;
    const px = Math.floor(mesh[i * 3]) - roi.x;
    const py = Math.floor(mesh[i * 3 + 1]) - roi.y;
    if (px >= 0 && py >= 0 && px < roi.w && py < roi.h && inside[py * roi.w + px]) chosen.add(i);
  }
  const meshIndices = [...chosen];
  const slot = new Map(meshIndices.map((m, k) => [m, k]));
  const ringCount = DETAILED_MASK_OUTLINE.length;
  const pts = warpPoints({ meshIndices, ringCount, ringScale, outlineSlots: DETAILED_MASK_OUTLINE.map((i) => slot.get(i)!) }, mesh);
  const tri = new Delaunator(pts).triangles;
  const followReference = new Float32Array(meshIndices.length + ringCount);
  meshIndices.forEach((m, k) => (followReference[k] = UPPER_BOUNDARY.has(m) ? 0 : 1));
  DETAILED_MASK_OUTLINE.forEach((m, k) => (followReference[meshIndices.length + k] = UPPER_BOUNDARY.has(m) ? 0 : 1));
  return {
    meshIndices,
    ringCount,
    ringScale,
    triangles: Uint32Array.from(tri),
    followReference,
    outlineSlots: DETAILED_MASK_OUTLINE.map((i) => slot.get(i)!),
    innerLipSlots: INNER_LIPS.map((i) => slot.get(i)!),
  };
}

/**
 * Warp point positions for a mesh: the layout's mesh points then the ring.
 * @returns Float64Array((meshIndices.length + ringCount) * 2), pixels.
 */
export function warpPoints(
  layout: Pick<WarpLayout, 'meshIndices' | 'ringCount' | 'ringScale' | 'outlineSlots'>,
  mesh: Float32Array,
): Float64Array {
  const n = layout.meshIndices.length;
  const out = new Float64Array((n + layout.ringCount) * 2);
  layout.meshIndices.forEach((m, k) => {
    out[2 * k] = mesh[m * 3];
    out[2 * k + 1] = mesh[m * 3 + 1];
  });
  let cx = 0;
  let cy = 0;
  for (const s of layout.outlineSlots) {
    cx += out[2 * s];
    cy += out[2 * s + 1];
  }
  cx /= layout.outlineSlots.length;
  cy /= layout.outlineSlots.length;
  layout.outlineSlots.forEach((s, k) => {
    out[2 * (n + k)] = cx + (out[2 * s] - cx) * layout.ringScale;
    out[2 * (n + k) + 1] = cy + (out[2 * s + 1] - cy) * layout.ringScale;
  });
  return out;
}

/** Polygon through the given slots of a warp-point array. */
export function slotsPolygon(points: ArrayLike<number>, slots: number[]): Polygon {
  return slots.map((s) => [points[2 * s], points[2 * s + 1]]);
}

/** Polygon of the ring (the outer edge of the warped region). */
export function ringPolygon(layout: WarpLayout, points: ArrayLike<number>): Polygon {
  const n = layout.meshIndices.length;
  return Array.from({ length: layout.ringCount }, (_, k) => [points[2 * (n + k)], points[2 * (n + k) + 1]]);
}
