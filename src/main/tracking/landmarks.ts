import type { Point } from '../masks/types';
import { MESH_POINTS } from './types';
import { LANDMARK, LIPS_INNER, LIPS_OUTER } from '../../shared/face-mesh';

/*
 * Measurements on the 468-point MediaPipe face mesh (pixels). The landmark indices and contours
 * are in `src/shared/face-mesh.ts` ("right"/"left" are the subject's).
 */

/**
 * Rigid points (eye corners, nose bridge, tip, bottom, nostril corners) with their positions in
 * the canonical template: MediaPipe's canonical face model (x, -y of `canonical_face_model.obj`),
 * translated so the outer eye corners' midpoint is the origin and scaled so their distance is 1.
 * Units: inter-ocular distances, x to the image right, y down.
 */
export const CANONICAL_TEMPLATE: ReadonlyArray<{ index: number; x: number; y: number }> = (() => {
  const canonical: [number, number, number][] = [
    [33, -4.445859, -2.663991],
    [133, -1.856432, -2.585245],
    [362, 1.856432, -2.585245],
    [263, 4.445859, -2.663991],
    [168, 0, -3.271027],
    [6, 0, -2.473255],
    [1, 0, 1.126865],
    [2, 0, 2.089024],
    [98, -1.405627, 1.714196],
    [327, 1.405627, 1.714196],
  ];
  const iod = 2 * 4.445859;
  return canonical.map(([index, x, y]) => ({ index, x: x / iod, y: (y + 2.663991) / iod }));
})();

/** Indices used by {@link faceSimilarityTransform}. */
export const STABLE_INDICES = CANONICAL_TEMPLATE.map((p) => p.index);

function checkMesh(mesh: ArrayLike<number>): void {
  if (mesh.length !== MESH_POINTS * 3) throw new Error(`expected a mesh of ${MESH_POINTS * 3} values, got ${mesh.length}`);
}

/** 2D distance in pixels between mesh points `a` and `b` (mesh: Float32Array(468 * 3), pixels). */
export function pointDistance(mesh: ArrayLike<number>, a: number, b: number): number {
  return Math.hypot(mesh[a * 3] - mesh[b * 3], mesh[a * 3 + 1] - mesh[b * 3 + 1]);
}

/** Point `i` of a mesh as [x, y] pixels. */
export function meshPoint(mesh: ArrayLike<number>, i: number): Point {
  return [mesh[i * 3], mesh[i * 3 + 1]];
}

/**
 * Mouth opening: inner-lip gap (13-14) / face height (10-152), both 2D pixel distances, so it does
 * not depend on the face size. About 0 closed, ~0.1-0.15 wide open. The one implementation for
 * the tracker, the reference engine and the evaluations.
 * @returns NaN for a degenerate face (face height 0 or NaN): no measurement, which the eval
 *   callers skip like a frame without a face; the reference engine, which needs a number for
 *   every reference frame, reads it as 0 (closed).
 * @throws Error on a wrong mesh length.
 */
export function mouthOpening(mesh: ArrayLike<number>): number {
  checkMesh(mesh);
  const h = pointDistance(mesh, LANDMARK.foreheadTop, LANDMARK.chin);
  return h > 0 ? pointDistance(mesh, LANDMARK.upperLipInnerCentre, LANDMARK.lowerLipInnerCentre) / h : NaN;
}

/** Distance in pixels between the outer eye corners (33-263). Throws `Error` on a wrong mesh length. */
export function interOcularDistance(mesh: ArrayLike<number>): number {
  checkMesh(mesh);
  return pointDistance(mesh, LANDMARK.rightEyeOuter, LANDMARK.leftEyeOuter);
}

/** Lip polygons in pixels: outer contour ({@link LIPS_OUTER}) and inner contour ({@link LIPS_INNER}). */
export function lipLandmarks(mesh: ArrayLike<number>): { outer: Point[]; inner: Point[] } {
  checkMesh(mesh);
  return { outer: LIPS_OUTER.map((i) => meshPoint(mesh, i)), inner: LIPS_INNER.map((i) => meshPoint(mesh, i)) };
}

/**
 * A 2D similarity as a 2x3 row-major matrix [a, b, tx, c, d, ty]: x' = a x + b y + tx,
 * y' = c x + d y + ty.
 */
export type Affine2x3 = [number, number, number, number, number, number];

/** Applies a 2x3 matrix to a point. */
export function applyAffine(m: Affine2x3, p: Point): Point {
  return [m[0] * p[0] + m[1] * p[1] + m[2], m[3] * p[0] + m[4] * p[1] + m[5]];
}

/** Inverse of an invertible 2x3 affine matrix. Throws `Error` when it is singular. */
export function invertAffine(m: Affine2x3): Affine2x3 {
  const [a, b, tx, c, d, ty] = m;
  const det = a * d - b * c;
  if (!(Math.abs(det) > 1e-12)) throw new Error('singular transform');
  const ia = d / det;
  const ib = -b / det;
  const ic = -c / det;
  const id = a / det;
  return [ia, ib, -(ia * tx + ib * ty), ic, id, -(ic * tx + id * ty)];
}

/**
 * Least-squares similarity (rotation, uniform scale, translation; no reflection) from the mesh's
 * rigid points ({@link STABLE_INDICES}: eye corners, nose) to the canonical template, whose unit
 * is the outer inter-ocular distance and whose origin is between the outer eye corners (y down).
 * `toCanonical` maps image pixels to template units, `toImage` is its inverse; `scale` is the
 * template-unit size in pixels (~ inter-ocular distance), `angle` the face roll in radians
 * (positive = clockwise on screen). Mouth and jaw are not used, so speech does not move it.
 * Throws `Error` on a wrong mesh length or a degenerate mesh.
 */
export function faceSimilarityTransform(mesh: ArrayLike<number>): {
  toCanonical: Affine2x3;
  toImage: Affine2x3;
  scale: number;
  angle: number;
} {
  checkMesh(mesh);
  const n = CANONICAL_TEMPLATE.length;
  let sx = 0;
  let sy = 0;
  let qx = 0;
  let qy = 0;
  for (const p of CANONICAL_TEMPLATE) {
    sx += mesh[p.index * 3];
    sy += mesh[p.index * 3 + 1];
    qx += p.x;
    qy += p.y;
  }
  sx /= n;
  sy /= n;
  qx /= n;
  qy /= n;
  // Map template -> image (src = template q, dst = mesh p): p = s R q + t.
  let num = 0;
  let cross = 0;
  let den = 0;
  for (const p of CANONICAL_TEMPLATE) {
    const ux = p.x - qx;
    const uy = p.y - qy;
    const vx = mesh[p.index * 3] - sx;
    const vy = mesh[p.index * 3 + 1] - sy;
    num += ux * vx + uy * vy;
    cross += ux * vy - uy * vx;
    den += ux * ux + uy * uy;
  }
  const a = num / den;
  const c = cross / den;
  const scale = Math.hypot(a, c);
  if (!(scale > 1e-9) || !Number.isFinite(scale)) throw new Error('degenerate face mesh');
  const toImage: Affine2x3 = [a, -c, sx - (a * qx - c * qy), c, a, sy - (c * qx + a * qy)];
  return { toCanonical: invertAffine(toImage), toImage, scale, angle: Math.atan2(c, a) };
}
