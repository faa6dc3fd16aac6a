import { describe, expect, it } from 'vitest';
import { articulationFactor, visemeCost, openingLevels, VISEME_COST } from '../../src/main/engines/reference/viseme-cost';
import { percentile } from '../../src/main/util/stats';
import { NO_VISEME } from '../../src/main/phonetics/visemes';
import { viterbiSelect } from '../../src/main/engines/reference/viterbi';

// Reference frames: openings from shut (0.01) to wide open (0.09), labelled from their own audio.
const openings = [0.01, 0.012, 0.02, 0.05, 0.07, 0.09, 0.03, 0.04];
const refV = Uint8Array.from([1, 0, 2, 11, 10, 10, 14, 13]);

describe('visemeCost', () => {
  const levels = openingLevels(openings);

  it('penalizes open reference frames for a dub bilabial, hardest on wide-open ones', () => {
    const c = visemeCost({ dub: Uint8Array.from([1]), ref: refV, openings, weight: 1 });
    expect(c[0]).toBe(0); // shut and labelled bilabial
    expect(c[5]).toBeGreaterThanOrEqual(VISEME_COST.bilabialOpen); // wide open vowel frame
    expect(c[5]).toBeGreaterThan(c[2]); // slightly open frame: part of the ramp
    expect(c[2]).toBeGreaterThan(c[1]);
    // Label disagreement counts even when shut.
    expect(c[1]).toBeGreaterThanOrEqual(VISEME_COST.label);
  });

  it('keeps the mouth shut in dub silence and open on dub vowels', () => {
    const c = visemeCost({ dub: Uint8Array.from([0, 10]), ref: null, openings, weight: 2 });
    const R = openings.length;
    expect(c[0]).toBe(0);
    expect(c[5]).toBeCloseTo(2 * VISEME_COST.silenceOpen, 5);
    expect(c[R + 0]).toBeCloseTo(2 * VISEME_COST.vowelClosed, 5); // vowel on a shut frame
    expect(c[R + 5]).toBe(0);
  });

  it('labiodentals accept near-closed frames, unknown frames and weight 0 cost nothing', () => {
    const c = visemeCost({ dub: Uint8Array.from([2, NO_VISEME]), ref: refV, openings, weight: 1 });
    const R = openings.length;
    expect(c[2]).toBe(0);
    expect(c[0]).toBeCloseTo(0.5 * VISEME_COST.label, 6); // shut, labelled bilabial
    expect(c[5]).toBeGreaterThan(VISEME_COST.labiodentalOpen);
    for (let r = 0; r < R; r++) expect(c[R + r]).toBe(0);
    expect(Array.from(visemeCost({ dub: Uint8Array.from([1]), ref: refV, openings, weight: 0 }))).toEqual(new Array(R).fill(0));
    expect(levels.closed).toBe(percentile(openings, 0.05));
  });

  it('makes the Viterbi path close the lips on a one-frame bilabial inside a run of open frames', () => {
    // Reference: 10 frames, frame 7 is the only shut one. Dub: vowels with a bilabial at t = 4.
    const R = 10;
    const op = [0.06, 0.07, 0.08, 0.07, 0.06, 0.07, 0.08, 0.01, 0.06, 0.07];
    const T = 8;
    const dub = Uint8Array.from([10, 10, 10, 10, 1, 10, 10, 10]);
    const shapeDistance = new Float32Array(R * R);
    for (let a = 0; a < R; a++) for (let b = 0; b < R; b++) shapeDistance[a * R + b] = Math.abs(op[a] - op[b]) * 20;
    const base = new Float32Array(T * R).fill(0.5);
    const without = viterbiSelect({ unary: base, T, R, shapeDistance, lambdaH: 1, cutCost: 0.3, holdCost: 0.2 });
    expect(op[without[4]]).toBeGreaterThan(0.05); // audio alone plays the open run through
    const add = visemeCost({ dub, ref: null, openings: op, weight: 1 });
    const withV = viterbiSelect({ unary: base.map((v, i) => v + add[i]), T, R, shapeDistance, lambdaH: 1, cutCost: 0.3, holdCost: 0.2 });
    expect(withV[4]).toBe(7);
    for (const t of [0, 1, 2, 5, 6, 7]) expect(op[withV[t]]).toBeGreaterThan(0.05);
  });

  it('hands closures from the loudness term to the phones as the viseme weight grows', () => {
    expect(articulationFactor(1, 1)).toBe(0); // p b m at full weight: loudness does not decide
    expect(articulationFactor(2, 0.25)).toBe(0.75);
    expect(articulationFactor(10, 1)).toBe(1); // vowels keep following the loudness
    expect(articulationFactor(0, 1)).toBe(1); // silence: the silence terms decide, loudness stays
    expect(articulationFactor(NO_VISEME, 1)).toBe(1);
  });
});
