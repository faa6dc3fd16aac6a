import type { FrameRange } from '../types';

/** Per-frame facts about the original footage used to suggest a lip-habit reference. */
export interface ReferenceFrameFacts {
  /** The chosen face track has a detected (not interpolated) face on this frame. */
  face: boolean;
  /** Speech in the original audio around this frame (VAD). */
  speech: boolean;
  /** Face roughly frontal (small yaw). */
  frontal: boolean;
  /** An occlusion mask covers part of the face on this frame. */
  occluded: boolean;
}

/** A suggested lip-habit reference with the reasons it was chosen (shown to the user). */
export interface ReferenceSuggestion extends FrameRange {
  reason: string;
  /** Fraction of frames in the range that are good (face, speech, frontal, unoccluded). */
  quality: number;
}

/**
 * Suggests lip-habit reference ranges (StableDub III-B uses another segment of the same speaker):
 * runs of frames with a tracked, frontal, unoccluded face and speech in the original audio,
 * outside the dubbed ranges, at least `minFrames` long (runs may bridge gaps of up to
 * `bridgeFrames` bad frames), longest first, each capped at `maxFrames`.
 * @param facts one entry per clip frame.
 * @param dubbed dubbed ranges [start, end) in frames (excluded from candidates).
 */
export function suggestReferences(
  facts: ReferenceFrameFacts[],
  dubbed: FrameRange[],
  opts: { minFrames: number; maxFrames: number; bridgeFrames?: number; count?: number },
): ReferenceSuggestion[] {
  const n = facts.length;
  const inDub = new Uint8Array(n);
  for (const r of dubbed) for (let i = Math.max(0, r.start); i < Math.min(n, r.end); i++) inDub[i] = 1;
  const good = facts.map((f, i) => !inDub[i] && f.face && f.speech && f.frontal && !f.occluded);
  const usable = facts.map((f, i) => !inDub[i] && f.face && !f.occluded);
  const bridge = opts.bridgeFrames ?? 6;
  const runs: ReferenceSuggestion[] = [];
  let i = 0;
  while (i < n) {
    if (!good[i]) {
      i++;
      continue;
    }
    let end = i + 1;
    let gap = 0;
    let j = i + 1;
    while (j < n && usable[j]) {
      if (good[j]) {
        end = j + 1;
        gap = 0;
      } else if (++gap > bridge) break;
      j++;
    }
    if (end - i >= opts.minFrames) {
      const capped = Math.min(end, i + opts.maxFrames);
      let g = 0;
      for (let k = i; k < capped; k++) if (good[k]) g++;
      runs.push({ start: i, end: capped, quality: g / (capped - i), reason: 'same face, speech in the original audio, frontal, unoccluded, outside the dubbed range' });
    }
    i = Math.max(end, i + 1);
  }
  runs.sort((a, b) => b.end - b.start - (a.end - a.start) || b.quality - a.quality);
  return runs.slice(0, opts.count ?? 3);
}

/**
 * The reference used when the user gives none: the best suggestion, or, when the clip has no
 * such footage outside the dubbed range, the original footage of the dubbed range itself (as
 * StableDub does at inference).
 */
export function chooseReference(
  facts: ReferenceFrameFacts[],
  segment: FrameRange,
  allDubbed: FrameRange[],
  opts: { minFrames: number; maxFrames: number },
): ReferenceSuggestion {
  const best = suggestReferences(facts, allDubbed, { ...opts, count: 1 })[0];
  if (best) return best;
  const end = Math.min(segment.end, segment.start + opts.maxFrames);
  return {
    start: segment.start,
    end,
    quality: 1,
    reason: 'the clip has no unoccluded speech outside the dubbed ranges long enough, so the original footage of the dubbed range itself is the reference',
  };
}
