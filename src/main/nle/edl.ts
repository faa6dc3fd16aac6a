import { UserError } from '../util/errors';
import { assembleTracks, type LooseClip } from './assemble';
import { validateTimeline, type NleClip, type NleMarker, type NleTimeline } from './model';
import { baseName, isAbsoluteMediaPath } from './paths';
import { dropFrameAllowed, formatRate, sameRate, type Rational } from './rate';
import { framesToTimecode, isTimecode, timecodeToFrames } from './timecode';

/**
 * CMX 3600 edit decision lists as Avid, Premiere and Resolve write them:
 *
 * ```
 * TITLE: My Timeline
 * FCM: NON-DROP FRAME
 *
 * 001  AX       V     C        01:00:10:00 01:00:12:00 01:00:00:00 01:00:02:00
 * * FROM CLIP NAME: A001C003.mov
 * * SOURCE FILE: /Volumes/Media/A001C003.mov
 * ```
 *
 * Event line: event number, reel (8 characters; `AX` = auxiliary source, named by the comments),
 * channels (`V`, `A`, `A2`, `AA`, `B`), transition (`C` cut, `D` dissolve, `W` wipe, with a
 * duration), then source in/out and record in/out timecode. Out points are exclusive. `FCM:`
 * sets drop / non-drop for the events after it; drop-frame timecode is written with `;`.
 * An EDL holds one video track (plus audio channels) and does not say its frame rate.
 * `* LOC: <record TC> <COLOR> <name>` comments carry markers (Avid locators).
 */

/** Options for `writeEdl`. */
export interface EdlWriteOptions {
  /** Which video track to write, 1-based (default: the top video track, i.e. the dubbed one). */
  videoTrack?: number;
  /** Write `* SOURCE FILE:` comments with the media path (default true). */
  sourceFileComments?: boolean;
}

const EDL_COLORS = ['RED', 'GREEN', 'BLUE', 'CYAN', 'MAGENTA', 'YELLOW', 'BLACK', 'WHITE'];

function reelName(c: NleClip): string {
  const r = (c.reel ?? '').replace(/[^A-Za-z0-9_]/g, '').slice(0, 8);
  return r || 'AX';
}

/**
 * Serialises one video track of a timeline as a CMX 3600 EDL. Record timecode is the timeline
 * start timecode + record frame; source timecode is the media start timecode + source frame.
 * Clips without media path keep their reel/name only. Markers that fall on a written event are
 * `* LOC:` comments.
 * @throws UserError `E_NLE_EDL` when the timeline has no such video track or a clip's media
 *   rate differs from the timeline rate (CMX 3600 has one rate); `E_NLE_TIMECODE` when a
 *   timecode would pass 24 hours.
 */
export function writeEdl(timeline: NleTimeline, opts: EdlWriteOptions = {}): string {
  const videoTracks = timeline.tracks.filter((t) => t.kind === 'video');
  const index = opts.videoTrack ?? videoTracks.length;
  const track = videoTracks[index - 1];
  if (!track) {
    throw new UserError('E_NLE_EDL', `The timeline has no video track V${index}.`, 'Choose an existing video track for the EDL.');
  }
  const { rate, dropFrame } = timeline;
  const lines: string[] = [`TITLE: ${timeline.name.replace(/[\r\n]+/g, ' ')}`, `FCM: ${dropFrame ? 'DROP FRAME' : 'NON-DROP FRAME'}`, ''];
  const rec = (f: number) => framesToTimecode(timeline.startTimecodeFrames + f, rate, dropFrame);
  track.clips.forEach((c, i) => {
    if (!sameRate(c.mediaRate, rate)) {
      throw new UserError(
        'E_NLE_EDL',
        `Clip "${c.name}" runs at ${formatRate(c.mediaRate)} fps in a ${formatRate(rate)} fps timeline; a CMX 3600 EDL cannot express that.`,
        'Export OTIO, FCP7 XML or FCPXML for mixed-rate timelines.',
      );
    }
    const src = (f: number) => framesToTimecode(c.sourceTimecodeStart + f, c.mediaRate, c.mediaDropFrame);
    const ev = String(i + 1).padStart(3, '0');
    lines.push(`${ev}  ${reelName(c).padEnd(8)} ${'V'.padEnd(6)}${'C'.padEnd(9)}${src(c.sourceIn)} ${src(c.sourceOut)} ${rec(c.recordIn)} ${rec(c.recordOut)}`);
    lines.push(`* FROM CLIP NAME: ${c.name}`);
    if (c.mediaPath && opts.sourceFileComments !== false) lines.push(`* SOURCE FILE: ${c.mediaPath}`);
    for (const m of timeline.markers) {
      if (m.recordIn >= c.recordIn && m.recordIn < c.recordOut) {
        const color = EDL_COLORS.includes(m.color.toUpperCase()) ? m.color.toUpperCase() : 'RED';
        lines.push(`* LOC: ${rec(m.recordIn)} ${color.padEnd(7)} ${[m.name, m.note].filter(Boolean).join(' | ')}`);
      }
    }
    lines.push('');
  });
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Reading

/** Options for `readEdl`. */
export interface EdlReadOptions {
  /** The timeline's frame rate; an EDL does not carry it. Drop-frame EDLs default to 30000/1001. */
  rate?: Rational;
  /** Name for the timeline when the EDL has no TITLE. */
  name?: string;
  /**
   * Timecode of the timeline's first frame, as a frame count at `rate`. An EDL does not carry
   * it; the default is the whole hour at or before the first event (01:00:00:00 for a
   * timeline whose first event is at 01:00:05:00), the usual NLE start.
   */
  startTimecodeFrames?: number;
}

interface PendingEvent {
  line: number;
  /** Event number as written (the two lines of a dissolve share it). */
  event: string;
  reel: string;
  channels: string;
  clip: NleClip;
  dropFrame: boolean;
}

function channelTracks(ch: string): Array<{ kind: 'video' | 'audio'; index: number }> {
  const c = ch.toUpperCase();
  const out: Array<{ kind: 'video' | 'audio'; index: number }> = [];
  if (c.startsWith('V') || c === 'B' || c.includes('/V')) out.push({ kind: 'video', index: 1 });
  if (c === 'B') out.push({ kind: 'audio', index: 1 });
  if (c === 'AA' || c === 'AA/V') out.push({ kind: 'audio', index: 1 }, { kind: 'audio', index: 2 });
  else {
    const m = /A(\d*)/.exec(c.replace(/^V/, ''));
    if (m) out.push({ kind: 'audio', index: m[1] ? Number(m[1]) : 1 });
  }
  return out;
}

/**
 * Parses a CMX 3600 EDL. Cuts and the incoming side of dissolves/wipes become clips on V1
 * (video channels) and A1.. (audio channels); black (`BL`/`BLK`) events are gaps; zero-length
 * events are skipped; `M2` speed changes are ignored with a warning. `* FROM CLIP NAME:` /
 * `* TO CLIP NAME:` name the clip, `* SOURCE FILE:` with an absolute path gives the media path,
 * `* LOC:` gives markers. Source frames are absolute source timecode until the media's start
 * timecode is known (`sourceTimecodeKnown: false`; see `rebaseSourceTimecode`).
 * @throws UserError `E_NLE_EDL` when no rate is given and the EDL is not drop-frame, or when no
 *   event can be read; `E_NLE_TIMECODE` for a malformed timecode.
 */
export function readEdl(text: string, opts: EdlReadOptions = {}): { timeline: NleTimeline; warnings: string[] } {
  const lines = text.split(/\r\n|\r|\n/);
  const warnings: string[] = [];
  let title = opts.name ?? 'EDL';
  let dropFrame = false;
  const sawDrop = lines.some((l) => /^\s*FCM:\s*DROP\s*FRAME/i.test(l));
  const rate = opts.rate ?? (sawDrop ? { num: 30000, den: 1001 } : null);
  if (!rate) {
    throw new UserError('E_NLE_EDL', 'The EDL does not say its frame rate.', 'Pass the timeline frame rate (e.g. 24000/1001, 25 or 30000/1001).');
  }
  const events: PendingEvent[] = [];
  const markerLines: Array<{ tc: string; color: string; name: string }> = [];
  let firstTitle = true;
  let lastNamed: PendingEvent | null = null;
  lines.forEach((raw, i) => {
    const line = raw.replace(/\t/g, ' ').trimEnd();
    if (!line.trim()) return;
    let m = /^\s*TITLE:\s*(.*)$/i.exec(line);
    if (m) {
      if (firstTitle && m[1].trim()) title = m[1].trim();
      firstTitle = false;
      return;
    }
    m = /^\s*FCM:\s*(.*)$/i.exec(line);
    if (m) {
      dropFrame = /^DROP/i.test(m[1].trim()) && dropFrameAllowed(rate);
      return;
    }
    if (/^\s*\*/.test(line)) {
      const body = line.replace(/^\s*\*\s*/, '');
      const group = events.filter((e) => e.event === events[events.length - 1]?.event);
      let c = /^(FROM|TO) CLIP NAME:\s*(.*)$/i.exec(body);
      if (c && group.length) {
        // FROM names the first line of the event, TO the second (incoming) line of a dissolve.
        const target = c[1].toUpperCase() === 'TO' ? group[group.length - 1] : group[0];
        target.clip.name = c[2].trim();
        lastNamed = target;
        return;
      }
      c = /^SOURCE FILE:\s*(.*)$/i.exec(body);
      if (c && group.length) {
        const p = c[1].trim();
        // The path belongs to the line the last FROM/TO CLIP NAME named, else the event's last line.
        const target = lastNamed && group.includes(lastNamed) ? lastNamed : group[group.length - 1];
        if (isAbsoluteMediaPath(p)) target.clip.mediaPath = p;
        return;
      }
      c = /^LOC:\s*(\S+)\s+(\S+)\s*(.*)$/i.exec(body);
      if (c && isTimecode(c[1])) markerLines.push({ tc: c[1], color: c[2].toLowerCase(), name: c[3].trim() });
      return;
    }
    if (/^\s*M2\s/i.test(line)) {
      warnings.push(`Line ${i + 1}: speed change (M2) ignored; the clip is read at normal speed.`);
      return;
    }
    const tokens = line.trim().split(/\s+/);
    if (!/^\d{1,6}$/.test(tokens[0] ?? '') || tokens.length < 8) return;
    const tcs = tokens.slice(-4);
    if (!tcs.every(isTimecode)) {
      warnings.push(`Line ${i + 1} is not an event line; skipped.`);
      return;
    }
    const [reel, channels] = [tokens[1], tokens[2]];
    const lineDrop = dropFrame || tcs.some((t) => t.includes(';'));
    const df = lineDrop && dropFrameAllowed(rate);
    const [sIn, sOut, rIn, rOut] = tcs.map((t) => timecodeToFrames(t, rate, df));
    events.push({
      line: i + 1,
      event: tokens[0],
      reel,
      channels,
      dropFrame: df,
      clip: {
        name: '',
        mediaPath: null,
        reel,
        sourceIn: sIn,
        sourceOut: sOut,
        recordIn: rIn,
        recordOut: rOut,
        mediaRate: rate,
        sourceTimecodeStart: 0,
        mediaDropFrame: df,
        sourceTimecodeKnown: false,
      },
    });
  });
  const real = events.filter((e) => !/^(BL|BLK|BLACK)$/i.test(e.reel) && e.clip.recordOut > e.clip.recordIn && e.clip.sourceOut > e.clip.sourceIn);
  if (real.length === 0) {
    throw new UserError('E_NLE_EDL', 'The EDL contains no events with source and record timecode.', 'Check that the file is a CMX 3600 EDL.');
  }
  const first = Math.min(...real.map((e) => e.clip.recordIn));
  const firstDrop = real[0].dropFrame;
  const hour = Number(framesToTimecode(first, rate, firstDrop).slice(0, 2));
  const start = Math.min(first, opts.startTimecodeFrames ?? timecodeToFrames(`${String(hour).padStart(2, '0')}:00:00${firstDrop ? ';' : ':'}00`, rate, firstDrop));
  const loose: LooseClip[] = [];
  for (const e of real) {
    const clip = { ...e.clip, recordIn: e.clip.recordIn - start, recordOut: e.clip.recordOut - start };
    if (!clip.name) clip.name = clip.mediaPath ? baseName(clip.mediaPath) : e.reel;
    const targets = channelTracks(e.channels);
    if (!targets.length) warnings.push(`Line ${e.line}: unknown channels "${e.channels}"; event skipped.`);
    for (const t of targets) loose.push({ kind: t.kind, trackIndex: t.index, clip: { ...clip } });
  }
  const markers: NleMarker[] = markerLines.map((l) => ({
    // writeEdl joins name and note with " | ".
    name: l.name.split(' | ')[0],
    note: l.name.split(' | ').slice(1).join(' | '),
    color: l.color,
    recordIn: Math.max(0, timecodeToFrames(l.tc, rate, dropFrame) - start),
    duration: 1,
  }));
  const timeline: NleTimeline = {
    name: title,
    rate,
    dropFrame: firstDrop,
    startTimecodeFrames: start,
    tracks: assembleTracks(loose, warnings),
    markers,
  };
  return { timeline: validateTimeline(timeline, 'EDL'), warnings };
}
