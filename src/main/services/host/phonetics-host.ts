import path from 'node:path';
import type { PhoneTiming } from '../../phonetics/types';
import type { CallContext } from './protocol';

/** Arguments of the host's `phonetics`: a dub track placed on a clip, with its script and language. */
export interface PhoneticsArgs {
  /** The clip (its frame rate and length set the timeline, as in renders). */
  video: string;
  /** The dub track and where it starts on the clip (seconds). */
  audio: string;
  offset: number;
  /** Script cues, seconds on the dub file's timeline (shifted by `offset` here, as the job does); null: none. */
  script: Array<{ text: string; start?: number; end?: number }> | null;
  /** espeak-ng voice of the dub. */
  language: string;
}

/**
 * The dub's phone timing exactly as a render of the same track computes it (`job.ts`: the same
 * 16 kHz track on the clip timeline, the same script shift and cache folder), so the editor's
 * view and the render share the phonetic stage's cache. Never throws for a missing tool or a
 * failed alignment (the timing says `source: 'none'` and why).
 * @param cacheDir the editor's cache folder (the pipeline's is its `pipeline` folder).
 * @throws UserError for unreadable media; CancelledError.
 */
export async function runPhonetics(args: PhoneticsArgs, ctx: CallContext, cacheDir: string): Promise<PhoneTiming> {
  const { probeMedia } = await import('../../media/probe');
  const { decodeTrack16k, placeOnTimeline, SR } = await import('../../pipeline/job');
  const { phoneticTiming } = await import('../../phonetics/phonetic-stage');
  const info = await probeMedia(args.video, { signal: ctx.signal });
  const lengthSamples = Math.ceil((info.frameCount * info.fpsDen * SR) / info.fpsNum);
  const raw = await decodeTrack16k(args.audio, false, ctx.signal);
  const dub16 = placeOnTimeline(raw ?? new Float32Array(0), args.offset, lengthSamples);
  const script = args.script?.map((c) => (c.start === undefined ? c : { ...c, start: c.start + args.offset, end: (c.end ?? c.start) + args.offset }));
  return phoneticTiming(dub16, { script: script ?? undefined, language: args.language, cacheDir: path.join(cacheDir, 'pipeline'), signal: ctx.signal, label: 'dub' });
}
