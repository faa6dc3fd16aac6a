/**
 * Lip seal: closes the new mouth geometry on the frames where the lips must meet (a bilabial
 * p b m in the dub, or the dub's silence), whatever the chosen reference frame does. The Viterbi
 * selection prefers closed reference frames there, but a reference whose lips stay a pixel apart
 * (or an actor with few closed frames) still leaves a visible gap where a viewer reads "m"; the
 * seal makes the closure hard to miss, as a dubbing supervisor expects (issue #13).
 *
 * On the reference-driven points (`referenceDrivenPoints`, Float64Array(n * 2), frame pixels):
 * the inner-lip gap (upper inner lip point to its lower partner, measured along the face's down
 * axis, nasion 168 -> chin 152 of the target) is scaled towards the actor's closed gap. The lower
 * lip does most of the closing (`LOWER_SHARE`, the jaw rises), the upper lip the rest; the outer
 * lip contour moves with its inner partner (the lips keep their thickness); the skin and jaw under
 * the lower lip rise with it, by half at the chin. Mouth corners and everything above the upper
 * lip stay where the reference put them.
 */
import { LANDMARK, LIPS_INNER, LIPS_OUTER } from '../../../shared/face-mesh';
import type { WarpLayout } from './warp-geometry';

/** Share of the closure done by the lower lip (the jaw rises); the upper lip does the rest. */
export const LOWER_SHARE = 0.6;

/** Contour points between the two corners: index i (1..9) of the upper lip, 20 - i its lower partner. */
const PAIRS = Array.from({ length: 9 }, (_, k) => k + 1);

/**
 * The driven points with the lips sealed by `seal` (0: unchanged; 1: the inner-lip gap down to
 * `closedGap` of the face height), a new array.
 * @param layout the warp layout (`meshIndices`: the mesh point of every slot).
 * @param targetMesh Float32Array(468 * 3) of the output frame, frame pixels (gives the face axis
 *   and height: forehead 10 to chin 152).
 * @param driven Float64Array(n * 2), the reference-driven points, frame pixels.
 * @param seal 0..1.
 * @param closedGap the actor's closed inner-lip gap (13-14) as a fraction of the face height
 *   (`mouthOpening` of the actor's most closed frames), >= 0.
 */
export function sealLips(layout: WarpLayout, targetMesh: Float32Array, driven: Float64Array, seal: number, closedGap: number): Float64Array {
  const out = Float64Array.from(driven);
  if (!(seal > 0)) return out;
  const slot = new Map<number, number>();
  layout.meshIndices.forEach((m, k) => slot.set(m, k));
  const at = (m: number): [number, number] => [targetMesh[m * 3], targetMesh[m * 3 + 1]];
  const [nx, ny] = at(LANDMARK.midwayBetweenEyes), [cx, cy] = at(LANDMARK.chin), [fx, fy] = at(LANDMARK.foreheadTop);
  const len = Math.hypot(cx - nx, cy - ny);
  if (!(len > 0)) return out;
  const dx = (cx - nx) / len, dy = (cy - ny) / len; // down
  const faceHeight = Math.hypot(cx - fx, cy - fy);
  const d = (m: number): [number, number] | null => {
    const k = slot.get(m);
    return k === undefined ? null : [driven[2 * k], driven[2 * k + 1]];
  };
  const alongDown = (a: [number, number], b: [number, number]) => (b[0] - a[0]) * dx + (b[1] - a[1]) * dy;
  const u0 = d(LANDMARK.upperLipInnerCentre), l0 = d(LANDMARK.lowerLipInnerCentre);
  if (!u0 || !l0) return out;
  const gap = alongDown(u0, l0);
  const want = Math.max(0, closedGap) * faceHeight;
  if (!(gap > want)) return out;
  // Every inner gap is scaled by the same factor: the centre gap goes to `want`.
  const k = Math.min(1, Math.max(0, seal)) * (1 - want / gap);
  const move = (m: number, by: number) => {
    const s = slot.get(m);
    if (s === undefined) return;
    out[2 * s] += by * dx;
    out[2 * s + 1] += by * dy;
  };
  let lowerCentre = 0;
  for (const i of PAIRS) {
    const u = d(LIPS_INNER[i]), l = d(LIPS_INNER[20 - i]);
    if (!u || !l) continue;
    const close = k * Math.max(0, alongDown(u, l));
    const down = (1 - LOWER_SHARE) * close, up = -LOWER_SHARE * close;
    move(LIPS_INNER[i], down);
    move(LIPS_OUTER[i], down);
    move(LIPS_INNER[20 - i], up);
    move(LIPS_OUTER[20 - i], up);
    if (LIPS_INNER[20 - i] === LANDMARK.lowerLipInnerCentre) lowerCentre = up;
  }
  // Skin and jaw under the lower lip rise with it: fully at the lip, by half at the chin, fading
  // out sideways beyond the mouth's width.
  const lipSet = new Set([...LIPS_INNER, ...LIPS_OUTER]);
  const lo = d(LANDMARK.lowerLipOuterCentre), chin = d(LANDMARK.chin);
  const cl = d(LANDMARK.mouthCornerRight), cr = d(LANDMARK.mouthCornerLeft);
  if (!lo || !chin || !cl || !cr || lowerCentre === 0) return out;
  const depth = alongDown(lo, chin);
  const halfWidth = Math.hypot(cr[0] - cl[0], cr[1] - cl[1]) / 2;
  if (!(depth > 0) || !(halfWidth > 0)) return out;
  layout.meshIndices.forEach((m, s) => {
    if (lipSet.has(m)) return;
    const p: [number, number] = [driven[2 * s], driven[2 * s + 1]];
    const below = alongDown(lo, p);
    if (below <= 0) return;
    const side = Math.abs((p[0] - lo[0]) * -dy + (p[1] - lo[1]) * dx);
    const sideways = Math.max(0, Math.min(1, 1 - (side - halfWidth) / halfWidth));
    const w = (1 - 0.5 * Math.min(1, below / depth)) * sideways;
    if (w <= 0) return;
    out[2 * s] += lowerCentre * w * dx;
    out[2 * s + 1] += lowerCentre * w * dy;
  });
  return out;
}

/**
 * Seal weight of each output frame: 1 where the dub is silent or its viseme is bilabial, 0.5 on
 * the frames next to those (the lips close and open over a frame, not in one jump), else 0.
 * @param lipsMustMeet Boolean per output frame.
 * @returns Float32Array of the same length, 0..1.
 */
export function sealWeights(lipsMustMeet: ArrayLike<boolean>): Float32Array {
  const n = lipsMustMeet.length;
  const out = new Float32Array(n);
  for (let t = 0; t < n; t++) {
    if (lipsMustMeet[t]) out[t] = 1;
    else if ((t > 0 && lipsMustMeet[t - 1]) || (t + 1 < n && lipsMustMeet[t + 1])) out[t] = 0.5;
  }
  return out;
}
