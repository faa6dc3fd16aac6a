import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic';
import { throwIfAborted, UserError } from '../util/errors';
import { writeEdl } from './edl';
import { writeFcp7 } from './fcp7';
import { writeFcpxml, type FcpxmlWriteOptions } from './fcpxml';
import { makeSendBack, writeJsonAtomic } from './handoff';
import { exportShotMedia, type ShotCodec, type ShotMediaResult } from './media-export';
import { validateTimeline, type NleClip, type NleMarker, type NleTimeline, type NleTrack } from './model';
import { writeOtio } from './otio';
import { formatRate, sameRate } from './rate';
import { framesToTimecode } from './timecode';

/** Timeline formats the exporter writes. */
export type TimelineFormat = 'otio' | 'fcp7' | 'fcpxml' | 'edl';
export const ALL_TIMELINE_FORMATS: TimelineFormat[] = ['otio', 'fcp7', 'fcpxml', 'edl'];
export const TIMELINE_EXTENSIONS: Record<TimelineFormat, string> = { otio: '.otio', fcp7: '.xml', fcpxml: '.fcpxml', edl: '.edl' };

/** A dubbed segment inside a shot, in timeline frames; becomes a marker. */
export interface DubSegmentMarker {
  name: string;
  recordIn: number;
  recordOut: number;
  note?: string;
}

/** A dubbed shot: which clip of the original edit it replaces and the media that does it. */
export interface DubbedShot {
  /** The clip as it sits in the original timeline. */
  originalClip: NleClip;
  /** The exported shot file (starting `handles.head` frames before the clip's source in). */
  dubbedMediaPath: string;
  /** Handle frames in that file before and after the shot (a number means both). */
  handles: number | { head: number; tail: number };
  /** Clip name on the dubbed track (default: original name + " dub"). */
  name?: string;
  /** Markers to add; default one marker spanning the shot. */
  segments?: DubSegmentMarker[];
}

export interface BuildOptions {
  /** Name of the new video track (default "Dubbed"; overlapping shots go to "Dubbed 2", ...). */
  trackName?: string;
  /** Marker colour for dubbed segments (default "green"). */
  markerColor?: string;
}

/** `base`, or `base 2`, `base 3`, ... when a track already has that name. */
function uniqueTrackName(base: string, tracks: NleTrack[]): string {
  const taken = new Set(tracks.map((t) => t.name));
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base} ${i}`)) return `${base} ${i}`;
}

function headTail(h: DubbedShot['handles']): { head: number; tail: number } {
  return typeof h === 'number' ? { head: h, tail: h } : h;
}

/**
 * The original timeline plus new video track(s) above every existing video track holding each
 * dubbed shot at its original record frames. The dubbed clip uses frames
 * [head, head + length) of its file, whose start timecode is the original source timecode of
 * that first handle frame, so the absolute source timecode of every cut matches the original.
 * Dubbed segments become timeline markers.
 * @throws UserError `E_NLE_EXPORT` for a retimed clip (source and record lengths differ) or a
 *   negative handle; `E_NLE_INVALID` if the result breaks the model's rules.
 */
export function buildDubbedTimeline(original: NleTimeline, shots: DubbedShot[], opts: BuildOptions = {}): NleTimeline {
  const trackName = opts.trackName ?? 'Dubbed';
  const color = opts.markerColor ?? 'green';
  const dubTracks: NleTrack[] = [];
  const markers: NleMarker[] = [];
  const sorted = [...shots].sort((a, b) => a.originalClip.recordIn - b.originalClip.recordIn);
  for (const s of sorted) {
    const o = s.originalClip;
    const len = o.recordOut - o.recordIn;
    if (o.sourceOut - o.sourceIn !== len || !sameRate(o.mediaRate, original.rate)) {
      throw new UserError(
        'E_NLE_EXPORT',
        `Clip "${o.name}" is retimed or at another rate (${o.sourceOut - o.sourceIn} source frames at ${formatRate(o.mediaRate)} for ${len} timeline frames at ${formatRate(original.rate)}).`,
        'Dub clips that play at normal speed at the timeline rate.',
      );
    }
    const { head, tail } = headTail(s.handles);
    if (head < 0 || tail < 0) throw new UserError('E_NLE_EXPORT', `Negative handles for "${o.name}".`, 'Handles are 0 or more frames.');
    const clip: NleClip = {
      name: s.name ?? `${o.name} dub`,
      mediaPath: s.dubbedMediaPath,
      sourceIn: head,
      sourceOut: head + len,
      recordIn: o.recordIn,
      recordOut: o.recordOut,
      mediaRate: o.mediaRate,
      sourceTimecodeStart: Math.max(0, o.sourceTimecodeStart + o.sourceIn - head),
      mediaDropFrame: o.mediaDropFrame,
      mediaDuration: head + len + tail,
    };
    let track = dubTracks.find((t) => t.clips.every((c) => c.recordOut <= clip.recordIn || c.recordIn >= clip.recordOut));
    if (!track) {
      track = { kind: 'video', name: uniqueTrackName(trackName, [...original.tracks, ...dubTracks]), clips: [] };
      dubTracks.push(track);
    }
    track.clips.push(clip);
    const segs = s.segments?.length ? s.segments : [{ name: clip.name, recordIn: o.recordIn, recordOut: o.recordOut, note: 'Dubbed' }];
    for (const g of segs) {
      const from = Math.max(o.recordIn, g.recordIn);
      const to = Math.min(o.recordOut, g.recordOut);
      if (to > from) markers.push({ name: g.name, recordIn: from, duration: to - from, color, note: g.note ?? '' });
    }
  }
  for (const t of dubTracks) t.clips.sort((a, b) => a.recordIn - b.recordIn);
  const lastVideo = original.tracks.map((t) => t.kind).lastIndexOf('video');
  const tracks = [...original.tracks.slice(0, lastVideo + 1), ...dubTracks, ...original.tracks.slice(lastVideo + 1)];
  return validateTimeline({ ...original, tracks, markers: [...original.markers, ...markers].sort((a, b) => a.recordIn - b.recordIn) });
}

/**
 * Serialises a timeline in one format. For EDL, `edlVideoTrack` picks the video track
 * (default: the top one, i.e. the dubbed track).
 */
export function renderTimeline(timeline: NleTimeline, format: TimelineFormat, opts: { edlVideoTrack?: number; fcpxml?: FcpxmlWriteOptions } = {}): string {
  switch (format) {
    case 'otio':
      return writeOtio(timeline);
    case 'fcp7':
      return writeFcp7(timeline);
    case 'fcpxml':
      return writeFcpxml(timeline, opts.fcpxml);
    case 'edl':
      return writeEdl(timeline, { videoTrack: opts.edlVideoTrack });
  }
}

/** A file-name-safe version of `name` (no path separators or characters Windows forbids). */
export function safeFileName(name: string): string {
  const s = [...name]
    .map((ch) => (ch.charCodeAt(0) < 32 || '\\/:*?"<>|'.includes(ch) ? '_' : ch))
    .join('')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 100);
  return s.replace(/^\.+/, '') || 'timeline';
}

/**
 * Writes the timeline in each format into `outDir` as `<baseName><ext>` (atomically). The EDL
 * holds the top video track; when `edlTracks` lists several video tracks, each gets
 * `<baseName>.V<n>.edl`.
 * @returns the written path per format (for several EDLs, the first).
 */
export async function writeTimelineFiles(
  timeline: NleTimeline,
  outDir: string,
  baseName: string,
  opts: { formats?: TimelineFormat[]; edlTracks?: number[]; fcpxml?: FcpxmlWriteOptions } = {},
): Promise<Partial<Record<TimelineFormat, string>>> {
  await fsp.mkdir(outDir, { recursive: true });
  const out: Partial<Record<TimelineFormat, string>> = {};
  const base = safeFileName(baseName);
  for (const f of opts.formats ?? ALL_TIMELINE_FORMATS) {
    if (f === 'edl') {
      const topVideo = timeline.tracks.filter((t) => t.kind === 'video').length;
      const edlTracks = opts.edlTracks?.length ? opts.edlTracks : [topVideo];
      for (const [i, n] of edlTracks.entries()) {
        const file = path.join(outDir, edlTracks.length > 1 ? `${base}.V${n}.edl` : `${base}.edl`);
        await writeFileAtomic(file, renderTimeline(timeline, 'edl', { edlVideoTrack: n }));
        if (i === 0) out.edl = file;
      }
      continue;
    }
    const file = path.join(outDir, base + TIMELINE_EXTENSIONS[f]);
    await writeFileAtomic(file, renderTimeline(timeline, f, { fcpxml: opts.fcpxml }));
    out[f] = file;
  }
  return out;
}

/** One shot to export: the original clip and the render its dubbed frames come from. */
export interface ShotToExport {
  originalClip: NleClip;
  /** The dubbed render (video file); its frame `sourceIn - renderFirstSourceFrame` is the clip's first frame. */
  render: string;
  /** Source frame (of the original media) that the render's frame 0 shows (default 0: the render covers the whole source file). */
  renderFirstSourceFrame?: number;
  name?: string;
  segments?: DubSegmentMarker[];
}

export interface ExportDubbedOptions {
  timeline: NleTimeline;
  shots: ShotToExport[];
  outDir: string;
  /** Base file name of the timelines (default: the timeline name). */
  baseName?: string;
  codec: ShotCodec;
  /** Handle frames each side (default 0). */
  handles?: number;
  /** `.mov` (default) or `.mp4` (H.264 only). */
  container?: '.mov' | '.mp4';
  formats?: TimelineFormat[];
  trackName?: string;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface ExportDubbedResult {
  media: ShotMediaResult[];
  timeline: NleTimeline;
  files: Partial<Record<TimelineFormat, string>>;
  /** The `.sendback.json` for the Resolve plugin's "Send back". */
  sendBack: string;
}

/**
 * Exports the dubbed shots: one media file per shot in `<outDir>/media/` (ProRes 422 HQ or
 * H.264, handles, source timecode), then the timeline with the dubbed track in every format,
 * plus a send-back manifest. Every file is written atomically.
 * @throws UserError `E_NLE_EXPORT` when a render's frame rate differs from its clip's, and the
 *   errors of `exportShotMedia` / `buildDubbedTimeline`; `CancelledError` on abort.
 */
export async function exportDubbedShots(opts: ExportDubbedOptions): Promise<ExportDubbedResult> {
  const { timeline, outDir } = opts;
  const mediaDir = path.join(outDir, 'media');
  await fsp.mkdir(mediaDir, { recursive: true });
  const ext = opts.container ?? '.mov';
  const media: ShotMediaResult[] = [];
  const dubbed: DubbedShot[] = [];
  for (const [i, s] of opts.shots.entries()) {
    throwIfAborted(opts.signal);
    const o = s.originalClip;
    const name = s.name ?? `${o.name} dub`;
    const file = path.join(mediaDir, `${String(i + 1).padStart(3, '0')}_${safeFileName(name)}${ext}`);
    const startFrame = o.sourceIn - (s.renderFirstSourceFrame ?? 0);
    const r = await exportShotMedia({
      input: s.render,
      out: file,
      startFrame,
      endFrame: startFrame + (o.sourceOut - o.sourceIn),
      handles: opts.handles ?? 0,
      codec: opts.codec,
      timecode: framesToTimecode(o.sourceTimecodeStart + o.sourceIn, o.mediaRate, o.mediaDropFrame),
      signal: opts.signal,
    });
    if (!sameRate(r.rate, o.mediaRate)) {
      throw new UserError(
        'E_NLE_EXPORT',
        `The render "${s.render}" runs at ${formatRate(r.rate)} fps but clip "${o.name}" at ${formatRate(o.mediaRate)} fps.`,
        'Render the dub at the source clip\'s frame rate.',
      );
    }
    media.push(r);
    dubbed.push({ originalClip: o, dubbedMediaPath: path.resolve(file), handles: { head: r.head, tail: r.tail }, name, segments: s.segments });
    opts.onProgress?.(i + 1, opts.shots.length);
  }
  const trackName = opts.trackName ?? 'Dubbed';
  const result = buildDubbedTimeline(timeline, dubbed, { trackName });
  const base = opts.baseName ?? `${timeline.name} dubbed`;
  // The dubbed tracks are the ones buildDubbedTimeline added (the original track objects are reused).
  const videoTracks = result.tracks.filter((t) => t.kind === 'video');
  const added = videoTracks.map((t, i) => ({ t, n: i + 1 })).filter(({ t }) => !timeline.tracks.includes(t));
  const files = await writeTimelineFiles(result, outDir, base, { formats: opts.formats, edlTracks: added.map((a) => a.n) });
  const sendBack = path.join(outDir, `${safeFileName(base)}.sendback.json`);
  await writeJsonAtomic(sendBack, makeSendBack(result, added.map((a) => a.t.name)));
  return { media, timeline: result, files, sendBack };
}
