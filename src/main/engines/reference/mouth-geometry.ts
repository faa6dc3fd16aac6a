/**
 * The new mouth and jaw geometry of an output frame, as pure functions: where each warp point of
 * the target's lower face goes so that the mouth takes the shape of the chosen reference frame,
 * and the face matte's ring around it, where the warp is the identity.
 *
 * Point arrays are flat [x0, y0, x1, y1, ...] in frame pixels, laid out as `WarpLayout` says:
 * `meshIndices.length` mesh points, then `ringCount` ring points.
 */
import { applyAffine, fitSimilarity } from '../../imaging/affine';
import { stableVector } from './mouth-shape';
import { outlineRays, warpPoints, type WarpLayout } from './warp-geometry';
import type { Polygon } from '../../masks/types';

/**
 * The reference frame's mesh points carried onto the target face: the similarity fitted on the
 * stable points (eyes, nose bridge, forehead) of both meshes, then a translation that puts the
 * reference's nose / cheek line onto the target's, so the mouth sits under the target's nose
 * even when the head turns a little between the two frames, with its shape and opening unchanged
 * (a fit that also scaled or sheared would squeeze or twist the mouth).
 * @param targetMesh, refMesh Float32Array(468 * 3), frame pixels of their own frames.
 * @returns Float64Array(meshIndices.length * 2), target frame pixels.
 */
export function referenceDrivenPoints(layout: WarpLayout, targetMesh: Float32Array, refMesh: Float32Array): Float64Array {
  const sim = fitSimilarity(stableVector(refMesh), stableVector(targetMesh));
  const n = layout.meshIndices.length;
  const out = new Float64Array(n * 2);
  layout.meshIndices.forEach((m, k) => {
    const [x, y] = applyAffine(sim, refMesh[m * 3], refMesh[m * 3 + 1]);
    out[2 * k] = x;
    out[2 * k + 1] = y;
  });
  // A translation onto the target's nose / cheek line (points that do not move with speech).
  // (A horizontal affine fitted on these and the upper jaw angles, tried to absorb yaw, sheared
  // the mouth when the reference's jaw angles were asymmetric: twisted lips on talk-b.)
  let tx = 0;
  let ty = 0;
  for (const s of layout.anchorSlots) {
    const m = layout.meshIndices[s];
    tx += targetMesh[m * 3] - out[2 * s];
    ty += targetMesh[m * 3 + 1] - out[2 * s + 1];
  }
  tx /= layout.anchorSlots.length || 1;
  ty /= layout.anchorSlots.length || 1;
  for (let k = 0; k < n; k++) {
    out[2 * k] += tx;
    out[2 * k + 1] += ty;
  }
  return out;
}

/** a (1 - w) + b w, elementwise (the geometry at a cut between two reference frames). */
export function lerpPoints(a: Float64Array, b: Float64Array, w: number): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] + (b[i] - a[i]) * w;
  return out;
}

/**
 * Destination geometry: every mesh point moves from the target's position towards the
 * reference-driven one by its follow weight times `amount` (0 = the target unchanged, 1 = the
 * full new mouth; fades at range ends pass values in between). Ring entries are left 0; see
 * `matteRing`.
 * @param target Float64Array((n + ringCount) * 2), the target's warp points (`warpPoints`).
 * @param driven Float64Array(n * 2) from `referenceDrivenPoints`.
 */
export function moveGeometry(layout: WarpLayout, target: Float64Array, driven: Float64Array, amount: number): Float64Array {
  const n = layout.meshIndices.length;
  const out = new Float64Array((n + layout.ringCount) * 2);
  for (let k = 0; k < n; k++) {
    const w = layout.followReference[k] * amount;
    out[2 * k] = target[2 * k] + (driven[2 * k] - target[2 * k]) * w;
    out[2 * k + 1] = target[2 * k + 1] + (driven[2 * k + 1] - target[2 * k + 1]) * w;
  }
  return out;
}

/**
 * The two rings of an output frame (see `WarpLayout`), written into both arrays:
 * - band ring: on the source, `bandFrac` of the outline's size beyond each outline point along
 *   its ray from the source outline's centroid; on the destination, the same point moved by its
 *   outline point's displacement (the jaw-edge band moves rigidly with the jaw);
 * - matte ring: the same in both, `marginFrac` beyond the farther of the two band points along
 *   the ray. So the matte encloses the lower face of both the source and the result (the union
 *   of the two face ovals) and their jaw-edge bands; the warp is the identity on it: nothing
 *   outside it moves, and the warp is continuous across it (no seam).
 */
export function matteRing(layout: WarpLayout, target: Float64Array, dst: Float64Array): void {
  const n = layout.meshIndices.length;
  const K = layout.outlineSlots.length;
  const r = outlineRays(layout.outlineSlots, target);
  const band = layout.bandFrac * r.size;
  const margin = Math.max(2, layout.marginFrac * r.size);
  layout.outlineSlots.forEach((s, k) => {
    const a = 2 * (n + k), b = 2 * (n + K + k);
    const bx = r.ux[k] * band, by = r.uy[k] * band;
    target[a] = target[2 * s] + bx;
    target[a + 1] = target[2 * s + 1] + by;
    dst[a] = dst[2 * s] + bx;
    dst[a + 1] = dst[2 * s + 1] + by;
    const along = Math.max(r.len[k] + band, (dst[a] - r.cx) * r.ux[k] + (dst[a + 1] - r.cy) * r.uy[k]);
    target[b] = dst[b] = r.cx + r.ux[k] * (along + margin);
    target[b + 1] = dst[b + 1] = r.cy + r.uy[k] * (along + margin);
  });
}

/**
 * How much a frame's warp stretches the skin between the outer lower lip's centre and the chin:
 * destination distance / source distance (1 = unchanged, above 1 = stretched: a mouth opened
 * wide that the dub closes, the lips following fully and the chin by `JAW_FOLLOW`).
 * @param src, dst the frame's warp points.
 */
export function chinStretch(layout: WarpLayout, src: Float64Array, dst: Float64Array): number {
  const l = layout.lowerLipSlot, c = layout.chinSlot;
  const ds = Math.hypot(src[2 * c] - src[2 * l], src[2 * c + 1] - src[2 * l + 1]);
  const dd = Math.hypot(dst[2 * c] - dst[2 * l], dst[2 * c + 1] - dst[2 * l + 1]);
  return ds > 1e-6 ? dd / ds : 1;
}

/**
 * The lower lip and the skin under it on the destination: from the inner lower lip (corner to
 * corner) down to the outer lower lip pushed towards the chin by `depth` of the lip-to-chin
 * distance at the centre (less towards the corners, none at them). Where the warp would stretch
 * the target's own lower lip (thin and shadowed on a mouth opened wide) over its old opening,
 * this region comes from the reference instead (`mouth-warp.ts`).
 * @returns polygon, frame pixels.
 */
export function lowerLipRegion(layout: WarpLayout, dst: Float64Array, depth = 0.5): Polygon {
  const half = (slots: number[]) => [...slots.slice(10), slots[0]]; // one corner .. the other
  const inner = half(layout.innerLipSlots);
  const outer = half(layout.outerLipSlots);
  const l = layout.lowerLipSlot, c = layout.chinSlot;
  const dx = (dst[2 * c] - dst[2 * l]) * depth, dy = (dst[2 * c + 1] - dst[2 * l + 1]) * depth;
  const poly: Polygon = inner.map((s) => [dst[2 * s], dst[2 * s + 1]]);
  for (let i = outer.length - 1; i >= 0; i--) {
    const u = outer.length > 1 ? i / (outer.length - 1) : 0.5;
    const w = 1 - (2 * u - 1) ** 2; // 0 at the corners, 1 at the centre
    const s = outer[i];
    poly.push([dst[2 * s] + dx * w, dst[2 * s + 1] + dy * w]);
  }
  return poly;
}

/** Polygon area (shoelace), square pixels; positive for either orientation. */
export function polygonArea(poly: Polygon): number {
  let a = 0;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) a += (poly[j][0] + poly[i][0]) * (poly[j][1] - poly[i][1]);
  return Math.abs(a) / 2;
}

/**
 * The driven points with their horizontal displacement from the target scaled by `h` (1: as
 * driven; 0: the lips and jaw move only vertically, keeping the target's own mouth width).
 * @param target the target's warp points; only the first n (mesh) points are read.
 */
export function scaleHorizontal(target: Float64Array, driven: Float64Array, h: number): Float64Array {
  if (h === 1) return driven;
  const out = Float64Array.from(driven);
  for (let i = 0; i < driven.length; i += 2) out[i] = target[i] + (driven[i] - target[i]) * h;
  return out;
}

/** Horizontal shares of the reference's geometry tried, in order, before the amount is lowered. */
const HORIZONTAL_TRIES = [1, 0.5, 0];

/**
 * The complete source (target) and destination warp points of one output frame.
 * @param driven reference-driven mesh points (blended at cuts), Float64Array(n * 2).
 * @param amount 0..1 (fade). When the full move would fold the warp (a turned head: a frontal
 *   reference's mouth mapped onto a face in three-quarter view), the horizontal part of the move
 *   is halved, then dropped (the mouth still opens and closes as the reference, at the target's
 *   own width); only when that folds too is the amount halved until no triangle folds over (0
 *   after six tries). The amount used is returned.
 */
export function frameGeometry(layout: WarpLayout, targetMesh: Float32Array, driven: Float64Array, amount: number): { src: Float64Array; dst: Float64Array; amount: number } {
  // A fold would tear the picture (pixels claimed twice, holes next to them). Lip and mouth-gap
  // triangles do not count (see `WarpLayout.faceTriangles`): the lips' thin triangles may flip
  // as the mouth changes shape, and the mouth gap's collapse whenever it closes.
  const solid = layout.triangles.subarray(0, 3 * layout.faceTriangles);
  const src = warpPoints(layout, targetMesh);
  const attempt = (d: Float64Array, a: number) => {
    const s = Float64Array.from(src);
    const dst = moveGeometry(layout, s, d, a);
    matteRing(layout, s, dst);
    return { src: s, dst, ok: foldedTriangles(solid, s, dst) === 0 };
  };
  let last = driven;
  for (const h of HORIZONTAL_TRIES) {
    last = scaleHorizontal(src, driven, h);
    const r = attempt(last, amount);
    if (r.ok) return { src: r.src, dst: r.dst, amount };
  }
  let a = amount / 2;
  for (let tries = 1; ; tries++) {
    const r = attempt(last, a);
    if (r.ok) return { src: r.src, dst: r.dst, amount: a };
    if (tries >= 6) {
      const z = attempt(last, 0);
      return { src: z.src, dst: z.dst, amount: 0 };
    }
    a /= 2;
  }
}

/**
 * Number of triangles whose orientation flips between `src` and `dst` (a fold-over of the warp),
 * ignoring triangles degenerate in the source.
 * @param triangles Uint32Array(k * 3) vertex indices into the flat point arrays.
 */
export function foldedTriangles(triangles: Uint32Array, src: ArrayLike<number>, dst: ArrayLike<number>): number {
  let folded = 0;
  for (let t = 0; t < triangles.length; t += 3) {
    const i = 2 * triangles[t], j = 2 * triangles[t + 1], k = 2 * triangles[t + 2];
    const as = (src[j] - src[i]) * (src[k + 1] - src[i + 1]) - (src[k] - src[i]) * (src[j + 1] - src[i + 1]);
    const ad = (dst[j] - dst[i]) * (dst[k + 1] - dst[i + 1]) - (dst[k] - dst[i]) * (dst[j + 1] - dst[i + 1]);
    if (Math.abs(as) < 1e-6) continue;
    if (as * ad <= 0) folded++;
  }
  return folded;
}
