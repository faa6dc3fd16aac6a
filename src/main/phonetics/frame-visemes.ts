import { frameTimeSec, checkFps } from '../audio/frame-time';
import { NO_VISEME, lipClass } from './visemes';
import type { PhoneTiming } from './types';

/** How long the lips lead the sound they make (seconds); about one frame at 25 fps. */
export const VISEME_LEAD_SEC = 0.04;

/**
 * Shortest lip closure of a /p b m/ on the frames (seconds). Aligners and recognizers give stops
 * 20-60 ms, but the lips seal for the whole stop closure and the eye needs two or three frames:
 * a one-frame closure is cut into the reference path and the renderer's cut blend leaves it half
 * open (rendered dubs of four clips: bilabial closure 42/54 -> 48/54 with 0.1 s). A shorter
 * bilabial is lengthened backwards (into the sound before it, where the lips are already on their
 * way), so its own frames stay the last of the closure and the next vowel's onset is untouched.
 */
export const MIN_BILABIAL_SEC = 0.1;

/**
 * Per-video-frame MPEG-4 visemes of a phone timing. Frame i (presented at `t_i = i * fpsDen /
 * fpsNum` s, `frame-time.ts`) shows the articulation of the sound at `t_i + leadSec` (the lips
 * lead the sound): the frame's window is `[t_i + lead - 0.5/fps, t_i + lead + 0.5/fps)`. Closures
 * are short (a /p/ can be shorter than a frame), so they win when they overlap the window by at
 * least `minClosure` (default 0.25) of a frame period, or lie wholly inside it: bilabial first,
 * then labiodental (two or three frames per /p b m/ at 25 fps: a one-frame closure is lost to the
 * eye, to the warp's blending and to the tracker's smoothing); otherwise the phone
 * with the largest overlap. Bilabials shorter than `minBilabialSec` (default `MIN_BILABIAL_SEC`)
 * are first lengthened backwards to it. Where no phone overlaps the window the frame is silence (0), unless
 * the timing's source is 'none' (then every frame is `NO_VISEME`).
 * @returns Uint8Array(frameCount) of visemes 0..14 or `NO_VISEME` (255).
 * @throws UserError E_AUDIO_PARAM for a bad frame rate.
 */
export function frameVisemes(timing: PhoneTiming, o: { fpsNum: number; fpsDen: number; frameCount: number; leadSec?: number; minClosure?: number; minBilabialSec?: number }): Uint8Array {
  checkFps(o.fpsNum, o.fpsDen);
  const out = new Uint8Array(o.frameCount).fill(NO_VISEME);
  if (timing.source === 'none') return out;
  const lead = o.leadSec ?? VISEME_LEAD_SEC;
  const period = o.fpsDen / o.fpsNum;
  const minClosure = (o.minClosure ?? 0.25) * period;
  const minB = o.minBilabialSec ?? MIN_BILABIAL_SEC;
  const phones = timing.phones
    .map((p) => (lipClass(p.viseme) === 'bilabial' && p.end - p.start < minB ? { ...p, start: p.end - minB } : p))
    .sort((a, b) => a.start - b.start);
  let k0 = 0;
  for (let i = 0; i < o.frameCount; i++) {
    const c = frameTimeSec(i, o.fpsNum, o.fpsDen) + lead;
    const w0 = c - period / 2;
    const w1 = c + period / 2;
    while (k0 < phones.length && phones[k0].end <= w0) k0++;
    let best = 0;
    let bestOverlap = 0;
    let bilabial = 0;
    let labiodental = 0;
    for (let k = k0; k < phones.length && phones[k].start < w1; k++) {
      const p = phones[k];
      const ov = Math.min(w1, p.end) - Math.max(w0, p.start);
      if (ov <= 0) continue;
      const whole = p.start >= w0 && p.end <= w1;
      const cls = lipClass(p.viseme);
      if (cls === 'bilabial' && (ov >= minClosure || whole)) bilabial = Math.max(bilabial, ov);
      if (cls === 'labiodental' && (ov >= minClosure || whole)) labiodental = Math.max(labiodental, ov);
      if (ov > bestOverlap) {
        bestOverlap = ov;
        best = p.viseme;
      }
    }
    out[i] = bilabial > 0 ? 1 : labiodental > 0 ? 2 : best;
  }
  return out;
}
