/**
 * The reference engine's per-frame synthesis, as pure functions shared by the main thread and
 * the warp workers (`warp-worker.ts`): crop a reference frame around its lower face, warp it onto
 * a target face (piecewise affine on the face mesh), measure the colour statistics for the
 * transfer, blend two warps at a cut.
 */
import type { Patch } from '../types';
import { boundingRect, intersectRect } from '../../masks/geometry';
import { rasterizePolygons, softPolygonMask } from '../../masks/raster';
import { warpTriangles } from '../../imaging/triangle-warp';
import { applyAffine, fitSimilarity } from '../../imaging/affine';
import { channelStats, type ChannelStats } from '../../imaging/color';
import { copyRgbRect } from '../../imaging/rgb-rect';
import { stableVector } from './mouth-shape';
import { ringPolygon, slotsPolygon, warpPoints, type WarpLayout } from './warp-geometry';

/** Data kept per reference frame that the path uses. */
export interface RefFrame {
  /** Memo key (clip, frame, mesh checksum, ring): identifies the frame across threads. */
  key: string;
  /** Float32Array(468 * 3), frame pixels. */
  mesh: Float32Array;
  /**
   * Crop of the original frame (rgb24, HxWx3) around the warp ring and its offset in frame
   * pixels. Its bytes live in a SharedArrayBuffer, so warp workers read them without a copy.
   */
  crop: { x: number; y: number; width: number; height: number; data: Uint8Array };
  /** The ring polygon in crop coordinates and its feather (pixels), for `refAlpha`. */
  ring: Array<[number, number]>;
  feather: number;
  alpha?: Uint8Array;
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

/** A warped mouth before the colour transfer, with its statistics when colour matching. */
export interface WarpedMouth {
  patch: Patch;
  stats: ColourPair | null;
}

/**
 * The reference crop's feathered ring mask (Uint8Array(width * height), 0-255), built on first
 * use: a reference span keeps every frame, but a path uses only some of them.
 */
export function refAlpha(ref: RefFrame): Uint8Array {
  if (!ref.alpha) {
    const { width: w, height: h } = ref.crop;
    const soft = softPolygonMask([ref.ring], { x: 0, y: 0, w, h }, ref.feather);
    const a = new Uint8Array(w * h);
    for (let i = 0; i < a.length; i++) a[i] = Math.round(soft[i] * 255);
    ref.alpha = a;
  }
  return ref.alpha;
}

/**
 * Builds the reference crop around the warp ring (4 px margin) from a decoded frame (whole or
 * cropped). The bytes are copied into a SharedArrayBuffer.
 */
export function cropReference(key: string, frame: FramePixels, mesh: Float32Array, layout: WarpLayout): RefFrame {
  const ox = frame.x0 ?? 0;
  const oy = frame.y0 ?? 0;
  const pts = warpPoints(layout, mesh);
  const poly = ringPolygon(layout, pts);
  const b = boundingRect([poly])!;
  // The ring's box grown by 4 px, out to whole pixels, within the frame.
  const x0 = Math.floor(b.x - 4), y0 = Math.floor(b.y - 4);
  const pad = intersectRect({ x: x0, y: y0, w: Math.ceil(b.x + b.w + 4) - x0, h: Math.ceil(b.y + b.h + 4) - y0 }, { x: ox, y: oy, w: frame.width, h: frame.height });
  const data = copyRgbRect(frame, pad, new Uint8Array(new SharedArrayBuffer(pad.w * pad.h * 3)));
  const ring = poly.map(([x, y]) => [x - pad.x, y - pad.y] as [number, number]);
  return { key, mesh, crop: { x: pad.x, y: pad.y, width: pad.w, height: pad.h, data }, ring, feather: Math.max(2, Math.max(b.w, b.h) * 0.12) };
}

/**
 * Warps the reference frame's lower face onto the target face (before any colour transfer).
 * Destination points: the reference mesh mapped into the target frame by the similarity fitted on
 * stable points (eyes, nose bridge), except the nose/cheek line, which stays on the target.
 * With `colourMatch`, also measures the statistics for the transfer over the skin band (covered,
 * mostly opaque, outside both mouths' inner lips; every other pixel in each direction).
 * @param targetMesh Float32Array(468 * 3) of the output frame, frame pixels.
 * @returns the patch (rgb24 + alpha in [0, 1] over its rectangle, frame pixels), or null when the
 *   warp lands outside the frame.
 */
export function warpMouth(frame: FramePixels, targetMesh: Float32Array, ref: RefFrame, layout: WarpLayout, colourMatch: boolean): WarpedMouth | null {
  const sim = fitSimilarity(stableVector(ref.mesh), stableVector(targetMesh));
  const srcPts = warpPoints(layout, ref.mesh);
  const tgtPts = warpPoints(layout, targetMesh);
  const n = srcPts.length / 2;
  const dst = new Float32Array(n * 2);
  const src = new Float32Array(n * 2);
  for (let k = 0; k < n; k++) {
    const [mx, my] = applyAffine(sim, srcPts[2 * k], srcPts[2 * k + 1]);
    const w = layout.followReference[k];
    dst[2 * k] = w * mx + (1 - w) * tgtPts[2 * k];
    dst[2 * k + 1] = w * my + (1 - w) * tgtPts[2 * k + 1];
    src[2 * k] = srcPts[2 * k] - ref.crop.x;
    src[2 * k + 1] = srcPts[2 * k + 1] - ref.crop.y;
  }
  const ring = ringPolygon(layout, dst);
  const box = boundingRect([ring]);
  if (!box) return null;
  // Only where the frame (possibly a crop placed at x0, y0) has pixels.
  const ox = frame.x0 ?? 0;
  const oy = frame.y0 ?? 0;
  const fx0 = Math.max(ox, Math.floor(box.x));
  const fy0 = Math.max(oy, Math.floor(box.y));
  const fx1 = Math.min(ox + frame.width, Math.ceil(box.x + box.w));
  const fy1 = Math.min(oy + frame.height, Math.ceil(box.y + box.h));
  const roi = { x: fx0, y: fy0, w: fx1 - fx0, h: fy1 - fy0 };
  if (roi.w <= 0 || roi.h <= 0) return null;
  const warped = warpTriangles(ref.crop, src, dst, layout.triangles, roi, refAlpha(ref));
  const alpha = warped.alpha!;
  let stats: ColourPair | null = null;
  if (colourMatch) {
    const innerDst = rasterizePolygons([slotsPolygon(dst, layout.innerLipSlots)], roi);
    const innerTgt = rasterizePolygons([slotsPolygon(tgtPts, layout.innerLipSlots)], roi);
    const sel = new Uint8Array(roi.w * roi.h);
    const tgtCrop = copyRgbRect(frame, roi);
    for (let y = 0; y < roi.h; y += 2) {
      for (let x = 0; x < roi.w; x += 2) {
        const i = y * roi.w + x;
        sel[i] = warped.coverage[i] && alpha[i] > 0.5 && !innerDst[i] && !innerTgt[i] ? 1 : 0;
      }
    }
    stats = { from: channelStats(warped.data, sel), to: channelStats(tgtCrop, sel) };
  }
  return { patch: { x: roi.x, y: roi.y, width: roi.w, height: roi.h, data: warped.data, alpha }, stats };
}

/**
 * Blends patch `b` into patch `a` with weight `w` over `a`'s region (colours and alphas):
 * result = a (1 - w) + b w where `b` covers the pixel, else `a`.
 */
export function blendPatches(a: Patch, b: Patch, w: number): Patch {
  const data = Uint8Array.from(a.data);
  const alpha = Float32Array.from(a.alpha);
  for (let y = 0; y < a.height; y++) {
    const by = a.y + y - b.y;
    if (by < 0 || by >= b.height) continue;
    for (let x = 0; x < a.width; x++) {
      const bx = a.x + x - b.x;
      if (bx < 0 || bx >= b.width) continue;
      const ia = y * a.width + x;
      const ib = by * b.width + bx;
      if (b.alpha[ib] <= 0) continue;
      for (let c = 0; c < 3; c++) data[ia * 3 + c] = a.data[ia * 3 + c] * (1 - w) + b.data[ib * 3 + c] * w + 0.5;
      alpha[ia] = a.alpha[ia] * (1 - w) + b.alpha[ib] * w;
    }
  }
  return { ...a, data, alpha };
}
