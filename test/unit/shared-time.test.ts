import { describe, expect, it } from 'vitest';
import { framesToSeconds, secondsToFrame, secToFrame } from '../../src/shared/time';

describe('framesToSeconds / secondsToFrame (exact rational rate)', () => {
  it('is frames * fpsDen / fpsNum, one division of the exact product', () => {
    expect(framesToSeconds(0, 30000, 1001)).toBe(0);
    expect(framesToSeconds(125, 25, 1)).toBe(5);
    expect(framesToSeconds(30000, 30000, 1001)).toBe(1001);
    expect(framesToSeconds(30, 30000, 1001)).toBe((30 * 1001) / 30000);
    expect(framesToSeconds(9.75, 25, 1)).toBe(0.39);
  });

  it('maps a time to the first frame starting at or after it (ceil, 1e-9 frame tolerance)', () => {
    expect(secondsToFrame(2.0, 25, 1)).toBe(50);
    expect(secondsToFrame(2.01, 25, 1)).toBe(51);
    expect(secondsToFrame(2.04, 25, 1)).toBe(51);
    // Frame 0 comes out as -0 (ceil of -1e-9): equal to 0, and callers clamp with Math.max(0, ...).
    expect(secondsToFrame(0, 30000, 1001) === 0).toBe(true);
    expect(secondsToFrame(-0.5, 25, 1)).toBe(-12);
  });

  it('round-trips every integer frame (NTSC and integer rates, long clips)', () => {
    for (const [num, den] of [[30000, 1001], [24000, 1001], [25, 1], [60000, 1001], [50, 1]]) {
      for (let f = 0; f < 5000; f += 7) expect(secondsToFrame(framesToSeconds(f, num, den), num, den) + 0).toBe(f);
      const tenHours = Math.round((10 * 3600 * num) / den);
      expect(secondsToFrame(framesToSeconds(tenHours, num, den), num, den)).toBe(tenHours);
    }
  });
});

describe('secToFrame (editor playhead, float rate)', () => {
  it('is the frame on screen at a time (floor), unlike the boundary rule', () => {
    expect(secToFrame(2.0, 25)).toBe(50);
    expect(secToFrame(2.01, 25)).toBe(50);
    expect(secondsToFrame(2.01, 25, 1)).toBe(51);
    expect(secToFrame((1799 * 1001) / 30000, 30000 / 1001)).toBe(1799);
  });
});
