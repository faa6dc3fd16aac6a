import { UserError } from '../util/errors';

/**
 * An exact frame rate in frames per second as a rational `num/den` (e.g. 24000/1001 for
 * "23.976", 25/1). Both are positive integers; keep them reduced (see `makeRate`).
 */
export interface Rational {
  num: number;
  den: number;
}

function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * A reduced rate `num/den`.
 * @throws UserError `E_NLE_RATE` when either is not a positive integer.
 */
export function makeRate(num: number, den = 1): Rational {
  if (!Number.isInteger(num) || !Number.isInteger(den) || num <= 0 || den <= 0) {
    throw new UserError('E_NLE_RATE', `Invalid frame rate ${num}/${den}.`, 'Use a rate such as 24000/1001, 24, 25 or 30000/1001.');
  }
  const g = gcd(num, den);
  return { num: num / g, den: den / g };
}

/** Frames per second as a float (for display and tolerance checks only, never for arithmetic). */
export function rateToFloat(rate: Rational): number {
  return rate.num / rate.den;
}

/** True when both rates are the same rational. */
export function sameRate(a: Rational, b: Rational): boolean {
  return a.num * b.den === b.num * a.den;
}

/** The integer frame count per timecode second (24 for 24000/1001, 30 for 30000/1001). */
export function nominalFps(rate: Rational): number {
  return Math.round(rate.num / rate.den);
}

/** True for the NTSC "x/1.001" family (24000/1001, 30000/1001, 60000/1001, ...). */
export function isNtscRate(rate: Rational): boolean {
  return rate.den === 1001 && rate.num % 1000 === 0;
}

/**
 * True for rates where SMPTE drop-frame timecode is defined (SMPTE ST 12-1): 30000/1001 and
 * 60000/1001. 24000/1001 has no drop-frame form.
 */
export function dropFrameAllowed(rate: Rational): boolean {
  return rate.den === 1001 && (rate.num === 30000 || rate.num === 60000);
}

/**
 * The exact rate for a float such as ffprobe's or Resolve's "23.976", "29.97", "59.94", "25".
 * Values within 0.01 of n*1000/1001 for a whole n map to the NTSC rate n*1000/1001, values
 * within 0.001 of a whole number map to that number; anything else is rejected.
 * @throws UserError `E_NLE_RATE` for non-positive, non-finite or unrecognised values.
 */
export function rateFromFloat(fps: number): Rational {
  if (!Number.isFinite(fps) || fps <= 0) {
    throw new UserError('E_NLE_RATE', `Invalid frame rate ${fps}.`, 'Use a rate such as 23.976, 24, 25 or 29.97.');
  }
  const whole = Math.round(fps);
  if (Math.abs(fps - whole) < 0.001) return makeRate(whole, 1);
  const ntscWhole = Math.round((fps * 1001) / 1000);
  if (Math.abs(fps - (ntscWhole * 1000) / 1001) < 0.01) return makeRate(ntscWhole * 1000, 1001);
  throw new UserError('E_NLE_RATE', `Unsupported frame rate ${fps}.`, 'Use a whole-number rate or an NTSC rate such as 23.976, 29.97 or 59.94.');
}

/**
 * Parses "24000/1001", "24000:1001", "25", "23.976" or "29.97" into an exact rate.
 * @throws UserError `E_NLE_RATE` when it is not a rate.
 */
export function parseRate(text: string): Rational {
  const s = text.trim();
  const m = /^(\d+)\s*[/:]\s*(\d+)$/.exec(s);
  if (m) return makeRate(Number(m[1]), Number(m[2]));
  if (/^\d+(\.\d+)?$/.test(s)) return rateFromFloat(Number(s));
  throw new UserError('E_NLE_RATE', `"${text}" is not a frame rate.`, 'Write it as 24000/1001, 25 or 29.97.');
}

/** "24000/1001" or "25". */
export function formatRate(rate: Rational): string {
  return rate.den === 1 ? String(rate.num) : `${rate.num}/${rate.den}`;
}

/**
 * Converts a frame count between rates, rounding to the nearest frame (exact when the rates are
 * equal). Used for media whose rate differs from the timeline's.
 */
export function convertFrames(frames: number, from: Rational, to: Rational): number {
  if (sameRate(from, to)) return frames;
  return Math.round((frames * from.den * to.num) / (from.num * to.den));
}
