import Timecode from 'smpte-timecode';
import { UserError } from '../util/errors';
import { dropFrameAllowed, formatRate, nominalFps, type Rational } from './rate';

/**
 * SMPTE ST 12-1 timecode <-> frame count, using the `smpte-timecode` package for the arithmetic
 * (checked against known drop-frame values in test/unit/nle-timecode.test.ts) with the checks
 * it lacks added here: drop-frame only at 30000/1001 and 60000/1001, no negative frames, no
 * silent wrap past 24 hours.
 *
 * Frame counts are "timecode frames": 00:00:00:00 is frame 0, and 01:00:00;00 at 29.97 DF is
 * frame 107892. Drop-frame timecode skips labels (frames 00 and 01 at 29.97, 00-03 at 59.94, at
 * the start of every minute except minutes divisible by ten); no frames are dropped.
 */

/** One day of timecode at `rate` in frames (the first frame that cannot be labelled). */
export function framesPerDay(rate: Rational, dropFrame: boolean): number {
  const fps = nominalFps(rate);
  if (!dropFrame) return fps * 86400;
  const drop = fps === 60 ? 4 : 2;
  return fps * 86400 - drop * (24 * 60 - 24 * 6);
}

function checkDropFrame(rate: Rational, dropFrame: boolean): void {
  if (dropFrame && !dropFrameAllowed(rate)) {
    throw new UserError(
      'E_NLE_TIMECODE',
      `Drop-frame timecode is not defined at ${formatRate(rate)} fps.`,
      'Drop-frame exists only at 29.97 (30000/1001) and 59.94 (60000/1001); use non-drop timecode.',
    );
  }
}

/**
 * Formats frame `frames` (>= 0, < one day) as `HH:MM:SS:FF`, or `HH:MM:SS;FF` when `dropFrame`.
 * @param frames timecode frame count at `rate`.
 * @param rate the timecode's rate; the label counts `nominalFps(rate)` frames per second.
 * @throws UserError `E_NLE_TIMECODE` for a negative, fractional or >= 24 h frame count, or for
 *   drop-frame at a rate other than 30000/1001 or 60000/1001.
 */
export function framesToTimecode(frames: number, rate: Rational, dropFrame = false): string {
  checkDropFrame(rate, dropFrame);
  if (!Number.isInteger(frames) || frames < 0 || frames >= framesPerDay(rate, dropFrame)) {
    throw new UserError(
      'E_NLE_TIMECODE',
      `Frame ${frames} cannot be written as timecode at ${formatRate(rate)} fps.`,
      'Timecode covers whole frames from 00:00:00:00 to 23:59:59:xx; check the timeline start and clip positions.',
    );
  }
  return Timecode(frames, [rate.num, rate.den], dropFrame).toString();
}

const TC_RE = /^(\d{1,2})[:;.](\d{2})[:;.](\d{2})([:;.,])(\d{2,3})$/;

/**
 * Parses `HH:MM:SS:FF` (non-drop) or `HH:MM:SS;FF` / `HH:MM:SS.FF` / `HH;MM;SS;FF` (drop-frame)
 * into a timecode frame count at `rate`.
 * @param dropFrame forces drop-frame on or off; when omitted, a `;` or `.` before the frames
 *   field means drop-frame (only honoured where drop-frame exists; elsewhere it is non-drop).
 * @throws UserError `E_NLE_TIMECODE` for malformed text, fields out of range (frames >= the
 *   nominal rate), labels that drop-frame skips (e.g. 00:01:00;00), or drop-frame at a rate
 *   other than 30000/1001 or 60000/1001.
 */
export function timecodeToFrames(tc: string, rate: Rational, dropFrame?: boolean): number {
  const text = tc.trim();
  const m = TC_RE.exec(text);
  if (!m) {
    throw new UserError('E_NLE_TIMECODE', `"${tc}" is not a timecode.`, 'Write timecode as HH:MM:SS:FF (or HH:MM:SS;FF for drop-frame).');
  }
  const df = dropFrame ?? ((m[4] === ';' || m[4] === '.' || text.includes(';')) && dropFrameAllowed(rate));
  checkDropFrame(rate, df);
  const [hh, mm, ss, ff] = [m[1], m[2], m[3], m[5]].map(Number);
  const fps = nominalFps(rate);
  const bad = hh > 23 || mm > 59 || ss > 59 || ff >= fps || (df && ss === 0 && mm % 10 !== 0 && ff < (fps === 60 ? 4 : 2));
  if (bad) {
    throw new UserError(
      'E_NLE_TIMECODE',
      `"${tc}" is not a valid ${df ? 'drop-frame' : 'non-drop'} timecode at ${formatRate(rate)} fps.`,
      df ? 'Drop-frame timecode skips frames 00-01 (00-03 at 59.94) at the start of each minute except every tenth.' : 'Check the hours, minutes, seconds and frames fields.',
    );
  }
  const label = `${String(hh).padStart(2, '0')}:${m[2]}:${m[3]}${df ? ';' : ':'}${String(ff).padStart(2, '0')}`;
  return Timecode(label, [rate.num, rate.den], df).frameCount;
}

/** True when `text` looks like a timecode (`timecodeToFrames` may still reject its values). */
export function isTimecode(text: string): boolean {
  return TC_RE.test(text.trim());
}
