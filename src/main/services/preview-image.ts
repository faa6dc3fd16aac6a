import { deflateSync } from 'node:zlib';

/**
 * Small PNG data URLs of rgb24 crops for the interactive render preview: box-downscaled so the
 * longer side is at most `maxSide`, RGBA (opaque), 'Up'-filtered rows, fast deflate. Built in
 * process (no ffmpeg spawn per frame); a 240 px crop is ~50-150 KB as a data URL.
 */

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** PNG file bytes of an RGBA image (width * height * 4 bytes). */
export function encodePngRgba(width: number, height: number, rgba: Uint8Array, level = 3): Buffer {
  if (rgba.length !== width * height * 4) throw new Error(`expected ${width}x${height}x4 bytes, got ${rgba.length}`);
  const stride = width * 4;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const o = y * (stride + 1);
    raw[o] = y === 0 ? 0 : 2; // None for the first row, Up below.
    const row = y * stride;
    if (y === 0) raw.set(rgba.subarray(row, row + stride), o + 1);
    else for (let i = 0; i < stride; i++) raw[o + 1 + i] = (rgba[row + i] - rgba[row - stride + i]) & 0xff;
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level })), chunk('IEND', new Uint8Array(0))]);
}

/** Box-averaged downscale of an rgb24 image into opaque RGBA, longer side at most `maxSide`. */
export function downscaleRgbToRgba(width: number, height: number, rgb: Uint8Array, maxSide: number): { width: number; height: number; data: Uint8Array } {
  const s = Math.min(1, maxSide / Math.max(width, height));
  const w = Math.max(1, Math.round(width * s));
  const h = Math.max(1, Math.round(height * s));
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    const y0 = Math.floor((y * height) / h);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * height) / h));
    for (let x = 0; x < w; x++) {
      const x0 = Math.floor((x * width) / w);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * width) / w));
      let r = 0, g = 0, b = 0;
      for (let yy = y0; yy < y1; yy++) {
        let i = (yy * width + x0) * 3;
        for (let xx = x0; xx < x1; xx++, i += 3) {
          r += rgb[i];
          g += rgb[i + 1];
          b += rgb[i + 2];
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * w + x) * 4;
      out[o] = Math.round(r / n);
      out[o + 1] = Math.round(g / n);
      out[o + 2] = Math.round(b / n);
      out[o + 3] = 255;
    }
  }
  return { width: w, height: h, data: out };
}

/** Largest data URL the preview sends (characters). */
export const PREVIEW_MAX_CHARS = 200_000;

/**
 * A PNG data URL of an rgb24 crop, at most `maxSide` px on its longer side and under
 * {@link PREVIEW_MAX_CHARS} characters (halving the size until it fits).
 */
export function previewDataUrl(width: number, height: number, rgb: Uint8Array, maxSide = 240): string {
  for (let side = maxSide; ; side = Math.floor(side / 2)) {
    const img = downscaleRgbToRgba(width, height, rgb, side);
    const url = `data:image/png;base64,${encodePngRgba(img.width, img.height, img.data).toString('base64')}`;
    if (url.length <= PREVIEW_MAX_CHARS || side <= 16) return url;
  }
}

/** Calls `send` at most once per `intervalMs` (the first call always passes). */
export function throttle<T>(intervalMs: number, send: (v: T) => void, now: () => number = () => performance.now()): (v: T) => boolean {
  let last = -Infinity;
  return (v) => {
    const t = now();
    if (t - last < intervalMs) return false;
    last = t;
    send(v);
    return true;
  };
}
