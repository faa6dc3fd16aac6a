/**
 * Frame <-> time conversions shared by the editor and the services. Frames are 0-based indices on
 * the clip's timeline; times are seconds from the clip's first frame.
 */

/** Start time of `frame` in seconds. */
export function frameToSec(frame: number, fps: number): number {
  return frame / fps;
}

/** Frame containing time `sec` (the frame whose display interval [f/fps, (f+1)/fps) holds it). */
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
