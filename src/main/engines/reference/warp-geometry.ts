import Delaunator from 'delaunator';
import { DETAILED_MASK_OUTLINE, FACE_OVAL, LANDMARK, LIPS_INNER, LIPS_OUTER, STABLE_POINTS } from '../../../shared/face-mesh';
import { rasterizePolygons } from '../../masks/raster';
import type { Polygon } from '../../masks/types';

/** Outline points on the nose / cheek line: they follow the target face, not the reference. */
const UPPER_BOUNDARY = new Set([425, 327, 2, 98, 205]);
/** Lip points: they follow the reference fully (the speech-driven part of the face). */
const LIP_POINTS = new Set([...LIPS_OUTER, ...LIPS_INNER]);
/**
 * How far the chin follows the reference's jaw (the lips follow fully). Jaw motion changes the
 * neck and background under the chin (they stretch or compress to fill what the chin reveals or
 * covers); following it fully doubled the change outside the face on the shared clips; a fifth
 * of it keeps that change near the re-encode noise floor while the chin still moves with the
 * mouth (measured on talk-b: change outside the face 1.9x the floor at 1, 1.36x at 0.3, 1.24x at 0.2).
 */
export const JAW_FOLLOW = 0.2;
/** Jaw part of the outline (left jaw angle through the chin to the right jaw angle), in order. */
const JAW = DETAILED_MASK_OUTLINE.filter((i) => !UPPER_BOUNDARY.has(i));

/**
 * The point set and triangulation used to move the target's lower face to a new mouth and jaw
 * geometry. Points are mesh indices (lower face: outline, lips and every mesh point inside the
 * outline) followed by two rings of virtual points around the outline, one point per outline
 * point in each: the jaw-edge band (`bandFrac` of the outline's size beyond it; it moves with
 * its outline point, so the visible jaw line, which the mesh outline only approximates, moves
 * rigidly and stays sharp) and the face matte's edge (`marginFrac` beyond that band, where the
 * warp is the identity; see `matteRing`). Between the two rings the neck and background
 * stretch or compress smoothly.
 */
export interface WarpLayout {
  /** Mesh indices of the first `meshIndices.length` warp points. */
  meshIndices: number[];
  /** Number of ring points (two per outline point: the band ring, then the matte ring). */
  ringCount: number;
  /** Jaw-edge band width, fraction of the outline's size. */
  bandFrac: number;
  /** Matte margin beyond the band, fraction of the outline's size. */
  marginFrac: number;
  /**
   * Uint32Array(k * 3) triangles over all warp points: the face's first (`faceTriangles` of
   * them), then the lips' (every corner on or inside the outer lip contour), the mouth gap's
   * (every corner on the inner lip) last.
   */
  triangles: Uint32Array;
  /** How many triangles at the start of `triangles` are outside the lips (the fold guard's). */
  faceTriangles: number;
  /**
   * Per warp point, in [0, 1]: how far the point follows the reference's geometry (1, lips and
   * chin) rather than staying on the target (0: nose / cheek line, jaw angles, the ring). Interior
   * points get the inverse-distance-weighted mean of the nearest lip and outline weights, so the
   * displacement falls off smoothly from the mouth towards the cheeks and the jaw angles (the
   * jaw turns about the temporomandibular joint: the chin moves, the jaw angle barely does).
   */
  followReference: Float32Array;
  /** Positions (in `meshIndices`) of the chin (`LANDMARK.chin`) and the outer lower lip's centre. */
  chinSlot: number;
  lowerLipSlot: number;
  /** Positions (in `meshIndices`) of the outline points, in outline order. */
  outlineSlots: number[];
  /** Positions of the inner-lip points, in order. */
  innerLipSlots: number[];
  /** Positions of the outer-lip points, in order. */
  outerLipSlots: number[];
  /** Positions of the nose / cheek-line points (anchors of the mouth's placement). */
  anchorSlots: number[];
  /** Per FACE_OVAL point, its position in `meshIndices`, or -1 when it is not a warp point. */
  ovalSlots: Int32Array;
}

/**
 * Follow weight of the jaw outline's k-th point (0 at the jaw angles, 1 at the chin): a smooth
 * bump over the jaw's arc.
 */
export function jawWeight(k: number, count: number): number {
  const u = count > 1 ? k / (count - 1) : 0.5; // 0 .. 1 along the jaw
  const d = Math.abs(2 * u - 1); // 1 at the angles, 0 at the chin
  return 1 - d * d;
}

/**
 * Builds the layout from a representative mesh (Float32Array(468*3), pixels): chooses interior
 * points and triangulates (Delaunay, delaunator) once, so every frame uses the same triangles
 * (the rings are placed for the triangulation as `matteRing` places them for an unmoved face).
 * @param bandFrac, marginFrac ring offsets, fractions of the outline's size (see `WarpLayout`).
 */
export function buildWarpLayout(mesh: Float32Array, bandFrac = 0.01, marginFrac = 0.04): WarpLayout {
  const outline: Polygon = DETAILED_MASK_OUTLINE.map((i) => [mesh[i * 3], mesh[i * 3 + 1]]);
  const xs = outline.map((p) => p[0]);
  const ys = outline.map((p) => p[1]);
  const x0 = Math.floor(Math.min(...xs));
  const y0 = Math.floor(Math.min(...ys));
  const roi = { x: x0, y: y0, w: Math.ceil(Math.max(...xs)) - x0 + 1, h: Math.ceil(Math.max(...ys)) - y0 + 1 };
  const inside = rasterizePolygons([outline], roi);
  const stable = new Set(STABLE_POINTS);
  const chosen = new Set<number>([...DETAILED_MASK_OUTLINE, ...LIPS_OUTER, ...LIPS_INNER]);
  for (let i = 0; i < 468; i++) {
    if (chosen.has(i) || stable.has(i)) continue;
    const px = Math.floor(mesh[i * 3]) - roi.x;
    const py = Math.floor(mesh[i * 3 + 1]) - roi.y;
    if (px >= 0 && py >= 0 && px < roi.w && py < roi.h && inside[py * roi.w + px]) chosen.add(i);
  }
  const meshIndices = [...chosen];
  const slot = new Map(meshIndices.map((m, k) => [m, k]));
  const ringCount = 2 * DETAILED_MASK_OUTLINE.length;
  const outlineSlots = DETAILED_MASK_OUTLINE.map((i) => slot.get(i)!);
  const pts = warpPoints({ meshIndices, ringCount, bandFrac, marginFrac, outlineSlots }, mesh);
  // Triangle order: the rest of the face, then the lips (every corner on or inside the outer lip
  // contour: thin, they may flip as the mouth changes shape; the fold guard ignores them), then
  // the mouth gap (every corner on the inner lip: it collapses when the mouth closes) last, so
  // the lips, drawn before it, keep every pixel they cover.
  const innerSlots = new Set(LIPS_INNER.map((i) => slot.get(i)!));
  const outerLip: Polygon = LIPS_OUTER.map((i) => [mesh[i * 3], mesh[i * 3 + 1]]);
  const lb = { x: Math.floor(Math.min(...outerLip.map((p) => p[0]))) - 1, y: Math.floor(Math.min(...outerLip.map((p) => p[1]))) - 1, w: 0, h: 0 };
  lb.w = Math.ceil(Math.max(...outerLip.map((p) => p[0]))) - lb.x + 2;
  lb.h = Math.ceil(Math.max(...outerLip.map((p) => p[1]))) - lb.y + 2;
  const inLips = rasterizePolygons([outerLip], lb);
  const lipSlots = new Set<number>(LIPS_OUTER.map((i) => slot.get(i)!));
  meshIndices.forEach((m, k) => {
    const px = Math.floor(mesh[m * 3]) - lb.x, py = Math.floor(mesh[m * 3 + 1]) - lb.y;
    if (px >= 0 && py >= 0 && px < lb.w && py < lb.h && inLips[py * lb.w + px]) lipSlots.add(k);
  });
  for (const s of innerSlots) lipSlots.add(s);
  const all = new Delaunator(pts).triangles;
  const face: number[] = [];
  const lips: number[] = [];
  const gap: number[] = [];
  for (let t = 0; t < all.length; t += 3) {
    const v = [all[t], all[t + 1], all[t + 2]];
    const list = v.every((q) => innerSlots.has(q)) ? gap : v.every((q) => lipSlots.has(q)) ? lips : face;
    list.push(...v);
  }
  const tri = [...face, ...lips, ...gap];
  const followReference = followWeights(meshIndices, mesh, ringCount);
  return {
    meshIndices,
    ringCount,
    bandFrac,
    marginFrac,
    triangles: Uint32Array.from(tri),
    faceTriangles: face.length / 3,
    followReference,
    chinSlot: slot.get(LANDMARK.chin)!,
    lowerLipSlot: slot.get(LANDMARK.lowerLipOuterCentre)!,
    outlineSlots,
    innerLipSlots: LIPS_INNER.map((i) => slot.get(i)!),
    outerLipSlots: LIPS_OUTER.map((i) => slot.get(i)!),
    anchorSlots: [...UPPER_BOUNDARY].map((i) => slot.get(i)!),
    ovalSlots: Int32Array.from(FACE_OVAL, (i) => slot.get(i) ?? -1),
  };
}

/**
 * Follow weights (see `WarpLayout.followReference`): lips 1, jaw outline `jawWeight` x `JAW_FOLLOW`, nose /
 * cheek line 0, ring 0, other points the inverse-4th-power-distance mean of those drivers (so a
 * point next to the face's edge moves like the edge, however many lip points there are: the
 * face's outline against hair or background is not redrawn).
 * @returns Float32Array(meshIndices.length + ringCount).
 */
export function followWeights(meshIndices: number[], mesh: Float32Array, ringCount: number): Float32Array {
  const w = new Float32Array(meshIndices.length + ringCount);
  const drivers: Array<[number, number]> = []; // [mesh index, weight]
  for (const i of LIP_POINTS) drivers.push([i, 1]);
  JAW.forEach((i, k) => drivers.push([i, jawWeight(k, JAW.length) * JAW_FOLLOW]));
  for (const i of UPPER_BOUNDARY) drivers.push([i, 0]);
  const fixed = new Map(drivers);
  meshIndices.forEach((m, k) => {
    const f = fixed.get(m);
    if (f !== undefined) {
      w[k] = f;
      return;
    }
    let num = 0;
    let den = 0;
    for (const [d, dw] of drivers) {
      const dx = mesh[m * 3] - mesh[d * 3];
      const dy = mesh[m * 3 + 1] - mesh[d * 3 + 1];
      const d2 = dx * dx + dy * dy + 1e-6;
      const inv = 1 / (d2 * d2); // inverse 4th power: the nearest drivers dominate
      num += dw * inv;
      den += inv;
    }
    w[k] = num / den;
  });
  return w;
}

/** Outline centroid and, per outline point, its unit direction from it and its distance, pixels. */
export function outlineRays(outlineSlots: number[], points: ArrayLike<number>): { cx: number; cy: number; ux: Float64Array; uy: Float64Array; len: Float64Array; size: number } {
  let cx = 0;
  let cy = 0;
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const s of outlineSlots) {
    const x = points[2 * s], y = points[2 * s + 1];
    cx += x;
    cy += y;
    x0 = Math.min(x0, x); x1 = Math.max(x1, x);
    y0 = Math.min(y0, y); y1 = Math.max(y1, y);
  }
  cx /= outlineSlots.length;
  cy /= outlineSlots.length;
  const k = outlineSlots.length;
  const ux = new Float64Array(k), uy = new Float64Array(k), len = new Float64Array(k);
  outlineSlots.forEach((s, i) => {
    const dx = points[2 * s] - cx, dy = points[2 * s + 1] - cy;
    const l = Math.hypot(dx, dy) || 1;
    ux[i] = dx / l;
    uy[i] = dy / l;
    len[i] = l;
  });
  return { cx, cy, ux, uy, len, size: Math.max(x1 - x0, y1 - y0) };
}

/**
 * Warp point positions for a mesh of an unmoved face: the layout's mesh points, then the band
 * ring (`bandFrac` of the outline's size beyond each outline point along its ray from the
 * outline's centroid), then the matte ring (`marginFrac` further).
 * @returns Float64Array((meshIndices.length + ringCount) * 2), pixels.
 */
export function warpPoints(
  layout: Pick<WarpLayout, 'meshIndices' | 'ringCount' | 'bandFrac' | 'marginFrac' | 'outlineSlots'>,
  mesh: Float32Array,
): Float64Array {
  const n = layout.meshIndices.length;
  const out = new Float64Array((n + layout.ringCount) * 2);
  layout.meshIndices.forEach((m, k) => {
    out[2 * k] = mesh[m * 3];
    out[2 * k + 1] = mesh[m * 3 + 1];
  });
  const r = outlineRays(layout.outlineSlots, out);
  const band = layout.bandFrac * r.size;
  const margin = layout.marginFrac * r.size;
  const K = layout.outlineSlots.length;
  for (let k = 0; k < K; k++) {
    const a = 2 * (n + k), b = 2 * (n + K + k);
    out[a] = r.cx + r.ux[k] * (r.len[k] + band);
    out[a + 1] = r.cy + r.uy[k] * (r.len[k] + band);
    out[b] = r.cx + r.ux[k] * (r.len[k] + band + margin);
    out[b + 1] = r.cy + r.uy[k] * (r.len[k] + band + margin);
  }
  return out;
}

/** Polygon through the given slots of a warp-point array. */
export function slotsPolygon(points: ArrayLike<number>, slots: number[]): Polygon {
  return slots.map((s) => [points[2 * s], points[2 * s + 1]]);
}

/** Polygon of the matte ring (the outer edge of the warped region, where the warp is the identity). */
export function ringPolygon(layout: WarpLayout, points: ArrayLike<number>): Polygon {
  const n = layout.meshIndices.length;
  const K = layout.ringCount / 2;
  return Array.from({ length: K }, (_, k) => [points[2 * (n + K + k)], points[2 * (n + K + k) + 1]]);
}
