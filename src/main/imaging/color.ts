/**
 * Colour transfer by per-channel mean and standard deviation (Reinhard et al. 2001, in RGB):
 * x' = (x - mu_src) * clamp(sd_dst / sd_src) + mu_dst over the pixels where `weight` > 0.5.
 * Used to match the warped reference mouth to the lighting of the target frame.
 */
export interface ChannelStats {
  mean: [number, number, number];
  std: [number, number, number];
  count: number;
}

/**
 * Mean and standard deviation per channel of an rgb24 buffer over pixels selected by `select`.
 * @param data rgb24 HxWx3; `select` Uint8Array/Float32Array(H*W), pixel used when > 0.5.
 */
export function channelStats(data: Uint8Array, select: ArrayLike<number>): ChannelStats {
  let s0 = 0, s1 = 0, s2r = 0, q0 = 0, q1 = 0, q2 = 0;
  let n = 0;
  for (let i = 0; i < select.length; i++) {
    if (select[i] <= 0.5) continue;
    n++;
    const p = i * 3;
    const r = data[p], g = data[p + 1], b = data[p + 2];
    s0 += r; s1 += g; s2r += b;
    q0 += r * r; q1 += g * g; q2 += b * b;
  }
  const s = [s0, s1, s2r];
  const s2 = [q0, q1, q2];
  const mean = s.map((v) => (n ? v / n : 0)) as [number, number, number];
  const std = s2.map((v, c) => (n ? Math.sqrt(Math.max(0, v / n - mean[c] * mean[c])) : 0)) as [number, number, number];
  return { mean, std, count: n };
}

/**
 * Applies the transfer from `from` stats to `to` stats to every pixel of `data` in place.
 * The gain sd_to/sd_from is clamped to [minGain, maxGain] so a flat region cannot blow up.
 */
export function transferColour(
  data: Uint8Array,
  from: ChannelStats,
  to: ChannelStats,
  minGain = 0.8,
  maxGain = 1.25,
): void {
  if (from.count === 0 || to.count === 0) return;
  const gain = [0, 1, 2].map((c) => {
    const g = from.std[c] > 1e-3 ? to.std[c] / from.std[c] : 1;
    return Math.min(maxGain, Math.max(minGain, g));
  });
  // One lookup table per channel (inputs are 8-bit): the same values as computing every pixel.
  const lut = new Uint8Array(768);
  for (let c = 0; c < 3; c++) {
    for (let x = 0; x < 256; x++) {
      const v = (x - from.mean[c]) * gain[c] + to.mean[c];
      lut[c * 256 + x] = v < 0 ? 0 : v > 255 ? 255 : v + 0.5;
    }
  }
  for (let i = 0; i < data.length; i += 3) {
    data[i] = lut[data[i]];
    data[i + 1] = lut[256 + data[i + 1]];
    data[i + 2] = lut[512 + data[i + 2]];
  }
}
