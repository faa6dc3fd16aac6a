import { describe, expect, it } from 'vitest';
import { mergeClose, planSegments, rangeToFrames } from '../../src/main/pipeline/segments';
import { framesToSeconds, secondsToFrame } from '../../src/shared/time';

describe('seconds <-> frames', () => {
  it('maps exact frame times to their frame at 25 and 29.97 fps', () => {
    expect(secondsToFrame(2.0, 25, 1)).toBe(50);
    expect(secondsToFrame(2.01, 25, 1)).toBe(51);
    expect(secondsToFrame(framesToSeconds(1799, 30000, 1001), 30000, 1001)).toBe(1799);
    expect(rangeToFrames({ start: 2, end: 4 }, 25, 1, 125)).toEqual({ start: 50, end: 100 });
    expect(rangeToFrames({ start: -1, end: 99 }, 25, 1, 125)).toEqual({ start: 0, end: 125 });
  });

  it('keeps 64-bit precision for long clips (10 hours at 29.97)', () => {
    const f = 10 * 3600 * 30;
    expect(secondsToFrame(framesToSeconds(f, 30000, 1001), 30000, 1001)).toBe(f);
  });
});

describe('planSegments', () => {
  it('merges dub and original speech, pads, and clips to the dubbed range', () => {
    const segs = planSegments({ start: 0, end: 10 }, [{ start: 1, end: 2 }, { start: 2.5, end: 3 }], [{ start: 6, end: 7 }, { start: 9.9, end: 12 }]);
    expect(segs.map((r) => ({ start: +r.start.toFixed(6), end: +r.end.toFixed(6) }))).toEqual([
      { start: 0.8, end: 3.2 },
      { start: 5.8, end: 7.2 },
      { start: 9.7, end: 10 },
    ]);
  });

  it('drops slivers and handles no speech', () => {
    expect(planSegments({ start: 0, end: 5 }, [], [])).toEqual([]);
    expect(planSegments({ start: 0, end: 1 }, [{ start: 0.95, end: 2 }], [], { padSec: 0 })).toEqual([]);
  });

  it('mergeClose merges overlapping and close ranges only', () => {
    expect(mergeClose([{ start: 5, end: 6 }, { start: 0, end: 1 }, { start: 1.5, end: 2 }], 0.6)).toEqual([
      { start: 0, end: 2 },
      { start: 5, end: 6 },
    ]);
  });
});
