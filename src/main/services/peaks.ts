/**
 * Waveform peaks for wavesurfer.js, computed on the main side so the renderer never decodes a
 * whole file: one [max, min] pair per bucket of `sampleRate / peaksPerSecond` samples.
 * @param samples mono float32 in [-1, 1].
 * @returns interleaved [max0, min0, max1, min1, ...] rounded to 4 decimals (compact JSON).
 */
export function computePeaks(samples: Float32Array, sampleRate: number, peaksPerSecond: number): number[] {
  const bucket = Math.max(1, Math.round(sampleRate / peaksPerSecond));
  const n = Math.ceil(samples.length / bucket);
  const out = new Array<number>(n * 2);
  for (let b = 0; b < n; b++) {
    let max = 0;
    let min = 0;
    const end = Math.min(samples.length, (b + 1) * bucket);
    for (let i = b * bucket; i < end; i++) {
      const v = samples[i];
      if (v > max) max = v;
      if (v < min) min = v;
    }
    out[b * 2] = Math.round(max * 1e4) / 1e4;
    out[b * 2 + 1] = Math.round(min * 1e4) / 1e4;
  }
  return out;
}
