import { LANDMARK, LIPS_INNER, LIPS_OUTER, STABLE_POINTS } from '../../../shared/face-mesh';
import { applyAffine, fitSimilarity } from '../../imaging/affine';

/** Points that describe the mouth shape: outer and inner lips and the chin. */
const SHAPE_POINTS: readonly number[] = [...LIPS_OUTER, ...LIPS_INNER, LANDMARK.chin];

/** The stable points (eyes, nose bridge, forehead) of a mesh as flat [x0, y0, x1, y1, ...] pixels. */
export function stableVector(mesh: Float32Array): Float32Array {
  const v = new Float32Array(STABLE_POINTS.length * 2);
  STABLE_POINTS.forEach((idx, k) => {
    v[2 * k] = mesh[idx * 3];
    v[2 * k + 1] = mesh[idx * 3 + 1];
  });
  return v;
}

/**
 * Pose-normalized mouth-shape descriptor: lip and chin landmarks mapped by the similarity that
 * takes the face's stable points (eyes, nose bridge, forehead) onto those of `canonical`.
 * @param mesh Float32Array(468*3) pixels; `canonical` another mesh (the segment's first face).
 * @returns Float32Array(41 * 2), in canonical pixels divided by the canonical face height
 *   (landmark 10 to 152), so distances are in face heights.
 */
export function mouthShape(mesh: Float32Array, canonical: Float32Array): Float32Array {
  const s = fitSimilarity(stableVector(mesh), stableVector(canonical));
  const faceH = Math.hypot(canonical[LANDMARK.chin * 3] - canonical[LANDMARK.foreheadTop * 3], canonical[LANDMARK.chin * 3 + 1] - canonical[LANDMARK.foreheadTop * 3 + 1]) || 1;
  const out = new Float32Array(SHAPE_POINTS.length * 2);
  SHAPE_POINTS.forEach((idx, k) => {
    const [x, y] = applyAffine(s, mesh[idx * 3], mesh[idx * 3 + 1]);
    out[2 * k] = x / faceH;
    out[2 * k + 1] = y / faceH;
  });
  return out;
}

/** RMS point distance between two shape descriptors (face heights). */
export function shapeDistance(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i += 2) {
    const dx = a[i] - b[i];
    const dy = a[i + 1] - b[i + 1];
    s += dx * dx + dy * dy;
  }
  return Math.sqrt(s / (a.length / 2));
}
