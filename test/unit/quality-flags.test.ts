import { describe, expect, it } from 'vitest';
import { flagFrames, worstPerFigure, type FrameFigures } from '../../src/main/eval/quality-flags';
import { qualityFlagSchema } from '../../src/shared/api/quality';
import { matchTakeTrack } from '../../src/main/services/host/quality-check';
import type { FaceTrack, TrackingResult } from '../../src/main/tracking/types';

/** A frame whose dub equals its floor on every figure (nothing to flag), with overrides. */
function frame(n: number, dubbed: Partial<FrameFigures['dubbed']> = {}, floor: Partial<FrameFigures['floor']> = {}): FrameFigures {
  const base = { sharpness: 0.99, outsideChange: 1, seam: 2, ssim: 0.98, flicker: 0.5 };
  return { frame: n, dubbed: { ...base, ...dubbed }, floor: { ...base, ...floor } };
}

describe('flagFrames (quality-check flags)', () => {
  it('flags nothing when the dub is as good as the re-encode', () => {
    expect(flagFrames([frame(10), frame(11), frame(12)])).toEqual([]);
  });

  it('flags seam and change outside the face above 1.3x the floor of the same frame, not at or below', () => {
    const flags = flagFrames([
      frame(5, { seam: 2.61 }), // 1.305x: flagged
      frame(6, { seam: 2.6 }), // exactly 1.3x: not flagged (strict)
      frame(7, { outsideChange: 1.31 }, { outsideChange: 1 }),
      frame(8, { outsideChange: 1.31 }, { outsideChange: 1.1 }), // 1.19x of this frame's floor: not flagged
    ]);
    expect(flags.map((f) => [f.frame, f.figure])).toEqual([
      [5, 'seam'],
      [7, 'outsideChange'],
    ]);
    expect(flags[0]).toMatchObject({ value: 2.61, floor: 2 });
    expect(flags[0].reason).toMatch(/Seam score 2\.61 is 1\.3x the re-encode's 2\.00/);
    expect(flags[1].reason).toMatch(/outside the face/);
  });

  it('flags sharpness below 0.95 of the original (or below 0.98x a softer re-encode), and flicker above 2x the floor', () => {
    const flags = flagFrames([
      frame(1, { sharpness: 0.94 }, { sharpness: 0.99 }),
      frame(2, { sharpness: 0.95 }),
      frame(5, { sharpness: 0.9 }, { sharpness: 0.91 }), // the re-encode alone keeps 91 %: not the dub's fault
      frame(6, { sharpness: 0.85 }, { sharpness: 0.91 }),
      frame(3, { flicker: 1.01 }, { flicker: 0.5 }),
      frame(4, { flicker: 1.0 }, { flicker: 0.5 }),
    ]);
    expect(flags.map((f) => [f.frame, f.figure])).toEqual([
      [1, 'sharpness'],
      [3, 'flicker'],
      [6, 'sharpness'],
    ]);
    expect(flags[0].reason).toMatch(/Sharpness 94 % of the original \(below 95 %; the re-encode keeps 99 %\)/);
    expect(flags[1].reason).toMatch(/Flicker 1\.01 is 2\.0x/);
  });

  it('lists every figure a frame fails, frames in order, and skips undefined (NaN) figures', () => {
    const flags = flagFrames([
      frame(9, { seam: 9, sharpness: 0.5, flicker: NaN }),
      frame(3, { flicker: 5 }, { flicker: NaN }), // undefined floor: flicker not comparable
      frame(4, { outsideChange: 3 }),
    ]);
    expect(flags.map((f) => `${f.frame}:${f.figure}`)).toEqual(['4:outsideChange', '9:seam', '9:sharpness']);
    for (const f of flags) expect(qualityFlagSchema.safeParse(f).success).toBe(true);
  });

  it('a zero floor flags any positive value; custom thresholds apply', () => {
    expect(flagFrames([frame(0, { seam: 0.01 }, { seam: 0 })]).map((f) => f.figure)).toEqual(['seam']);
    expect(flagFrames([frame(0, { seam: 0 }, { seam: 0 })])).toEqual([]);
    expect(flagFrames([frame(0, { seam: 2.61 })], { seamVsFloor: 1.5 })).toEqual([]);
    const sharp = flagFrames([frame(0, { sharpness: 0.97 })], { minSharpness: 0.98 });
    expect(sharp.map((f) => f.figure)).toEqual(['sharpness']);
    expect(sharp[0].reason).toMatch(/below 98 %/);
  });

  it('worstPerFigure: the highest seam / outside change / flicker and the lowest sharpness', () => {
    const w = worstPerFigure([frame(1, { seam: 3, sharpness: 0.9 }), frame(2, { seam: 5, outsideChange: 2, flicker: NaN }), frame(3, { sharpness: 0.8, flicker: 0.7 })]);
    expect(w).toEqual([
      { frame: 2, figure: 'seam', value: 5, floor: 2 },
      { frame: 2, figure: 'outsideChange', value: 2, floor: 1 },
      { frame: 3, figure: 'sharpness', value: 0.8, floor: 0.99 },
      { frame: 3, figure: 'flicker', value: 0.7, floor: 0.5 },
    ]);
    expect(worstPerFigure([])).toEqual([]);
  });
});

describe('matchTakeTrack', () => {
  const sample = (x: number) => ({ box: [x, 10, 50, 50] as [number, number, number, number], mesh: new Float32Array(0), score: 0.9, interpolated: false });
  it("picks the take's track that overlaps the original's face over the segment (take frame 0 = segment start)", () => {
    const orig: FaceTrack = { id: 1, frames: Array.from({ length: 30 }, (_, i) => (i >= 20 ? sample(200) : null)) };
    const take: TrackingResult = {
      width: 400, height: 300, frameCount: 10, warnings: [],
      tracks: [
        { id: 0, frames: Array.from({ length: 10 }, () => sample(0)) },
        { id: 1, frames: Array.from({ length: 10 }, () => sample(205)) },
      ],
    };
    expect(matchTakeTrack(orig, take, 20)).toBe(1);
    expect(matchTakeTrack(orig, take, 0)).toBeUndefined();
  });
});
