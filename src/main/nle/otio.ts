import { z } from 'zod';
import { UserError } from '../util/errors';
import { assembleTracks, type LooseClip } from './assemble';
import { validateTimeline, type NleClip, type NleMarker, type NleTimeline, type NleTrack } from './model';
import { fileUrlToPath, pathToFileUrl } from './paths';
import { dropFrameAllowed, rateFromFloat, rateToFloat, sameRate, type Rational } from './rate';

/**
 * OpenTimelineIO JSON (`.otio`), core schema as written by OpenTimelineIO 0.15+:
 * Timeline.1, Stack.1, Track.1, Clip.2 (Clip.1 read too), Gap.1, ExternalReference.1
 * (MissingReference.1 read), Marker.2, TimeRange.1, RationalTime.1.
 *
 * Time: RationalTime `{rate, value}` with `rate` a float (24000/1001 written as
 * 23.976023976023978 and read back to the exact rational). Track time starts at 0 per track;
 * the timeline's start timecode is `global_start_time`. A clip's `source_range.start_time` is
 * the absolute source timecode (media start timecode + source in), and its
 * `available_range.start_time` is the media's start timecode, as NLE adapters write them.
 * Drop-frame is not part of the OTIO schema; it is kept in `metadata.dubbing_editor`.
 */

const META_KEY = 'dubbing_editor';

interface RationalTimeJson {
  OTIO_SCHEMA: 'RationalTime.1';
  rate: number;
  value: number;
}
interface TimeRangeJson {
  OTIO_SCHEMA: 'TimeRange.1';
  duration: RationalTimeJson;
  start_time: RationalTimeJson;
}

function rt(value: number, rate: Rational): RationalTimeJson {
  return { OTIO_SCHEMA: 'RationalTime.1', rate: rateToFloat(rate), value };
}
function tr(start: number, duration: number, rate: Rational, durationRate: Rational = rate): TimeRangeJson {
  return { OTIO_SCHEMA: 'TimeRange.1', duration: rt(duration, durationRate), start_time: rt(start, rate) };
}

const OTIO_COLORS = ['PINK', 'RED', 'ORANGE', 'YELLOW', 'GREEN', 'CYAN', 'BLUE', 'PURPLE', 'MAGENTA', 'BLACK', 'WHITE'];

function marker(m: NleMarker, rate: Rational) {
  const color = m.color.toUpperCase();
  return {
    OTIO_SCHEMA: 'Marker.2',
    metadata: {},
    name: m.name,
    color: OTIO_COLORS.includes(color) ? color : 'RED',
    marked_range: tr(m.recordIn, m.duration, rate),
    comment: m.note,
  };
}

function gap(duration: number, rate: Rational) {
  return {
    OTIO_SCHEMA: 'Gap.1',
    metadata: {},
    name: '',
    source_range: tr(0, duration, rate),
    effects: [],
    markers: [],
    enabled: true,
  };
}

function clipJson(c: NleClip, rate: Rational) {
  const ref = c.mediaPath
    ? {
        OTIO_SCHEMA: 'ExternalReference.1',
        metadata: {},
        name: '',
        available_range: tr(c.sourceTimecodeStart, c.mediaDuration ?? c.sourceOut, c.mediaRate),
        available_image_bounds: null,
        target_url: pathToFileUrl(c.mediaPath),
      }
    : { OTIO_SCHEMA: 'MissingReference.1', metadata: {}, name: '', available_range: tr(c.sourceTimecodeStart, c.mediaDuration ?? c.sourceOut, c.mediaRate), available_image_bounds: null };
  const meta: Record<string, unknown> = { media_drop_frame: c.mediaDropFrame };
  if (c.reel) meta.reel = c.reel;
  if (c.sourceTimecodeKnown === false) meta.source_timecode_known = false;
  return {
    OTIO_SCHEMA: 'Clip.2',
    metadata: { [META_KEY]: meta },
    name: c.name,
    // Start at the media rate (absolute source timecode), duration = record length at the timeline rate.
    source_range: tr(c.sourceTimecodeStart + c.sourceIn, c.recordOut - c.recordIn, c.mediaRate, rate),
    effects: [],
    markers: [],
    enabled: true,
    media_references: { DEFAULT_MEDIA: ref },
    active_media_reference_key: 'DEFAULT_MEDIA',
  };
}

function trackJson(t: NleTrack, rate: Rational) {
  const kids: unknown[] = [];
  let cursor = 0;
  for (const c of t.clips) {
    if (c.recordIn > cursor) kids.push(gap(c.recordIn - cursor, rate));
    kids.push(clipJson(c, rate));
    cursor = c.recordOut;
  }
  return {
    OTIO_SCHEMA: 'Track.1',
    metadata: {},
    name: t.name,
    source_range: null,
    effects: [],
    markers: [],
    enabled: true,
    children: kids,
    kind: t.kind === 'video' ? 'Video' : 'Audio',
  };
}

/**
 * Serialises a timeline as OTIO JSON (4-space indent, trailing newline). Timeline markers go on
 * the top-level Stack (record time). Media paths become encoded `file://` URLs.
 * @throws UserError `E_NLE_PATH` for a relative media path.
 */
export function writeOtio(timeline: NleTimeline): string {
  const { rate } = timeline;
  const doc = {
    OTIO_SCHEMA: 'Timeline.1',
    metadata: { [META_KEY]: { drop_frame: timeline.dropFrame } },
    name: timeline.name,
    global_start_time: rt(timeline.startTimecodeFrames, rate),
    tracks: {
      OTIO_SCHEMA: 'Stack.1',
      metadata: {},
      name: 'tracks',
      source_range: null,
      effects: [],
      markers: timeline.markers.map((m) => marker(m, rate)),
      enabled: true,
      children: [
        ...timeline.tracks.filter((t) => t.kind === 'video').map((t) => trackJson(t, rate)),
        ...timeline.tracks.filter((t) => t.kind === 'audio').map((t) => trackJson(t, rate)),
      ],
    },
  };
  return JSON.stringify(doc, null, 4) + '\n';
}

// ---------------------------------------------------------------------------------------------
// Reading

const rationalTime = z.object({ rate: z.number().positive(), value: z.number() });
const timeRange = z.object({ start_time: rationalTime, duration: rationalTime });
type RT = z.infer<typeof rationalTime>;

const schemaObj = z.object({ OTIO_SCHEMA: z.string() }).passthrough();
type SchemaObj = z.infer<typeof schemaObj>;

const timelineShape = z.object({
  OTIO_SCHEMA: z.string().regex(/^Timeline\.\d+$/),
  name: z.string().nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).nullable().optional(),
  global_start_time: rationalTime.nullable().optional(),
  tracks: schemaObj,
});

/** Options for `readOtio`. */
export interface OtioReadOptions {
  /** Overrides the drop-frame flag when the file does not carry ours (default: drop-frame at 29.97 and 59.94). */
  dropFrame?: boolean;
}

function bad(msg: string): UserError {
  return new UserError('E_NLE_OTIO', `Not a usable OTIO timeline: ${msg}.`, 'Export the timeline again as OpenTimelineIO (.otio).');
}

/**
 * Frames at `rate` for an OTIO RationalTime. A time whose own rate is the same frame rate
 * (23.976 and 23.976023976023978 both mean 24000/1001, as Resolve and OTIO write them) is
 * taken as a frame count; other rates are rescaled. Non-whole results are rounded with a warning.
 */
function framesAt(t: RT, rate: Rational, warnings: string[], what: string): number {
  let v: number;
  try {
    v = sameRate(rateFromFloat(t.rate), rate) ? t.value : (t.value * rateToFloat(rate)) / t.rate;
  } catch {
    v = (t.value * rateToFloat(rate)) / t.rate;
  }
  const r = Math.round(v);
  if (Math.abs(v - r) > 0.01) warnings.push(`${what}: ${t.value} @ ${t.rate} is not a whole frame; rounded to ${r}.`);
  return r;
}

function schemaName(o: unknown): string {
  return typeof o === 'object' && o !== null && typeof (o as SchemaObj).OTIO_SCHEMA === 'string' ? (o as SchemaObj).OTIO_SCHEMA.split('.')[0] : '';
}

function metaOf(o: Record<string, unknown>): Record<string, unknown> {
  const m = o.metadata;
  const ours = typeof m === 'object' && m !== null ? (m as Record<string, unknown>)[META_KEY] : undefined;
  return typeof ours === 'object' && ours !== null ? (ours as Record<string, unknown>) : {};
}

function itemDuration(o: Record<string, unknown>, rate: Rational, warnings: string[]): number | null {
  const r = timeRange.safeParse(o.source_range);
  if (r.success) return framesAt(r.data.duration, rate, warnings, String(o.name ?? schemaName(o)));
  const ref = activeReference(o);
  const avail = ref ? timeRange.safeParse(ref.available_range) : null;
  if (avail?.success) return framesAt(avail.data.duration, rate, warnings, String(o.name ?? schemaName(o)));
  return null;
}

function activeReference(o: Record<string, unknown>): Record<string, unknown> | null {
  if (o.media_references && typeof o.media_references === 'object') {
    const refs = o.media_references as Record<string, unknown>;
    const key = typeof o.active_media_reference_key === 'string' ? o.active_media_reference_key : 'DEFAULT_MEDIA';
    const ref = refs[key] ?? Object.values(refs)[0];
    return typeof ref === 'object' && ref !== null ? (ref as Record<string, unknown>) : null;
  }
  return typeof o.media_reference === 'object' && o.media_reference !== null ? (o.media_reference as Record<string, unknown>) : null;
}

function readMarkers(list: unknown, toRecord: (t: RT) => number, rate: Rational, warnings: string[]): NleMarker[] {
  if (!Array.isArray(list)) return [];
  const out: NleMarker[] = [];
  for (const m of list) {
    if (schemaName(m) !== 'Marker') continue;
    const mm = m as Record<string, unknown>;
    const range = timeRange.safeParse(mm.marked_range);
    if (!range.success) continue;
    out.push({
      name: String(mm.name ?? ''),
      recordIn: Math.max(0, toRecord(range.data.start_time)),
      duration: Math.max(1, framesAt(range.data.duration, rate, warnings, 'marker')),
      color: typeof mm.color === 'string' ? mm.color.toLowerCase() : 'red',
      note: typeof mm.comment === 'string' ? mm.comment : '',
    });
  }
  return out;
}

/**
 * Parses OTIO JSON into the interchange model. Tracks of kind Video/Audio become V1.. / A1..
 * in stack order; Gap.1 advances time; Transition.1 is ignored (cut at the transition point);
 * nested Stacks and unknown items are left out with a warning. Markers on the stack, tracks and
 * clips become timeline markers.
 * @throws UserError `E_NLE_OTIO` for invalid JSON or a file that is not an OTIO Timeline;
 *   `E_NLE_INVALID` when the result breaks the model's rules.
 */
export function readOtio(text: string, opts: OtioReadOptions = {}): { timeline: NleTimeline; warnings: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw bad(`invalid JSON (${(e as Error).message})`);
  }
  const top = timelineShape.safeParse(json);
  if (!top.success) throw bad('the top level is not a Timeline');
  const doc = json as Record<string, unknown>;
  const warnings: string[] = [];
  const stack = top.data.tracks as Record<string, unknown>;
  const trackList = Array.isArray(stack.children) ? (stack.children as unknown[]) : [];

  // Timeline rate: global_start_time's rate, else the first range found in a track.
  let rate: Rational | null = top.data.global_start_time ? rateFromFloat(top.data.global_start_time.rate) : null;
  if (!rate) {
    outer: for (const t of trackList) {
      for (const item of ((t as Record<string, unknown>).children as unknown[]) ?? []) {
        const r = timeRange.safeParse((item as Record<string, unknown>).source_range);
        if (r.success) {
          rate = rateFromFloat(r.data.duration.rate);
          break outer;
        }
      }
    }
  }
  if (!rate) rate = { num: 24, den: 1 };
  const tlMeta = metaOf(doc);
  const dropFrame =
    typeof tlMeta.drop_frame === 'boolean' ? tlMeta.drop_frame : (opts.dropFrame ?? dropFrameAllowed(rate));
  const startTc = top.data.global_start_time ? framesAt(top.data.global_start_time, rate, warnings, 'global_start_time') : 0;

  const loose: LooseClip[] = [];
  const names: Record<string, string> = {};
  const markers: NleMarker[] = readMarkers(stack.markers, (t) => framesAt(t, rate, warnings, 'marker'), rate, warnings);
  const count = { video: 0, audio: 0 };
  for (const t of trackList) {
    if (schemaName(t) !== 'Track') {
      warnings.push(`A ${schemaName(t) || 'non-track'} item at the top of the stack was left out.`);
      continue;
    }
    const track = t as Record<string, unknown>;
    const kind = track.kind === 'Audio' ? 'audio' : 'video';
    const index = ++count[kind];
    if (typeof track.name === 'string' && track.name) names[`${kind}:${index}`] = track.name;
    if (track.source_range) warnings.push(`Track "${String(track.name)}" has a source_range; it was ignored.`);
    markers.push(...readMarkers(track.markers, (tt) => framesAt(tt, rate, warnings, 'marker'), rate, warnings));
    let cursor = 0;
    for (const item of (track.children as unknown[]) ?? []) {
      const o = item as Record<string, unknown>;
      const kindName = schemaName(o);
      if (kindName === 'Transition') continue;
      const dur = itemDuration(o, rate, warnings);
      if (dur === null) {
        warnings.push(`An item without a duration in track "${String(track.name)}" was left out.`);
        continue;
      }
      if (kindName === 'Clip') {
        const c = readClip(o, rate, cursor, dur, dropFrame, warnings);
        if (c) {
          loose.push({ kind, trackIndex: index, clip: c });
          // Clip markers are in the clip's source time: record = clip start + (marker - source start).
          const srcStart = timeRange.safeParse(o.source_range);
          const s0 = srcStart.success ? srcStart.data.start_time : { rate: 1, value: 0 };
          const clipIn = cursor;
          const toRecord = (tt: RT) => clipIn + framesAt({ rate: tt.rate, value: tt.value - (s0.value * tt.rate) / s0.rate }, rate, warnings, 'marker');
          markers.push(...readMarkers(o.markers, toRecord, rate, warnings));
        }
      } else if (kindName !== 'Gap') {
        warnings.push(`A ${kindName || 'unknown'} item in track "${String(track.name)}" was left out (only clips and gaps are read).`);
      }
      cursor += dur;
    }
  }
  const timeline: NleTimeline = {
    name: top.data.name ?? 'Timeline',
    rate,
    dropFrame,
    startTimecodeFrames: startTc,
    tracks: assembleTracks(loose, warnings, names),
    markers: markers.sort((a, b) => a.recordIn - b.recordIn),
  };
  return { timeline: validateTimeline(timeline, 'OTIO timeline'), warnings };
}

function readClip(o: Record<string, unknown>, rate: Rational, recordIn: number, dur: number, tlDrop: boolean, warnings: string[]): NleClip | null {
  const name = typeof o.name === 'string' ? o.name : '';
  const ref = activeReference(o);
  const src = timeRange.safeParse(o.source_range);
  const avail = ref ? timeRange.safeParse(ref.available_range) : null;
  const rateSrc = avail?.success ? avail.data.start_time.rate : src.success ? src.data.start_time.rate : rateToFloat(rate);
  const mediaRate = rateFromFloat(rateSrc);
  const meta = metaOf(o);
  const tcStart = avail?.success ? framesAt(avail.data.start_time, mediaRate, warnings, name) : 0;
  const absIn = src.success ? framesAt(src.data.start_time, mediaRate, warnings, name) : tcStart;
  const srcLen = src.success ? framesAt(src.data.duration, mediaRate, warnings, name) : dur;
  let mediaPath: string | null = null;
  if (ref && schemaName(ref) === 'ExternalReference' && typeof ref.target_url === 'string' && ref.target_url) {
    mediaPath = fileUrlToPath(ref.target_url);
  } else if (ref && schemaName(ref) !== 'MissingReference') {
    warnings.push(`Clip "${name}": ${schemaName(ref)} media is not supported; it needs relinking.`);
  }
  if (absIn < tcStart) {
    warnings.push(`Clip "${name}" starts before its media's available range; left out.`);
    return null;
  }
  const mediaDrop = typeof meta.media_drop_frame === 'boolean' ? meta.media_drop_frame : dropFrameAllowed(mediaRate) && tlDrop;
  return {
    name,
    mediaPath,
    ...(typeof meta.reel === 'string' ? { reel: meta.reel } : {}),
    sourceIn: absIn - tcStart,
    sourceOut: absIn - tcStart + srcLen,
    recordIn,
    recordOut: recordIn + dur,
    mediaRate,
    sourceTimecodeStart: tcStart,
    mediaDropFrame: mediaDrop,
    ...(avail?.success && avail.data.duration.value > 0 ? { mediaDuration: framesAt(avail.data.duration, mediaRate, warnings, name) } : {}),
    ...(meta.source_timecode_known === false ? { sourceTimecodeKnown: false } : {}),
  };
}
