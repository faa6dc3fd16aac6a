/**
 * rgb24 images <-> planar float tensors (CHW) with the pack's pixel normalization.
 */
import type { PixelSpec } from '../../models/manifest';

/**
 * Writes an rgb24 HxWx3 image as 3 planes [3, H, W] at `out[offset..]`:
 * value = lo + (hi - lo) * v / 255, planes in `pixels.channelOrder` (RGB or BGR).
 * With `editable` (H x W, > 0.5 = editable; or its `editableRuns`, cheaper when one mask serves
 * many images) those pixels are written as `fillValue` (default 0) instead (the masked inputs of
 * inpainting models, Wav2Lip's lower-half masking).
 */
export function rgbToPlanar(
  rgb: Uint8Array,
  width: number,
  height: number,
  pixels: PixelSpec,
  out: Float32Array,
  offset = 0,
  opts: { editable?: Float32Array | EditableRuns; fillValue?: number } = {},
): void {
  const lut = lutFor(pixels.range[0], pixels.range[1]);
  const plane = width * height;
  const bgr = pixels.channelOrder === 'BGR';
  const o0 = offset + (bgr ? 2 : 0) * plane;
  const o1 = offset + plane;
  const o2 = offset + (bgr ? 0 : 2) * plane;
  lutPlanes(rgb, lut, out, o0, o1, o2, plane);
  const ed = opts.editable;
  if (!ed) return;
  const fill = opts.fillValue ?? 0;
  if (ed instanceof Float32Array) {
    for (let i = 0; i < plane; i++) {
      if (ed[i] > 0.5) {
        out[o0 + i] = fill;
        out[o1 + i] = fill;
        out[o2 + i] = fill;
      }
    }
    return;
  }
  const { runs } = ed;
  for (let r = 0; r < runs.length; r += 2) {
    out.fill(fill, o0 + runs[r], o0 + runs[r + 1]);
    out.fill(fill, o1 + runs[r], o1 + runs[r + 1]);
    out.fill(fill, o2 + runs[r], o2 + runs[r + 1]);
  }
}

/** The editable pixels of a mask as runs of consecutive pixel indices, for masking many images. */
export interface EditableRuns {
  /** [start, end) pairs of pixel indices (row-major), ascending. */
  runs: Int32Array;
}

/** The pixels of `editable` (> 0.5) as runs, to pass as `rgbToPlanar`'s `editable` (same result as the mask). */
export function editableRuns(editable: Float32Array): EditableRuns {
  const runs: number[] = [];
  for (let i = 0; i < editable.length; ) {
    if (!(editable[i] > 0.5)) {
      i++;
      continue;
    }
    const start = i;
    while (i < editable.length && editable[i] > 0.5) i++;
    runs.push(start, i);
  }
  return { runs: Int32Array.from(runs) };
}

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/**
 * out[o0 + i], out[o1 + i], out[o2 + i] = lut of pixel i's bytes 0, 1, 2. On little-endian hosts
 * with a 4-byte aligned `rgb`, four pixels (three 32-bit words) are read at a time. (The loops
 * are separate functions so V8 optimizes each as a whole instead of on-stack-replacing a loop of
 * a function it then keeps deoptimizing.)
 */
function lutPlanes(rgb: Uint8Array, lut: Float32Array, out: Float32Array, o0: number, o1: number, o2: number, plane: number): void {
  let start = 0;
  if (LITTLE_ENDIAN && rgb.byteOffset % 4 === 0 && plane >= 4) {
    const quads = plane >> 2;
    lutQuads(new Uint32Array(rgb.buffer, rgb.byteOffset, quads * 3), lut, out, o0, o1, o2, quads);
    start = quads * 4;
  }
  if (start < plane) lutPixels(rgb, lut, out, o0, o1, o2, start, plane);
}

/** `lutPlanes` for pixels [0, 4 * quads) from 32-bit words (little-endian). */
function lutQuads(w: Uint32Array, lut: Float32Array, out: Float32Array, o0: number, o1: number, o2: number, quads: number): void {
  for (let q = 0, i = 0, k = 0; q < quads; q++, i += 4, k += 3) {
    // Bytes of the words: a = r0 g0 b0 r1, b = g1 b1 r2 g2, c = b2 r3 g3 b3.
    const a = w[k], b = w[k + 1], c = w[k + 2];
    out[o0 + i] = lut[a & 255];
    out[o1 + i] = lut[(a >>> 8) & 255];
    out[o2 + i] = lut[(a >>> 16) & 255];
    out[o0 + i + 1] = lut[a >>> 24];
    out[o1 + i + 1] = lut[b & 255];
    out[o2 + i + 1] = lut[(b >>> 8) & 255];
    out[o0 + i + 2] = lut[(b >>> 16) & 255];
    out[o1 + i + 2] = lut[b >>> 24];
    out[o2 + i + 2] = lut[c & 255];
    out[o0 + i + 3] = lut[(c >>> 8) & 255];
    out[o1 + i + 3] = lut[(c >>> 16) & 255];
    out[o2 + i + 3] = lut[c >>> 24];
  }
}

/** `lutPlanes` for pixels [from, to), byte by byte. */
function lutPixels(rgb: Uint8Array, lut: Float32Array, out: Float32Array, o0: number, o1: number, o2: number, from: number, to: number): void {
  for (let i = from, j = from * 3; i < to; i++, j += 3) {
    out[o0 + i] = lut[rgb[j]];
    out[o1 + i] = lut[rgb[j + 1]];
    out[o2 + i] = lut[rgb[j + 2]];
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
