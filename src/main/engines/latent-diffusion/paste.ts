/**
 * Paste-back of a decoded crop: the decoder's planes are denormalized and blended over the
 * original aligned crop with the soft mask, only inside the editable rectangle (the soft mask is
 * 0 elsewhere), then warped back to frame pixels.
 */
import type { PixelSpec } from '../../models/manifest';
import type { Patch } from '../types';
import { warpCropToPatch, type Affine } from '../../imaging/affine';
import type { PixelRect } from './align';

/** A decoded crop and what it is blended over (one frame of a window). */
export interface DecodedCrop {
  /** Decoder output holding planes [3, crop, crop] at `offset` (channel order per `pixels`). */
  planes: Float32Array;
  offset: number;
  /** The pack's pixel range and channel order (denormalization). */
  pixels: PixelSpec;
  /** The original aligned crop, crop x crop rgb24. */
  orig: Uint8Array;
  /** crop x crop blend weights in [0, 1], 0 outside `rect` (as `buildCropMasks` makes them). */
  soft: Float32Array;
  /** The editable rectangle [x0, y0, x1, y1) in crop pixels. */
  rect: PixelRect;
  /** Crop side, pixels. */
  crop: number;
}

/**
 * Writes the composite crop into `out` (crop x crop rgb24) over `rect` grown by `margin` pixels
 * (clipped to the crop; the rest of `out` is left as it is): the original crop, and inside `rect`
 * orig + (dec - orig) * soft rounded, where dec is the decoded pixel denormalized per `pixels`,
 * rounded and clamped to [0, 255] (exactly `planarToRgb`'s bytes).
 * @param out Destination, crop * crop * 3 bytes (may be a reused buffer).
 * @param margin Rows / columns of original pixels written around `rect` (default: the whole crop).
 */
export function blendDecodedCrop(d: DecodedCrop, out: Uint8Array, margin = d.crop): void {
  const { planes, offset, pixels, orig, soft, rect, crop } = d;
  {
    const [rx0, ry0, rx1, ry1] = rect;
    const mx0 = Math.max(0, rx0 - margin), mx1 = Math.min(crop, rx1 + margin);
    for (let y = Math.max(0, ry0 - margin), ye = Math.min(crop, ry1 + margin); y < ye; y++) out.set(orig.subarray((y * crop + mx0) * 3, (y * crop + mx1) * 3), (y * crop + mx0) * 3);
  }
  const [x0, y0, x1, y1] = rect;
  const [lo, hi] = pixels.range;
  const k = 255 / (hi - lo);
  const plane = crop * crop;
  const bgr = pixels.channelOrder === 'BGR';
  const p0 = offset + (bgr ? 2 : 0) * plane;
  const p1 = offset + plane;
  const p2 = offset + (bgr ? 0 : 2) * plane;
  for (let y = y0; y < y1; y++) {
    for (let x = x0, i = y * crop + x0; x < x1; x++, i++) {
      const a = soft[i];
      const j = i * 3;
      // Decoded byte: (v - lo) * k rounded and clamped; `| 0` truncates like a Uint8Array store (NaN -> 0).
      let v = (planes[p0 + i] - lo) * k + 0.5;
      const r = (v < 0 ? 0 : v > 255 ? 255 : v) | 0;
      v = (planes[p1 + i] - lo) * k + 0.5;
      const g = (v < 0 ? 0 : v > 255 ? 255 : v) | 0;
      v = (planes[p2 + i] - lo) * k + 0.5;
      const b = (v < 0 ? 0 : v > 255 ? 255 : v) | 0;
      const or = orig[j], og = orig[j + 1], ob = orig[j + 2];
      out[j] = or + (r - or) * a + 0.5;
      out[j + 1] = og + (g - og) * a + 0.5;
      out[j + 2] = ob + (b - ob) * a + 0.5;
    }
  }
}

/**
 * Blends a decoded crop over the original (`blendDecodedCrop`, into `scratch`) and warps it to
 * the frame as a patch (frame pixels, rgb24 + alpha) with the soft mask as alpha. Only `rect`
 * grown by one pixel is composed: `soft` is 0 outside `rect`, so a frame pixel gets alpha only
 * when one of its bilinear taps lies in `rect`, and then all its taps lie within one pixel of it
 * (other pixels of `scratch` are read only for frame pixels that are dropped).
 * @param frameToCrop The map the crop was made with (frame pixel -> crop pixel).
 * @returns null when the rectangle is empty or the patch falls outside the frame.
 */
export function pasteDecodedCrop(d: DecodedCrop, frameToCrop: Affine, frameW: number, frameH: number, scratch: Uint8Array): Patch | null {
  const [x0, y0, x1, y1] = d.rect;
  if (x1 <= x0 || y1 <= y0) return null;
  blendDecodedCrop(d, scratch, 1);
  return warpCropToPatch({ width: d.crop, height: d.crop, data: scratch }, d.soft, frameToCrop, frameW, frameH, [x0, y0, x1 - 1, y1 - 1]);
}
