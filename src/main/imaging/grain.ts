/**
 * Grain management for warps ("degrain, work, regrain", the compositor's standard practice).
 *
 * Film grain and sensor noise belong to the frame, not to the face: when the lower face moves,
 * its grain must stay where it is. A warp that resamples a grainy frame moves the grain with the
 * skin and, worse, averages it away (Catmull-Rom at a half-pixel phase keeps about 40 % of white
 * noise's variance), so a dubbed lower face reads as a cleaner, softer patch in a grainy shot.
 *
 * Here a region of a frame is split into a clean plate and its grain: the grain is the residual of
 * a 3x3 median (which keeps step edges such as the lip line and the jaw in the clean plate),
 * limited to ±`GRAIN_CLAMP` robust standard deviations per channel (σ = 1.4826 · MAD of the
 * residual), so fine structure stronger than the noise stays in the plate and moves with it. The
 * split is exact: clean + grain = the input, in integers. The caller warps the clean plate and
 * adds the grain back at the destination pixels; where the warp is the identity the output is
 * the input, bit for bit. On clean (denoised, compressed) footage σ is tiny and so is the change.
 */
import type { Rect } from '../masks/types';
import { copyRgbRect } from './rgb-rect';

/** Residuals beyond this many robust standard deviations are structure, not grain. */
export const GRAIN_CLAMP = 2.5;

/**
 * Sources whose grain σ (`media/source-grain.ts`) is below this (8-bit levels) are clean: their
 * warps skip the split (on compressed clean footage half the residuals are exactly 0, σ = 0).
 */
export const GRAIN_SIGMA_MIN = 1;

/** The grain limit (8-bit levels, every channel) of a source with grain σ, or null for a clean source. */
export function grainLimit(sigma: number): number | null {
  return sigma >= GRAIN_SIGMA_MIN ? Math.floor(GRAIN_CLAMP * sigma) : null;
}

/** A region of a frame split into a clean plate and its grain. */
export interface GrainSplit {
  /** The region, in frame pixels. */
  rect: Rect;
  /** Clean plate, rgb24 (rect.h x rect.w x 3), placed at (rect.x, rect.y): a `FramePixels` crop. */
  clean: { width: number; height: number; data: Uint8Array; x0: number; y0: number };
  /** Grain, Int16Array(rect.w * rect.h * 3) in 8-bit levels: clean + grain = the input. */
  grain: Int16Array;
  /** Robust standard deviation of the median residual per channel (R, G, B), 8-bit levels. */
  sigma: [number, number, number];
}

/** Median of three numbers. */
function med3(a: number, b: number, c: number): number {
  return a > b ? (b > c ? b : a > c ? c : a) : a > c ? a : b > c ? c : b;
}

/**
 * Splits `rect` of a frame into a clean plate and its grain (see the module doc). The median
 * reads one pixel beyond the rectangle where the frame has it (edge pixels are repeated at the
 * frame's border), so a split of a sub-rectangle matches the split of a larger one inside it.
 * @param frame rgb24 HxWx3, whole (`x0`, `y0` absent) or a crop placed at `x0`, `y0`.
 * @param rect region in frame pixels; must lie inside the frame (crop).
 * @param clamp grain limit in robust standard deviations (default `GRAIN_CLAMP`; 0: no grain).
 * @param limit a fixed grain limit in 8-bit levels for every channel (e.g. the clip's, from
 *   `grainLimit`, so the split does not vary from frame to frame); `clamp` is then unused.
 * @throws RangeError when `rect` is not inside the frame.
 */
export function splitGrain(
  frame: { width: number; height: number; data: Uint8Array; x0?: number; y0?: number },
  rect: Rect,
  clamp = GRAIN_CLAMP,
  limit?: number,
): GrainSplit {
  const fx0 = frame.x0 ?? 0, fy0 = frame.y0 ?? 0;
  if (rect.w <= 0 || rect.h <= 0 || rect.x < fx0 || rect.y < fy0 || rect.x + rect.w > fx0 + frame.width || rect.y + rect.h > fy0 + frame.height) {
    throw new RangeError(`splitGrain: rectangle ${rect.w}x${rect.h} at ${rect.x},${rect.y} is outside the ${frame.width}x${frame.height} image at ${fx0},${fy0}`);
  }
  const { w, h } = rect;
  const input = copyRgbRect(frame, rect);
  const residual = new Int16Array(w * h * 3);
  const W = frame.width, H = frame.height, data = frame.data;
  // 3x3 median by sorted columns: with each column's three values sorted (lo <= mid <= hi), the
  // median of the 9 is med3(max of the los, med3 of the mids, min of the his) (Paeth 1990).
  const lo = new Int32Array(w + 2), mid = new Int32Array(w + 2), hi = new Int32Array(w + 2);
  const col = new Int32Array(w + 2);
  for (let j = 0; j < w + 2; j++) col[j] = Math.min(W - 1, Math.max(0, rect.x - fx0 + j - 1));
  for (let y = 0; y < h; y++) {
    const fy = rect.y - fy0 + y;
    const r0 = Math.max(0, fy - 1) * W, r1 = fy * W, r2 = Math.min(H - 1, fy + 1) * W;
    for (let c = 0; c < 3; c++) {
      for (let j = 0; j < w + 2; j++) {
        const a = data[(r0 + col[j]) * 3 + c], b = data[(r1 + col[j]) * 3 + c], d = data[(r2 + col[j]) * 3 + c];
        const mn = a < b ? a : b, mx = a < b ? b : a;
        lo[j] = mn < d ? mn : d;
        hi[j] = mx > d ? mx : d;
        mid[j] = d < mn ? mn : d > mx ? mx : d;
      }
      for (let x = 0; x < w; x++) {
        const l = Math.max(lo[x], lo[x + 1], lo[x + 2]);
        const m = med3(mid[x], mid[x + 1], mid[x + 2]);
        const u = Math.min(hi[x], hi[x + 1], hi[x + 2]);
        const i = (y * w + x) * 3 + c;
        residual[i] = input[i] - med3(l, m, u);
      }
    }
  }
  // Robust σ per channel: 1.4826 x the median absolute residual (exact, by histogram).
  const sigma: [number, number, number] = [0, 0, 0];
  const n = w * h;
  for (let c = 0; c < 3; c++) {
    const hist = new Uint32Array(256);
    for (let i = c; i < residual.length; i += 3) hist[Math.min(255, Math.abs(residual[i]))]++;
    let acc = 0, mad = 0;
    for (let v = 0; v < 256; v++) {
      acc += hist[v];
      if (acc * 2 >= n) {
        mad = v;
        break;
      }
    }
    sigma[c] = 1.4826 * mad;
  }
  // Whole levels, so clean + grain = input exactly and the clean plate stays within 0..255
  // (a residual is clamped towards 0, between the input and its median).
  const limits = limit === undefined ? (sigma.map((s) => Math.floor(clamp * s)) as [number, number, number]) : [limit, limit, limit];
  const grain = new Int16Array(residual.length);
  const clean = new Uint8Array(residual.length);
  for (let i = 0; i < residual.length; i++) {
    const l = limits[i % 3];
    const g = Math.max(-l, Math.min(l, residual[i]));
    grain[i] = g;
    clean[i] = input[i] - g;
  }
  return { rect: { ...rect }, clean: { width: w, height: h, data: clean, x0: rect.x, y0: rect.y }, grain, sigma };
}

/**
 * Adds grain back to pixels of a patch (in place), rounding and clamping to 0..255.
 * @param patch rgb24 patch data (ph x pw x 3) placed at (px, py) in frame pixels.
 * @param where Per-pixel selector over the patch (e.g. its alpha): grain is added where > 0.
 * @param split The grain split whose rectangle covers the patch pixels to regrain (others are skipped).
 */
export function addGrain(patch: { x: number; y: number; width: number; height: number; data: Uint8Array }, where: ArrayLike<number>, split: Pick<GrainSplit, 'rect' | 'grain'>): void {
  const { rect, grain } = split;
  for (let y = 0; y < patch.height; y++) {
    const gy = patch.y + y - rect.y;
    if (gy < 0 || gy >= rect.h) continue;
    for (let x = 0; x < patch.width; x++) {
      const i = y * patch.width + x;
      if (!(where[i] > 0)) continue;
      const gx = patch.x + x - rect.x;
      if (gx < 0 || gx >= rect.w) continue;
      const g = (gy * rect.w + gx) * 3;
      for (let c = 0; c < 3; c++) {
        const v = patch.data[i * 3 + c] + grain[g + c];
        patch.data[i * 3 + c] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
}
