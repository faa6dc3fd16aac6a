/**
 * The union mask rectangle of a segment (what will be regenerated), from per-frame bounding boxes
 * of the coarse mouth/jaw mask. Mirrors `unionMask` in src/main/masks/geometry.ts (the bounding
 * box of the union of polygons is the union of their bounding boxes), so the editor's overlay
 * shows the same box the pipeline uses. Boxes and result in image pixels.
 */
export interface UnionRect {
  x: number;
  y: number;
  w: number;
  h: number;
  /** Soft edge width in pixels. */
  feather: number;
}

export function unionRectFromBoxes(
  boxes: Array<[number, number, number, number]>,
  width: number,
  height: number,
  opts: { marginFrac?: number; featherFrac?: number } = {},
): UnionRect | null {
  if (boxes.length === 0) return null;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const [x, y, w, h] of boxes) {
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x + w);
    y1 = Math.max(y1, y + h);
  }
  const size = Math.max(x1 - x0, y1 - y0);
  const margin = size * (opts.marginFrac ?? 0.12);
  const fx0 = Math.max(0, Math.floor(x0 - margin));
  const fy0 = Math.max(0, Math.floor(y0 - margin));
  const fx1 = Math.min(width, Math.ceil(x1 + margin));
  const fy1 = Math.min(height, Math.ceil(y1 + margin));
  return { x: fx0, y: fy0, w: Math.max(0, fx1 - fx0), h: Math.max(0, fy1 - fy0), feather: Math.max(2, Math.round(size * (opts.featherFrac ?? 0.12))) };
}
