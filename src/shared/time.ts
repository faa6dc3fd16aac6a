/**
 * Frame <-> time conversions shared by the editor and the services. Frames are 0-based indices on
 * the clip's timeline; times are seconds from the clip's first frame; frame `f` is shown during
 * [f * fpsDen / fpsNum, (f + 1) * fpsDen / fpsNum).
 *
 * Two rules, on purpose:
 * - time -> frame BOUNDARY (a seconds range to a frame range: speech, references, segments):
 *   `secondsToFrame`, the first frame starting at or after the time (ceil), on the exact rational
 *   rate `fpsNum/fpsDen`. With `framesToSeconds` it round-trips every integer frame.
 * - time -> the frame ON SCREEN at that time (the editor's playhead): `secToFrame`, the frame
 *   whose display interval holds the time (floor), on the float rate the editor has
 *   (`fps = fpsNum / fpsDen`, all the renderer knows of the clip).
 * The pipeline (src/main) uses the rational functions; the float ones (`secToFrame`,
 * `nearestFrameBoundary`, `seekTimeForFrame`) serve the editor, whose results they must keep.
 */

/**
 * Seconds from the clip start to the start of frame `frames` at the exact rational rate
 * `fpsNum/fpsDen`: `frames * fpsDen / fpsNum`, one correctly rounded division of the product
 * (exact integers below 2^53 for integer frames, so frame 30000 at 30000/1001 is 1001 s). Also
 * takes a fractional frame count (e.g. a seek margin of a quarter frame).
 */
export function framesToSeconds(frames: number, fpsNum: number, fpsDen: number): number {
  return (frames * fpsDen) / fpsNum;
}

/**
 * First frame whose start time is >= `sec` (frames start at k * fpsDen / fpsNum seconds): the
 * frame boundary at or after `sec` (ceil). Uses a 1e-9 tolerance (in frames) so 2.0 s at 25 fps is
 * frame 50, not 51, and `secondsToFrame(framesToSeconds(f))` is `f`. May be negative or past the
 * clip's end: the caller clamps.
 */
export function secondsToFrame(sec: number, fpsNum: number, fpsDen: number): number {
  return Math.ceil((sec * fpsNum) / fpsDen - 1e-9);
}

/**
 * Frame on screen at time `sec` (the frame whose display interval [f/fps, (f+1)/fps) holds it,
 * floor with a 1e-6 tolerance), on the editor's float rate `fps`.
 */
export function secToFrame(sec: number, fps: number): number {
  return Math.floor(sec * fps + 1e-6);
}

/** Frame boundary nearest to `sec` (used to snap region edges, which are frame boundaries). */
export function nearestFrameBoundary(sec: number, fps: number): number {
  return Math.round(sec * fps);
}

/**
 * Media time to seek to so that a browser video element shows exactly `frame`: the middle of the
 * frame's display interval, which survives container timestamp rounding in both directions.
 */
export function seekTimeForFrame(frame: number, fps: number): number {
  return (frame + 0.5) / fps;
}

/** SMPTE-style non-drop timecode `HH:MM:SS:FF` of a frame index. */
export function formatTimecode(frame: number, fps: number): string {
  const f = Math.max(0, Math.round(frame));
  const nominal = Math.max(1, Math.round(fps));
  const ff = f % nominal;
  const totalSec = Math.floor(f / nominal);
  const ss = totalSec % 60;
  const mm = Math.floor(totalSec / 60) % 60;
  const hh = Math.floor(totalSec / 3600);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(hh)}:${two(mm)}:${two(ss)}:${two(ff)}`;
}

/** Seconds formatted as `m:ss.cc` for compact labels. */
export function formatSeconds(sec: number): string {
  const s = Math.max(0, sec);
  const m = Math.floor(s / 60);
  const rest = s - m * 60;
  return `${m}:${rest.toFixed(2).padStart(5, '0')}`;
}

/** Clamps `v` into [lo, hi]. */
export function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
