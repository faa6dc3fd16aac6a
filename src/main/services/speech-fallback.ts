/**
 * Energy-based speech activity, used only where the Silero VAD of src/main/audio is not
 * available (the fake pipeline, or before that module is installed). Frames of 30 ms whose log
 * RMS is within 25 dB of the loud end of the signal and above an absolute floor count as speech;
 * gaps under 0.25 s are bridged and ranges under 0.15 s dropped.
 * @param samples 16 kHz mono float32.
 * @returns speech ranges in seconds.
 */
export function detectSpeechEnergy(samples: Float32Array, sampleRate = 16_000): Array<{ start: number; end: number }> {
  const hop = Math.round(sampleRate * 0.03);
  const n = Math.floor(samples.length / hop);
  if (n === 0) return [];
  const db = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let e = 0;
    for (let k = i * hop; k < (i + 1) * hop; k++) e += samples[k] * samples[k];
    db[i] = 10 * Math.log10(e / hop + 1e-10);
  }
  const sorted = Float32Array.from(db).sort();
  const loud = sorted[Math.floor(sorted.length * 0.95)];
  const threshold = Math.max(loud - 25, -55);
  const ranges: Array<{ start: number; end: number }> = [];
  let start = -1;
  for (let i = 0; i <= n; i++) {
    const on = i < n && db[i] > threshold;
    if (on && start < 0) start = i;
    if (!on && start >= 0) {
      ranges.push({ start: (start * hop) / sampleRate, end: (i * hop) / sampleRate });
      start = -1;
    }
  }
  const merged: Array<{ start: number; end: number }> = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r.start - last.end < 0.25) last.end = r.end;
    else merged.push({ ...r });
  }
  return merged.filter((r) => r.end - r.start >= 0.15);
}
