/**
 * Bilinear sampling of rgb24 or yuv420p frames into the planar float inputs of the face models,
 * written straight into NCHW buffers (no intermediate image, no tensor library). The sample
 * positions (`resizeSamples`, `cropSamples`) are shared; a `Sampler` reads one image format.
 */
import type { CropBox } from './blazeface-decode';
import type { ColorMatrix } from '../../media/args';

/**
 * Writes one bilinear sample: the taps (x0, y0), (x1, y0), (x0, y1), (x1, y1) (pixels) with
 * weights wx, wy in [0, 1], as `(r, g, b) * mul + add` to `out[o]`, `out[o + plane]`,
 * `out[o + 2 plane]`.
 */
type Sampler = (x0: number, x1: number, y0: number, y1: number, wx: number, wy: number, out: Float32Array, o: number, plane: number) => void;

/** Sampler of an rgb24 image (Uint8Array(width * height * 3), HWC). */
function rgbSampler(data: Uint8Array, width: number, mul: number, add: number): Sampler {
  return (x0, x1, y0, y1, wx, wy, out, o, plane) => {
    const r0 = y0 * width * 3, r1 = y1 * width * 3, a = x0 * 3, b = x1 * 3;
    for (let c = 0; c < 3; c++) {
      const top = data[r0 + a + c] + (data[r0 + b + c] - data[r0 + a + c]) * wx;
      const bot = data[r1 + a + c] + (data[r1 + b + c] - data[r1 + a + c]) * wx;
      out[o + c * plane] = (top + (bot - top) * wy) * mul + add;
    }
  };
}

/** A yuv420p image (planar Y, then U and V at half size, limited range) and its matrix. */
export interface YuvImage {
  width: number;
  height: number;
  /** Uint8Array(width * height * 3 / 2): Y (width x height), U, V (width/2 x height/2). */
  data: Uint8Array;
  matrix: ColorMatrix;
}

/** Limited-range Y'CbCr -> R'G'B' (0..255): R = y (Y-16) + rv (V-128), G = y (Y-16) - gu (U-128) - gv (V-128), B = y (Y-16) + bu (U-128). */
const YUV_TO_RGB = {
  bt601: { y: 255 / 219, rv: (255 / 224) * 1.402, gu: (255 / 224) * 1.772 * (0.114 / 0.587), gv: (255 / 224) * 1.402 * (0.299 / 0.587), bu: (255 / 224) * 1.772 },
  bt709: { y: 255 / 219, rv: (255 / 224) * 1.5748, gu: (255 / 224) * 1.8556 * (0.0722 / 0.7152), gv: (255 / 224) * 1.5748 * (0.2126 / 0.7152), bu: (255 / 224) * 1.8556 },
} as const;

/**
 * Sampler of a yuv420p image, equal (up to that image's rounding and clamping) to sampling its
 * rgb24 conversion as ffmpeg makes it for same-size 4:2:0 (each pixel takes the chroma of its
 * 2x2 cell), without the conversion or the rgb24 pipe bytes: the four luma taps and their cells'
 * chroma are interpolated with the same weights, then converted once (the conversion is affine)
 * and clamped to 0..255 (ITU-R BT.601 / BT.709 limited range).
 */
function yuvSampler(img: YuvImage, mul: number, add: number): Sampler {
  const { width: w, height: h, data } = img;
  const cw = w >> 1;
  const uOff = w * h;
  const vOff = uOff + cw * (h >> 1);
  const k = YUV_TO_RGB[img.matrix];
  return (x0, x1, y0, y1, wx, wy, out, o, plane) => {
    const w00 = (1 - wx) * (1 - wy), w01 = wx * (1 - wy), w10 = (1 - wx) * wy, w11 = wx * wy;
    const Y = data[y0 * w + x0] * w00 + data[y0 * w + x1] * w01 + data[y1 * w + x0] * w10 + data[y1 * w + x1] * w11;
    const c00 = (y0 >> 1) * cw + (x0 >> 1), c01 = (y0 >> 1) * cw + (x1 >> 1), c10 = (y1 >> 1) * cw + (x0 >> 1), c11 = (y1 >> 1) * cw + (x1 >> 1);
    const U = data[uOff + c00] * w00 + data[uOff + c01] * w01 + data[uOff + c10] * w10 + data[uOff + c11] * w11;
    const V = data[vOff + c00] * w00 + data[vOff + c01] * w01 + data[vOff + c10] * w10 + data[vOff + c11] * w11;
    const yy = k.y * (Y - 16), u = U - 128, v = V - 128;
    const r = yy + k.rv * v, g = yy - k.gu * u - k.gv * v, b = yy + k.bu * u;
    out[o] = (r < 0 ? 0 : r > 255 ? 255 : r) * mul + add;
    out[o + plane] = (g < 0 ? 0 : g > 255 ? 255 : g) * mul + add;
    out[o + 2 * plane] = (b < 0 ? 0 : b > 255 ? 255 : b) * mul + add;
  };
}

/**
 * tf.image.resizeBilinear sample positions (alignCorners = false, halfPixelCenters = false:
 * source = dest * in / out) of a `size` x `size` NCHW output, through `sample`.
 */
function resizeSamples(width: number, height: number, size: number, out: Float32Array, sample: Sampler): Float32Array {
  if (out.length !== 3 * size * size) throw new Error(`resizeToPlanar: out must hold ${3 * size * size} floats`);
  const plane = size * size;
  const sx = width / size;
  const sy = height / size;
  for (let y = 0; y < size; y++) {
    const fy = y * sy;
    const y0 = Math.min(Math.floor(fy), height - 1);
    const y1 = Math.min(y0 + 1, height - 1);
    for (let x = 0; x < size; x++) {
      const fx = x * sx;
      const x0 = Math.min(Math.floor(fx), width - 1);
      sample(x0, Math.min(x0 + 1, width - 1), y0, y1, fx - x0, fy - y0, out, y * size + x, plane);
    }
  }
  return out;
}

/**
 * tf.image.cropAndResize sample positions of `box` (image pixels; normalised corners; sample i of
 * n at y1 * (H - 1) + i * (y2 - y1) * (H - 1) / (n - 1)) into a `size` x `size` NCHW output at
 * float offset `offset`, through `sample`; samples outside the image are 0.
 */
function cropSamples(width: number, height: number, box: CropBox, size: number, out: Float32Array, offset: number, sample: Sampler): Float32Array {
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
    const rowOutside = fy < 0 || fy > height - 1;
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, height - 1);
    for (let x = 0; x < size; x++) {
      const fx = nx1 * (width - 1) + x * stepX;
      if (rowOutside || fx < 0 || fx > width - 1) {
        out[oRow + x] = 0;
        out[plane + oRow + x] = 0;
        out[2 * plane + oRow + x] = 0;
        continue;
      }
      const x0 = Math.floor(fx);
      sample(x0, Math.min(x0 + 1, width - 1), y0, y1, fx - x0, fy - y0, out, oRow + x, plane);
    }
  }
  return out;
}

/**
 * Resizes an rgb24 image (`data`: Uint8Array(width * height * 3), row-major HWC) to `size` x
 * `size` with tf.image.resizeBilinear semantics (see `resizeSamples`), mapping 0..255 to
 * `v * mul + add`, into `out` as NCHW Float32Array(3 * size * size). Returns `out`.
 * @throws Error when `out` has the wrong length.
 */
export function resizeToPlanar(data: Uint8Array, width: number, height: number, size: number, mul: number, add: number, out: Float32Array): Float32Array {
  return resizeSamples(width, height, size, out, rgbSampler(data, width, mul, add));
}

/**
 * Crops `box` out of an rgb24 image and resizes it to `size` x `size` with
 * tf.image.cropAndResize semantics (see `cropSamples`), mapping 0..255 to `v * mul + add` (0
 * outside), into `out` (NCHW, Float32Array(3 * size * size), at float offset `offset` for
 * batching). Box coordinates are image pixels.
 */
export function cropToPlanar(data: Uint8Array, width: number, height: number, box: CropBox, size: number, mul: number, add: number, out: Float32Array, offset = 0): Float32Array {
  return cropSamples(width, height, box, size, out, offset, rgbSampler(data, width, mul, add));
}

/** `resizeToPlanar` for a yuv420p image (see `yuvSampler`). Throws like `resizeToPlanar`. */
export function resizeYuvToPlanar(img: YuvImage, size: number, mul: number, add: number, out: Float32Array): Float32Array {
  return resizeSamples(img.width, img.height, size, out, yuvSampler(img, mul, add));
}

/** `cropToPlanar` for a yuv420p image (see `yuvSampler`): same positions, zeros outside. */
export function cropYuvToPlanar(img: YuvImage, box: CropBox, size: number, mul: number, add: number, out: Float32Array, offset = 0): Float32Array {
  return cropSamples(img.width, img.height, box, size, out, offset, yuvSampler(img, mul, add));
}
