import { lipClass } from '../phonetics/visemes';
import type { PhoneSource, PhoneTiming } from '../phonetics/types';

/**
 * What the editor shows of a dub's phone timing: the labial spans (the consonants the eye reads
 * on the lips, as on a dubbing rythmo band) and, per segment, where the timing came from.
 * Pure functions; times are clip seconds.
 */

export type LabialKind = 'bilabial' | 'labiodental';

/** A run of bilabial (p b m: the lips close) or labiodental (f v: lower lip on the teeth) phones. */
export interface LabialSpan {
  kind: LabialKind;
  start: number;
  end: number;
  /** The phones of the run as the timing names them, space-separated (e.g. "m b"). */
  phones: string;
}

/** Phones of the same kind closer than this (seconds) are one span. */
export const LABIAL_MERGE_GAP_SEC = 0.02;

/**
 * The bilabial and labiodental spans of a phone timing, sorted by start: consecutive phones of
 * the same lip class with a gap under `mergeGap` seconds are merged into one span.
 * @param range keep only [start, end) of the clip (spans are clipped to it).
 */
export function labialSpans(timing: Pick<PhoneTiming, 'phones'>, range?: { start: number; end: number }, mergeGap = LABIAL_MERGE_GAP_SEC): LabialSpan[] {
  const out: LabialSpan[] = [];
  const phones = [...timing.phones].filter((p) => p.end > p.start).sort((a, b) => a.start - b.start);
  for (const p of phones) {
    const cls = lipClass(p.viseme);
    if (cls !== 'bilabial' && cls !== 'labiodental') continue;
    let start = p.start;
    let end = p.end;
    if (range) {
      start = Math.max(start, range.start);
      end = Math.min(end, range.end);
      if (end <= start) continue;
    }
    const last = out[out.length - 1];
    if (last && last.kind === cls && start - last.end < mergeGap) {
      last.end = Math.max(last.end, end);
      last.phones += ` ${p.phone}`;
    } else {
      out.push({ kind: cls, start, end, phones: p.phone });
    }
  }
  return out;
}

/** The inspector's words for where a segment's phone timing came from. */
export const SOURCE_LABELS: Record<PhoneSource, string> = {
  script: 'script (espeak-ng alignment)',
  recognizer: 'recognized phones (pocketsphinx)',
  none: 'audio features only',
};

/** A segment's own timing (it has its own script), over its clip seconds. */
export interface SegmentTiming {
  segmentId: string;
  start: number;
  end: number;
  timing: PhoneTiming;
}

export interface TrackPhoneticsView {
  source: PhoneSource;
  note: string;
  spans: LabialSpan[];
  segments: Array<{ segmentId: string; source: PhoneSource; note: string; origin: 'segment' | 'track' | 'none' }>;
}

/**
 * The labial lane of a dub track: the track's timing (from its script, or recognized), except
 * inside segments with their own script, where that segment's timing is used. Each segment on
 * the track is listed with the source of the timing it renders with.
 * @param trackTiming the track-level timing; `trackHasScript` says whether it came from a script
 *   the track has (for `origin`).
 * @param segments the track's segments (clip seconds) in timeline order.
 */
export function composeTrackView(
  trackTiming: PhoneTiming,
  trackHasScript: boolean,
  segments: Array<{ id: string; start: number; end: number }>,
  own: SegmentTiming[],
): TrackPhoneticsView {
  const owned = [...own].sort((a, b) => a.start - b.start);
  // The track's spans with the own-script segments cut out, then those segments' spans.
  const spans: LabialSpan[] = [];
  let cursor = -Infinity;
  for (const o of [...owned, { start: Infinity, end: Infinity } as SegmentTiming]) {
    if (o.start > cursor) spans.push(...labialSpans(trackTiming, { start: Math.max(0, cursor), end: o.start }));
    if (o.timing) spans.push(...labialSpans(o.timing, { start: o.start, end: o.end }));
    cursor = Math.max(cursor, o.end);
  }
  spans.sort((a, b) => a.start - b.start);
  const byId = new Map(owned.map((o) => [o.segmentId, o]));
  return {
    source: trackTiming.source,
    note: trackTiming.note,
    spans,
    segments: segments.map((s) => {
      const o = byId.get(s.id);
      if (o) return { segmentId: s.id, source: o.timing.source, note: o.timing.note, origin: 'segment' as const };
      return { segmentId: s.id, source: trackTiming.source, note: trackTiming.note, origin: trackHasScript ? ('track' as const) : ('none' as const) };
    }),
  };
}
