import { UserError } from '../util/errors';
import type { Rational } from './rate';

/**
 * Exact rational seconds (`n/d`, BigInt) as FCPXML writes time: `"1001/24000s"`, `"3600s"`,
 * `"0s"`. Used so that 23.976 / 29.97 / 59.94 positions never pass through floating point.
 */
export interface RatTime {
  n: bigint;
  d: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b) [a, b] = [b, a % b];
  return a;
}

/** `n/d` reduced, with a positive denominator. */
export function rat(n: bigint, d: bigint = 1n): RatTime {
  if (d === 0n) throw new RangeError('zero denominator');
  if (d < 0n) [n, d] = [-n, -d];
  const g = gcd(n, d) || 1n;
  return { n: n / g, d: d / g };
}

export function ratAdd(a: RatTime, b: RatTime): RatTime {
  return rat(a.n * b.d + b.n * a.d, a.d * b.d);
}

export function ratSub(a: RatTime, b: RatTime): RatTime {
  return rat(a.n * b.d - b.n * a.d, a.d * b.d);
}

/** Seconds of `frames` frames at `rate` (frames * den / num). */
export function framesToRat(frames: number, rate: Rational): RatTime {
  return rat(BigInt(frames) * BigInt(rate.den), BigInt(rate.num));
}

/**
 * Frames at `rate` for `t` seconds, rounded to the nearest frame (half away from zero).
 * `exact` says whether no rounding was needed.
 */
export function ratToFrames(t: RatTime, rate: Rational): { frames: number; exact: boolean } {
  const num = t.n * BigInt(rate.num);
  const den = t.d * BigInt(rate.den);
  const q = num / den;
  const r = num % den;
  let frames = q;
  if (2n * (r < 0n ? -r : r) >= den) frames += num < 0n ? -1n : 1n;
  return { frames: Number(frames), exact: r === 0n };
}

/**
 * FCPXML time text for `t`: whole seconds as `"Ns"`, otherwise `"N/Ds"` with `D` = `prefer`
 * when that is exact (so positions read as multiples of the frame duration, e.g.
 * `"48048/24000s"`), else the reduced fraction.
 */
export function formatRat(t: RatTime, prefer?: bigint): string {
  if (t.d === 1n) return `${t.n}s`;
  if (prefer && (t.n * prefer) % t.d === 0n) return `${(t.n * prefer) / t.d}/${prefer}s`;
  return `${t.n}/${t.d}s`;
}

/**
 * Parses FCPXML time (`"N/Ds"`, `"Ns"`, `"N.Ms"`; the trailing `s` may be missing).
 * @throws UserError `E_NLE_FCPXML` for anything else.
 */
export function parseRat(text: string | undefined, fallback?: RatTime): RatTime {
  if (text === undefined || text === '') {
    if (fallback) return fallback;
    throw new UserError('E_NLE_FCPXML', 'A required FCPXML time value is missing.', 'Export the project again from Final Cut Pro.');
  }
  const s = text.trim().replace(/s$/, '');
  let m = /^(-?\d+)\/(\d+)$/.exec(s);
  if (m) return rat(BigInt(m[1]), BigInt(m[2]));
  m = /^(-?\d+)(?:\.(\d+))?$/.exec(s);
  if (m) {
    const frac = m[2] ?? '';
    const d = 10n ** BigInt(frac.length);
    const whole = BigInt(m[1]);
    const sign = m[1].startsWith('-') ? -1n : 1n;
    return rat(whole * d + sign * BigInt(frac || '0'), d);
  }
  throw new UserError('E_NLE_FCPXML', `"${text}" is not an FCPXML time value.`, 'Time values look like "1001/24000s" or "3600s".');
}
