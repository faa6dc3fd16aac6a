/**
 * Which frames of a dub a quality check flags, and why (pure; no I/O). Input: the per-frame
 * figures of `evalQuality` (the dub and the plain re-encode, the noise floor, against the
 * original); output: one flag per frame and figure that crossed its threshold, with a reason
 * sentence for the editor.
 */
import type { QualityFlag, QualityFlagFigure } from '../../shared/api/quality';
import type { QualityFigures } from './quality';

/** Thresholds of `flagFrames`. */
export interface FlagThresholds {
  /** Flag when the dub's seam score exceeds this times the floor's on the same frame (default 1.3). */
  seamVsFloor: number;
  /** Flag when the dub's change outside the face exceeds this times the floor's (default 1.3). */
  outsideVsFloor: number;
  /** Flag when the dub's sharpness ratio is below this (default 0.95; 1 = as sharp as the original). */
  minSharpness: number;
  /** Flag when the dub's flicker exceeds this times the floor's (default 2). */
  flickerVsFloor: number;
}

export const DEFAULT_FLAG_THRESHOLDS: FlagThresholds = { seamVsFloor: 1.3, outsideVsFloor: 1.3, minSharpness: 0.95, flickerVsFloor: 2 };

/** Figures a frame can be flagged for, in the order flags of one frame are listed. */
export const FLAG_FIGURES: readonly QualityFlagFigure[] = ['seam', 'outsideChange', 'sharpness', 'flicker'];

/** The per-frame input (a subset of `QualityFrame`). */
export interface FrameFigures {
  frame: number;
  dubbed: QualityFigures;
  floor: QualityFigures;
}

const fin = (v: number): number | null => (Number.isFinite(v) ? v : null);
const f2 = (v: number) => v.toFixed(2);
const times = (v: number, floor: number) => (floor > 0 ? `${(v / floor).toFixed(1)}x` : 'above');

/** The reason sentence of a flag. */
export function flagReason(figure: QualityFlagFigure, value: number, floor: number | null, minSharpness = DEFAULT_FLAG_THRESHOLDS.minSharpness): string {
  const fl = floor ?? NaN;
  switch (figure) {
    case 'seam':
      return `Seam score ${f2(value)} is ${times(value, fl)} the re-encode's ${f2(fl)}: the re-render added edges (a mask border, a double jaw line).`;
    case 'outsideChange':
      return `Change outside the face ${f2(value)} is ${times(value, fl)} the re-encode's ${f2(fl)}: background, neck or collar moved with the re-render.`;
    case 'sharpness':
      return `Sharpness ${Math.round(value * 100)} % of the original (below ${Math.round(minSharpness * 100)} %${floor !== null ? `; the re-encode keeps ${Math.round(fl * 100)} %` : ''}): the lower face is blurrier than encoding alone makes it.`;
    case 'flicker':
      return `Flicker ${f2(value)} is ${times(value, fl)} the re-encode's ${f2(fl)}: the change jumps from the previous frame.`;
  }
}

/**
 * Flags a frame for a figure when (all comparisons strict, on the same frame):
 * - seam: dub > `seamVsFloor` x floor;
 * - outsideChange: dub > `outsideVsFloor` x floor;
 * - sharpness: dub < `minSharpness` (a ratio to the original), or, where a plain re-encode
 *   itself keeps less, dub < 0.98 x the floor's (the encoder's own softening is not the dub's);
 * - flicker: dub > `flickerVsFloor` x floor.
 * A figure that is not finite on the dub (flicker of a range's first frame, an empty mask) never
 * flags; for the floor-relative figures neither does one whose floor is not finite. A floor of 0
 * flags any positive dub value.
 * @returns flags sorted by frame, then in `FLAG_FIGURES` order.
 */
export function flagFrames(frames: readonly FrameFigures[], thresholds: Partial<FlagThresholds> = {}): QualityFlag[] {
  const t = { ...DEFAULT_FLAG_THRESHOLDS, ...thresholds };
  const factor: Record<Exclude<QualityFlagFigure, 'sharpness'>, number> = { seam: t.seamVsFloor, outsideChange: t.outsideVsFloor, flicker: t.flickerVsFloor };
  const out: QualityFlag[] = [];
  for (const f of [...frames].sort((a, b) => a.frame - b.frame)) {
    for (const figure of FLAG_FIGURES) {
      const value = f.dubbed[figure];
      const floor = fin(f.floor[figure]);
      if (!Number.isFinite(value)) continue;
      let hit: boolean;
      if (figure === 'sharpness') hit = value < (floor !== null ? Math.min(t.minSharpness, 0.98 * floor) : t.minSharpness);
      else hit = floor !== null && value > factor[figure] * floor;
      if (hit) out.push({ frame: f.frame, figure, value, floor, reason: flagReason(figure, value, floor, t.minSharpness) });
    }
  }
  return out;
}

/**
 * The dub's worst frame per flaggable figure (highest seam, change outside and flicker; lowest
 * sharpness), flagged or not; figures without a finite value on any frame are left out.
 */
export function worstPerFigure(frames: readonly FrameFigures[]): Array<{ frame: number; figure: QualityFlagFigure; value: number; floor: number | null }> {
  const out: Array<{ frame: number; figure: QualityFlagFigure; value: number; floor: number | null }> = [];
  for (const figure of FLAG_FIGURES) {
    let best: FrameFigures | null = null;
    for (const f of frames) {
      const v = f.dubbed[figure];
      if (!Number.isFinite(v)) continue;
      if (!best || (figure === 'sharpness' ? v < best.dubbed[figure] : v > best.dubbed[figure])) best = f;
    }
    if (best) out.push({ frame: best.frame, figure, value: best.dubbed[figure], floor: fin(best.floor[figure]) });
  }
  return out;
}
