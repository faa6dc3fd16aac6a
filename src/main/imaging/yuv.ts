import type { RgbFrame } from '../media/types';

/**
 * Converts an rgb24 frame (even width and height) to planar yuv420p, limited range, with the
 * BT.601 or BT.709 matrix (ITU-R BT.601-7 / BT.709-6 Y'CbCr, 8-bit: Y 16-235, C 16-240); chroma
 * is the mean of each 2x2 block. Used to paste freshly rendered crops into a 4:2:0 export
 * (values may differ by a level from ffmpeg's swscale rounding).
 * @returns a new frame with `pixFmt: 'yuv420p'` (Y plane, then U, then V).
 * @throws Error for odd sizes.
 */
export function rgbToYuv420p(frame: RgbFrame, matrix: 'bt601' | 'bt709'): RgbFrame {
  const { width: w, height: h, data } = frame;
  if (w % 2 !== 0 || h % 2 !== 0) throw new Error(`rgbToYuv420p needs even sizes (got ${w}x${h})`);
  const [kr, kb] = matrix === 'bt709' ? [0.2126, 0.0722] : [0.299, 0.114];
  const kg = 1 - kr - kb;
  const out = new Uint8Array(w * h * 1.5);
  const uOff = w * h;
  const vOff = uOff + (w / 2) * (h / 2);
  // Luma scaled to 16-235 (+0.5 rounding) in one multiply-add per pixel; chroma from the 2x2
  // block sums: Cb = (sum B - sum Y') / (2 (1 - kb)) / 4, scaled to 16-240.
  const ys = 219 / 255;
  const yr = kr * ys, yg = kg * ys, yb = kb * ys;
  const cbK = 224 / 255 / (8 * (1 - kb));
  const crK = 224 / 255 / (8 * (1 - kr));
  const row = w * 3;
  for (let y = 0; y < h; y += 2) {
    let p = y * row;
    let q = p + row;
    let o = y * w;
    let ci = (y >> 1) * (w >> 1);
    for (let x = 0; x < w; x += 2, p += 6, q += 6, o += 2, ci++) {
      const r0 = data[p], g0 = data[p + 1], b0 = data[p + 2];
      const r1 = data[p + 3], g1 = data[p + 4], b1 = data[p + 5];
      const r2 = data[q], g2 = data[q + 1], b2 = data[q + 2];
      const r3 = data[q + 3], g3 = data[q + 4], b3 = data[q + 5];
      const y0 = yr * r0 + yg * g0 + yb * b0;
      const y1 = yr * r1 + yg * g1 + yb * b1;
      const y2 = yr * r2 + yg * g2 + yb * b2;
      const y3 = yr * r3 + yg * g3 + yb * b3;
      out[o] = 16.5 + y0;
      out[o + 1] = 16.5 + y1;
      out[o + w] = 16.5 + y2;
      out[o + w + 1] = 16.5 + y3;
      const sy = (y0 + y1 + y2 + y3) / ys;
      const u = 128.5 + (b0 + b1 + b2 + b3 - sy) * cbK;
      const v = 128.5 + (r0 + r1 + r2 + r3 - sy) * crK;
      out[uOff + ci] = u < 16 ? 16 : u > 240.5 ? 240 : u;
      out[vOff + ci] = v < 16 ? 16 : v > 240.5 ? 240 : v;
    }
  }
  return { ...frame, data: out, pixFmt: 'yuv420p' };
}
