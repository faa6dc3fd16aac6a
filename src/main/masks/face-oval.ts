/**
 * The face matte: pixels that are not face (hair, earrings, glasses' arms, collar, jacket,
 * background) are never overwritten. It is the union of one or more face ovals (MediaPipe
 * FACEMESH_FACE_OVAL polygons, frame pixels), each grown slightly about its centroid so the jaw
 * line itself is covered, with a soft edge. Used by the reference engine (ovals of the source and
 * of the result geometry) and by the compositor for the neural engines (the frame's own oval).
 */
import type { Polygon, Rect } from './types';
import { boundingRect, orientPositive, scalePolygon } from './geometry';
import { softPolygonMask } from './raster';

/** Growth of each oval about its centroid. */
export const FACE_MATTE_GROW = 1.02;
/** Soft edge width as a fraction of the first oval's size (at least 2 pixels). */
export const FACE_MATTE_FEATHER = 0.012;

/**
 * Rasterizes the face matte over `roi`.
 * @param ovals face-oval polygons in frame pixels, either orientation (the first sets the
 *   feather's scale).
 * @returns Float32Array(roi.w * roi.h) in [0, 1], row-major over `roi`; all 0 without ovals.
 */
export function faceOvalMatte(ovals: Polygon[], roi: Rect): Float32Array {
  const box = ovals.length ? boundingRect([ovals[0]]) : null;
  if (!box) return new Float32Array(roi.w * roi.h);
  const feather = Math.max(2, FACE_MATTE_FEATHER * Math.max(box.w, box.h));
  // One orientation for all, so the non-zero rule gives their union whatever order each lists.
  return softPolygonMask(ovals.map((o) => orientPositive(scalePolygon(o, FACE_MATTE_GROW))), roi, feather, 2);
}
