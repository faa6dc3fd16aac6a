import { describe, expect, it } from 'vitest';
import {
  DETAILED_MASK_OUTLINE,
  EYE_CORNERS,
  FACE_OVAL,
  JAW_LINE,
  LANDMARK,
  LIP_REGION_CONTOUR,
  LIPS_INNER,
  LIPS_OUTER,
  NOSE,
  STABLE_POINTS,
} from '../../src/shared/face-mesh';
import { CANONICAL_TEMPLATE } from '../../src/main/tracking/landmarks';

describe('face-mesh index table', () => {
  it('keeps the MediaPipe indices exactly', () => {
    expect(LIPS_OUTER).toEqual([61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146]);
    expect(LIPS_INNER).toEqual([78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95]);
    expect(LIP_REGION_CONTOUR).toEqual([57, 186, 92, 165, 167, 164, 393, 391, 322, 410, 287, 273, 335, 406, 313, 18, 83, 182, 106, 43]);
    expect(FACE_OVAL).toEqual([
      10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152,
      148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
    ]);
    expect(JAW_LINE).toEqual([234, 93, 132, 58, 172, 136, 150, 149, 176, 148, 152, 377, 400, 378, 379, 365, 397, 288, 361, 323, 454]);
    expect(NOSE).toEqual([168, 6, 197, 195, 5, 4, 1, 2, 98, 327]);
    expect(EYE_CORNERS).toEqual([33, 133, 362, 263]);
    expect(DETAILED_MASK_OUTLINE).toEqual([132, 58, 172, 136, 150, 149, 176, 148, 152, 377, 400, 378, 379, 365, 397, 288, 361, 425, 327, 2, 98, 205]);
    expect(STABLE_POINTS).toEqual([33, 133, 362, 263, 168, 6, 197, 195, 10, 151]);
    expect(LANDMARK).toEqual({
      foreheadTop: 10, chin: 152, noseTip: 1, noseBottom: 2, midwayBetweenEyes: 168,
      upperLipInnerCentre: 13, lowerLipInnerCentre: 14, upperLipOuterCentre: 0, lowerLipOuterCentre: 17,
      mouthCornerRight: 61, mouthCornerLeft: 291,
      rightEyeOuter: 33, rightEyeInner: 133, leftEyeInner: 362, leftEyeOuter: 263,
      cheekRight: 234, cheekLeft: 454,
    });
  });

  it("names sides from the subject's point of view: the subject's right is on the image left", () => {
    // Canonical face model, x to the image right: the subject's right eye (33, 133) has x < 0.
    const x = (i: number) => CANONICAL_TEMPLATE.find((p) => p.index === i)!.x;
    expect(x(LANDMARK.rightEyeOuter)).toBeLessThan(0);
    expect(x(LANDMARK.rightEyeInner)).toBeLessThan(0);
    expect(x(LANDMARK.leftEyeInner)).toBeGreaterThan(0);
    expect(x(LANDMARK.leftEyeOuter)).toBeGreaterThan(0);
    // The lip contours start at the subject's right mouth corner, the jaw line at the right cheek.
    expect(LIPS_OUTER[0]).toBe(LANDMARK.mouthCornerRight);
    expect(LIPS_OUTER[10]).toBe(LANDMARK.mouthCornerLeft);
    expect(JAW_LINE[0]).toBe(LANDMARK.cheekRight);
    expect(JAW_LINE[JAW_LINE.length - 1]).toBe(LANDMARK.cheekLeft);
    // The oval runs down the image right first: the left cheek (454) before the chin, the right (234) after.
    expect(FACE_OVAL.indexOf(LANDMARK.cheekLeft)).toBeLessThan(FACE_OVAL.indexOf(LANDMARK.chin));
    expect(FACE_OVAL.indexOf(LANDMARK.cheekRight)).toBeGreaterThan(FACE_OVAL.indexOf(LANDMARK.chin));
  });
});
