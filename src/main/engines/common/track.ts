/**
 * Track helpers shared by the engines.
 */
import type { TrackSample } from '../../tracking/types';

/** Nearest non-null sample for every frame of [start, end), or null when none has a face. */
export function fillSamples(frames: (TrackSample | null)[], start: number, end: number): { samples: TrackSample[]; hasFace: boolean[] } | null {
  const n = end - start;
  const hasFace = Array.from({ length: n }, (_, i) => !!frames[start + i]);
  if (!hasFace.some(Boolean)) return null;
  const samples: TrackSample[] = new Array(n);
  let last: TrackSample | null = null;
  for (let i = 0; i < n; i++) {
    last = frames[start + i] ?? last;
    if (last) samples[i] = last;
  }
  let next: TrackSample | null = null;
  for (let i = n - 1; i >= 0; i--) {
    if (frames[start + i]) next = frames[start + i];
    if (!samples[i] && next) samples[i] = next;
  }
  return { samples, hasFace };
}
