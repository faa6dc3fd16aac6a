import { UserError } from '../util/errors';
import { assembleTracks, type LooseClip } from './assemble';
import { timelineDuration, validateTimeline, type NleClip, type NleMarker, type NleTimeline, type TrackKind } from './model';
import { baseName, fileUrlToPath, pathToFileUrl } from './paths';
import { convertFrames, dropFrameAllowed, formatRate, isNtscRate, makeRate, type Rational } from './rate';
import { framesToTimecode, timecodeToFrames } from './timecode';
import { buildXml, child, children, descendants, el, parseXml, textAt, type XmlNode } from './xml';

/**
 * Final Cut Pro 7 XML interchange format (`xmeml` version 5), as read and written by Premiere
 * Pro, DaVinci Resolve and Avid. Rates are `<rate><timebase>N</timebase><ntsc>TRUE|FALSE</ntsc>`
 * (NTSC means N*1000/1001). Clip items give record frames `<start>/<end>` from the sequence's
 * first frame and source frames `<in>/<out>` from the media's first frame, both half-open.
 * Media is a `<file id>` with an encoded `<pathurl>` (`file://localhost/...`); later uses of the
 * same file are `<file id="..."/>`. Timecode is `<timecode>` with `<string>`, `<frame>` and
 * `<displayformat>DF|NDF`.
 */

function rateEl(rate: Rational): XmlNode {
  if (rate.den !== 1 && !isNtscRate(rate)) {
    throw new UserError('E_NLE_RATE', `FCP7 XML cannot express ${formatRate(rate)} fps.`, 'Use a whole-number or NTSC (x/1.001) rate.');
  }
  return el('rate', {}, el('timebase', {}, Math.round(rate.num / rate.den)), el('ntsc', {}, rate.den === 1 ? 'FALSE' : 'TRUE'));
}

function timecodeEl(frames: number, rate: Rational, dropFrame: boolean): XmlNode {
  return el(
    'timecode',
    {},
    rateEl(rate),
    el('string', {}, framesToTimecode(frames, rate, dropFrame)),
    el('frame', {}, frames),
    el('displayformat', {}, dropFrame ? 'DF' : 'NDF'),
  );
}

interface FileUse {
  id: string;
  declared: boolean;
  kinds: Set<TrackKind>;
}

/**
 * Serialises a timeline as FCP7 XML (xmeml v5, one `<sequence>`). Timeline markers are
 * sequence `<marker>`s (name, comment, in, out; FCP7 has no marker colours).
 * @throws UserError `E_NLE_RATE` for a rate FCP7 cannot express, `E_NLE_TIMECODE` for a
 *   timecode out of range, `E_NLE_PATH` for a relative media path.
 */
export function writeFcp7(timeline: NleTimeline): string {
  const { rate } = timeline;
  const files = new Map<string, FileUse>();
  for (const t of timeline.tracks) {
    for (const c of t.clips) {
      if (!c.mediaPath) continue;
      const f = files.get(c.mediaPath) ?? { id: `file-${files.size + 1}`, declared: false, kinds: new Set<TrackKind>() };
      f.kinds.add(t.kind);
      files.set(c.mediaPath, f);
    }
  }
  let clipId = 0;
  const clipitem = (c: NleClip, kind: TrackKind): XmlNode => {
    let fileNode: XmlNode | undefined;
    if (c.mediaPath) {
      const f = files.get(c.mediaPath)!;
      if (f.declared) fileNode = el('file', { id: f.id });
      else {
        f.declared = true;
        fileNode = el(
          'file',
          { id: f.id },
          el('name', {}, baseName(c.mediaPath)),
          el('pathurl', {}, pathToFileUrl(c.mediaPath, { localhost: true })),
          rateEl(c.mediaRate),
          el('duration', {}, c.mediaDuration ?? c.sourceOut),
          timecodeEl(c.sourceTimecodeStart, c.mediaRate, c.mediaDropFrame),
          el('media', {}, f.kinds.has('video') && el('video', {}), f.kinds.has('audio') && el('audio', {}, el('channelcount', {}, 2))),
        );
      }
    }
    return el(
      'clipitem',
      { id: `clipitem-${++clipId}` },
      el('name', {}, c.name),
      el('enabled', {}, 'TRUE'),
      el('duration', {}, c.mediaDuration ?? c.sourceOut),
      rateEl(c.mediaRate),
      el('start', {}, c.recordIn),
      el('end', {}, c.recordOut),
      el('in', {}, c.sourceIn),
      el('out', {}, c.sourceOut),
      fileNode,
      kind === 'audio' && el('sourcetrack', {}, el('mediatype', {}, 'audio'), el('trackindex', {}, 1)),
      c.reel ? el('logginginfo', {}, el('reel', {}, c.reel)) : undefined,
    );
  };
  const trackEls = (kind: TrackKind) =>
    timeline.tracks
      .filter((t) => t.kind === kind)
      .map((t) => el('track', {}, ...t.clips.map((c) => clipitem(c, kind)), el('enabled', {}, 'TRUE'), el('locked', {}, 'FALSE')));
  const markerEl = (m: NleMarker) =>
    el('marker', {}, el('name', {}, m.name), el('comment', {}, m.note), el('in', {}, m.recordIn), el('out', {}, m.duration > 1 ? m.recordIn + m.duration : -1));

  const root = el(
    'xmeml',
    { version: '5' },
    el(
      'sequence',
      { id: 'sequence-1' },
      el('name', {}, timeline.name),
      el('duration', {}, timelineDuration(timeline)),
      rateEl(rate),
      timecodeEl(timeline.startTimecodeFrames, rate, timeline.dropFrame),
      el('in', {}, -1),
      el('out', {}, -1),
      ...timeline.markers.map(markerEl),
      el(
        'media',
        {},
        el('video', {}, el('format', {}, el('samplecharacteristics', {}, rateEl(rate))), ...trackEls('video')),
        el('audio', {}, ...trackEls('audio')),
      ),
    ),
  );
  return buildXml(root, 'xmeml');
}

// ---------------------------------------------------------------------------------------------
// Reading

function bad(msg: string): UserError {
  return new UserError('E_NLE_FCP7', `Not a usable FCP7 XML sequence: ${msg}.`, 'Export the sequence again as Final Cut Pro XML (File > Export > Final Cut Pro XML in Premiere).');
}

function readRate(node: XmlNode | undefined): Rational | null {
  const r = child(node, 'rate');
  const tb = Number(textAt(r, 'timebase'));
  if (!Number.isFinite(tb) || tb <= 0) return null;
  const ntsc = (textAt(r, 'ntsc') ?? 'FALSE').toUpperCase() === 'TRUE';
  return ntsc ? makeRate(Math.round(tb) * 1000, 1001) : makeRate(Math.round(tb), 1);
}

function int(text: string | undefined): number | null {
  if (text === undefined || text === '') return null;
  const n = Number(text);
  return Number.isFinite(n) ? Math.round(n) : null;
}

function readTimecode(tc: XmlNode | undefined, fallbackRate: Rational): { frames: number; dropFrame: boolean; rate: Rational } | null {
  if (!tc) return null;
  const rate = readRate(tc) ?? fallbackRate;
  const fmt = (textAt(tc, 'displayformat') ?? '').toUpperCase();
  const str = textAt(tc, 'string');
  const dropFrame = (fmt === 'DF' || (!fmt && !!str?.includes(';'))) && dropFrameAllowed(rate);
  const frame = int(textAt(tc, 'frame'));
  if (frame !== null && frame >= 0) return { frames: frame, dropFrame, rate };
  if (str) return { frames: timecodeToFrames(str, rate, dropFrame), dropFrame, rate };
  return null;
}

/** Options for `readFcp7`. */
export interface Fcp7ReadOptions {
  /** Name of the sequence to read when the file holds several (default: the first). */
  sequenceName?: string;
}

/**
 * Parses FCP7 XML into the interchange model: the first (or the named) `<sequence>`, its
 * `media/video/track`s as V1.. and `media/audio/track`s as A1.., clip items with `<file>`
 * (references by id resolved). Disabled items, generators and nested sequences are left out
 * with a warning; `-1` start/end next to transitions are recovered from in/out.
 * @throws UserError `E_NLE_XML` for malformed XML, `E_NLE_FCP7` when there is no sequence,
 *   `E_NLE_INVALID` when the result breaks the model's rules.
 */
export function readFcp7(text: string, opts: Fcp7ReadOptions = {}): { timeline: NleTimeline; warnings: string[] } {
  const root = parseXml(text, 'FCP7 XML file');
  if (root.name !== 'xmeml') throw bad(`the root element is <${root.name}>, not <xmeml>`);
  const sequences = descendants(root, 'sequence').filter((s) => child(s, 'media'));
  const seq = opts.sequenceName ? sequences.find((s) => textAt(s, 'name') === opts.sequenceName) : sequences[0];
  if (!seq) throw bad(opts.sequenceName ? `no sequence named "${opts.sequenceName}"` : 'no <sequence> with media');
  const warnings: string[] = [];
  const rate = readRate(seq);
  if (!rate) throw bad('the sequence has no <rate>');
  const seqTc = readTimecode(child(seq, 'timecode'), rate);

  // All fully declared files, by id (later references are <file id="..."/>).
  const files = new Map<string, XmlNode>();
  for (const f of descendants(root, 'file')) if (f.attrs.id && f.children.length) files.set(f.attrs.id, f);

  const loose: LooseClip[] = [];
  const media = child(seq, 'media');
  for (const kind of ['video', 'audio'] as const) {
    children(child(media, kind), 'track').forEach((track, ti) => {
      let cursor = 0;
      for (const item of track.children) {
        if (item.name !== 'clipitem') {
          if (item.name === 'generatoritem') warnings.push(`Generator "${textAt(item, 'name') ?? ''}" on ${kind} track ${ti + 1} was left out.`);
          continue;
        }
        const c = readClipitem(item, files, rate, cursor, warnings, `${kind === 'video' ? 'V' : 'A'}${ti + 1}`);
        if (c) {
          loose.push({ kind, trackIndex: ti + 1, clip: c });
          cursor = c.recordOut;
        }
      }
    });
  }
  const markers: NleMarker[] = children(seq, 'marker').flatMap((m) => {
    const inF = int(textAt(m, 'in'));
    const outF = int(textAt(m, 'out'));
    if (inF === null || inF < 0) return [];
    return [{ name: textAt(m, 'name') ?? '', note: textAt(m, 'comment') ?? '', recordIn: inF, duration: outF !== null && outF > inF ? outF - inF : 1, color: 'red' }];
  });
  const timeline: NleTimeline = {
    name: textAt(seq, 'name') ?? 'Sequence',
    rate,
    dropFrame: seqTc?.dropFrame ?? false,
    startTimecodeFrames: seqTc ? convertFrames(seqTc.frames, seqTc.rate, rate) : 0,
    tracks: assembleTracks(loose, warnings),
    markers,
  };
  return { timeline: validateTimeline(timeline, 'FCP7 XML sequence'), warnings };
}

function readClipitem(item: XmlNode, files: Map<string, XmlNode>, seqRate: Rational, cursor: number, warnings: string[], where: string): NleClip | null {
  const name = textAt(item, 'name') ?? '';
  if ((textAt(item, 'enabled') ?? 'TRUE').toUpperCase() === 'FALSE') {
    warnings.push(`${where}: disabled clip "${name}" was left out.`);
    return null;
  }
  const fileRef = child(item, 'file');
  if (!fileRef) {
    warnings.push(`${where}: "${name}" has no media file (nested sequence or generator); left out.`);
    return null;
  }
  const file = fileRef.children.length ? fileRef : files.get(fileRef.attrs.id ?? '');
  if (!file) {
    warnings.push(`${where}: "${name}" refers to file id "${fileRef.attrs.id ?? ''}" that is never declared; left out.`);
    return null;
  }
  if (child(file, 'media') && descendants(file, 'sequence').length) {
    warnings.push(`${where}: "${name}" is a nested sequence; left out.`);
    return null;
  }
  const itemRate = readRate(item) ?? seqRate;
  const mediaRate = readRate(file) ?? itemRate;
  let inF = int(textAt(item, 'in'));
  let outF = int(textAt(item, 'out'));
  let start = int(textAt(item, 'start'));
  let end = int(textAt(item, 'end'));
  if (inF === null || outF === null || outF <= inF) {
    warnings.push(`${where}: "${name}" has no usable in/out; left out.`);
    return null;
  }
  inF = convertFrames(inF, itemRate, mediaRate);
  outF = convertFrames(outF, itemRate, mediaRate);
  const recLen = convertFrames(outF - inF, mediaRate, seqRate);
  // -1 marks an edge inside a transition; the clip's own length recovers it.
  if ((start === null || start < 0) && end !== null && end >= 0) start = end - recLen;
  if ((end === null || end < 0) && start !== null && start >= 0) end = start + recLen;
  if (start === null || start < 0 || end === null || end < 0) {
    start = cursor;
    end = cursor + recLen;
    warnings.push(`${where}: "${name}" sits between transitions; placed at the previous clip's end.`);
  }
  const pathurl = textAt(file, 'pathurl');
  const tc = readTimecode(child(file, 'timecode'), mediaRate);
  const dur = int(textAt(file, 'duration'));
  const reel = textAt(item, 'logginginfo', 'reel') || textAt(file, 'timecode', 'reel', 'name');
  return {
    name: name || baseName(pathurl ?? ''),
    mediaPath: pathurl ? fileUrlToPath(pathurl) : null,
    ...(reel ? { reel } : {}),
    sourceIn: inF,
    sourceOut: outF,
    recordIn: start,
    recordOut: end,
    mediaRate,
    sourceTimecodeStart: tc ? convertFrames(tc.frames, tc.rate, mediaRate) : 0,
    mediaDropFrame: tc?.dropFrame ?? false,
    ...(dur !== null && dur > 0 ? { mediaDuration: dur } : {}),
  };
}
