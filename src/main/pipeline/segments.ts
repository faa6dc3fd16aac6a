/** Pure segment planning: seconds ranges to frame ranges and default dub segments from speech activity. */
import { secondsToFrame } from '../../shared/time';

/** A time range in seconds, [start, end). */
export interface SecondsRange {
  start: number;
  end: number;
}

/** A frame range [start, end). */
export interface FramesRange {
  start: number;
  end: number;
}

/**
 * Converts a seconds range to frames [ceil(start), ceil(end)) (`secondsToFrame` of shared/time.ts),
 * clamped to [0, frameCount].
 */
export function rangeToFrames(r: SecondsRange, fpsNum: number, fpsDen: number, frameCount: number): FramesRange {
  const start = Math.max(0, Math.min(frameCount, secondsToFrame(r.start, fpsNum, fpsDen)));
  const end = Math.max(start, Math.min(frameCount, secondsToFrame(r.end, fpsNum, fpsDen)));
  return { start, end };
}

/** Sorts and merges ranges that overlap or are closer than `gap` (same units as the ranges). */
export function mergeClose<T extends { start: number; end: number }>(ranges: T[], gap: number): Array<{ start: number; end: number }> {
  const s = [...ranges].filter((r) => r.end > r.start).sort((a, b) => a.start - b.start);
  const out: Array<{ start: number; end: number }> = [];
  for (const r of s) {
    const last = out[out.length - 1];
    if (last && r.start - last.end < gap) last.end = Math.max(last.end, r.end);
    else out.push({ start: r.start, end: r.end });
  }
  return out;
}

/**
 * Default video segments inside the dubbed range: everywhere the dub or the original has speech
 * (so the original actor's mouth never moves over dubbed silence and the dub is always lip-synced),
 * padded by `padSec`, merged across gaps shorter than `mergeGapSec`, clipped to `dubbed`.
 * @param dubSpeech,originalSpeech speech ranges (seconds) from VAD.
 * @returns ranges in seconds, sorted, non-overlapping.
 */
export function planSegments(
  dubbed: SecondsRange,
  dubSpeech: SecondsRange[],
  originalSpeech: SecondsRange[],
  opts: { padSec?: number; mergeGapSec?: number; minSec?: number } = {},
): SecondsRange[] {
  const pad = opts.padSec ?? 0.2;
  const gap = opts.mergeGapSec ?? 1.0;
  const min = opts.minSec ?? 0.2;
  const padded = [...dubSpeech, ...originalSpeech].map((r) => ({ start: r.start - pad, end: r.end + pad }));
  return mergeClose(padded, gap)
    .map((r) => ({ start: Math.max(dubbed.start, r.start), end: Math.min(dubbed.end, r.end) }))
    .filter((r) => r.end - r.start >= min);
}
