/**
 * Bilinear sampling of rgb24 frames into the planar float inputs of the face models, written
 * straight into NCHW buffers (no intermediate image, no tensor library).
 */
import type { CropBox } from './blazeface-decode';

/**
 * Resizes an rgb24 image (`data`: Uint8Array(width * height * 3), row-major HWC) to `size` x
 * `size` with tf.image.resizeBilinear semantics (alignCorners = false, halfPixelCenters = false:
 * source = dest * in / out), mapping 0..255 to `v * mul + add`, into `out` as NCHW
 * Float32Array(3 * size * size). Returns `out`.
 * @throws Error when `out` has the wrong length.
 */
export function resizeToPlanar(data: Uint8Array, width: number, height: number, size: number, mul: number, add: number, out: Float32Array): Float32Array {
  if (out.length !== 3 * size * size) throw new Error(`resizeToPlanar: out must hold ${3 * size * size} floats`);
  const plane = size * size;
  const sx = width / size;
  const sy = height / size;
  const x0s = new Int32Array(size);
  const x1s = new Int32Array(size);
  const fxs = new Float32Array(size);
  for (let x = 0; x < size; x++) {
    const fx = x * sx;
    const x0 = Math.min(Math.floor(fx), width - 1);
    x0s[x] = x0 * 3;
    x1s[x] = Math.min(x0 + 1, width - 1) * 3;
    fxs[x] = fx - x0;
  }
  for (let y = 0; y < size; y++) {
    const fy = y * sy;
    const y0 = Math.min(Math.floor(fy), height - 1);
    const y1 = Math.min(y0 + 1, height - 1);
    const wy = fy - y0;
    const r0 = y0 * width * 3;
    const r1 = y1 * width * 3;
    rowBilinear(data, r0, r1, wy, x0s, x1s, fxs, size, mul, add, out, y * size, plane);
  }
  return out;
}

function rowBilinear(
  data: Uint8Array,
  r0: number,
  r1: number,
  wy: number,
  x0s: Int32Array,
  x1s: Int32Array,
  fxs: Float32Array,
  size: number,
  mul: number,
  add: number,
  out: Float32Array,
  o: number,
  plane: number,
): void {
  for (let x = 0; x < size; x++) {
    const a = x0s[x];
    const b = x1s[x];
    const wx = fxs[x];
    for (let c = 0; c < 3; c++) {
      const top = data[r0 + a + c] + (data[r0 + b + c] - data[r0 + a + c]) * wx;
      const bot = data[r1 + a + c] + (data[r1 + b + c] - data[r1 + a + c]) * wx;
      out[c * plane + o + x] = (top + (bot - top) * wy) * mul + add;
    }
  }
}

/**
 * Crops `box` out of an rgb24 image and resizes it to `size` x `size` with
 * tf.image.cropAndResize semantics (normalised box corners; sample i of n at
 * y1 * (H - 1) + i * (y2 - y1) * (H - 1) / (n - 1); samples outside the image are 0),
 * mapping 0..255 to `v * mul + add` (0 outside), into `out` (NCHW, Float32Array(3 * size *
 * size), at float offset `offset` for batching). Box coordinates are image pixels.
 */
export function cropToPlanar(data: Uint8Array, width: number, height: number, box: CropBox, size: number, mul: number, add: number, out: Float32Array, offset = 0): Float32Array {
  const plane = size * size;
  // Normalised corners as Human passes them (x / W), then tf's (W - 1) scaling.
  const nx1 = box.x / width;
  const nx2 = (box.x + box.size) / width;
  const ny1 = box.y / height;
  const ny2 = (box.y + box.size) / height;
  const stepX = size > 1 ? ((nx2 - nx1) * (width - 1)) / (size - 1) : 0;
  const stepY = size > 1 ? ((ny2 - ny1) * (height - 1)) / (size - 1) : 0;
  for (let y = 0; y < size; y++) {
    const fy = ny1 * (height - 1) + y * stepY;
    const oRow = offset + y * size;
    if (fy < 0 || fy > height - 1) {
      for (let c = 0; c < 3; c++) out.fill(0, offset + c * plane + y * size, offset + c * plane + y * size + size);
      continue;
    }
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, height - 1);
    const wy = fy - y0;
    const r0 = y0 * width * 3;
    const r1 = y1 * width * 3;
    for (let x = 0; x < size; x++) {
      const fx = nx1 * (width - 1) + x * stepX;
      if (fx < 0 || fx > width - 1) {
        out[oRow + x] = 0;
        out[plane + oRow + x] = 0;
        out[2 * plane + oRow + x] = 0;
        continue;
      }
      const x0 = Math.floor(fx);
      const a = x0 * 3;
      const b = Math.min(x0 + 1, width - 1) * 3;
      const wx = fx - x0;
      for (let c = 0; c < 3; c++) {
        const top = data[r0 + a + c] + (data[r0 + b + c] - data[r0 + a + c]) * wx;
        const bot = data[r1 + a + c] + (data[r1 + b + c] - data[r1 + a + c]) * wx;
        out[c * plane + oRow + x] = (top + (bot - top) * wy) * mul + add;
      }
    }
  }
  return out;
}
