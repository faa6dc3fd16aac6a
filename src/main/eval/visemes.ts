import { probeMedia } from '../media/probe';
import { decodeAudioMono16k } from '../media/audio-decode';
import { trackVideo, chooseFaceTrack } from '../pipeline/tracking-stage';
import { frameTimeSec } from '../audio/frame-time';
import { mouthOpening } from '../tracking/landmarks';
import { percentile } from '../util/stats';
import { phoneticTiming } from '../phonetics/phonetic-stage';
import { loadScript } from '../phonetics/script';
import { lipClass } from '../phonetics/visemes';
import { VISEME_LEAD_SEC } from '../phonetics/frame-visemes';
import type { PhoneSource, TimedPhone } from '../phonetics/types';
import { UserError } from '../util/errors';

/** Percentile of the original's mouth openings taken as the actor's closed level. */
export const CLOSED_PERCENTILE = 0.2;
/** Labiodental contact level: this fraction of the way from the closed level to the 90th percentile. */
export const CONTACT_FRACTION = 0.25;
/** Shortest dub silence counted by the lip leak, seconds. */
export const LEAK_MIN_SILENCE_SEC = 0.3;
/** Edge of a silence left out of the lip leak (the mouth closes after and opens before speech), seconds. */
export const LEAK_EDGE_SEC = 0.1;
/** Length of a vowel onset window, seconds (from the vowel's start). */
export const VOWEL_ONSET_SEC = 0.06;

/** Rate of windows that reached a level: `hit` of `count`; `rate` NaN when count is 0. */
export interface WindowRate {
  count: number;
  hit: number;
  rate: number;
}

/** Figures of `visemeMetrics` (rates in [0, 1]). */
export interface VisemeMetrics {
  bilabialClosure: WindowRate;
  vowelOnsetClosure: WindowRate;
  /** bilabialClosure.rate - vowelOnsetClosure.rate. */
  lift: number;
  labiodentalContact: WindowRate;
  /** Frames inside dub silences of >= 300 ms (edges trimmed) and how many had the mouth open. */
  lipLeak: WindowRate;
  closedLevel: number;
  contactLevel: number;
}

const rate = (hit: number, count: number): WindowRate => ({ count, hit, rate: count ? hit / count : NaN });

/**
 * Viseme figures of a talking face against the phones of its audio (pure).
 * A phone window [start, end) (audio seconds) is seen on the frames i with `start <= t_i + lead <
 * end` (t_i = i * fpsDen / fpsNum, `frame-time.ts`; the lips lead the sound by `leadSec`), or on
 * the frame nearest its middle when it is shorter than a frame, so neighbouring phones do not
 * share frames. A window is closed when the
 * smallest mouth opening on its frames is at most `closedLevel`; in contact when at most
 * `contactLevel`. Bilabials (p b m) and labiodentals (f v) use the whole phone; vowel onsets the
 * first `VOWEL_ONSET_SEC` of each vowel. Lip leak: frames whose time lies in a silence of at least
 * `LEAK_MIN_SILENCE_SEC` between phones (or before the first / after the last phone, within
 * `range`), `LEAK_EDGE_SEC` trimmed at both ends, that have an opening above `contactLevel`.
 * @param openings per clip frame (inner-lip gap / face height; NaN where no face).
 * @param range frames [start, end) evaluated.
 */
export function visemeMetrics(o: {
  phones: TimedPhone[];
  openings: ArrayLike<number>;
  fpsNum: number;
  fpsDen: number;
  range: { start: number; end: number };
  closedLevel: number;
  contactLevel: number;
  leadSec?: number;
}): VisemeMetrics {
  const lead = o.leadSec ?? VISEME_LEAD_SEC;
  const P = o.fpsDen / o.fpsNum;
  const t0 = frameTimeSec(o.range.start, o.fpsNum, o.fpsDen) - P / 2;
  const t1 = frameTimeSec(Math.max(o.range.start, o.range.end - 1), o.fpsNum, o.fpsDen) + P / 2;
  /**
   * Smallest opening over the frames showing audio [a, b): frames whose time plus the lead falls
   * in it, or the one nearest its middle when none does (a phone shorter than a frame). NaN when
   * none has a face.
   */
  const minOpen = (a: number, b: number): number => {
    const approx = (sec: number) => ((sec - lead) * o.fpsNum) / o.fpsDen;
    const shows = (i: number) => frameTimeSec(i, o.fpsNum, o.fpsDen) + lead;
    const idx: number[] = [];
    for (let i = Math.max(o.range.start, Math.floor(approx(a)) - 1); i < o.range.end && i <= Math.ceil(approx(b)) + 1; i++) {
      if (shows(i) >= a && shows(i) < b) idx.push(i);
    }
    if (idx.length === 0) {
      const i = Math.round(approx((a + b) / 2));
      if (i < o.range.start || i >= o.range.end) return NaN;
      idx.push(i);
    }
    let m = NaN;
    for (const i of idx) {
      const v = o.openings[i];
      if (Number.isFinite(v)) m = Number.isNaN(m) ? v : Math.min(m, v);
    }
    return m;
  };
  const speech = o.phones.filter((p) => p.viseme !== 0 && p.end > t0 && p.start < t1).sort((a, b) => a.start - b.start);
  let bl = 0, blHit = 0, vo = 0, voHit = 0, ld = 0, ldHit = 0;
  for (const p of speech) {
    const cls = lipClass(p.viseme);
    if (cls === 'bilabial') {
      const m = minOpen(p.start, p.end);
      if (Number.isFinite(m)) { bl++; if (m <= o.closedLevel) blHit++; }
    } else if (cls === 'labiodental') {
      const m = minOpen(p.start, p.end);
      if (Number.isFinite(m)) { ld++; if (m <= o.contactLevel) ldHit++; }
    }
    if (p.vowel) {
      const m = minOpen(p.start, Math.min(p.end, p.start + VOWEL_ONSET_SEC));
      if (Number.isFinite(m)) { vo++; if (m <= o.closedLevel) voHit++; }
    }
  }
  // Silences: gaps between speech phones (and at the range's ends) of >= LEAK_MIN_SILENCE_SEC.
  const gaps: Array<[number, number]> = [];
  let prevEnd = t0;
  for (const p of speech) {
    if (p.start - prevEnd >= LEAK_MIN_SILENCE_SEC) gaps.push([prevEnd, p.start]);
    prevEnd = Math.max(prevEnd, p.end);
  }
  if (t1 - prevEnd >= LEAK_MIN_SILENCE_SEC) gaps.push([prevEnd, t1]);
  let sf = 0, sfOpen = 0;
  for (let i = o.range.start; i < o.range.end; i++) {
    const ti = frameTimeSec(i, o.fpsNum, o.fpsDen) + lead;
    if (!gaps.some(([a, b]) => ti >= a + LEAK_EDGE_SEC && ti <= b - LEAK_EDGE_SEC)) continue;
    const v = o.openings[i];
    if (!Number.isFinite(v)) continue;
    sf++;
    if (v > o.contactLevel) sfOpen++;
  }
  const b = rate(blHit, bl);
  const v = rate(voHit, vo);
  return { bilabialClosure: b, vowelOnsetClosure: v, lift: b.rate - v.rate, labiodentalContact: rate(ldHit, ld), lipLeak: rate(sfOpen, sf), closedLevel: o.closedLevel, contactLevel: o.contactLevel };
}

export interface VisemeReport extends VisemeMetrics {
  video: string;
  audio: string;
  script: string | null;
  /** Where the phones came from, and how. */
  phones: { source: PhoneSource; count: number; note: string };
  frames: number;
  /** The clip whose openings gave the closed level (`--original`, else the video itself). */
  levelsFrom: string;
}

/**
 * `npm run eval -- visemes`: phones of `audio` (aligned `script`, or pocketsphinx for English),
 * mouth openings of `video` (face mesh, inner-lip gap 13-14 over face height 10-152), and the
 * viseme figures of `visemeMetrics`. The closed level is the `CLOSED_PERCENTILE` percentile of the
 * openings of `original` (the undubbed clip; default: `video` itself), the contact level
 * `CONTACT_FRACTION` of the way from it to their 90th percentile.
 * @throws UserError E_NO_PHONES when no phone timing can be found (no script and not English, or
 *   a tool missing: the message says which); media and tracking UserErrors.
 */
export async function evalVisemes(o: { video: string; audio: string; script?: string; original?: string; language?: string; face?: number; cacheDir?: string; range?: { start: number; end: number }; signal?: AbortSignal; log?: (m: string) => void }): Promise<VisemeReport> {
  const info = await probeMedia(o.video, { signal: o.signal });
  const { track } = chooseFaceTrack(await trackVideo(info, { cacheDir: o.cacheDir, signal: o.signal }), o.face);
  const openings = track.frames.map((f) => (f ? mouthOpening(f.mesh) : NaN));
  let levelOpenings = openings;
  if (o.original && o.original !== o.video) {
    const oi = await probeMedia(o.original, { signal: o.signal });
    const ot = chooseFaceTrack(await trackVideo(oi, { cacheDir: o.cacheDir, signal: o.signal }), o.face).track;
    levelOpenings = ot.frames.map((f) => (f ? mouthOpening(f.mesh) : NaN));
  }
  const closed = percentile(levelOpenings, CLOSED_PERCENTILE);
  const contact = closed + CONTACT_FRACTION * (percentile(levelOpenings, 0.9) - closed);
  const audio = await decodeAudioMono16k(o.audio, { signal: o.signal });
  const script = o.script ? await loadScript(o.script) : null;
  const timing = await phoneticTiming(audio, { script, language: o.language, cacheDir: o.cacheDir, signal: o.signal, log: o.log, label: 'audio' });
  if (timing.source === 'none') throw new UserError('E_NO_PHONES', `No phone timing for ${o.audio}: ${timing.note}`, 'Give the script with --script (any espeak-ng language), or install pocketsphinx and pocketsphinx-en-us for English.');
  const range = { start: o.range?.start ?? 0, end: Math.min(info.frameCount, o.range?.end ?? info.frameCount) };
  const m = visemeMetrics({ phones: timing.phones, openings, fpsNum: info.fpsNum, fpsDen: info.fpsDen, range, closedLevel: closed, contactLevel: contact });
  return {
    video: o.video,
    audio: o.audio,
    script: o.script ?? null,
    phones: { source: timing.source, count: timing.phones.length, note: timing.note },
    frames: range.end - range.start,
    levelsFrom: o.original ?? o.video,
    ...m,
  };
}
