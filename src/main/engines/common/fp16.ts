/**
 * IEEE 754 half-precision conversion for fp16 graphs (ORT takes/returns float16 as Uint16Array
 * bit patterns on Node 20).
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 -> float16 bits, round to nearest even; overflow -> ±Inf, NaN kept. */
export function toHalf(v: number): number {
  f32[0] = v;
  return halfBitsOf(u32[0]);
}

/** float16 bits of the float32 whose IEEE bits are `x` (round to nearest even). */
function halfBitsOf(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++; // a carry into the exponent rounds up to Inf correctly
  return sign | h;
}

/** float16 bits -> number. */
export function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/**
 * Float32Array -> Uint16Array of half bits (`toHalf` of each value), for `src[from..to)` into
 * `out` at the same indices (a new array of src.length by default).
 * @returns `out`.
 */
export function floatsToHalf(src: Float32Array, out: Uint16Array = new Uint16Array(src.length), from = 0, to = src.length): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = from; i < to; i++) out[i] = halfBitsOf(bits[i]);
  return out;
}

let halfTable: Float32Array | null = null;

/** Uint16Array of half bits -> Float32Array (`fromHalf` of each, through a 64 K-entry table built once). */
export function halfToFloats(src: Uint16Array): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = fromHalf(h);
  }
  const t = halfTable;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = t[src[i]];
  return out;
}
