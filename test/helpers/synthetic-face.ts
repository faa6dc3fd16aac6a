import { DETAILED_MASK_OUTLINE, LIPS_INNER, LIPS_OUTER } from '../../src/shared/face-mesh';
import type { TrackingResult } from '../../src/main/tracking/types';

/**
 * A plausible 468-point mesh (pixels) for tests on generated media, where no real face exists:
 * lower-face outline, lips (inner gap = `opening` x face height), eyes, nose and forehead at
 * face-like positions; the remaining points scattered deterministically over the upper face.
 * @param cx,cy face centre; `size` face height (forehead 10 to chin 152) in pixels.
 */
export function syntheticMesh(cx: number, cy: number, size: number, opening = 0.03): Float32Array {
  const m = new Float32Array(468 * 3);
  const set = (i: number, x: number, y: number) => {
    m[i * 3] = x;
    m[i * 3 + 1] = y;
  };
  // Upper face scatter (above the nose line), deterministic.
  for (let i = 0; i < 468; i++) {
    const a = (i * 2.399963) % (2 * Math.PI);
    const r = 0.35 * size * Math.sqrt(((i * 37) % 100) / 100);
    set(i, cx + r * Math.cos(a) * 0.9, cy - 0.2 * size + r * Math.sin(a) * 0.5);
  }
  // Lower-face outline: jaw from left to right under the chin, then the nose/cheek line back.
  const jaw = DETAILED_MASK_OUTLINE.slice(0, 17);
  jaw.forEach((idx, k) => {
    const t = Math.PI * (1 - k / (jaw.length - 1));
    set(idx, cx + 0.42 * size * Math.cos(t), cy + 0.08 * size + 0.42 * size * Math.sin(t));
  });
  const top = DETAILED_MASK_OUTLINE.slice(17); // 425, 327, 2, 98, 205: right cheek -> left cheek
  top.forEach((idx, k) => set(idx, cx + 0.3 * size - (0.6 * size * k) / (top.length - 1), cy + 0.04 * size));
  // Lips: ellipses around the mouth centre, ordered left corner -> top -> right corner -> bottom.
  const mx = cx;
  const my = cy + 0.25 * size;
  const lip = (list: readonly number[], rx: number, ryTop: number, ryBottom: number) =>
    list.forEach((idx, k) => {
      const t = Math.PI - (2 * Math.PI * k) / list.length;
      const ry = Math.sin(t) > 0 ? ryTop : ryBottom;
      set(idx, mx + rx * Math.cos(t), my - ry * Math.sin(t));
    });
  lip(LIPS_OUTER, 0.2 * size, 0.05 * size + (opening * size) / 2, 0.06 * size + (opening * size) / 2);
  lip(LIPS_INNER, 0.15 * size, (opening * size) / 2, (opening * size) / 2);
  // Face oval above the jaw angles (MediaPipe FACEMESH_FACE_OVAL order, left jaw angle over the
  // forehead to the right one), on an arc continuing the jaw: face mattes and yaw read it.
  const arc = [132, 93, 234, 127, 162, 21, 54, 103, 67, 109, 10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361];
  arc.forEach((idx, k) => {
    if (k === 0 || k === arc.length - 1) return; // the jaw angles are on the outline already
    const t = Math.PI - (Math.PI * k) / (arc.length - 1);
    set(idx, cx + 0.42 * size * Math.cos(t), cy + 0.08 * size - 0.58 * size * Math.sin(t));
  });
  // Eyes, nose bridge, forehead, chin.
  set(33, cx - 0.2 * size, cy - 0.2 * size);
  set(133, cx - 0.08 * size, cy - 0.2 * size);
  set(362, cx + 0.08 * size, cy - 0.2 * size);
  set(263, cx + 0.2 * size, cy - 0.2 * size);
  set(168, cx, cy - 0.2 * size);
  set(6, cx, cy - 0.12 * size);
  set(197, cx, cy - 0.06 * size);
  set(195, cx, cy - 0.02 * size);
  set(1, cx, cy);
  set(10, cx, cy - 0.5 * size);
  set(151, cx, cy - 0.42 * size);
  set(152, cx, cy + 0.5 * size);
  return m;
}

/** A single-face tracking result with the synthetic mesh on every frame, mouth opening varying. */
export function syntheticTracking(width: number, height: number, frameCount: number): TrackingResult {
  const size = Math.min(width, height) * 0.6;
  const frames = Array.from({ length: frameCount }, (_, i) => {
    const mesh = syntheticMesh(width / 2 + Math.sin(i / 7) * 2, height / 2, size, 0.02 + 0.03 * (0.5 + 0.5 * Math.sin(i / 2)));
    return { box: [width / 2 - size / 2, height / 2 - size / 2, size, size] as [number, number, number, number], mesh, score: 0.99, interpolated: false };
  });
  return { width, height, frameCount, tracks: [{ id: 0, frames }], warnings: [] };
}
