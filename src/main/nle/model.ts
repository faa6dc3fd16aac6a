import { z } from 'zod';
import { UserError } from '../util/errors';
import { dropFrameAllowed, type Rational } from './rate';

/**
 * The interchange model every NLE reader produces and every writer consumes.
 *
 * Units: every position is a whole frame. Record frames (`recordIn`, `recordOut`, marker
 * positions) count at the timeline `rate` from the timeline's first frame (frame 0 is the frame
 * labelled `startTimecodeFrames`). Source frames (`sourceIn`, `sourceOut`, `mediaDuration`)
 * count at the clip's `mediaRate` from the first frame of the media file (frame 0 is the frame
 * labelled `sourceTimecodeStart`). Every range is half-open: `[in, out)`, so `out - in` is the
 * length in frames.
 */

export type TrackKind = 'video' | 'audio';

export interface NleClip {
  /** Clip name as the NLE shows it (often the file name). */
  name: string;
  /** Absolute path of the media file; null when the format does not say (EDL without a path). */
  mediaPath: string | null;
  /** EDL reel / tape name when the source format has one. */
  reel?: string;
  /** First used frame of the media, from the media's first frame, at `mediaRate`. */
  sourceIn: number;
  /** One past the last used frame of the media, at `mediaRate`. */
  sourceOut: number;
  /** First timeline frame the clip covers, from the timeline start, at the timeline rate. */
  recordIn: number;
  /** One past the last timeline frame the clip covers. */
  recordOut: number;
  /** The media's frame rate. */
  mediaRate: Rational;
  /** Timecode of the media's first frame, as a frame count at `mediaRate` (0 when unknown). */
  sourceTimecodeStart: number;
  /** Whether the media's timecode is drop-frame (only at 30000/1001 and 60000/1001). */
  mediaDropFrame: boolean;
  /** Length of the whole media file in frames at `mediaRate`, when known. */
  mediaDuration?: number;
  /** False when the source format only knew the absolute source timecode (EDL) and the media's
   * start timecode still has to be read from the file (see `rebaseSourceTimecode`). */
  sourceTimecodeKnown?: boolean;
}

export interface NleTrack {
  kind: TrackKind;
  /** Display name, e.g. "V1", "A2", "Dubbed". */
  name: string;
  /** Clips in record order, not overlapping. */
  clips: NleClip[];
}

/** A named point or range on the timeline (the dubbed segments are written as markers). */
export interface NleMarker {
  name: string;
  /** Timeline frame (from the timeline start) where the marker starts. */
  recordIn: number;
  /** Length in timeline frames (>= 1). */
  duration: number;
  /** Marker colour as a lower-case word (red, green, blue, ...); writers map it to their own names. */
  color: string;
  note: string;
}

export interface NleTimeline {
  name: string;
  /** Timeline frame rate. */
  rate: Rational;
  /** Timeline timecode is drop-frame (only at 30000/1001 and 60000/1001). */
  dropFrame: boolean;
  /** Timecode of the timeline's frame 0, as a frame count at `rate` (e.g. 86400 for 01:00:00:00 at 24). */
  startTimecodeFrames: number;
  /** Tracks bottom to top within each kind: the first video track is V1. */
  tracks: NleTrack[];
  markers: NleMarker[];
}

const frame = z.number().int().min(0);
const rateSchema = z.object({ num: z.number().int().positive(), den: z.number().int().positive() });

export const nleClipSchema = z
  .object({
    name: z.string(),
    mediaPath: z.string().min(1).nullable(),
    reel: z.string().optional(),
    sourceIn: frame,
    sourceOut: frame,
    recordIn: frame,
    recordOut: frame,
    mediaRate: rateSchema,
    sourceTimecodeStart: frame,
    mediaDropFrame: z.boolean(),
    mediaDuration: frame.optional(),
    sourceTimecodeKnown: z.boolean().optional(),
  })
  .refine((c) => c.sourceOut > c.sourceIn, { message: 'sourceOut must be after sourceIn', path: ['sourceOut'] })
  .refine((c) => c.recordOut > c.recordIn, { message: 'recordOut must be after recordIn', path: ['recordOut'] })
  .refine((c) => !c.mediaDropFrame || dropFrameAllowed(c.mediaRate), { message: 'drop-frame needs a 29.97 or 59.94 media rate', path: ['mediaDropFrame'] });

export const nleTrackSchema = z
  .object({ kind: z.enum(['video', 'audio']), name: z.string(), clips: z.array(nleClipSchema) })
  .refine(
    (t) => t.clips.every((c, i) => i === 0 || c.recordIn >= t.clips[i - 1].recordOut),
    { message: 'clips must be in record order without overlaps', path: ['clips'] },
  );

export const nleMarkerSchema = z.object({
  name: z.string(),
  recordIn: frame,
  duration: z.number().int().min(1),
  color: z.string(),
  note: z.string(),
});

export const nleTimelineSchema = z
  .object({
    name: z.string(),
    rate: rateSchema,
    dropFrame: z.boolean(),
    startTimecodeFrames: frame,
    tracks: z.array(nleTrackSchema),
    markers: z.array(nleMarkerSchema),
  })
  .refine((t) => !t.dropFrame || dropFrameAllowed(t.rate), { message: 'drop-frame needs a 29.97 or 59.94 timeline rate', path: ['dropFrame'] });

/**
 * Checks a timeline (typically fresh from a reader) against the model's rules: whole
 * non-negative frames, non-empty half-open ranges, clips in order without overlaps, drop-frame
 * only at 29.97 / 59.94. Returns it unchanged.
 * @param what names the input in the error message (e.g. the file name).
 * @throws UserError `E_NLE_INVALID` naming the first offending field.
 */
export function validateTimeline(timeline: NleTimeline, what = 'timeline'): NleTimeline {
  const r = nleTimelineSchema.safeParse(timeline);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new UserError(
      'E_NLE_INVALID',
      `The ${what} is not a usable timeline: ${issue.path.join('.')}: ${issue.message}.`,
      'Re-export the timeline from the NLE (cuts only: no speed changes or nested sequences) and try again.',
    );
  }
  return timeline;
}

/** A clip with the track it sits on (tracks are numbered from 1 per kind: V1, V2, A1, ...). */
export interface LocatedClip {
  clip: NleClip;
  trackKind: TrackKind;
  trackIndex: number;
  trackName: string;
}

/** Every clip of the timeline with its track, video tracks first, in record order per track. */
export function listClips(timeline: NleTimeline): LocatedClip[] {
  const out: LocatedClip[] = [];
  for (const kind of ['video', 'audio'] as const) {
    tracksOfKind(timeline, kind).forEach((track, i) => {
      for (const clip of track.clips) out.push({ clip, trackKind: kind, trackIndex: i + 1, trackName: track.name });
    });
  }
  return out;
}

/** The timeline's tracks of one kind, bottom (V1 / A1) first. */
export function tracksOfKind(timeline: NleTimeline, kind: TrackKind): NleTrack[] {
  return timeline.tracks.filter((t) => t.kind === kind);
}

/** One past the last record frame used by any clip or marker (0 for an empty timeline). */
export function timelineDuration(timeline: NleTimeline): number {
  let end = 0;
  for (const t of timeline.tracks) for (const c of t.clips) end = Math.max(end, c.recordOut);
  for (const m of timeline.markers) end = Math.max(end, m.recordIn + m.duration);
  return end;
}

/** Distinct media paths used by the timeline's clips, in first-use order. */
export function mediaPaths(timeline: NleTimeline): string[] {
  const seen = new Set<string>();
  for (const { clip } of listClips(timeline)) if (clip.mediaPath) seen.add(clip.mediaPath);
  return [...seen];
}

/**
 * The clip with its media start timecode changed to `sourceTimecodeStart` while keeping the
 * same absolute source timecode (so `sourceIn`/`sourceOut` move the other way). Use after
 * reading a file's start timecode for clips from an EDL, which only knows absolute timecode.
 * @throws UserError `E_NLE_INVALID` when the clip would start before the media's first frame.
 */
export function rebaseSourceTimecode(clip: NleClip, sourceTimecodeStart: number): NleClip {
  const shift = clip.sourceTimecodeStart - sourceTimecodeStart;
  if (clip.sourceIn + shift < 0) {
    throw new UserError(
      'E_NLE_INVALID',
      `Clip "${clip.name}" starts before the first frame of its media (media timecode starts later).`,
      'Relink the clip to the media it was cut from.',
    );
  }
  return {
    ...clip,
    sourceTimecodeStart,
    sourceIn: clip.sourceIn + shift,
    sourceOut: clip.sourceOut + shift,
    sourceTimecodeKnown: true,
  };
}
