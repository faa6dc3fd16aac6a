import { UserError } from '../util/errors';
import type { NleClip, NleTimeline } from './model';
import { baseName } from './paths';
import { formatRate } from './rate';
import { framesToTimecode, timecodeToFrames } from './timecode';
import type { WavInfo } from './wav';

/**
 * Placing the dialogue stem (a WAV, usually Broadcast WAV from the mix) on the timeline by
 * timecode.
 *
 * BWF convention (EBU Tech 3285, as Pro Tools, Resolve and Premiere write it): `TimeReference`
 * is the number of samples from midnight to the first sample, counted in real time at the
 * timeline's rate. A label of F timecode frames at `num/den` fps is therefore at
 * F * den / num seconds, i.e. F * den * sampleRate / num samples (01:00:00:00 at 23.976 and
 * 48 kHz = 86400 frames = 172972800 samples; at 29.97 DF 01:00:00;00 = 107892 frames =
 * 172800000 + ... samples). The stem's first sample lands on the nearest timeline frame; the
 * remainder is reported in samples.
 */

export interface StemPlacement {
  /** Timecode of the stem's first sample, as a frame count at the timeline rate (nearest frame). */
  startTimecodeFrames: number;
  /** The same as a label (drop-frame when the timeline is). */
  startTimecode: string;
  /** Timeline frame (from the timeline start) of the stem's first sample; negative when it starts before the timeline. */
  recordIn: number;
  /** Stem length in timeline frames, rounded up. */
  durationFrames: number;
  /** Samples between the exact start and the frame it was placed on (positive: the exact start is later). */
  subFrameSamples: number;
  source: 'bext' | 'user';
}

/**
 * Timeline position of a stem from its BWF time reference or a user-given start timecode
 * (which wins when both exist).
 * @param info the stem's header (`readWavInfo`).
 * @param startTimecode label of the stem's first sample at the timeline rate (e.g. "01:00:00:00").
 * @throws UserError `E_NLE_STEM_TC` when the stem has no `bext` time reference and no timecode
 *   was given; `E_NLE_TIMECODE` for a malformed timecode.
 */
export function placeStem(timeline: NleTimeline, info: WavInfo, startTimecode?: string): StemPlacement {
  const { rate } = timeline;
  const durationFrames = Number((BigInt(info.durationSamples) * BigInt(rate.num) + BigInt(rate.den * info.sampleRate) - 1n) / BigInt(rate.den * info.sampleRate));
  let frames: number;
  let sub = 0;
  let source: StemPlacement['source'];
  if (startTimecode && startTimecode.trim()) {
    frames = timecodeToFrames(startTimecode, rate, timeline.dropFrame);
    source = 'user';
  } else if (info.timeReferenceSamples !== null) {
    // frames = samples * num / (den * sampleRate), to the nearest frame, exactly.
    const num = BigInt(Math.round(info.timeReferenceSamples)) * BigInt(rate.num);
    const den = BigInt(rate.den) * BigInt(info.sampleRate);
    let q = num / den;
    if (2n * (num % den) >= den) q += 1n;
    frames = Number(q);
    sub = info.timeReferenceSamples - (frames * rate.den * info.sampleRate) / rate.num;
    source = 'bext';
  } else {
    throw new UserError(
      'E_NLE_STEM_TC',
      'The dialogue stem has no Broadcast WAV time reference, so its timeline position is unknown.',
      'Enter the timecode of the stem\'s first sample (e.g. 01:00:00:00), or export it from the mix as BWF.',
    );
  }
  return {
    startTimecodeFrames: frames,
    startTimecode: framesToTimecode(frames, rate, timeline.dropFrame),
    recordIn: frames - timeline.startTimecodeFrames,
    durationFrames,
    subFrameSamples: Math.round(sub * 1000) / 1000,
    source,
  };
}

/**
 * The timeline with the stem added as a clip on a new audio track (named `trackName`, default
 * "Dialogue stem"), at the frames `placeStem` computes. A stem that starts before the timeline
 * is trimmed at the head (its source in moves on); one that starts after the end is kept.
 * @returns the new timeline, the stem clip and human-readable warnings (trims, sub-frame offsets).
 * @throws UserError `E_NLE_STEM_TC` / `E_NLE_TIMECODE` as `placeStem`; `E_NLE_STEM_RANGE` when
 *   the stem ends before the timeline starts.
 */
export function addDialogueStem(
  timeline: NleTimeline,
  stem: { path: string; info: WavInfo },
  opts: { startTimecode?: string; trackName?: string } = {},
): { timeline: NleTimeline; clip: NleClip; placement: StemPlacement; warnings: string[] } {
  const p = placeStem(timeline, stem.info, opts.startTimecode);
  const warnings: string[] = [];
  let sourceIn = 0;
  let recordIn = p.recordIn;
  if (recordIn < 0) {
    sourceIn = -recordIn;
    recordIn = 0;
    warnings.push(`The stem starts ${sourceIn} frame(s) before the timeline (at ${p.startTimecode}); its head is trimmed.`);
  }
  if (sourceIn >= p.durationFrames) {
    throw new UserError(
      'E_NLE_STEM_RANGE',
      `The dialogue stem (${p.startTimecode}, ${p.durationFrames} frames at ${formatRate(timeline.rate)} fps) ends before the timeline starts.`,
      'Check the stem\'s start timecode against the timeline start timecode.',
    );
  }
  if (p.subFrameSamples !== 0) warnings.push(`The stem starts ${p.subFrameSamples} samples off a frame boundary; it is placed on the nearest frame.`);
  const clip: NleClip = {
    name: baseName(stem.path).replace(/\.[^.]+$/, ''),
    mediaPath: stem.path,
    sourceIn,
    sourceOut: p.durationFrames,
    recordIn,
    recordOut: recordIn + (p.durationFrames - sourceIn),
    mediaRate: timeline.rate,
    sourceTimecodeStart: p.startTimecodeFrames,
    mediaDropFrame: timeline.dropFrame,
    mediaDuration: p.durationFrames,
  };
  const next: NleTimeline = { ...timeline, tracks: [...timeline.tracks, { kind: 'audio', name: opts.trackName ?? 'Dialogue stem', clips: [clip] }] };
  return { timeline: next, clip, placement: p, warnings };
}
