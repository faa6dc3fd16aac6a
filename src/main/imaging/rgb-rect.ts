/**
 * Copies the rectangle `rect` (frame pixels) of an rgb24 image (HxWx3; a whole frame, or a crop
 * placed at `x0`, `y0`) into `out` (rect.h x rect.w x 3, row-major; a new array by default, e.g.
 * one over a SharedArrayBuffer when given).
 * @returns `out`.
 * @throws RangeError when `rect` is not inside the image or `out` is too small.
 */
export function copyRgbRect(
  src: { width: number; data: Uint8Array; x0?: number; y0?: number },
  rect: { x: number; y: number; w: number; h: number },
  out: Uint8Array = new Uint8Array(rect.w * rect.h * 3),
): Uint8Array {
  const ox = rect.x - (src.x0 ?? 0), oy = rect.y - (src.y0 ?? 0);
  if (ox < 0 || oy < 0 || ox + rect.w > src.width || (oy + rect.h) * src.width * 3 > src.data.length) throw new RangeError('copyRgbRect: rectangle outside the image');
  for (let y = 0; y < rect.h; y++) {
    const s = ((oy + y) * src.width + ox) * 3;
    out.set(src.data.subarray(s, s + rect.w * 3), y * rect.w * 3);
  }
  return out;
}
