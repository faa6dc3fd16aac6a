import type { Polygon, Rect } from './types';
import type { UnionMask } from './geometry';

/**
 * Rasterizes polygons into a region of interest with the non-zero winding rule, sampling at
 * pixel centres (x + 0.5, y + 0.5).
 * @param polys polygons in image pixels.
 * @param roi integer rectangle of the image to rasterize (output covers exactly this box).
 * @returns Uint8Array(roi.w * roi.h), row-major, 1 inside, 0 outside.
 */
export function rasterizePolygons(polys: Polygon[], roi: Rect): Uint8Array {
  const out = new Uint8Array(roi.w * roi.h);
  const winding = new Int32Array(roi.w);
  const xs: Array<{ x: number; dir: number }> = [];
  for (let row = 0; row < roi.h; row++) {
    const y = roi.y + row + 0.5;
    xs.length = 0;
    for (const poly of polys) {
      const n = poly.length;
      for (let i = 0; i < n; i++) {
        const [ax, ay] = poly[i];
        const [bx, by] = poly[(i + 1) % n];
        if (ay === by) continue;
        const up = ay < by;
        const y0 = up ? ay : by;
        const y1 = up ? by : ay;
        if (y < y0 || y >= y1) continue;
        const t = (y - ay) / (by - ay);
        xs.push({ x: ax + t * (bx - ax), dir: up ? 1 : -1 });
      }
    }
    if (xs.length === 0) continue;
    winding.fill(0);
    // Each crossing toggles winding for pixel centres to its right.
    for (const c of xs) {
      const start = Math.ceil(c.x - roi.x - 0.5);
      if (start >= roi.w) continue;
      winding[Math.max(0, start)] += c.dir;
    }
    let w = 0;
    const base = row * roi.w;
    for (let col = 0; col < roi.w; col++) {
      w += winding[col];
      if (w !== 0) out[base + col] = 1;
    }
  }
  return out;
}

/**
 * Separable box blur of a single-channel float image, repeated `passes` times (3 passes
 * approximate a Gaussian with sigma ~ radius * 0.9). Edges are clamped.
 * @param data Float32Array(w*h), row-major; not modified.
 * @returns a new Float32Array(w*h).
 */
export function boxBlur(data: Float32Array, w: number, h: number, radius: number, passes = 3): Float32Array {
  let src = Float32Array.from(data);
  if (radius < 1) return src;
  const r = Math.round(radius);
  let dst = new Float32Array(w * h);
  const norm = 1 / (2 * r + 1);
  for (let p = 0; p < passes; p++) {
    // Horizontal.
    for (let y = 0; y < h; y++) {
      const base = y * w;
      let acc = 0;
      for (let k = -r; k <= r; k++) acc += src[base + Math.min(w - 1, Math.max(0, k))];
      for (let x = 0; x < w; x++) {
        dst[base + x] = acc * norm;
        acc += src[base + Math.min(w - 1, x + r + 1)] - src[base + Math.max(0, x - r)];
      }
    }
    [src, dst] = [dst, src];
    // Vertical.
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let k = -r; k <= r; k++) acc += src[Math.min(h - 1, Math.max(0, k)) * w + x];
      for (let y = 0; y < h; y++) {
        dst[y * w + x] = acc * norm;
        acc += src[Math.min(h - 1, y + r + 1) * w + x] - src[Math.max(0, y - r) * w + x];
      }
    }
    [src, dst] = [dst, src];
  }
  return src;
}

/**
 * Soft polygon mask: rasterized, then blurred by `feather` pixels.
 * @returns Float32Array(roi.w * roi.h) in [0, 1].
 */
export function softPolygonMask(polys: Polygon[], roi: Rect, feather: number): Float32Array {
  const hard = rasterizePolygons(polys, roi);
  const f = Float32Array.from(hard);
  return feather >= 1 ? boxBlur(f, roi.w, roi.h, feather / 2) : f;
}

/**
 * Rasterizes the feathered union mask over its own box: 0 on the box edge rising smoothly
 * (smoothstep) to 1 at `feather` pixels inside; exactly 0 everywhere outside `mask.rect`.
 * @returns Float32Array(rect.w * rect.h), row-major over `mask.rect`.
 */
export function rasterizeUnionMask(mask: UnionMask): Float32Array {
  const { rect, feather } = mask;
  const out = new Float32Array(rect.w * rect.h);
  for (let y = 0; y < rect.h; y++) {
    const dy = Math.min(y + 0.5, rect.h - y - 0.5);
    for (let x = 0; x < rect.w; x++) {
      const dx = Math.min(x + 0.5, rect.w - x - 0.5);
      const t = Math.min(1, Math.min(dx, dy) / feather);
      out[y * rect.w + x] = t * t * (3 - 2 * t);
    }
  }
  return out;
}
