import { describe, expect, it } from 'vitest';
import { syntheticMesh } from '../helpers/synthetic-face';
import { buildWarpLayout } from '../../src/main/engines/reference/warp-geometry';
import { referenceDrivenPoints } from '../../src/main/engines/reference/mouth-geometry';
import { LOWER_SHARE, sealLips, sealWeights } from '../../src/main/engines/reference/lip-seal';
import { LANDMARK, LIPS_INNER, LIPS_OUTER } from '../../src/shared/face-mesh';

const target = syntheticMesh(110, 90, 120, 0.02);
const layout = buildWarpLayout(target);
const open = referenceDrivenPoints(layout, target, syntheticMesh(110, 90, 120, 0.15));
const slot = (m: number) => layout.meshIndices.indexOf(m);
const y = (pts: Float64Array, m: number) => pts[2 * slot(m) + 1];
const x = (pts: Float64Array, m: number) => pts[2 * slot(m)];
const gap = (pts: Float64Array) => y(pts, LANDMARK.lowerLipInnerCentre) - y(pts, LANDMARK.upperLipInnerCentre);

describe('lip seal (bilabials and silence close the lips)', () => {
  it('seal 0 changes nothing; a closed gap wider than the mouth changes nothing', () => {
    expect(Array.from(sealLips(layout, target, open, 0, 0))).toEqual(Array.from(open));
    expect(Array.from(sealLips(layout, target, open, 1, 0.5))).toEqual(Array.from(open));
  });

  it('seal 1 brings the inner gap to the closed gap, the lower lip doing most of it', () => {
    const g = gap(open);
    expect(g).toBeGreaterThan(10);
    const sealed = sealLips(layout, target, open, 1, 0.01);
    expect(gap(sealed)).toBeCloseTo(0.01 * 120, 1);
    const upMove = y(sealed, LANDMARK.upperLipInnerCentre) - y(open, LANDMARK.upperLipInnerCentre);
    const lowMove = y(sealed, LANDMARK.lowerLipInnerCentre) - y(open, LANDMARK.lowerLipInnerCentre);
    expect(upMove).toBeGreaterThan(0);
    expect(lowMove).toBeLessThan(0);
    expect(-lowMove / (upMove - lowMove)).toBeCloseTo(LOWER_SHARE, 6);
    // Half a seal closes half of the excess gap.
    expect(gap(sealLips(layout, target, open, 0.5, 0.01))).toBeCloseTo((g + 0.01 * 120) / 2, 1);
  });

  it('keeps the lips thick, the corners and everything above the upper lip in place', () => {
    const sealed = sealLips(layout, target, open, 1, 0);
    for (let i = 1; i <= 9; i++) {
      for (const j of [i, 20 - i]) {
        if (slot(LIPS_INNER[j]) < 0 || slot(LIPS_OUTER[j]) < 0) continue;
        const before = y(open, LIPS_OUTER[j]) - y(open, LIPS_INNER[j]);
        expect(y(sealed, LIPS_OUTER[j]) - y(sealed, LIPS_INNER[j])).toBeCloseTo(before, 6);
      }
    }
    for (const m of [LANDMARK.mouthCornerRight, LANDMARK.mouthCornerLeft, LANDMARK.noseBottom]) {
      if (slot(m) < 0) continue;
      expect(x(sealed, m)).toBe(x(open, m));
      expect(y(sealed, m)).toBe(y(open, m));
    }
  });

  it('the chin rises with the lower lip, by half of it', () => {
    const sealed = sealLips(layout, target, open, 1, 0);
    const lip = y(sealed, LANDMARK.lowerLipInnerCentre) - y(open, LANDMARK.lowerLipInnerCentre);
    const chin = y(sealed, LANDMARK.chin) - y(open, LANDMARK.chin);
    expect(slot(LANDMARK.chin)).toBeGreaterThanOrEqual(0);
    expect(chin).toBeCloseTo(0.5 * lip, 3);
  });

  it('seal weights: 1 where the lips must meet, 0.5 next to it', () => {
    expect(Array.from(sealWeights([false, false, true, true, false, false, false]))).toEqual([0, 0.5, 1, 1, 0.5, 0, 0]);
  });
});
