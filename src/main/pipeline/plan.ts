import type { SegmentSpec } from './api';
import type { VideoInfo } from '../media/types';
import type { OcclusionMask } from '../masks/types';
import { probeMedia, probeAudio } from '../media/probe';
import { speechRanges } from './job';
import { UserError } from '../util/errors';
import { planSegments, rangeToFrames, type SecondsRange } from './segments';
import { framesToSeconds, secondsToFrame } from '../../shared/time';

export interface PlanOptions {
  video: string;
  audio: string;
  audioOffset?: number;
  /** Dubbed range in seconds; default: where the dub track lies on the clip. */
  from?: number;
  to?: number;
  /** Lip-habit reference in seconds [start, end). */
  reference?: SecondsRange;
  engine: string;
  params: Record<string, number>;
  pack?: string;
  occlusion?: OcclusionMask;
  signal?: AbortSignal;
}

export interface Plan {
  info: VideoInfo;
  dubbedRange: SecondsRange;
  segments: SegmentSpec[];
  /** How the segments were chosen, for the user. */
  how: string;
}

/**
 * Plans the segments of a CLI dub. With `from`/`to` the range is one segment. Otherwise the
 * dubbed range is where the dub track lies on the clip and the segments are where the dub or the
 * original has speech (Silero VAD), see `planSegments`.
 * @throws UserError E_BAD_RANGE (range outside the clip, from >= to, reference outside),
 *   E_NO_SPEECH (no speech found and no range given).
 */
export async function planDub(o: PlanOptions): Promise<Plan> {
  const info = await probeMedia(o.video, { signal: o.signal });
  const audioInfo = await probeAudio(o.audio, { signal: o.signal });
  const clipDur = framesToSeconds(info.frameCount, info.fpsNum, info.fpsDen);
  const off = o.audioOffset ?? 0;
  const mk = (start: number, end: number, id: string): SegmentSpec => {
    const fr = rangeToFrames({ start, end }, info.fpsNum, info.fpsDen, info.frameCount);
    return {
      id,
      startFrame: fr.start,
      endFrame: fr.end,
      engine: o.engine,
      params: o.params,
      pack: o.pack,
      occlusion: o.occlusion,
      reference: o.reference
        ? { startFrame: secondsToFrame(o.reference.start, info.fpsNum, info.fpsDen), endFrame: Math.min(info.frameCount, secondsToFrame(o.reference.end, info.fpsNum, info.fpsDen)) }
        : undefined,
    };
  };
  if (o.reference) {
    if (!(o.reference.end > o.reference.start) || o.reference.start < 0 || o.reference.end > clipDur + 1e-6) {
      throw new UserError('E_BAD_RANGE', `The reference ${o.reference.start}-${o.reference.end} s is outside the clip (0-${clipDur.toFixed(2)} s) or empty.`, 'Pass --reference START-END in seconds inside the clip, e.g. --reference 0-2.5.');
    }
  }
  if (o.from !== undefined || o.to !== undefined) {
    const from = o.from ?? 0;
    const to = o.to ?? clipDur;
    if (!(from >= 0 && to > from && from < clipDur && to <= clipDur + 1e-6)) {
      throw new UserError('E_BAD_RANGE', `The range ${from}-${to} s is outside the clip (0-${clipDur.toFixed(2)} s) or empty.`, 'Pass --from and --to in seconds inside the clip with from < to.');
    }
    return { info, dubbedRange: { start: from, end: to }, segments: [mk(from, to, 'seg-1')], how: `the given range ${from}-${to} s` };
  }
  const dubbedRange = { start: Math.max(0, off), end: Math.min(clipDur, off + audioInfo.duration) };
  if (!(dubbedRange.end > dubbedRange.start)) {
    throw new UserError('E_BAD_RANGE', `The dub (${audioInfo.duration.toFixed(2)} s at offset ${off} s) does not overlap the clip (0-${clipDur.toFixed(2)} s).`, 'Check --audio-offset, or pass --from/--to.');
  }
  const dubSpeech = (await speechRanges(o.audio, false, o.signal)).map((r) => ({ start: r.start + off, end: r.end + off }));
  const origSpeech = await speechRanges(o.video, true, o.signal);
  const ranges = planSegments(dubbedRange, dubSpeech, origSpeech);
  if (ranges.length === 0) {
    throw new UserError('E_NO_SPEECH', 'No speech was found in the dub or the original audio over the dubbed range.', 'Pass the range to dub with --from and --to (seconds).');
  }
  return {
    info,
    dubbedRange,
    segments: ranges.map((r, i) => mk(r.start, r.end, `seg-${i + 1}`)),
    how: `speech in the dub (${dubSpeech.length} ranges) and the original (${origSpeech.length} ranges), Silero VAD`,
  };
}
