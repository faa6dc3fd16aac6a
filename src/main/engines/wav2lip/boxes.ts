/**
 * Wav2Lip face boxes: from the tracked mesh, padded and temporally smoothed as Wav2Lip's
 * inference.py does (`--pads`, `get_smoothened_boxes` with T = 5, `--nosmooth`).
 */
import type { TrackSample } from '../../tracking/types';

/** Integer box [x1, y1, x2, y2) in frame pixels (x2, y2 exclusive). */
export type Box = [number, number, number, number];

/**
 * Face box of a tracked face: the bounds of the 468 mesh points (forehead to chin, cheek to
 * cheek), as floats [x1, y1, x2, y2].
 */
export function meshBounds(sample: TrackSample): [number, number, number, number] {
  const m = sample.mesh;
  let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
  for (let i = 0; i < m.length; i += 3) {
    if (m[i] < x1) x1 = m[i];
    if (m[i] > x2) x2 = m[i];
    if (m[i + 1] < y1) y1 = m[i + 1];
    if (m[i + 1] > y2) y2 = m[i + 1];
  }
  return [x1, y1, x2, y2];
}

/**
 * Wav2Lip's `get_smoothened_boxes(boxes, T)`: each box becomes the mean of boxes [i, i + T),
 * the last T boxes for the tail. T <= 1 returns the boxes unchanged.
 */
export function smoothBoxes(boxes: [number, number, number, number][], T: number): [number, number, number, number][] {
  if (T <= 1 || boxes.length === 0) return boxes.map((b) => [...b] as [number, number, number, number]);
  const t = Math.min(T, boxes.length);
  return boxes.map((_, i) => {
    const start = i + t > boxes.length ? boxes.length - t : i;
    const acc = [0, 0, 0, 0];
    for (let k = start; k < start + t; k++) for (let c = 0; c < 4; c++) acc[c] += boxes[k][c];
    return acc.map((v) => v / t) as [number, number, number, number];
  });
}

/**
 * Pads a box (pixels [top, bottom, left, right], Wav2Lip `--pads`) and clips it to the frame, as
 * Wav2Lip: y1 = max(0, y1 - top), y2 = min(H, y2 + bottom), x1 = max(0, x1 - left),
 * x2 = min(W, x2 + right), rounded to integers. Returns null when empty.
 */
export function padBox(b: [number, number, number, number], pads: [number, number, number, number], width: number, height: number): Box | null {
  const x1 = Math.max(0, Math.round(b[0] - pads[2]));
  const y1 = Math.max(0, Math.round(b[1] - pads[0]));
  const x2 = Math.min(width, Math.round(b[2] + pads[3]));
  const y2 = Math.min(height, Math.round(b[3] + pads[1]));
  return x2 - x1 >= 2 && y2 - y1 >= 2 ? [x1, y1, x2, y2] : null;
}

/**
 * Paste-back alpha over a box of w x h: 0 above `top` (fraction of the height), smoothstep ramps
 * of `feather` x size at the top of the lower region and at the sides and bottom, 1 inside.
 * (Wav2Lip pastes the whole box; the upper half is the unmasked reference re-rendered at 96 px,
 * so only the lower face is kept here.)
 */
export function lowerFaceAlpha(w: number, h: number, top = 0.45, feather = 0.08): Float32Array {
  const a = new Float32Array(w * h);
  const ss = (u: number) => (u <= 0 ? 0 : u >= 1 ? 1 : u * u * (3 - 2 * u));
  const fh = Math.max(1, feather * h), fw = Math.max(1, feather * w);
  for (let y = 0; y < h; y++) {
    const vy = ss((y + 0.5 - top * h) / fh) * ss((h - y - 0.5) / (0.5 * fh));
    for (let x = 0; x < w; x++) a[y * w + x] = vy * ss((x + 0.5) / fw) * ss((w - x - 0.5) / fw);
  }
  return a;
}
