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

/**
 * Piecewise-affine warp: each triangle (src -> dst) is mapped by the affine transform its three
 * vertices define; destination pixel centres are sampled bilinearly from the source.
 * @param src source image (rgb24).
 * @param srcPts Float32Array(n * 2) source vertex positions, pixels.
 * @param dstPts Float32Array(n * 2) destination vertex positions, pixels.
 * @param triangles Uint32Array(k * 3) vertex indices.
 * @param roi integer destination rectangle to fill.
 * @param srcAlpha optional alpha (src.width * src.height; Float32Array in [0, 1] or Uint8Array in
 *   [0, 255], read as /255) warped alongside the colours into a Float32Array in [0, 1].
 */
export function warpTriangles(
  src: RgbImage,
  srcPts: Float32Array,
  dstPts: Float32Array,
  triangles: Uint32Array,
  roi: Rect,
  srcAlpha?: Float32Array | Uint8Array,
): WarpResult {
  const out = new Uint8Array(roi.w * roi.h * 3);
  const cov = new Uint8Array(roi.w * roi.h);
  const alpha = srcAlpha ? new Float32Array(roi.w * roi.h) : undefined;
  const alphaScale = srcAlpha instanceof Uint8Array ? 1 / 255 : 1;
  const sw = src.width;
  const sh = src.height;
  const sd = src.data;
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
    const bx0 = Math.max(roi.x, Math.floor(Math.min(x0, x1, x2)));
    const bx1 = Math.min(roi.x + roi.w - 1, Math.ceil(Math.max(x0, x1, x2)));
    const by0 = Math.max(roi.y, Math.floor(Math.min(y0, y1, y2)));
    const by1 = Math.min(roi.y + roi.h - 1, Math.ceil(Math.max(y0, y1, y2)));
    const eps = -1e-6;
    for (let py = by0; py <= by1; py++) {
      const cy = py + 0.5;
      for (let px = bx0; px <= bx1; px++) {
        const o = (py - roi.y) * roi.w + (px - roi.x);
        if (cov[o]) continue;
        const cx = px + 0.5;
        const l0 = ((y1 - y2) * (cx - x2) + (x2 - x1) * (cy - y2)) / det;
        const l1 = ((y2 - y0) * (cx - x2) + (x0 - x2) * (cy - y2)) / det;
        const l2 = 1 - l0 - l1;
        if (l0 < eps || l1 < eps || l2 < eps) continue;
        const sx = l0 * u0 + l1 * u1 + l2 * u2 - 0.5;
        const sy = l0 * v0 + l1 * v1 + l2 * v2 - 0.5;
        if (sx < 0 || sy < 0 || sx > sw - 1 || sy > sh - 1) continue;
        const ix = Math.min(sw - 2, Math.floor(sx));
        const iy = Math.min(sh - 2, Math.floor(sy));
        const fx = sx - ix;
        const fy = sy - iy;
        const a = (iy * sw + ix) * 3;
        const b = a + 3;
        const c = a + sw * 3;
        const d = c + 3;
        const w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
        const oo = o * 3;
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
