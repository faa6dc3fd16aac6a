import type { Rect } from '../masks/types';

/** A packed rgb24 image: `data.length === width * height * 3`, row-major HxWx3. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Result of a warp into a region of interest of the destination. */
export interface WarpResult {
  roi: Rect;
  /** rgb24 over `roi`, HxWx3. */
  data: Uint8Array;
  /** 1 where a triangle covered the pixel (and the source sample was inside the source image). */
  coverage: Uint8Array;
  /** The source alpha warped the same way (0 where not covered); present when `srcAlpha` was given. */
  alpha?: Float32Array;
}

/** Resampling filter of a warp: bilinear, or Catmull-Rom bicubic (Keys 1981, a = -0.5). */
export type WarpFilter = 'bilinear' | 'bicubic';

/** Catmull-Rom weights of the taps at offsets -1, 0, 1, 2 for a fraction t in [0, 1). */
function cubicWeights(t: number, w: Float64Array): void {
  const t2 = t * t;
  const t3 = t2 * t;
  w[0] = 0.5 * (-t3 + 2 * t2 - t);
  w[1] = 0.5 * (3 * t3 - 5 * t2 + 2);
  w[2] = 0.5 * (-3 * t3 + 4 * t2 + t);
  w[3] = 0.5 * (t3 - t2);
}

/**
 * Piecewise-affine warp: each triangle (src -> dst) is mapped by the affine transform its three
 * vertices define; destination pixel centres are sampled from the source bilinearly, or with
 * Catmull-Rom bicubic (`filter: 'bicubic'`: sharper, exact at whole-pixel positions, so pixels the
 * warp does not move are copied bit for bit; taps beyond the image edge are clamped).
 * @param src source image (rgb24).
 * @param srcPts Float32Array(n * 2) source vertex positions, pixels.
 * @param dstPts Float32Array(n * 2) destination vertex positions, pixels.
 * @param triangles Uint32Array(k * 3) vertex indices.
 * @param roi integer destination rectangle to fill.
 * @param srcAlpha optional alpha (src.width * src.height; Float32Array in [0, 1] or Uint8Array in
 *   [0, 255], read as /255) warped alongside the colours into a Float32Array in [0, 1]
 *   (always bilinearly).
 * @param filter colour resampling: 'bilinear' (default) or 'bicubic' (Catmull-Rom).
 */
export function warpTriangles(
  src: RgbImage,
  srcPts: Float32Array,
  dstPts: Float32Array,
  triangles: Uint32Array,
  roi: Rect,
  srcAlpha?: Float32Array | Uint8Array,
  filter: WarpFilter = 'bilinear',
): WarpResult {
  const cubic = filter === 'bicubic';
  const wx = new Float64Array(4);
  const wy = new Float64Array(4);
  const xi = new Int32Array(4);
  const yi = new Int32Array(4);
  const out = new Uint8Array(roi.w * roi.h * 3);
  const cov = new Uint8Array(roi.w * roi.h);
  const alpha = srcAlpha ? new Float32Array(roi.w * roi.h) : undefined;
  const alphaScale = srcAlpha instanceof Uint8Array ? 1 / 255 : 1;
  const sw = src.width;
  const sh = src.height;
  const sd = src.data;
  const rx1 = roi.x + roi.w - 1;
  const ry1 = roi.y + roi.h - 1;
  for (let t = 0; t < triangles.length; t += 3) {
    const i0 = triangles[t] * 2;
    const i1 = triangles[t + 1] * 2;
    const i2 = triangles[t + 2] * 2;
    const x0 = dstPts[i0], y0 = dstPts[i0 + 1];
    const x1 = dstPts[i1], y1 = dstPts[i1 + 1];
    const x2 = dstPts[i2], y2 = dstPts[i2 + 1];
    const det = (y1 - y2) * (x0 - x2) + (x2 - x1) * (y0 - y2);
    if (Math.abs(det) < 1e-9) continue;
    const u0 = srcPts[i0], v0 = srcPts[i0 + 1];
    const u1 = srcPts[i1], v1 = srcPts[i1 + 1];
    const u2 = srcPts[i2], v2 = srcPts[i2 + 1];
    // Barycentrics are affine in (x, y): l0 = a0 x + b0 y + c0, l1 likewise, l2 = 1 - l0 - l1;
    // the source position is affine too: sx = ax x + bx y + cx, sy = ay x + by y + cy.
    const a0 = (y1 - y2) / det, b0 = (x2 - x1) / det, c0 = -(a0 * x2 + b0 * y2);
    const a1 = (y2 - y0) / det, b1 = (x0 - x2) / det, c1 = -(a1 * x2 + b1 * y2);
    const ax = a0 * (u0 - u2) + a1 * (u1 - u2), bx = b0 * (u0 - u2) + b1 * (u1 - u2), cx = c0 * (u0 - u2) + c1 * (u1 - u2) + u2 - 0.5;
    const ay = a0 * (v0 - v2) + a1 * (v1 - v2), by = b0 * (v0 - v2) + b1 * (v1 - v2), cy = c0 * (v0 - v2) + c1 * (v1 - v2) + v2 - 0.5;
    const bx0 = Math.max(roi.x, Math.floor(Math.min(x0, x1, x2)));
    const bx1 = Math.min(rx1, Math.ceil(Math.max(x0, x1, x2)));
    const by0 = Math.max(roi.y, Math.floor(Math.min(y0, y1, y2)));
    const by1 = Math.min(ry1, Math.ceil(Math.max(y0, y1, y2)));
    const eps = -1e-6;
    const a2 = -a0 - a1;
    for (let py = by0; py <= by1; py++) {
      const cyp = py + 0.5;
      // The row's span inside the triangle: each barycentric is affine in x, so l >= eps bounds
      // x from one side; the bounds are widened by a pixel and the exact test stays per pixel.
      let lo = bx0, hi = bx1;
      const xc = bx0 + 0.5;
      const L0 = a0 * xc + b0 * cyp + c0;
      const L1 = a1 * xc + b1 * cyp + c1;
      const L2 = 1 - L0 - L1;
      for (let e = 0; e < 3; e++) {
        const L = e === 0 ? L0 : e === 1 ? L1 : L2;
        const a = e === 0 ? a0 : e === 1 ? a1 : a2;
        if (a > 1e-12) lo = Math.max(lo, bx0 + Math.floor((eps - L) / a) - 1);
        else if (a < -1e-12) hi = Math.min(hi, bx0 + Math.ceil((eps - L) / a) + 1);
        else if (L < eps - 1e-9) lo = hi + 1;
      }
      if (lo > hi) continue;
      const rowBase = (py - roi.y) * roi.w - roi.x;
      const xs = lo + 0.5;
      let l0 = a0 * xs + b0 * cyp + c0;
      let l1 = a1 * xs + b1 * cyp + c1;
      let sx = ax * xs + bx * cyp + cx;
      let sy = ay * xs + by * cyp + cy;
      for (let px = lo; px <= hi; px++, l0 += a0, l1 += a1, sx += ax, sy += ay) {
        if (l0 < eps || l1 < eps || 1 - l0 - l1 < eps) continue;
        const o = rowBase + px;
        if (cov[o]) continue;
        if (sx < 0 || sy < 0 || sx > sw - 1 || sy > sh - 1) continue;
        let ix = sx | 0;
        let iy = sy | 0;
        if (ix > sw - 2) ix = sw - 2;
        if (iy > sh - 2) iy = sh - 2;
        const oo = o * 3;
        const fx = sx - ix;
        const fy = sy - iy;
        if (cubic && !alpha && (fx < 1e-4 || fx > 0.9999) && (fy < 1e-4 || fy > 0.9999)) {
          // A whole-pixel position (where the warp does not move the picture): the pixel itself,
          // as the bicubic weights would give it, without the 16 taps.
          const qx = fx > 0.5 ? Math.min(sw - 1, ix + 1) : ix;
          const qy = fy > 0.5 ? Math.min(sh - 1, iy + 1) : iy;
          const si = (qy * sw + qx) * 3;
          out[oo] = sd[si];
          out[oo + 1] = sd[si + 1];
          out[oo + 2] = sd[si + 2];
          cov[o] = 1;
          continue;
        }
        if (cubic && ix >= 1 && iy >= 1 && ix <= sw - 3 && iy <= sh - 3) {
          // Interior: the 4x4 taps without clamping, weights inline (Catmull-Rom).
          const tx2 = fx * fx, tx3 = tx2 * fx, ty2 = fy * fy, ty3 = ty2 * fy;
          const x0w = 0.5 * (-tx3 + 2 * tx2 - fx), x1w = 0.5 * (3 * tx3 - 5 * tx2 + 2), x2w = 0.5 * (-3 * tx3 + 4 * tx2 + fx), x3w = 0.5 * (tx3 - tx2);
          const y0w = 0.5 * (-ty3 + 2 * ty2 - fy), y1w = 0.5 * (3 * ty3 - 5 * ty2 + 2), y2w = 0.5 * (-3 * ty3 + 4 * ty2 + fy), y3w = 0.5 * (ty3 - ty2);
          const stride = sw * 3;
          const r0 = ((iy - 1) * sw + ix - 1) * 3;
          for (let ch = 0; ch < 3; ch++) {
            let q = r0 + ch;
            const a0v = x0w * sd[q] + x1w * sd[q + 3] + x2w * sd[q + 6] + x3w * sd[q + 9];
            q += stride;
            const a1v = x0w * sd[q] + x1w * sd[q + 3] + x2w * sd[q + 6] + x3w * sd[q + 9];
            q += stride;
            const a2v = x0w * sd[q] + x1w * sd[q + 3] + x2w * sd[q + 6] + x3w * sd[q + 9];
            q += stride;
            const a3v = x0w * sd[q] + x1w * sd[q + 3] + x2w * sd[q + 6] + x3w * sd[q + 9];
            const acc = y0w * a0v + y1w * a1v + y2w * a2v + y3w * a3v;
            out[oo + ch] = acc < 0 ? 0 : acc > 255 ? 255 : acc + 0.5;
          }
          cov[o] = 1;
          continue;
        }
        if (cubic) {
          cubicWeights(fx, wx);
          cubicWeights(fy, wy);
          for (let k = 0; k < 4; k++) {
            const xx = ix - 1 + k, yy = iy - 1 + k;
            xi[k] = (xx < 0 ? 0 : xx >= sw ? sw - 1 : xx) * 3;
            yi[k] = (yy < 0 ? 0 : yy >= sh ? sh - 1 : yy) * sw * 3;
          }
          for (let ch = 0; ch < 3; ch++) {
            let acc = 0;
            for (let j = 0; j < 4; j++) {
              const row = yi[j] + ch;
              acc += wy[j] * (wx[0] * sd[row + xi[0]] + wx[1] * sd[row + xi[1]] + wx[2] * sd[row + xi[2]] + wx[3] * sd[row + xi[3]]);
            }
            out[oo + ch] = acc < 0 ? 0 : acc > 255 ? 255 : acc + 0.5;
          }
          if (alpha) {
            const ai = iy * sw + ix;
            const w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
            alpha[o] = (srcAlpha![ai] * w00 + srcAlpha![ai + 1] * w01 + srcAlpha![ai + sw] * w10 + srcAlpha![ai + sw + 1] * w11) * alphaScale;
          }
          cov[o] = 1;
          continue;
        }
        const a = (iy * sw + ix) * 3;
        const b = a + 3;
        const c = a + sw * 3;
        const d = c + 3;
        const w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
        out[oo] = sd[a] * w00 + sd[b] * w01 + sd[c] * w10 + sd[d] * w11 + 0.5;
        out[oo + 1] = sd[a + 1] * w00 + sd[b + 1] * w01 + sd[c + 1] * w10 + sd[d + 1] * w11 + 0.5;
        out[oo + 2] = sd[a + 2] * w00 + sd[b + 2] * w01 + sd[c + 2] * w10 + sd[d + 2] * w11 + 0.5;
        if (alpha) {
          const ai = iy * sw + ix;
          alpha[o] = (srcAlpha![ai] * w00 + srcAlpha![ai + 1] * w01 + srcAlpha![ai + sw] * w10 + srcAlpha![ai + sw + 1] * w11) * alphaScale;
        }
        cov[o] = 1;
      }
    }
  }
  return { roi, data: out, coverage: cov, alpha };
}
