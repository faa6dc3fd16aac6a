/**
 * Places a track's peaks on the clip timeline: a track starting at `offsetSec` (negative = its
 * first seconds are before the clip) is shifted, and the result covers exactly `clipDuration`
 * seconds at `peaksPerSecond` (silence where the track has no audio).
 * @param peaks interleaved [max, min] pairs, `peaksPerSecond` pairs per second.
 */
export function placePeaks(peaks: number[], peaksPerSecond: number, offsetSec: number, clipDuration: number): number[] {
  const n = Math.max(1, Math.ceil(clipDuration * peaksPerSecond));
  const out = new Array<number>(n * 2).fill(0);
  const shift = Math.round(offsetSec * peaksPerSecond);
  const pairs = peaks.length / 2;
  for (let i = 0; i < n; i++) {
    const j = i - shift;
    if (j < 0 || j >= pairs) continue;
    out[i * 2] = peaks[j * 2];
    out[i * 2 + 1] = peaks[j * 2 + 1];
  }
  return out;
}
