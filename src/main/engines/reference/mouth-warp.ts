/**
 * The reference engine's per-frame synthesis, as pure functions shared by the main thread and
 * the warp workers (`warp-worker.ts`). The target frame's own lower face is moved to the new
 * mouth and jaw geometry (piecewise-affine mesh warp, bicubic, identity on the face matte's
 * ring), and only the inner mouth (teeth, tongue, the dark gap), which the target frame cannot
 * supply, is brought from the chosen reference frame and laid into the new inner-lip contour.
 * Nothing outside the matte (the union of the source's and the result's lower-face ovals plus
 * a margin) is written, so hair, earrings, collars and background stay the original's.
 * Grain stays where it is (`imaging/grain.ts`): the clean plates of the target frame and of the
 * reference are warped, and the target frame's own grain is added back at the output pixels, so
 * a grainy shot keeps its grain (its amount and its place) in the dubbed lower face.
 */
import type { Patch } from '../types';
import { boundingRect, intersectRect } from '../../masks/geometry';
import { faceOvalMatte } from '../../masks/face-oval';
import { boxBlur, rasterizePolygons, softPolygonMask } from '../../masks/raster';
import { FACE_OVAL } from '../../../shared/face-mesh';
import type { Polygon, Rect } from '../../masks/types';
import { warpTriangles } from '../../imaging/triangle-warp';
import { channelStats, transferColour, type ChannelStats } from '../../imaging/color';
import { copyRgbRect } from '../../imaging/rgb-rect';
import { addGrain, splitGrain } from '../../imaging/grain';
import { chinStretch, frameGeometry, lerpPoints, lowerLipRegion, polygonArea, referenceDrivenPoints } from './mouth-geometry';
import { ringPolygon, slotsPolygon, warpPoints, type WarpLayout } from './warp-geometry';
import { sealLips } from './lip-seal';

/** Data kept per reference frame that the path uses. */
export interface RefFrame {
  /** Memo key (clip, frame, mesh checksum, ring): identifies the frame across threads. */
  key: string;
  /** Float32Array(468 * 3), frame pixels. */
  mesh: Float32Array;
  /**
   * Crop of the original frame (rgb24, HxWx3) around the lower face and its offset in frame
   * pixels. Its bytes live in a SharedArrayBuffer, so warp workers read them without a copy.
   */
  crop: { x: number; y: number; width: number; height: number; data: Uint8Array };
}

/** A frame (whole, or a crop placed at `x0`, `y0`), rgb24 HxWx3. */
export interface FramePixels {
  width: number;
  height: number;
  data: Uint8Array;
  x0?: number;
  y0?: number;
}

/** Colour statistics of a warp (source) and of the target frame under it (destination). */
export interface ColourPair {
  from: ChannelStats;
  to: ChannelStats;
}

/**
 * Builds the reference crop around the layout's ring (4 px margin) from a decoded frame (whole or
 * cropped); with a grain limit (a grainy source, `grainLimit`), its clean plate (`splitGrain`: the
 * frame's grain is not carried into another frame). The bytes are copied into a SharedArrayBuffer.
 */
export function cropReference(key: string, frame: FramePixels, mesh: Float32Array, layout: WarpLayout, grain: number | null = null): RefFrame {
  const ox = frame.x0 ?? 0;
  const oy = frame.y0 ?? 0;
  const pts = warpPoints(layout, mesh);
  const poly = ringPolygon(layout, pts);
  const b = boundingRect([poly])!;
  // The ring's box grown by 4 px, out to whole pixels, within the frame.
  const x0 = Math.floor(b.x - 4), y0 = Math.floor(b.y - 4);
  const pad = intersectRect({ x: x0, y: y0, w: Math.ceil(b.x + b.w + 4) - x0, h: Math.ceil(b.y + b.h + 4) - y0 }, { x: ox, y: oy, w: frame.width, h: frame.height });
  const data = new Uint8Array(new SharedArrayBuffer(pad.w * pad.h * 3));
  if (grain === null) copyRgbRect(frame, pad, data);
  else data.set(splitGrain(frame, pad, undefined, grain).clean.data);
  return { key, mesh, crop: { x: pad.x, y: pad.y, width: pad.w, height: pad.h, data } };
}


/** One output frame's synthesis: the frame, its face, the reference frame(s) and the settings. */
export interface MouthTask {
  frame: FramePixels;
  /** Float32Array(468 * 3) of the output frame, frame pixels. */
  targetMesh: Float32Array;
  ref: RefFrame;
  /** At a cut, the reference frame that would have followed (blended in by `cutBlend`). */
  next: RefFrame | null;
  cutBlend: number;
  /** 0..1: how far the new geometry is applied (fades at range ends); 1 inside a range. */
  amount: number;
  layout: WarpLayout;
  colourMatch: boolean;
  /** 0..1: how far the lips are sealed on this frame (`lip-seal.ts`: a dub bilabial or silence); absent: 0. */
  seal?: number;
  /** The actor's closed inner-lip gap, a fraction of the face height (the seal's target). */
  closedGap?: number;
  /** Grain limit of the source (`grainLimit`, 8-bit levels), or null for a clean source (no split). */
  grain?: number | null;
}

/** A synthesized frame before the (frame-ordered) colour transfer of its inner mouth. */
export interface SynthesizedMouth {
  /**
   * The target's own pixels moved to the new geometry over the matte's box; `alpha` is the face
   * matte (`faceMatte`) inside the ring, 0 outside it (the warp is the identity on the ring).
   */
  own: Patch;
  /** The reference's inner mouth on the new geometry; `alpha` the soft inner-lip mask. */
  inner: Patch | null;
  /** Colour statistics of the lips and their surroundings: reference warp (from) vs own (to). */
  stats: ColourPair | null;
  /**
   * The target frame's grain over `own`'s rectangle (Int16Array(w * h * 3), 8-bit levels), added
   * back by `finishMouth` where `own.alpha` > 0 (`own.data` holds the warped clean plate there);
   * null for a clean source (the frame itself is warped).
   */
  grain: { rect: Rect; grain: Int16Array } | null;
}

/**
 * The face matte of an output frame over `roi` (`masks/face-oval.ts`): the union of the source's
 * face oval (MediaPipe FACEMESH_FACE_OVAL of the target mesh) and the result's (the same oval with
 * the warp points' new positions). Float32Array(roi.w * roi.h) in [0, 1]. Pixels outside it are
 * never written: hair, earrings and background next to the cheeks keep the original's pixels
 * even where the warp moves the skin beside them by a fraction of a pixel.
 * @param dst Float64Array((n + ringCount) * 2), the frame's destination warp points.
 */
export function faceMatte(layout: WarpLayout, targetMesh: Float32Array, dst: Float64Array, roi: Rect): Float32Array {
  const src: Polygon = FACE_OVAL.map((i) => [targetMesh[i * 3], targetMesh[i * 3 + 1]]);
  const res: Polygon = FACE_OVAL.map((i, j) => {
    const k = layout.ovalSlots[j];
    return k < 0 ? [targetMesh[i * 3], targetMesh[i * 3 + 1]] : [dst[2 * k], dst[2 * k + 1]];
  });
  return faceOvalMatte([src, res], roi);
}

/**
 * Lip-to-chin stretch (`chinStretch`) from which the reference's lower lip and the skin under it
 * replace the target's own (fully at STRETCH_FROM + STRETCH_SPAN): the target's lower lip, thin
 * and shadowed on a mouth opened wide, stretched over the old opening, reads as a dark band.
 */
const STRETCH_FROM = 1.2;
const STRETCH_SPAN = 0.4;

/** Inner mouths smaller than this (square pixels) are a closed mouth: nothing is brought in. */
const MIN_INNER_AREA = 4;

/** Points minus an offset, as Float32Array (a warp's source points in a crop's pixels). */
function shifted(points: Float64Array, dx: number, dy: number): Float32Array {
  const out = new Float32Array(points.length);
  for (let i = 0; i < points.length; i += 2) {
    out[i] = points[i] - dx;
    out[i + 1] = points[i + 1] - dy;
  }
  return out;
}

/**
 * A grainy frame's warp (`imaging/grain.ts`): the clean plate of the frame over the warp's sources
 * and `roi` (3 px more for the bicubic taps) is warped, and the frame's grain over `roi` is
 * returned to be added back in place (`finishMouth`).
 * @param src Float64Array(k * 2) source points, frame pixels; `dst` the same count, Float32Array.
 * @param limit the clip's grain limit, 8-bit levels (`grainLimit`).
 * @returns the warp over `roi` and the grain, Int16Array(roi.w * roi.h * 3).
 */
function warpKeepingGrain(frame: FramePixels, src: Float64Array, dst: Float32Array, tri: Uint32Array, roi: Rect, limit: number) {
  const ox = frame.x0 ?? 0, oy = frame.y0 ?? 0;
  let sx0 = roi.x, sy0 = roi.y, sx1 = roi.x + roi.w, sy1 = roi.y + roi.h;
  for (let i = 0; i < src.length; i += 2) {
    sx0 = Math.min(sx0, Math.floor(src[i]) - 3);
    sy0 = Math.min(sy0, Math.floor(src[i + 1]) - 3);
    sx1 = Math.max(sx1, Math.ceil(src[i]) + 4);
    sy1 = Math.max(sy1, Math.ceil(src[i + 1]) + 4);
  }
  const plate = splitGrain(frame, intersectRect({ x: sx0, y: sy0, w: sx1 - sx0, h: sy1 - sy0 }, { x: ox, y: oy, w: frame.width, h: frame.height }), undefined, limit);
  const warped = warpTriangles(plate.clean, shifted(src, plate.rect.x, plate.rect.y), dst, tri, roi, undefined, 'bicubic');
  const grain = { rect: roi, grain: new Int16Array(roi.w * roi.h * 3) };
  for (let y = 0; y < roi.h; y++) {
    const s0 = ((roi.y - plate.rect.y + y) * plate.rect.w + (roi.x - plate.rect.x)) * 3;
    grain.grain.set(plate.grain.subarray(s0, s0 + roi.w * 3), y * roi.w * 3);
  }
  return { warped, grain };
}

/**
 * Synthesizes one output frame (see the module doc). Colour statistics are measured here; the
 * transfer and the inner-mouth blend run in frame order in `finishMouth`.
 * @returns null when the matte lands outside the frame.
 */
export function synthesizeMouth(t: MouthTask): SynthesizedMouth | null {
  const { frame, layout } = t;
  let driven = referenceDrivenPoints(layout, t.targetMesh, t.ref.mesh);
  if (t.next && t.cutBlend > 0) driven = lerpPoints(driven, referenceDrivenPoints(layout, t.targetMesh, t.next.mesh), t.cutBlend);
  if (t.seal) driven = sealLips(layout, t.targetMesh, driven, t.seal, t.closedGap ?? 0);
  const { src, dst, amount } = frameGeometry(layout, t.targetMesh, driven, t.amount);
  const ring = ringPolygon(layout, dst);
  const box = boundingRect([ring])!;
  const ox = frame.x0 ?? 0;
  const oy = frame.y0 ?? 0;
  const fx0 = Math.max(ox, Math.floor(box.x));
  const fy0 = Math.max(oy, Math.floor(box.y));
  const roi = { x: fx0, y: fy0, w: Math.min(ox + frame.width, Math.ceil(box.x + box.w)) - fx0, h: Math.min(oy + frame.height, Math.ceil(box.y + box.h)) - fy0 };
  if (roi.w <= 0 || roi.h <= 0) return null;
  const dst32 = Float32Array.from(dst);
  const tri = layout.triangles;
  // The target's own pixels, moved: one bicubic resampling of the frame's clean plate over the
  // warp's sources and the output rectangle (3 px for the bicubic taps); its grain stays in place.
  const { warped, grain } = t.grain === undefined || t.grain === null
    ? { warped: warpTriangles(frame, shifted(src, ox, oy), dst32, tri, roi, undefined, 'bicubic'), grain: null }
    : warpKeepingGrain(frame, src, dst32, tri, roi, t.grain);
  const matte = rasterizePolygons([ring], roi);
  const face = faceMatte(layout, t.targetMesh, dst, roi);
  const alpha = new Float32Array(roi.w * roi.h);
  const data = warped.data;
  const orig = copyRgbRect(frame, roi);
  for (let i = 0; i < alpha.length; i++) {
    if (matte[i] && warped.coverage[i] && face[i] > 0) alpha[i] = face[i];
    else {
      data[i * 3] = orig[i * 3];
      data[i * 3 + 1] = orig[i * 3 + 1];
      data[i * 3 + 2] = orig[i * 3 + 2];
    }
  }
  const own: Patch = { x: roi.x, y: roi.y, width: roi.w, height: roi.h, data, alpha };

  // The inner mouth, from the reference, where the new lips part; and, where the warp would
  // stretch the target's own lower lip over its old opening, the lower lip and the skin under it.
  const innerPoly = slotsPolygon(dst, layout.innerLipSlots);
  const lowerWeight = amount * Math.min(1, Math.max(0, (chinStretch(layout, src, dst) - STRETCH_FROM) / STRETCH_SPAN));
  const lower = lowerWeight > 0 ? lowerLipRegion(layout, dst) : null;
  if (amount <= 0 || (polygonArea(innerPoly) < MIN_INNER_AREA && !lower)) return { own, inner: null, stats: null, grain };
  const lips = boundingRect(lower ? [slotsPolygon(dst, layout.outerLipSlots), lower] : [slotsPolygon(dst, layout.outerLipSlots)])!;
  const grow = Math.max(3, lips.w * 0.15);
  const lx0 = Math.floor(lips.x - grow);
  const ly0 = Math.floor(lips.y - grow);
  const iroi = intersectRect({ x: lx0, y: ly0, w: Math.ceil(lips.x + lips.w + grow) - lx0, h: Math.ceil(lips.y + lips.h + grow) - ly0 }, roi);
  if (iroi.w <= 0 || iroi.h <= 0) return { own, inner: null, stats: null, grain };
  const fromRef = (ref: RefFrame) => {
    const rs = warpPoints(layout, ref.mesh);
    return warpTriangles(ref.crop, shifted(rs, ref.crop.x, ref.crop.y), dst32, tri, iroi, undefined, 'bicubic');
  };
  const main = fromRef(t.ref);
  if (t.next && t.cutBlend > 0) {
    const nx = fromRef(t.next);
    for (let i = 0; i < main.coverage.length; i++) {
      if (!nx.coverage[i]) continue;
      if (!main.coverage[i]) {
        main.coverage[i] = 1;
        for (let c = 0; c < 3; c++) main.data[i * 3 + c] = nx.data[i * 3 + c];
        continue;
      }
      for (let c = 0; c < 3; c++) main.data[i * 3 + c] = main.data[i * 3 + c] * (1 - t.cutBlend) + nx.data[i * 3 + c] * t.cutBlend + 0.5;
    }
  }
  // Soft inner-lip mask, grown by about a pixel so the lips' inner edge is the reference's too.
  const hard = rasterizePolygons([innerPoly], iroi);
  const soft = boxBlur(Float32Array.from(hard), iroi.w, iroi.h, 1);
  const ia = new Float32Array(iroi.w * iroi.h);
  for (let i = 0; i < ia.length; i++) ia[i] = main.coverage[i] ? Math.min(1, soft[i] * 2) * amount : 0;
  if (lower) {
    const region = softPolygonMask([lower], iroi, Math.max(2, lips.w * 0.08), 2);
    for (let i = 0; i < ia.length; i++) if (main.coverage[i]) ia[i] = Math.max(ia[i], region[i] * lowerWeight);
  }
  let stats: ColourPair | null = null;
  if (t.colourMatch) {
    // Lips and their surroundings (outside the inner mouth): the same face region at the same
    // geometry in both images.
    const sel = new Uint8Array(iroi.w * iroi.h);
    const ownSub = copyRgbRect({ width: roi.w, data, x0: roi.x, y0: roi.y }, iroi);
    for (let y = 0; y < iroi.h; y += 2) {
      for (let x = 0; x < iroi.w; x += 2) {
        const i = y * iroi.w + x;
        sel[i] = main.coverage[i] && soft[i] === 0 ? 1 : 0;
      }
    }
    stats = { from: channelStats(main.data, sel), to: channelStats(ownSub, sel) };
  }
  return { own, inner: { x: iroi.x, y: iroi.y, width: iroi.w, height: iroi.h, data: main.data, alpha: ia }, stats, grain };
}

/**
 * Finishes a synthesized frame (in frame order): transfers the inner mouth's colour with the
 * given statistics (null: none), lays it over the moved face through its soft mask, and adds the
 * target frame's grain back wherever the patch is written.
 * @returns the frame's patch (the `own` patch, modified in place).
 */
export function finishMouth(m: SynthesizedMouth, stats: ColourPair | null): Patch {
  const { own, inner } = m;
  if (inner) layInnerMouth(own, inner, stats);
  if (m.grain) addGrain(own, own.alpha, m.grain);
  return own;
}

/** The inner mouth's colour transfer and its blend over the moved face (in place). */
function layInnerMouth(own: Patch, inner: Patch, stats: ColourPair | null): void {
  if (stats) transferColour(inner.data, stats.from, stats.to);
  for (let y = 0; y < inner.height; y++) {
    const oy = inner.y + y - own.y;
    for (let x = 0; x < inner.width; x++) {
      const i = y * inner.width + x;
      const a = inner.alpha[i];
      if (a <= 0) continue;
      const o = oy * own.width + (inner.x + x - own.x);
      if (own.alpha[o] <= 0) continue;
      for (let c = 0; c < 3; c++) own.data[o * 3 + c] = own.data[o * 3 + c] + (inner.data[i * 3 + c] - own.data[o * 3 + c]) * a + 0.5;
    }
  }
}
