import type { Point } from '../masks/types';
import { MESH_POINTS } from './types';

/*
 * Named index sets of the 468-point MediaPipe face mesh (as returned by @vladmandic/human).
 * "Right"/"left" are the subject's: the subject's right eye (33, 133) is on the image's left in a
 * frontal shot. Contours are closed polygons (last point connects to the first), ordered
 * clockwise on screen; the lip contours start at the image-left mouth corner.
 */

/** Single landmarks. */
export const LANDMARK = {
  foreheadTop: 10,
  chin: 152,
  noseTip: 1,
  /** Between the nostrils, where the nose meets the upper lip. */
  noseBottom: 2,
  /** Between the eyes (nasion). */
  midwayBetweenEyes: 168,
  upperLipInnerCentre: 13,
  lowerLipInnerCentre: 14,
  upperLipOuterCentre: 0,
  lowerLipOuterCentre: 17,
  /** Outer mouth corners (image left / image right). */
  mouthCornerRight: 61,
  mouthCornerLeft: 291,
  rightEyeOuter: 33,
  rightEyeInner: 133,
  leftEyeInner: 362,
  leftEyeOuter: 263,
} as const;

/** Outer lip contour (vermilion border), 20 points. */
export const LIPS_OUTER = [61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146];

/** Inner lip contour (mouth opening), 20 points. */
export const LIPS_INNER = [78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95];

/**
 * Ring of skin points around the lips (under the nose, past the corners, above the chin fold),
 * 20 points: the contour for the detailed mouth mask, with room for lip motion.
 */
export const LIP_REGION_CONTOUR = [
  57, 186, 92, 165, 167, 164, 393, 391, 322, 410, 287, 273, 335, 406, 313, 18, 83, 182, 106, 43,
];

/** Face oval (silhouette), 36 points clockwise from the forehead top (10). */
export const FACE_OVAL = [
  10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176, 149, 150, 136,
  172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
];

/** Lower part of the face oval, cheek to cheek through the chin (234 -> 152 -> 454), 21 points, open. */
export const JAW_LINE = [
  234, 93, 132, 58, 172, 136, 150, 149, 176, 148, 152, 377, 400, 378, 379, 365, 397, 288, 361, 323, 454,
];

/** Nose: bridge from between the eyes to the tip, the bottom and the nostril corners. */
export const NOSE = [168, 6, 197, 195, 5, 4, 1, 2, 98, 327];

/** Eye corners. */
export const EYE_CORNERS = [33, 133, 362, 263];

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
 * not depend on the face size. About 0 closed, ~0.1-0.15 wide open. Throws `Error` on a wrong
 * mesh length; returns NaN for a degenerate (zero-height) face.
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
