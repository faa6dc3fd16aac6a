/**
 * Seeded pseudo-random numbers for reproducible sampling (same seed -> same video, on every
 * platform: pure 32-bit integer arithmetic, no Math.random).
 */

/** sfc32 generator seeded from a 53-bit integer seed; returns uniforms in [0, 1). */
export function uniformRng(seed: number): () => number {
  let a = 0x9e3779b9 ^ (seed >>> 0);
  let b = 0x243f6a88 ^ Math.floor(seed / 4294967296);
  let c = 0xb7e15162;
  let d = 1;
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (a + b + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let i = 0; i < 16; i++) next();
  return next;
}

/**
 * Standard normal samples (Box-Muller) from `seed`: Float32Array(n). The same (seed, n) always
 * gives the same values; a prefix of a longer draw equals a shorter draw.
 */
export function gaussian(seed: number, n: number): Float32Array {
  const u = uniformRng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u1 = 1 - u(); // (0, 1]
    const u2 = u();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/** Derives an independent stream seed from a base seed and a stream index (e.g. DDIM step). */
export function subSeed(seed: number, stream: number): number {
  let h = (Math.imul((seed >>> 0) ^ 0x85ebca6b, 0xc2b2ae35) ^ Math.imul(stream + 1, 0x27d4eb2f)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
