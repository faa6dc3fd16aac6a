/**
 * Temporal windows for video denoisers (16-frame windows in StableDub / LatentSync) with overlap
 * and cross-fade so window boundaries do not show.
 */

/** A window of frames [start, start + length) in segment-relative frame indices. */
export interface TemporalWindow {
  start: number;
  length: number;
}

/**
 * Covers n frames with windows of `window` frames overlapping by at least `overlap`, spread
 * evenly so the last window ends exactly at n (no short tail window). n <= window gives a single
 * window of n frames.
 * @throws RangeError when overlap >= window or sizes are not positive.
 */
export function planWindows(n: number, window: number, overlap: number): TemporalWindow[] {
  if (window < 1 || overlap < 0 || overlap >= window) throw new RangeError(`planWindows: need 0 <= overlap (${overlap}) < window (${window})`);
  if (n <= 0) return [];
  if (n <= window) return [{ start: 0, length: n }];
  const stride = window - overlap;
  const count = Math.ceil((n - overlap) / stride);
  const span = n - window;
  return Array.from({ length: count }, (_, i) => ({ start: count === 1 ? 0 : Math.round((i * span) / (count - 1)), length: window }));
}

/**
 * Cross-fade weight of each frame of each window: ramps up across the frames shared with the
 * previous window and down across the frames shared with the next, raised-cosine
 * sin²(π/2 · (j + 1) / (overlap + 1)) at the j-th shared frame (1 elsewhere), so a window's edge
 * frames, which see the least temporal context, count least. Two overlapping ramps sum to 1;
 * weights are normalized so that for every frame the windows covering it sum to 1.
 * @returns One Float32Array(window.length) per window.
 */
export function crossFadeWeights(windows: TemporalWindow[]): Float32Array[] {
  const raw = windows.map((w, k) => {
    const prevEnd = k > 0 ? windows[k - 1].start + windows[k - 1].length : w.start;
    const nextStart = k + 1 < windows.length ? windows[k + 1].start : w.start + w.length;
    const rampIn = Math.max(0, prevEnd - w.start);
    const rampOut = Math.max(0, w.start + w.length - nextStart);
    const out = new Float32Array(w.length);
    for (let j = 0; j < w.length; j++) {
      const up = j < rampIn ? (j + 1) / (rampIn + 1) : 1;
      const down = j >= w.length - rampOut ? (w.length - j) / (rampOut + 1) : 1;
      out[j] = Math.sin((Math.PI / 2) * Math.min(up, down)) ** 2;
    }
    return out;
  });
  const n = windows.reduce((m, w) => Math.max(m, w.start + w.length), 0);
  const sum = new Float64Array(n);
  windows.forEach((w, k) => raw[k].forEach((v, j) => (sum[w.start + j] += v)));
  return raw.map((r, k) => r.map((v, j) => v / sum[windows[k].start + j]));
}

/** Index of the last window that covers frame f (f is final once that window is done). */
export function lastWindowCovering(windows: TemporalWindow[], f: number): number {
  for (let k = windows.length - 1; k >= 0; k--) if (f >= windows[k].start && f < windows[k].start + windows[k].length) return k;
  return -1;
}
