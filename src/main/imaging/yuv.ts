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
  const ys = 219 / 255;
  const cs = 224 / 255;
  for (let y = 0; y < h; y += 2) {
    for (let x = 0; x < w; x += 2) {
      let sb = 0, sr = 0;
      for (let dy = 0; dy < 2; dy++) {
        for (let dx = 0; dx < 2; dx++) {
          const p = ((y + dy) * w + x + dx) * 3;
          const r = data[p], g = data[p + 1], b = data[p + 2];
          const yl = kr * r + kg * g + kb * b;
          out[(y + dy) * w + x + dx] = 16 + yl * ys + 0.5;
          sb += (b - yl) / (2 * (1 - kb));
          sr += (r - yl) / (2 * (1 - kr));
        }
      }
      const ci = (y / 2) * (w / 2) + x / 2;
      out[uOff + ci] = Math.min(240, Math.max(16, 128 + (sb / 4) * cs + 0.5));
      out[vOff + ci] = Math.min(240, Math.max(16, 128 + (sr / 4) * cs + 0.5));
    }
  }
  return { ...frame, data: out, pixFmt: 'yuv420p' };
}
