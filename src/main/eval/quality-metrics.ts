/**
 * Pure picture-quality math for `evalQuality` (no I/O): luma extraction, the lower-face box,
 * Laplacian sharpness, masked differences, seam score, SSIM and temporal flicker.
 *
 * Conventions: images are single-channel Float32Array(h*w), row-major, luma in 8-bit code
 * values (0-255, full range); rectangles and masks are in image pixels; a mask is a
 * Uint8Array(h*w) over the same box as the image it selects from, 1 = selected.
 */
import type { Polygon, Rect } from '../masks/types';
import type { ColorMatrix } from '../media/args';
import { boundingRect, clampRect, inflateRect, meshPolygon } from '../masks/geometry';
import { rasterizePolygons } from '../masks/raster';
import { DETAILED_MASK_OUTLINE, FACE_OVAL, LANDMARK, LIPS_OUTER } from '../../shared/face-mesh';

/** Luma weights (Kr, Kg, Kb) of ITU-R BT.601 and BT.709 (Y' = Kr R' + Kg G' + Kb B'). */
export const LUMA_WEIGHTS: Record<ColorMatrix, readonly [number, number, number]> = {
  bt601: [0.299, 0.587, 0.114],
  bt709: [0.2126, 0.7152, 0.0722],
};

/**
 * Luma Y' of a rectangle of an rgb24 frame: Y' = Kr R' + Kg G' + Kb B' with the weights of
 * `matrix` (ITU-R BT.601 or BT.709, `LUMA_WEIGHTS`), on gamma-encoded 0-255 values. For frames
 * that ffmpeg decoded from Y'CbCr with the same matrix this recovers the coded luma (expanded to
 * full range) up to rounding and clipping.
 * @param rgb Uint8Array(height*width*3), HxWx3 rgb24, row-major, of a `width`-pixel-wide frame.
 * @param rect integer rectangle inside the frame (pixels).
 * @returns Float32Array(rect.h*rect.w), row-major, luma 0-255.
 */
export function lumaOfRect(rgb: Uint8Array, width: number, rect: Rect, matrix: ColorMatrix): Float32Array {
  const [kr, kg, kb] = LUMA_WEIGHTS[matrix];
  const out = new Float32Array(rect.w * rect.h);
  for (let y = 0; y < rect.h; y++) {
    let s = ((rect.y + y) * width + rect.x) * 3;
    const o = y * rect.w;
    for (let x = 0; x < rect.w; x++, s += 3) out[o + x] = kr * rgb[s] + kg * rgb[s + 1] + kb * rgb[s + 2];
  }
  return out;
}

/**
 * The lower-face box: the bounding box of the lower-face outline (`DETAILED_MASK_OUTLINE`: jaw,
 * chin, cheeks under the nose) of a 468-point mesh, grown on every side by `grow` (default 0.15)
 * times the larger of its width and height (as `unionMask` grows its box), then clipped to the
 * frame and rounded outwards to whole pixels.
 * @param mesh Float32Array(468*3), (x, y, z) per point, x/y in image pixels.
 * @returns integer rectangle in pixels (w or h 0 when the outline lies outside the frame).
 */
export function lowerFaceBox(mesh: Float32Array, width: number, height: number, grow = 0.15): Rect {
  const box = boundingRect([meshPolygon(mesh, DETAILED_MASK_OUTLINE)])!;
  return clampRect(inflateRect(box, grow * Math.max(box.w, box.h)), width, height);
}

/**
 * The square around `rect` used for contact-sheet tiles: side max(w, h), centred on `rect`,
 * shifted to lie inside the frame, and clipped to it when the frame is smaller than the side.
 * @returns integer rectangle in pixels.
 */
export function squareAround(rect: Rect, width: number, height: number): Rect {
  const side = Math.max(rect.w, rect.h);
  const w = Math.min(side, width), h = Math.min(side, height);
  const x = Math.min(Math.max(0, Math.round(rect.x + rect.w / 2 - w / 2)), width - w);
  const y = Math.min(Math.max(0, Math.round(rect.y + rect.h / 2 - h / 2)), height - h);
  return { x, y, w, h };
}

/**
 * 4-neighbour Laplacian L = I(x-1,y) + I(x+1,y) + I(x,y-1) + I(x,y+1) - 4 I(x,y) on the valid
 * interior (pixels whose four neighbours lie in the image).
 * @param img Float32Array(h*w), row-major.
 * @returns Float32Array(h*w), row-major; the 1-pixel border is 0 and is not part of any figure.
 */
export function laplacian4(img: Float32Array, w: number, h: number): Float32Array {
  const out = new Float32Array(w * h);
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      out[i] = img[i - 1] + img[i + 1] + img[i - w] + img[i + w] - 4 * img[i];
    }
  }
  return out;
}

/**
 * Sharpness: population variance of the 4-neighbour Laplacian of luma over the valid interior
 * of the image (the classic variance-of-Laplacian focus measure, Pech-Pacheco et al. 2000).
 * Units: (luma code values)^2.
 * @returns NaN when the image is smaller than 3x3.
 */
export function laplacianVariance(img: Float32Array, w: number, h: number): number {
  if (w < 3 || h < 3) return NaN;
  const lap = laplacian4(img, w, h);
  let s = 0, s2 = 0, n = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const v = lap[y * w + x];
      s += v; s2 += v * v; n++;
    }
  }
  const m = s / n;
  return Math.max(0, s2 / n - m * m);
}

/**
 * Mean absolute difference |b - a| over the pixels where `mask` is 1 (luma code values).
 * @param a,b,mask same-size row-major images / mask (h*w).
 * @returns NaN when the mask selects nothing.
 */
export function meanAbsDiffMasked(a: Float32Array, b: Float32Array, mask: Uint8Array): number {
  let s = 0, n = 0;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    s += Math.abs(b[i] - a[i]);
    n++;
  }
  return n ? s / n : NaN;
}

/**
 * Seam score: mean |Laplacian(b - a)| over the valid interior pixels where `mask` is 1. The
 * Laplacian of the difference image is ~0 where the dub only shifted brightness smoothly and
 * large along edges the dub added or moved (mask borders, double jaws, pasted seams). Units:
 * luma code values per pixel^2.
 * @param a,b original and dubbed luma, Float32Array(h*w); mask Uint8Array(h*w).
 * @returns NaN when nothing is selected.
 */
export function seamScore(a: Float32Array, b: Float32Array, mask: Uint8Array, w: number, h: number): number {
  const d = new Float32Array(w * h);
  for (let i = 0; i < d.length; i++) d[i] = b[i] - a[i];
  const lap = laplacian4(d, w, h);
  let s = 0, n = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      if (!mask[i]) continue;
      s += Math.abs(lap[i]);
      n++;
    }
  }
  return n ? s / n : NaN;
}

/**
 * Temporal flicker of the change: mean |D_t - D_{t-1}| with D = dubbed - original luma, over
 * all pixels of the box (the same pixels in both frames). Luma code values.
 * @param orig,dub frame t; origPrev,dubPrev frame t-1 over the same rectangle; all Float32Array(h*w).
 */
export function flicker(orig: Float32Array, dub: Float32Array, origPrev: Float32Array, dubPrev: Float32Array): number {
  let s = 0;
  for (let i = 0; i < orig.length; i++) s += Math.abs(dub[i] - orig[i] - (dubPrev[i] - origPrev[i]));
  return orig.length ? s / orig.length : NaN;
}

/** SSIM stabilizing constants for 8-bit data (Wang et al. 2004): C1 = (0.01 L)^2, C2 = (0.03 L)^2, L = 255. */
export const SSIM_C1 = (0.01 * 255) ** 2;
export const SSIM_C2 = (0.03 * 255) ** 2;

/** Normalized 1-D Gaussian of `size` taps (odd) and standard deviation `sigma` (pixels). */
export function gaussianKernel(size = 11, sigma = 1.5): Float32Array {
  const k = new Float32Array(size);
  const c = (size - 1) / 2;
  let s = 0;
  for (let i = 0; i < size; i++) s += k[i] = Math.exp(-((i - c) ** 2) / (2 * sigma * sigma));
  for (let i = 0; i < size; i++) k[i] /= s;
  return k;
}

/** Separable 'valid' filtering with a 1-D kernel: output (h-k+1)*(w-k+1), row-major. */
function filterValid(img: Float32Array, w: number, h: number, k: Float32Array): Float32Array {
  const n = k.length, ow = w - n + 1, oh = h - n + 1;
  const tmp = new Float32Array(ow * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      const base = y * w + x;
      for (let j = 0; j < n; j++) s += k[j] * img[base + j];
      tmp[y * ow + x] = s;
    }
  }
  const out = new Float32Array(ow * oh);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += k[j] * tmp[(y + j) * ow + x];
      out[y * ow + x] = s;
    }
  }
  return out;
}

/**
 * Mean SSIM of two luma images (Wang, Bovik, Sheikh, Simoncelli, "Image quality assessment:
 * from error visibility to structural similarity", IEEE TIP 2004): local means, variances and
 * covariance under an 11x11 circular-symmetric Gaussian window (sigma 1.5 px, normalized), C1 =
 * (0.01*255)^2, C2 = (0.03*255)^2, averaged over every window position fully inside the image
 * ('valid'; no padding). Dimensionless, 1 for identical images.
 * @param a,b Float32Array(h*w), row-major, luma 0-255.
 * @returns NaN when the image is smaller than the window.
 */
export function ssim(a: Float32Array, b: Float32Array, w: number, h: number, windowSize = 11, sigma = 1.5): number {
  if (w < windowSize || h < windowSize) return NaN;
  const k = gaussianKernel(windowSize, sigma);
  const aa = new Float32Array(a.length), bb = new Float32Array(a.length), ab = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) {
    aa[i] = a[i] * a[i]; bb[i] = b[i] * b[i]; ab[i] = a[i] * b[i];
  }
  const ma = filterValid(a, w, h, k), mb = filterValid(b, w, h, k);
  const saa = filterValid(aa, w, h, k), sbb = filterValid(bb, w, h, k), sab = filterValid(ab, w, h, k);
  let s = 0;
  for (let i = 0; i < ma.length; i++) {
    const mx = ma[i], my = mb[i];
    const vx = saa[i] - mx * mx, vy = sbb[i] - my * my, cxy = sab[i] - mx * my;
    s += ((2 * mx * my + SSIM_C1) * (2 * cxy + SSIM_C2)) / ((mx * mx + my * my + SSIM_C1) * (vx + vy + SSIM_C2));
  }
  return s / ma.length;
}

/** 1 - mask, in place. @returns the same array. */
export function invertMask(mask: Uint8Array): Uint8Array {
  for (let i = 0; i < mask.length; i++) mask[i] = mask[i] ? 0 : 1;
  return mask;
}

/**
 * Binary dilation of a mask by a (2r+1)x(2r+1) square (Chebyshev distance <= r pixels), as two
 * separable running-max passes. @param mask Uint8Array(h*w), 0/1. @returns a new mask.
 */
export function dilateSquare(mask: Uint8Array, w: number, h: number, r: number): Uint8Array {
  const rr = Math.max(0, Math.round(r));
  if (rr === 0) return Uint8Array.from(mask);
  const tmp = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    let last = -Infinity; // x of the latest set pixel at or before x + rr
    for (let x = -rr; x < w; x++) {
      const ahead = x + rr;
      if (ahead < w && mask[y * w + ahead]) last = ahead;
      if (x >= 0 && last >= x - rr) tmp[y * w + x] = 1;
    }
  }
  const out = new Uint8Array(w * h);
  for (let x = 0; x < w; x++) {
    let last = -Infinity;
    for (let y = -rr; y < h; y++) {
      const ahead = y + rr;
      if (ahead < h && tmp[ahead * w + x]) last = ahead;
      if (y >= 0 && last >= y - rr) out[y * w + x] = 1;
    }
  }
  return out;
}

/** Polygons of `indices` for each non-null mesh (Float32Array(468*3), pixels). */
export function meshPolygons(meshes: Array<Float32Array | null | undefined>, indices: readonly number[]): Polygon[] {
  return meshes.filter((m): m is Float32Array => !!m).map((m) => meshPolygon(m, indices));
}

/**
 * Pixels of `box` outside the FACE_OVAL polygon of every given mesh (nulls skipped): where a dub
 * should leave the picture alone (background, neck, collar).
 * @param meshes Float32Array(468*3) meshes in image pixels.
 * @returns Uint8Array(box.h*box.w), row-major over the box, 1 = outside all ovals.
 */
export function outsideFaceMask(box: Rect, meshes: Array<Float32Array | null>): Uint8Array {
  return invertMask(rasterizePolygons(meshPolygons(meshes, FACE_OVAL), box));
}

/**
 * Pixels of `box` counted by the seam score: all but the outer lips (LIPS_OUTER polygon) of
 * `orig` and `dub` (null skipped), dilated by `dilate` times the face height of `orig` (distance
 * of points 10 and 152, pixels; square dilation, `dilateSquare`), so the re-rendered mouth itself
 * does not count.
 * @returns Uint8Array(box.h*box.w), row-major over the box, 1 = counted.
 */
export function seamMask(box: Rect, orig: Float32Array, dub: Float32Array | null, dilate = 0.03): Uint8Array {
  const faceHeight = Math.hypot(orig[LANDMARK.foreheadTop * 3] - orig[LANDMARK.chin * 3], orig[LANDMARK.foreheadTop * 3 + 1] - orig[LANDMARK.chin * 3 + 1]);
  const lips = rasterizePolygons(meshPolygons([orig, dub], LIPS_OUTER), box);
  return invertMask(dilateSquare(lips, box.w, box.h, dilate * faceHeight));
}

/** Summary of a series: mean of its finite values (NaN when none). */
export function finiteMean(values: ArrayLike<number>): number {
  let s = 0, n = 0;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) continue;
    s += values[i];
    n++;
  }
  return n ? s / n : NaN;
}

/**
 * The `k` frames with the worst values of a per-frame figure, worst first (ties: lower frame
 * first); non-finite values are ignored.
 * @param direction 'high' when larger is worse (seam, change, flicker), 'low' when smaller is
 *   worse (sharpness ratio, SSIM).
 * @returns frame numbers.
 */
export function worstFrames(items: Array<{ frame: number; value: number }>, k: number, direction: 'high' | 'low'): number[] {
  const sign = direction === 'high' ? -1 : 1;
  return items
    .filter((it) => Number.isFinite(it.value))
    .sort((a, b) => sign * (a.value - b.value) || a.frame - b.frame)
    .slice(0, k)
    .map((it) => it.frame);
}

/**
 * Contact-sheet frame choice: round-robin over the per-figure worst lists (worst first each),
 * skipping repeats, until `max` frames. @returns frame numbers in the order picked.
 */
export function pickSheetFrames(lists: number[][], max = 8): number[] {
  const out: number[] = [];
  for (let r = 0; out.length < max && lists.some((l) => r < l.length); r++) {
    for (const l of lists) {
      if (r < l.length && !out.includes(l[r]) && out.length < max) out.push(l[r]);
    }
  }
  return out;
}
