/**
 * Affine / similarity warps of rgb24 images with bilinear sampling: aligned face crops out of a
 * frame, and the inverse warp of a synthesized crop back into frame pixels as a `Patch` with a
 * soft alpha.
 *
 * Conventions: pixel (x, y) is the centre of the pixel in column x, row y (as OpenCV's
 * `warpAffine`); an `Affine` [a, b, c, d, e, f] maps (x, y) to (a x + b y + c, d x + e y + f).
 * Warps take the matrix from destination to source pixels (the inverse map, sampled per output
 * pixel). Images are rgb24, row-major HxWx3.
 */
import type { Patch } from '../engines/types';

export type Affine = [number, number, number, number, number, number];

/** An rgb24 image: `data.length === width * height * 3`. */
export interface Rgb24 {
  width: number;
  height: number;
  data: Uint8Array;
}

export const IDENTITY: Affine = [1, 0, 0, 0, 1, 0];

/** Applies m to a point. */
export function applyAffine(m: Affine, x: number, y: number): [number, number] {
  return [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];
}

/**
 * Inverse of m.
 * @throws RangeError when m is singular.
 */
export function invertAffine(m: Affine): Affine {
  const det = m[0] * m[4] - m[1] * m[3];
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) throw new RangeError('invertAffine: singular matrix');
  const a = m[4] / det;
  const b = -m[1] / det;
  const d = -m[3] / det;
  const e = m[0] / det;
  return [a, b, -(a * m[2] + b * m[5]), d, e, -(d * m[2] + e * m[5])];
}

/** outer ∘ inner: first `inner`, then `outer`. */
export function composeAffine(outer: Affine, inner: Affine): Affine {
  return [
    outer[0] * inner[0] + outer[1] * inner[3],
    outer[0] * inner[1] + outer[1] * inner[4],
    outer[0] * inner[2] + outer[1] * inner[5] + outer[2],
    outer[3] * inner[0] + outer[4] * inner[3],
    outer[3] * inner[1] + outer[4] * inner[4],
    outer[3] * inner[2] + outer[4] * inner[5] + outer[5],
  ];
}

/**
 * Destination -> source map of a resize of the rectangle (sx, sy, sw, sh) of the source to
 * dw x dh pixels, OpenCV `resize` convention (pixel centres: src = (dst + 0.5) * s - 0.5).
 */
export function resizeAffine(sx: number, sy: number, sw: number, sh: number, dw: number, dh: number): Affine {
  const kx = sw / dw;
  const ky = sh / dh;
  return [kx, 0, sx + 0.5 * kx - 0.5, 0, ky, sy + 0.5 * ky - 0.5];
}

/**
 * Similarity transform (uniform scale, rotation, translation) that best maps `src` points onto
 * `dst` in the least-squares sense (Umeyama without reflection). Points are flat [x0, y0, x1, ...].
 * @throws RangeError for fewer than 2 points or degenerate (coincident) source points.
 */
export function fitSimilarity(src: ArrayLike<number>, dst: ArrayLike<number>): Affine {
  const n = src.length / 2;
  if (n < 2 || dst.length !== src.length) throw new RangeError('fitSimilarity: need >= 2 point pairs of equal count');
  let msx = 0, msy = 0, mdx = 0, mdy = 0;
  for (let i = 0; i < n; i++) {
    msx += src[2 * i]; msy += src[2 * i + 1]; mdx += dst[2 * i]; mdy += dst[2 * i + 1];
  }
  msx /= n; msy /= n; mdx /= n; mdy /= n;
  let sxx = 0, sab = 0, sba = 0;
  for (let i = 0; i < n; i++) {
    const ax = src[2 * i] - msx, ay = src[2 * i + 1] - msy;
    const bx = dst[2 * i] - mdx, by = dst[2 * i + 1] - mdy;
    sxx += ax * ax + ay * ay;
    sab += ax * bx + ay * by;
    sba += ax * by - ay * bx;
  }
  if (sxx < 1e-12) throw new RangeError('fitSimilarity: source points coincide');
  const a = sab / sxx; // s cos θ
  const b = sba / sxx; // s sin θ
  return [a, -b, mdx - (a * msx - b * msy), b, a, mdy - (b * msx + a * msy)];
}

/** Square root of |det| of the linear part: the average scale factor of m. */
export function affineScale(m: Affine): number {
  return Math.sqrt(Math.abs(m[0] * m[4] - m[1] * m[3]));
}

/**
 * Samples `src` at every destination pixel through `dstToSrc` with bilinear interpolation.
 * Samples outside the source replicate the edge (so crops near the frame edge do not get black
 * borders). With `antialias` and a minifying map (source pixels per destination pixel > 1.5),
 * each output pixel averages k x k bilinear taps spread over its footprint (k = ceil(scale), <= 4).
 * @param out Destination (dstW * dstH * 3 bytes, fully overwritten), e.g. a reused buffer; a new
 *   array by default.
 * @returns rgb24 Uint8Array(dstW * dstH * 3), rounded (`out` when given).
 * @throws RangeError when `out` has the wrong length.
 */
export function warpAffineRgb(src: Rgb24, dstToSrc: Affine, dstW: number, dstH: number, opts: { antialias?: boolean; out?: Uint8Array } = {}): Uint8Array {
  const out = opts.out ?? new Uint8Array(dstW * dstH * 3);
  if (out.length !== dstW * dstH * 3) throw new RangeError(`warpAffineRgb: out has ${out.length} bytes, need ${dstW * dstH * 3}`);
  const scale = affineScale(dstToSrc);
  const k = opts.antialias && scale > 1.5 ? Math.min(4, Math.ceil(scale)) : 1;
  if (k === 1) warpBilinear(src, dstToSrc, dstW, dstH, out);
  else warpSupersampled(src, dstToSrc, dstW, dstH, k, out);
  return out;
}

/**
 * Antialiased warp: the mean of k x k edge-replicated bilinear taps at offsets (i + 0.5) / k - 0.5
 * around each destination pixel centre, rounded.
 */
function warpSupersampled(src: Rgb24, m: Affine, dstW: number, dstH: number, k: number, out: Uint8Array): void {
  const offs = new Float64Array(k);
  for (let i = 0; i < k; i++) offs[i] = (i + 0.5) / k - 0.5;
  const { width: W, height: H, data } = src;
  const [a, b, c, d, e, f] = m;
  const maxX = W - 1, maxY = H - 1;
  const inv = 1 / (k * k);
  const stride = W * 3;
  const lo = offs[0], hi = dstW - 1 + offs[k - 1];
  let o = 0;
  for (let y = 0; y < dstH; y++) {
    // Rows whose taps all fall strictly inside the source skip the clamps (same arithmetic).
    const pyLo = y + offs[0], pyHi = y + offs[k - 1];
    // The taps' coordinates are affine in (px, py): their extremes are at the row's corner taps.
    const x00 = a * lo + b * pyLo + c, x10 = a * hi + b * pyLo + c, x01 = a * lo + b * pyHi + c, x11 = a * hi + b * pyHi + c;
    const y00 = d * lo + e * pyLo + f, y10 = d * hi + e * pyLo + f, y01 = d * lo + e * pyHi + f, y11 = d * hi + e * pyHi + f;
    const minX = Math.min(x00, x10, x01, x11), maxSx = Math.max(x00, x10, x01, x11);
    const minY = Math.min(y00, y10, y01, y11), maxSy = Math.max(y00, y10, y01, y11);
    const margin = 1e-9 * (1 + Math.abs(minX) + Math.abs(maxSx) + Math.abs(minY) + Math.abs(maxSy));
    const inside = minX >= margin && maxSx < maxX - margin && minY >= margin && maxSy < maxY - margin;
    for (let x = 0; x < dstW; x++) {
      let r = 0, g = 0, bl = 0;
      for (let j = 0; j < k; j++) {
        const py = y + offs[j];
        const bpy = b * py, epy = e * py;
        for (let i = 0; i < k; i++) {
          const px = x + offs[i];
          // Same expression order as a * px + b * py + c: identical rounding.
          let sx = a * px + bpy + c;
          let sy = d * px + epy + f;
          let dx = 3, dy = stride;
          if (!inside) {
            sx = sx < 0 ? 0 : sx > maxX ? maxX : sx;
            sy = sy < 0 ? 0 : sy > maxY ? maxY : sy;
          }
          const x0 = sx | 0, y0 = sy | 0;
          if (!inside) {
            dx = x0 < maxX ? 3 : 0;
            dy = y0 < maxY ? stride : 0;
          }
          const fx = sx - x0, fy = sy - y0;
          const i00 = y0 * stride + x0 * 3;
          const i01 = i00 + dx, i10 = i00 + dy, i11 = i10 + dx;
          const w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
          r += data[i00] * w00 + data[i01] * w01 + data[i10] * w10 + data[i11] * w11;
          g += data[i00 + 1] * w00 + data[i01 + 1] * w01 + data[i10 + 1] * w10 + data[i11 + 1] * w11;
          bl += data[i00 + 2] * w00 + data[i01 + 2] * w01 + data[i10 + 2] * w10 + data[i11 + 2] * w11;
        }
      }
      out[o++] = r * inv + 0.5;
      out[o++] = g * inv + 0.5;
      out[o++] = bl * inv + 0.5;
    }
  }
}

/**
 * Single-tap bilinear warp (the hot path: crops, resizes), edge-replicated, rounded. Rows whose
 * samples all fall strictly inside the source (with a margin far above the rounding drift of the
 * incremental coordinates) skip the clamps and edge tests; the arithmetic is the same as the
 * clamped path's, so results are identical.
 */
function warpBilinear(src: Rgb24, m: Affine, dstW: number, dstH: number, out: Uint8Array): void {
  const { width: W, height: H, data } = src;
  const [a, b, c, d, e, f] = m;
  const maxX = W - 1, maxY = H - 1;
  const stride = W * 3;
  const span = dstW - 1;
  let o = 0;
  for (let y = 0; y < dstH; y++) {
    let sx = b * y + c;
    let sy = e * y + f;
    // Exact row end; the incremental sx, sy stay within ~dstW ulps of the exact line.
    const ex = sx + a * span, ey = sy + d * span;
    const margin = 1e-9 * (1 + Math.abs(sx) + Math.abs(ex) + Math.abs(sy) + Math.abs(ey)) * (1 + span);
    const inside = Math.min(sx, ex) >= margin && Math.max(sx, ex) < maxX - margin && Math.min(sy, ey) >= margin && Math.max(sy, ey) < maxY - margin;
    if (inside) {
      for (let x = 0; x < dstW; x++, sx += a, sy += d) {
        const x0 = sx | 0, y0 = sy | 0;
        const fx = sx - x0, fy = sy - y0;
        const i00 = y0 * stride + x0 * 3;
        const i10 = i00 + stride;
        const gx = 1 - fx, gy = 1 - fy;
        const w00 = gx * gy, w01 = fx * gy, w10 = gx * fy, w11 = fx * fy;
        out[o] = data[i00] * w00 + data[i00 + 3] * w01 + data[i10] * w10 + data[i10 + 3] * w11 + 0.5;
        out[o + 1] = data[i00 + 1] * w00 + data[i00 + 4] * w01 + data[i10 + 1] * w10 + data[i10 + 4] * w11 + 0.5;
        out[o + 2] = data[i00 + 2] * w00 + data[i00 + 5] * w01 + data[i10 + 2] * w10 + data[i10 + 5] * w11 + 0.5;
        o += 3;
      }
      continue;
    }
    for (let x = 0; x < dstW; x++, sx += a, sy += d) {
      const cx = sx < 0 ? 0 : sx > maxX ? maxX : sx;
      const cy = sy < 0 ? 0 : sy > maxY ? maxY : sy;
      const x0 = cx | 0, y0 = cy | 0;
      const fx = cx - x0, fy = cy - y0;
      const i00 = y0 * stride + x0 * 3;
      const dx = x0 < maxX ? 3 : 0;
      const dy = y0 < maxY ? stride : 0;
      const w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
      out[o++] = data[i00] * w00 + data[i00 + dx] * w01 + data[i00 + dy] * w10 + data[i00 + dy + dx] * w11 + 0.5;
      out[o++] = data[i00 + 1] * w00 + data[i00 + dx + 1] * w01 + data[i00 + dy + 1] * w10 + data[i00 + dy + dx + 1] * w11 + 0.5;
      out[o++] = data[i00 + 2] * w00 + data[i00 + dx + 2] * w01 + data[i00 + dy + 2] * w10 + data[i00 + dy + dx + 2] * w11 + 0.5;
    }
  }
}

/**
 * Warps a synthesized crop back into frame pixels: for every frame pixel whose preimage falls in
 * the crop, bilinear-samples the crop's rgb (edge-replicated) and its soft mask `cropAlpha`
 * (finite values; 0 outside the crop). The patch covers the frame-space bounding box of the crop's non-zero alpha.
 * @param frameToCrop The map used to make the crop (frame pixel -> crop pixel).
 * @param alphaBox Inclusive crop-pixel box holding every non-zero alpha, when the caller knows it.
 * @returns null when the alpha is 0 everywhere inside the frame.
 */
export function warpCropToPatch(
  crop: Rgb24,
  cropAlpha: Float32Array,
  frameToCrop: Affine,
  frameW: number,
  frameH: number,
  alphaBox?: [number, number, number, number],
): Patch | null {
  const { width: cw, height: ch } = crop;
  // Bounding box [x0, y0, x1, y1] (inclusive) of non-zero alpha in the crop, unless given.
  let [ax0, ay0, ax1, ay1] = alphaBox ?? [cw, ch, -1, -1];
  if (!alphaBox)
    for (let y = 0; y < ch; y++)
      for (let x = 0; x < cw; x++)
        if (cropAlpha[y * cw + x] > 0) {
          if (x < ax0) ax0 = x;
          if (x > ax1) ax1 = x;
          if (y < ay0) ay0 = y;
          if (y > ay1) ay1 = y;
        }
  if (ax1 < ax0 || ay1 < ay0) return null;
  const cropToFrame = invertAffine(frameToCrop);
  const corners = [
    applyAffine(cropToFrame, ax0 - 1, ay0 - 1),
    applyAffine(cropToFrame, ax1 + 1, ay0 - 1),
    applyAffine(cropToFrame, ax0 - 1, ay1 + 1),
    applyAffine(cropToFrame, ax1 + 1, ay1 + 1),
  ];
  const x0 = Math.max(0, Math.floor(Math.min(...corners.map((p) => p[0]))));
  const y0 = Math.max(0, Math.floor(Math.min(...corners.map((p) => p[1]))));
  const x1 = Math.min(frameW, Math.ceil(Math.max(...corners.map((p) => p[0]))) + 1);
  const y1 = Math.min(frameH, Math.ceil(Math.max(...corners.map((p) => p[1]))) + 1);
  if (x1 <= x0 || y1 <= y0) return null;
  const w = x1 - x0, h = y1 - y0;
  const data = new Uint8Array(w * h * 3);
  const alpha = new Float32Array(w * h);
  const [a, b, c, d, e, f] = frameToCrop;
  const src = crop.data;
  let any = false;
  // Taps (i, j) in the order (0,0), (1,0), (0,1), (1,1); a tap adds nothing when its weight is 0
  // or it lies outside the crop (alpha 0 there, no rgb either).
  for (let y = 0; y < h; y++) {
    const fy = y + y0;
    for (let x = 0; x < w; x++) {
      const fx = x + x0;
      const sx = a * fx + b * fy + c;
      const sy = d * fx + e * fy + f;
      if (sx <= -1 || sy <= -1 || sx >= cw || sy >= ch) continue;
      const xf = Math.floor(sx), yf = Math.floor(sy);
      const tx = sx - xf, ty = sy - yf;
      const ux = 1 - tx, uy = 1 - ty;
      const inX0 = xf >= 0, inX1 = xf + 1 < cw, inY0 = yf >= 0, inY1 = yf + 1 < ch;
      const ci = yf * cw + xf;
      let al = 0, r = 0, g = 0, bl = 0, wsum = 0;
      if (inX0 && inX1 && inY0 && inY1) {
        // All four taps inside: a zero-weight tap adds +0 (finite alpha), so none is skipped.
        const w00 = ux * uy, w01 = tx * uy, w10 = ux * ty, w11 = tx * ty;
        const c2 = ci + cw;
        const k0 = ci * 3, k2 = c2 * 3;
        al = 0 + cropAlpha[ci] * w00 + cropAlpha[ci + 1] * w01 + cropAlpha[c2] * w10 + cropAlpha[c2 + 1] * w11;
        r = 0 + src[k0] * w00 + src[k0 + 3] * w01 + src[k2] * w10 + src[k2 + 3] * w11;
        g = 0 + src[k0 + 1] * w00 + src[k0 + 4] * w01 + src[k2 + 1] * w10 + src[k2 + 4] * w11;
        bl = 0 + src[k0 + 2] * w00 + src[k0 + 5] * w01 + src[k2 + 2] * w10 + src[k2 + 5] * w11;
        wsum = 0 + w00 + w01 + w10 + w11;
        if (al <= 0 || wsum <= 0) continue;
        const o = y * w + x;
        alpha[o] = Math.min(1, al);
        if (wsum === 1) {
          // v / 1 === v: skip the divisions (the weights of a full bilinear tap mostly sum to exactly 1).
          data[o * 3] = Math.round(r);
          data[o * 3 + 1] = Math.round(g);
          data[o * 3 + 2] = Math.round(bl);
        } else {
          data[o * 3] = Math.round(r / wsum);
          data[o * 3 + 1] = Math.round(g / wsum);
          data[o * 3 + 2] = Math.round(bl / wsum);
        }
        any = true;
        continue;
      }
      let wgt = ux * uy;
      if (wgt !== 0 && inX0 && inY0) {
        const k = ci * 3;
        al += cropAlpha[ci] * wgt;
        r += src[k] * wgt;
        g += src[k + 1] * wgt;
        bl += src[k + 2] * wgt;
        wsum += wgt;
      }
      wgt = tx * uy;
      if (wgt !== 0 && inX1 && inY0) {
        const k = (ci + 1) * 3;
        al += cropAlpha[ci + 1] * wgt;
        r += src[k] * wgt;
        g += src[k + 1] * wgt;
        bl += src[k + 2] * wgt;
        wsum += wgt;
      }
      wgt = ux * ty;
      if (wgt !== 0 && inX0 && inY1) {
        const k = (ci + cw) * 3;
        al += cropAlpha[ci + cw] * wgt;
        r += src[k] * wgt;
        g += src[k + 1] * wgt;
        bl += src[k + 2] * wgt;
        wsum += wgt;
      }
      wgt = tx * ty;
      if (wgt !== 0 && inX1 && inY1) {
        const k = (ci + cw + 1) * 3;
        al += cropAlpha[ci + cw + 1] * wgt;
        r += src[k] * wgt;
        g += src[k + 1] * wgt;
        bl += src[k + 2] * wgt;
        wsum += wgt;
      }
      if (al <= 0 || wsum <= 0) continue;
      const o = y * w + x;
      alpha[o] = Math.min(1, al);
      data[o * 3] = Math.round(r / wsum);
      data[o * 3 + 1] = Math.round(g / wsum);
      data[o * 3 + 2] = Math.round(bl / wsum);
      any = true;
    }
  }
  return any ? { x: x0, y: y0, width: w, height: h, data, alpha } : null;
}
