import { describe, expect, it } from 'vitest';
import { convertFrames, makeRate, parseRate, rateFromFloat } from '../../src/main/nle/rate';
import { framesPerDay, framesToTimecode, timecodeToFrames } from '../../src/main/nle/timecode';
import { UserError } from '../../src/main/util/errors';

const R2398 = makeRate(24000, 1001);
const R2997 = makeRate(30000, 1001);
const R5994 = makeRate(60000, 1001);

/**
 * Reference labeller independent of the library: counts labels one frame at a time, skipping
 * the drop-frame labels (ST 12-1: frames 0..drop-1 at second 0 of every minute not divisible by 10).
 */
function* labels(fps: number, drop: number, count: number): Generator<string> {
  let [h, m, s, f] = [0, 0, 0, 0];
  const pad = (n: number) => String(n).padStart(2, '0');
  for (let i = 0; i < count; i++) {
    yield `${pad(h)}:${pad(m)}:${pad(s)}${drop ? ';' : ':'}${pad(f)}`;
    f++;
    if (f === fps) {
      f = 0;
      s++;
      if (s === 60) {
        s = 0;
        m++;
        if (m === 60) {
          m = 0;
          h++;
        }
      }
      if (drop && s === 0 && m % 10 !== 0) f = drop;
    }
  }
}

describe('timecode: known drop-frame values', () => {
  it('29.97 DF', () => {
    expect(timecodeToFrames('00:01:00;02', R2997)).toBe(1800);
    expect(timecodeToFrames('00:10:00;00', R2997)).toBe(17982);
    expect(timecodeToFrames('01:00:00;00', R2997)).toBe(107892);
    expect(framesToTimecode(1800, R2997, true)).toBe('00:01:00;02');
    expect(framesToTimecode(1799, R2997, true)).toBe('00:00:59;29');
    expect(framesToTimecode(17982, R2997, true)).toBe('00:10:00;00');
  });

  it('59.94 DF: four labels dropped per minute', () => {
    // The first minute holds 3600 frames (0..3599), so 00:01:00;04 is frame 3600; every
    // following minute holds 3596, so 00:02:00;04 is frame 7196 and ten minutes 35964.
    expect(timecodeToFrames('00:01:00;04', R5994)).toBe(3600);
    expect(timecodeToFrames('00:02:00;04', R5994)).toBe(7196);
    expect(timecodeToFrames('00:02:00;04', R5994) - timecodeToFrames('00:01:00;04', R5994)).toBe(3596);
    expect(timecodeToFrames('00:10:00;00', R5994)).toBe(35964);
    expect(framesToTimecode(3599, R5994, true)).toBe('00:00:59;59');
    expect(framesToTimecode(3600, R5994, true)).toBe('00:01:00;04');
    expect(framesToTimecode(35964, R5994, true)).toBe('00:10:00;00');
  });

  it('23.976 counts 24 labels per second, non-drop', () => {
    expect(timecodeToFrames('01:00:00:00', R2398)).toBe(86400);
    expect(framesToTimecode(86400 + 23, R2398)).toBe('01:00:00:23');
    expect(framesToTimecode(86400 + 24, R2398)).toBe('01:00:01:00');
  });

  it.each([
    ['29.97', 30, 2, R2997, 2 * 107892 + 50],
    ['59.94', 60, 4, R5994, 215784 + 50],
  ])('%s DF matches a frame-by-frame reference labeller over two hours', (_n, fps, drop, rate, count) => {
    let i = 0;
    for (const label of labels(fps, drop, count)) {
      const tc = framesToTimecode(i, rate, true);
      if (tc !== label) expect(`${i}: ${tc}`).toBe(`${i}: ${label}`);
      const back = timecodeToFrames(label, rate);
      if (back !== i) expect(`${label} -> ${back}`).toBe(`${label} -> ${i}`);
      i++;
    }
    expect(i).toBe(count);
  });

  it('non-drop 25 and 30 round-trip and agree with plain arithmetic', () => {
    for (const [fps, rate] of [[25, makeRate(25)], [30, makeRate(30)], [30, R2997]] as const) {
      for (const f of [0, 1, fps - 1, fps * 60, fps * 3600 - 1, fps * 86400 - 1]) {
        const tc = framesToTimecode(f, rate, false);
        expect(timecodeToFrames(tc, rate, false)).toBe(f);
      }
      expect(timecodeToFrames('10:00:00:00', rate, false)).toBe(fps * 36000);
    }
  });
});

describe('timecode: rejects what is not timecode', () => {
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      return (e as UserError).code;
    }
    return 'no error';
  };
  it('skipped drop-frame labels, frames past the rate, bad text', () => {
    expect(code(() => timecodeToFrames('00:01:00;00', R2997))).toBe('E_NLE_TIMECODE');
    expect(code(() => timecodeToFrames('00:01:00;03', R5994))).toBe('E_NLE_TIMECODE');
    expect(timecodeToFrames('00:10:00;00', R2997)).toBe(17982);
    expect(code(() => timecodeToFrames('00:00:00:24', R2398))).toBe('E_NLE_TIMECODE');
    expect(code(() => timecodeToFrames('1:2:3', R2398))).toBe('E_NLE_TIMECODE');
    expect(code(() => timecodeToFrames('24:00:00:00', makeRate(25)))).toBe('E_NLE_TIMECODE');
  });
  it('drop-frame only at 29.97 and 59.94', () => {
    expect(code(() => framesToTimecode(10, R2398, true))).toBe('E_NLE_TIMECODE');
    expect(code(() => framesToTimecode(10, makeRate(30), true))).toBe('E_NLE_TIMECODE');
    // A ';' at 23.976 is read as non-drop (Avid writes '.' / ';' loosely).
    expect(timecodeToFrames('01:00:00;00', R2398)).toBe(86400);
  });
  it('no negative frames and no silent wrap past 24 hours', () => {
    expect(code(() => framesToTimecode(-1, makeRate(25)))).toBe('E_NLE_TIMECODE');
    expect(code(() => framesToTimecode(framesPerDay(R2997, true), R2997, true))).toBe('E_NLE_TIMECODE');
    expect(framesToTimecode(framesPerDay(R2997, true) - 1, R2997, true)).toBe('23:59:59;29');
  });
});

describe('rates', () => {
  it('maps NLE floats to exact rationals', () => {
    expect(rateFromFloat(23.976)).toEqual({ num: 24000, den: 1001 });
    expect(rateFromFloat(23.98)).toEqual({ num: 24000, den: 1001 });
    expect(rateFromFloat(24000 / 1001)).toEqual({ num: 24000, den: 1001 });
    expect(rateFromFloat(29.97)).toEqual({ num: 30000, den: 1001 });
    expect(rateFromFloat(59.94)).toEqual({ num: 60000, den: 1001 });
    expect(rateFromFloat(25)).toEqual({ num: 25, den: 1 });
    expect(parseRate('24000/1001')).toEqual({ num: 24000, den: 1001 });
    expect(parseRate('50')).toEqual({ num: 50, den: 1 });
    expect(() => rateFromFloat(27.3)).toThrow(UserError);
  });
  it('converts frame counts between rates', () => {
    expect(convertFrames(100, R2398, R2398)).toBe(100);
    expect(convertFrames(24, makeRate(24), makeRate(48))).toBe(48);
    expect(convertFrames(30000, makeRate(30), R2997)).toBe(29970);
    expect(convertFrames(1000, R2997, makeRate(30))).toBe(1001);
  });
});
