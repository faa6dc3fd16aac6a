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
 * @returns number of pixels changed.
 */
export function compositePatch(
  frame: RgbFrame,
  patch: Patch,
  union: UnionMaskRaster,
  occlusion: Uint8Array | null,
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
  let changed = 0;
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
      changed++;
    }
  }
  return changed;
}
