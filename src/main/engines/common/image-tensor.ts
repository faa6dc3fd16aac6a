/**
 * rgb24 images <-> planar float tensors (CHW) with the pack's pixel normalization.
 */
import type { PixelSpec } from '../../models/manifest';

/**
 * Writes an rgb24 HxWx3 image as 3 planes [3, H, W] at `out[offset..]`:
 * value = lo + (hi - lo) * v / 255, planes in `pixels.channelOrder` (RGB or BGR).
 * With `zeroBelowRow`, rows >= that row are written as `fillValue` (Wav2Lip lower-half masking).
 */
export function rgbToPlanar(
  rgb: Uint8Array,
  width: number,
  height: number,
  pixels: PixelSpec,
  out: Float32Array,
  offset = 0,
  opts: { editable?: Float32Array; fillValue?: number } = {},
): void {
  const lut = lutFor(pixels.range[0], pixels.range[1]);
  const plane = width * height;
  const bgr = pixels.channelOrder === 'BGR';
  const o0 = offset + (bgr ? 2 : 0) * plane;
  const o1 = offset + plane;
  const o2 = offset + (bgr ? 0 : 2) * plane;
  for (let i = 0, j = 0; i < plane; i++, j += 3) {
    out[o0 + i] = lut[rgb[j]];
    out[o1 + i] = lut[rgb[j + 1]];
    out[o2 + i] = lut[rgb[j + 2]];
  }
  const ed = opts.editable;
  if (ed) {
    const fill = opts.fillValue ?? 0;
    for (let i = 0; i < plane; i++) {
      if (ed[i] > 0.5) {
        out[o0 + i] = fill;
        out[o1 + i] = fill;
        out[o2 + i] = fill;
      }
    }
  }
}

const luts = new Map<string, Float32Array>();

/** value = lo + (hi - lo) * v / 255 for v in 0..255, cached per range. */
function lutFor(lo: number, hi: number): Float32Array {
  const key = `${lo},${hi}`;
  let t = luts.get(key);
  if (!t) {
    t = new Float32Array(256);
    for (let v = 0; v < 256; v++) t[v] = lo + ((hi - lo) * v) / 255;
    luts.set(key, t);
  }
  return t;
}

/**
 * Reads 3 planes [3, H, W] at `src[offset..]` back to rgb24, inverting the normalization and
 * clamping to [0, 255].
 */
export function planarToRgb(src: Float32Array, width: number, height: number, pixels: PixelSpec, offset = 0, out = new Uint8Array(width * height * 3)): Uint8Array {
  const [lo, hi] = pixels.range;
  const k = 255 / (hi - lo);
  const plane = width * height;
  const bgr = pixels.channelOrder === 'BGR';
  const p = [offset + (bgr ? 2 : 0) * plane, offset + plane, offset + (bgr ? 0 : 2) * plane];
  const [p0, p1, p2] = p;
  for (let i = 0, j = 0; i < plane; i++, j += 3) {
    // Uint8Array wraps out-of-range values, so clamp; truncating x + 0.5 rounds (x >= 0).
    const r = (src[p0 + i] - lo) * k + 0.5;
    const g = (src[p1 + i] - lo) * k + 0.5;
    const b = (src[p2 + i] - lo) * k + 0.5;
    out[j] = r < 0 ? 0 : r > 255 ? 255 : r;
    out[j + 1] = g < 0 ? 0 : g > 255 ? 255 : g;
    out[j + 2] = b < 0 ? 0 : b > 255 ? 255 : b;
  }
  return out;
}
