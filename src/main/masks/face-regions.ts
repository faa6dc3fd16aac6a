/**
 * Index sets of the 468-point MediaPipe face mesh used by the facial masks (StableDub Sec. III-C).
 * Image-left/right pairs are mirrored: 98<->327, 205<->425, 132<->361, 58<->288.
 */

/**
 * Detailed-mask outline (lips and jaw): the lower face oval from the left jaw angle through the
 * chin to the right jaw angle, closed across the cheeks and under the nose. Ordered as a polygon.
 */
export const DETAILED_MASK_OUTLINE: readonly number[] = [
  132, 58, 172, 136, 150, 149, 176, 148, 152, 377, 400, 378, 379, 365, 397, 288, 361,
  425, 327, 2, 98, 205,
];

/** Points that do not move with speech (eye corners, nose bridge, forehead): pose anchors. */
export const STABLE_POINTS: readonly number[] = [33, 133, 362, 263, 168, 6, 197, 195, 10, 151];

/** Outer lip contour, ordered. */
export const OUTER_LIPS: readonly number[] = [
  61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146,
];

/** Inner lip contour, ordered. */
export const INNER_LIPS: readonly number[] = [
  78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95,
];

/** Upper/lower inner-lip midpoints and the face's top/bottom (forehead 10, chin 152). */
export const UPPER_INNER_LIP = 13;
export const LOWER_INNER_LIP = 14;
export const FACE_TOP = 10;
export const CHIN = 152;
/** Outer eye corners (image-left 33, image-right 263) for inter-ocular normalization. */
export const EYE_OUTER_LEFT = 33;
export const EYE_OUTER_RIGHT = 263;

/**
 * Face oval (silhouette) of the 468-point MediaPipe face mesh, ordered clockwise in the image from
 * the forehead top (10) down the image-right side, through the chin (152) and back up: the
 * standard `FACEMESH_FACE_OVAL` contour of MediaPipe Face Mesh, as a closed polygon.
 */
export const FACE_OVAL: readonly number[] = [
  10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152,
  148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
];
