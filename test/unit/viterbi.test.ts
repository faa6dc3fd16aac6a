import { describe, expect, it } from 'vitest';
import { pathCost, viterbiSelect, type ViterbiInput } from '../../src/main/engines/reference/viterbi';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

function randomInput(T: number, R: number, seed: number, lambdaH = 1): ViterbiInput {
  const r = rng(seed);
  const unary = Float32Array.from({ length: T * R }, () => r());
  const shapes = Array.from({ length: R }, () => [r(), r()]);
  const shapeDistance = new Float32Array(R * R);
  for (let a = 0; a < R; a++) for (let b = 0; b < R; b++) shapeDistance[a * R + b] = Math.hypot(shapes[a][0] - shapes[b][0], shapes[a][1] - shapes[b][1]);
  return { unary, T, R, shapeDistance, lambdaH };
}

describe('viterbiSelect', () => {
  it('finds the minimum-cost path (checked against brute force)', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const input = randomInput(5, 4, seed, seed % 3);
      const path = viterbiSelect(input);
      let best = Infinity;
      const p = [0, 0, 0, 0, 0];
      const total = 4 ** 5;
      for (let k = 0; k < total; k++) {
        let v = k;
        for (let t = 0; t < 5; t++) {
          p[t] = v % 4;
          v = Math.floor(v / 4);
        }
        best = Math.min(best, pathCost(input, p));
      }
      expect(pathCost(input, path)).toBeCloseTo(best, 5);
    }
  });

  it('follows consecutive reference frames when the audio matches them', () => {
    const T = 6;
    const R = 10;
    const unary = new Float32Array(T * R).fill(1);
    // The audio of output t best matches reference 3 + t, with a distractor at t = 3.
    for (let t = 0; t < T; t++) unary[t * R + 3 + t] = 0.2;
    unary[3 * R + 0] = 0.1;
    const shapeDistance = new Float32Array(R * R).fill(1);
    for (let a = 0; a < R; a++) shapeDistance[a * R + a] = 0;
    const path = viterbiSelect({ unary, T, R, shapeDistance, lambdaH: 1 });
    expect(Array.from(path)).toEqual([3, 4, 5, 6, 7, 8]);
    // Without the jump cost the distractor wins at t = 3.
    const free = viterbiSelect({ unary, T, R, shapeDistance, lambdaH: 0, cutCost: 0 });
    expect(free[3]).toBe(0);
  });

  it('rejects inconsistent sizes', () => {
    expect(() => viterbiSelect({ unary: new Float32Array(3), T: 2, R: 2, shapeDistance: new Float32Array(4), lambdaH: 1 })).toThrow(/T\*R/);
    expect(() => viterbiSelect({ unary: new Float32Array(0), T: 0, R: 2, shapeDistance: new Float32Array(4), lambdaH: 1 })).toThrow(/T > 0/);
  });
});
