import type { RgbFrame } from '../media/types';
import type { Patch } from '../engines/types';
import type { Rect } from '../masks/types';

/** The union mask rasterized over its box, as the compositor uses it. */
export interface UnionMaskRaster {
  rect: Rect;
  /** Float32Array(rect.w * rect.h) in [0, 1], exactly 0 on and beyond the box edge. */
  alpha: Float32Array;
}

/**
 * Blends an engine patch into a frame in place: a = patch.alpha x union x (1 - occlusion), out =
 * round(orig (1 - a) + patch a). Pixels where a = 0 (outside the union mask, under the occlusion
 * mask, or outside the patch) are not written, so they stay the original's bit for bit.
 * @param frame rgb24 frame (whole, or a crop placed at `x0`, `y0`), modified in place; patch and
 *   union coordinates are full-frame pixels.
 * @param occlusion Uint8Array(union.rect.w * union.rect.h), 1 = occluder (kept); null for none.
 * @param changed optional Uint8Array(frame.width * frame.height) over the frame (or crop): set to
 *   255 where a pixel's value changed (exports lay only those pixels over the original).
 * @returns number of pixels changed.
 */
export function compositePatch(
  frame: RgbFrame,
  patch: Patch,
  union: UnionMaskRaster,
  occlusion: Uint8Array | null,
  changed?: Uint8Array,
): number {
  const r = union.rect;
  const ox = frame.x0 ?? 0;
  const oy = frame.y0 ?? 0;
  const x0 = Math.max(r.x, patch.x, ox);
  const y0 = Math.max(r.y, patch.y, oy);
  const x1 = Math.min(r.x + r.w, patch.x + patch.width, ox + frame.width);
  const y1 = Math.min(r.y + r.h, patch.y + patch.height, oy + frame.height);
  const fd = frame.data;
  const pd = patch.data;
  const pa = patch.alpha;
  const ua = union.alpha;
  let count = 0;
  for (let y = y0; y < y1; y++) {
    const uRow = (y - r.y) * r.w - r.x;
    const pRow = (y - patch.y) * patch.width - patch.x;
    const fRow = (y - oy) * frame.width - ox;
    for (let x = x0; x < x1; x++) {
      const ui = uRow + x;
      const u = ua[ui];
      if (u <= 0 || (occlusion !== null && occlusion[ui])) continue;
      const pi = pRow + x;
      const a = pa[pi] * u;
      if (a <= 0) continue;
      const fi = (fRow + x) * 3;
      const po = pi * 3;
      const o0 = fd[fi], o1 = fd[fi + 1], o2 = fd[fi + 2];
      fd[fi] = o0 + (pd[po] - o0) * a + 0.5;
      fd[fi + 1] = o1 + (pd[po + 1] - o1) * a + 0.5;
      fd[fi + 2] = o2 + (pd[po + 2] - o2) * a + 0.5;
      if (changed && (fd[fi] !== o0 || fd[fi + 1] !== o1 || fd[fi + 2] !== o2)) changed[fi / 3] = 255;
      count++;
    }
  }
  return count;
}

/**
 * Interleaves an rgb24 frame and a per-pixel alpha into rgba (HxWx4), the Ut Video gbrap render
 * format: alpha 255 where the render changed the pixel, 0 where it is the original's.
 */
export function withAlpha(rgb: Uint8Array, alpha: Uint8Array, out: Uint8Array = new Uint8Array(alpha.length * 4)): Uint8Array {
  for (let i = 0, j = 0, k = 0; i < alpha.length; i++, j += 3, k += 4) {
    out[k] = rgb[j];
    out[k + 1] = rgb[j + 1];
    out[k + 2] = rgb[j + 2];
    out[k + 3] = alpha[i];
  }
  return out;
}
