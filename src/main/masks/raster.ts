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
  // Non-horizontal edges as (ay, by, ax, bx - ax, by - ay, dir), and the rows they can cross.
  let n = 0;
  for (const poly of polys) n += poly.length;
  const edges = new Float64Array(n * 6);
  let e = 0;
  let yMin = Infinity, yMax = -Infinity;
  for (const poly of polys) {
    for (let i = 0; i < poly.length; i++) {
      const [ax, ay] = poly[i];
      const [bx, by] = poly[(i + 1) % poly.length];
      if (ay === by) continue;
      edges[e++] = ay;
      edges[e++] = by;
      edges[e++] = ax;
      edges[e++] = bx - ax;
      edges[e++] = by - ay;
      edges[e++] = ay < by ? 1 : -1;
      yMin = Math.min(yMin, ay, by);
      yMax = Math.max(yMax, ay, by);
    }
  }
  if (e === 0) return out;
  const winding = new Int32Array(roi.w + 1);
  // Only the rows whose pixel centres can lie inside an edge's span.
  const row0 = Math.max(0, Math.floor(yMin - roi.y - 0.5));
  const row1 = Math.min(roi.h - 1, Math.ceil(yMax - roi.y - 0.5));
  for (let row = row0; row <= row1; row++) {
    const y = roi.y + row + 0.5;
    let any = false;
    let first = roi.w;
    // Each crossing toggles winding for pixel centres to its right.
    for (let k = 0; k < e; k += 6) {
      const ay = edges[k], by = edges[k + 1];
      const up = ay < by;
      if (up ? y < ay || y >= by : y < by || y >= ay) continue;
      const x = edges[k + 2] + ((y - ay) / edges[k + 4]) * edges[k + 3];
      const start = Math.ceil(x - roi.x - 0.5);
      if (start >= roi.w) continue;
      const s0 = Math.max(0, start);
      winding[s0] += edges[k + 5];
      if (s0 < first) first = s0;
      any = true;
    }
    if (!any) continue;
    let w = 0;
    const base = row * roi.w;
    for (let col = first; col < roi.w; col++) {
      w += winding[col];
      winding[col] = 0;
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
 * Soft polygon mask: rasterized (union of the polygons), then box-blurred with radius
 * `feather` / 2 pixels, `passes` times (see `boxBlur`).
 * @returns Float32Array(roi.w * roi.h) in [0, 1].
 */
export function softPolygonMask(polys: Polygon[], roi: Rect, feather: number, passes = 3): Float32Array {
  const hard = rasterizePolygons(polys, roi);
  const f = Float32Array.from(hard);
  return feather >= 1 ? boxBlur(f, roi.w, roi.h, feather / 2, passes) : f;
}

/**
 * Rasterizes the feathered union mask over its own box: 0 on the box edge rising smoothly
 * (smoothstep) to 1 at `feather` pixels inside (feather 0: 1 over the whole box); exactly 0
 * everywhere outside `mask.rect`.
 * @returns Float32Array(rect.w * rect.h), row-major over `mask.rect`.
 */
export function rasterizeUnionMask(mask: UnionMask): Float32Array {
  const { rect, feather } = mask;
  const out = new Float32Array(rect.w * rect.h);
  if (feather <= 0) return out.fill(1);
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
