/**
 * Named indices of the 468-point MediaPipe FaceMesh (as returned by @vladmandic/human and the
 * ORT tracker): the one table of face-mesh landmarks and contours; every other module imports it.
 *
 * Convention (MediaPipe's): "right" and "left" are the SUBJECT's, not the image's. The subject's
 * right eye outer corner is 33 and the left one 263; for a frontal, non-mirrored shot the
 * subject's right side is on the IMAGE LEFT (smaller x). So 33 (right eye), 61 (right mouth
 * corner) and 234 (right cheek) lie on the image left, 263, 291 and 454 on the image right.
 * Mirrored pairs (subject right <-> left): 33<->263, 133<->362, 61<->291, 234<->454, 98<->327,
 * 205<->425, 132<->361, 58<->288.
 *
 * Contours are closed polygons (the last point connects to the first) unless noted, ordered
 * clockwise on screen; the lip contours start at the subject's right (image-left) mouth corner.
 * Pure data: usable in every process.
 */

/** Single landmarks. */
export const LANDMARK = {
  foreheadTop: 10,
  chin: 152,
  noseTip: 1,
  /** Between the nostrils, where the nose meets the upper lip. */
  noseBottom: 2,
  /** Between the eyes (nasion). */
  midwayBetweenEyes: 168,
  upperLipInnerCentre: 13,
  lowerLipInnerCentre: 14,
  upperLipOuterCentre: 0,
  lowerLipOuterCentre: 17,
  /** Outer mouth corners: the subject's right (image left) and left (image right). */
  mouthCornerRight: 61,
  mouthCornerLeft: 291,
  /** Eye corners: the subject's right eye (image left) and left eye (image right). */
  rightEyeOuter: 33,
  rightEyeInner: 133,
  leftEyeInner: 362,
  leftEyeOuter: 263,
  /** Cheek edges of the face oval: the subject's right (image left) and left (image right). */
  cheekRight: 234,
  cheekLeft: 454,
} as const;

/** Outer lip contour (vermilion border), 20 points. */
export const LIPS_OUTER: readonly number[] = [
  61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146,
];

/** Inner lip contour (mouth opening), 20 points. */
export const LIPS_INNER: readonly number[] = [
  78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95,
];

/**
 * Ring of skin points around the lips (under the nose, past the corners, above the chin fold),
 * 20 points: the contour for the detailed mouth mask, with room for lip motion.
 */
export const LIP_REGION_CONTOUR: readonly number[] = [
  57, 186, 92, 165, 167, 164, 393, 391, 322, 410, 287, 273, 335, 406, 313, 18, 83, 182, 106, 43,
];

/**
 * Face oval (silhouette), 36 points: MediaPipe's `FACEMESH_FACE_OVAL` contour, clockwise on
 * screen from the forehead top (10) down the image-right side, through the chin (152) and back up.
 */
export const FACE_OVAL: readonly number[] = [
  10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152,
  148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
];

/** Lower part of the face oval, cheek to cheek through the chin (234 -> 152 -> 454), 21 points, open. */
export const JAW_LINE: readonly number[] = [
  234, 93, 132, 58, 172, 136, 150, 149, 176, 148, 152, 377, 400, 378, 379, 365, 397, 288, 361, 323, 454,
];

/** Nose: bridge from between the eyes to the tip, the bottom and the nostril corners. */
export const NOSE: readonly number[] = [168, 6, 197, 195, 5, 4, 1, 2, 98, 327];

/** Eye corners: right outer, right inner, left inner, left outer (the subject's). */
export const EYE_CORNERS: readonly number[] = [33, 133, 362, 263];

/**
 * Detailed-mask outline (lips and jaw; StableDub Sec. III-C): the lower face oval from the
 * image-left jaw angle (132) through the chin to the image-right jaw angle (361), closed across
 * the cheeks and under the nose (425, 327, 2, 98, 205). Ordered as a polygon.
 */
export const DETAILED_MASK_OUTLINE: readonly number[] = [
  132, 58, 172, 136, 150, 149, 176, 148, 152, 377, 400, 378, 379, 365, 397, 288, 361,
  425, 327, 2, 98, 205,
];

/** Points that do not move with speech (eye corners, nose bridge, forehead): pose anchors. */
export const STABLE_POINTS: readonly number[] = [33, 133, 362, 263, 168, 6, 197, 195, 10, 151];
