import FFT from 'fft.js';
import { UserError } from '../util/errors';

/**
 * A real-input DFT of a fixed length `n` (any integer >= 1, not only powers of two), returning
 * the non-negative-frequency half spectrum.
 *
 * `transform(input, re, im)`: `input` is `[n]` real samples; `re`/`im` receive `[n/2 + 1]`
 * (floor) values, `X[k] = sum_t input[t] * exp(-2*pi*i*k*t/n)` (unnormalised, numpy.fft.rfft
 * convention). All arithmetic is float64.
 */
export interface RealFft {
  readonly n: number;
  /** Number of output bins, `floor(n/2) + 1`. */
  readonly nFreq: number;
  transform(input: ArrayLike<number>, re: Float64Array, im: Float64Array): void;
}

const cache = new Map<number, RealFft>();

/**
 * Returns a (cached) real DFT of length `n`.
 *
 * Powers of two go straight to fft.js's real transform (radix-4, indutny/fft.js). Other even
 * lengths, e.g. the n_fft = 400 / 800 used by whisper-style and Wav2Lip features, pack the input
 * into a complex sequence of length n/2 (`z[m] = x[2m] + i x[2m+1]`), transform it and split the
 * result (`X[k] = (Z[k] + Z*[n/2-k])/2 - i e^{-2 pi i k/n} (Z[k] - Z*[n/2-k])/2`). Complex
 * transforms of non-power-of-two length use Bluestein's chirp-z algorithm (L. Bluestein, "A
 * linear filtering approach to the computation of the discrete Fourier transform", 1970):
 * `nk = (n^2 + k^2 - (k-n)^2)/2` turns the DFT into a circular convolution of length
 * `M = nextPow2(2n - 1)` done with fft.js. Chirp phases are reduced `mod 2n` so they stay exact.
 * Error is ~1e-13 relative to the spectrum peak.
 *
 * @throws UserError `E_AUDIO_FFT_SIZE` when `n` is not a positive integer.
 */
export function getRealFft(n: number): RealFft {
  if (!Number.isInteger(n) || n < 1) {
    throw new UserError('E_AUDIO_FFT_SIZE', `FFT size must be a positive integer, got ${n}.`, 'Pass an integer n_fft such as 400, 512 or 800.');
  }
  let f = cache.get(n);
  if (!f) {
    if (n > 1 && (n & (n - 1)) === 0) f = pow2RealFft(n);
    else if (n % 2 === 0) f = evenRealFft(n);
    else f = oddRealFft(n);
    cache.set(n, f);
  }
  return f;
}

/** Complex DFT of length n on interleaved [re, im] arrays (`out` gets `2n` values). */
interface ComplexFft {
  readonly n: number;
  transform(out: Float64Array, input: Float64Array): void;
}

function complexFft(n: number): ComplexFft {
  if (n === 1) {
    return {
      n,
      transform(out, input) {
        out[0] = input[0];
        out[1] = input[1];
      },
    };
  }
  if ((n & (n - 1)) === 0) {
    const fft = new FFT(n);
    return { n, transform: (out, input) => fft.transform(out, input) };
  }
  return bluestein(n);
}

function pow2RealFft(n: number): RealFft {
  const fft = new FFT(n);
  const data = new Float64Array(n);
  const out = new Float64Array(2 * n);
  const nFreq = n / 2 + 1;
  return {
    n,
    nFreq,
    transform(input, re, im) {
      for (let i = 0; i < n; i++) data[i] = input[i];
      fft.realTransform(out, data);
      for (let k = 0; k < nFreq; k++) {
        re[k] = out[2 * k];
        im[k] = out[2 * k + 1];
      }
    },
  };
}

function evenRealFft(n: number): RealFft {
  const h = n / 2;
  const c = complexFft(h);
  const z = new Float64Array(2 * h);
  const Z = new Float64Array(2 * h);
  const nFreq = h + 1;
  const tRe = new Float64Array(nFreq);
  const tIm = new Float64Array(nFreq);
  for (let k = 0; k < nFreq; k++) {
    tRe[k] = Math.cos((2 * Math.PI * k) / n);
    tIm[k] = -Math.sin((2 * Math.PI * k) / n);
  }
  return {
    n,
    nFreq,
    transform(input, re, im) {
      for (let m = 0; m < h; m++) {
        z[2 * m] = input[2 * m];
        z[2 * m + 1] = input[2 * m + 1];
      }
      c.transform(Z, z);
      for (let k = 0; k < nFreq; k++) {
        const a = k === h ? 0 : k;
        const b = k === 0 ? 0 : h - k;
        const zr = Z[2 * a];
        const zi = Z[2 * a + 1];
        const wr = Z[2 * b]; // conj(Z[h-k]) = (wr, -wi)
        const wi = Z[2 * b + 1];
        const er = 0.5 * (zr + wr); // even part E[k]
        const ei = 0.5 * (zi - wi);
        const orr = 0.5 * (zi + wi); // odd part O[k] = (Z[k] - conj(Z[h-k])) / (2i)
        const oi = -0.5 * (zr - wr);
        re[k] = er + tRe[k] * orr - tIm[k] * oi;
        im[k] = ei + tRe[k] * oi + tIm[k] * orr;
      }
    },
  };
}

function oddRealFft(n: number): RealFft {
  const c = complexFft(n);
  const z = new Float64Array(2 * n);
  const Z = new Float64Array(2 * n);
  const nFreq = Math.floor(n / 2) + 1;
  return {
    n,
    nFreq,
    transform(input, re, im) {
      for (let t = 0; t < n; t++) z[2 * t] = input[t];
      c.transform(Z, z);
      for (let k = 0; k < nFreq; k++) {
        re[k] = Z[2 * k];
        im[k] = Z[2 * k + 1];
      }
    },
  };
}

function bluestein(n: number): ComplexFft {
  let m = 1;
  while (m < 2 * n - 1) m <<= 1;
  const fft = new FFT(m);
  // chirp w[t] = exp(-i*pi*t^2/n), t = 0..n-1 (t^2 reduced mod 2n; exact while t < 2^26).
  const wRe = new Float64Array(n);
  const wIm = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const t2 = (t * t) % (2 * n);
    const a = (Math.PI * t2) / n;
    wRe[t] = Math.cos(a);
    wIm[t] = -Math.sin(a);
  }
  // b[j] = conj(w[|j|]) placed circularly, transformed once.
  const b = new Float64Array(2 * m);
  b[0] = wRe[0];
  b[1] = -wIm[0];
  for (let t = 1; t < n; t++) {
    b[2 * t] = wRe[t];
    b[2 * t + 1] = -wIm[t];
    b[2 * (m - t)] = wRe[t];
    b[2 * (m - t) + 1] = -wIm[t];
  }
  const bHat = new Float64Array(2 * m);
  fft.transform(bHat, b);
  const a = new Float64Array(2 * m);
  const aHat = new Float64Array(2 * m);
  const conv = new Float64Array(2 * m);
  return {
    n,
    transform(out, input) {
      for (let t = 0; t < n; t++) {
        const xr = input[2 * t];
        const xi = input[2 * t + 1];
        a[2 * t] = xr * wRe[t] - xi * wIm[t];
        a[2 * t + 1] = xr * wIm[t] + xi * wRe[t];
      }
      a.fill(0, 2 * n);
      fft.transform(aHat, a);
      for (let j = 0; j < m; j++) {
        const ar = aHat[2 * j];
        const ai = aHat[2 * j + 1];
        const br = bHat[2 * j];
        const bi = bHat[2 * j + 1];
        aHat[2 * j] = ar * br - ai * bi;
        aHat[2 * j + 1] = ar * bi + ai * br;
      }
      fft.inverseTransform(conv, aHat); // fft.js's inverse already divides by m
      for (let k = 0; k < n; k++) {
        const cr = conv[2 * k];
        const ci = conv[2 * k + 1];
        out[2 * k] = cr * wRe[k] - ci * wIm[k];
        out[2 * k + 1] = cr * wIm[k] + ci * wRe[k];
      }
    },
  };
}
