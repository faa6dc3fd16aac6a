import { UserError } from '../util/errors';
import { assembleTracks, type LooseClip } from './assemble';
import { timelineDuration, validateTimeline, type NleClip, type NleMarker, type NleTimeline, type TrackKind } from './model';
import { baseName, fileUrlToPath, pathToFileUrl } from './paths';
import { dropFrameAllowed, makeRate, sameRate, type Rational } from './rate';
import { formatRat, framesToRat, parseRat, rat, ratAdd, ratSub, ratToFrames, type RatTime } from './rational-time';
import { buildXml, child, children, descendants, el, parseXml, type XmlNode } from './xml';

/**
 * Final Cut Pro X XML, version 1.10 (Apple "FCPXML Reference"; checked against the 1.10 DTD's
 * content models). Time is rational seconds (`"1001/24000s"`). The first video track is the
 * primary storyline (`<spine>`, holes filled with `<gap>`); video track n > 1 becomes connected
 * clips with `lane="n-1"`, audio track n connected clips with `lane="-n"`. A connected clip's
 * `offset` is in its parent's local time: parent `start` + (record in - parent record in).
 * Sequence and spine offsets include the start timecode (`tcStart`). Media is an `<asset>` with
 * `<media-rep kind="original-media" src="file:///...">` (encoded URL). Markers are `<marker>`
 * children of the clip they fall on (FCPXML markers have no colour).
 */

/** Options for `writeFcpxml`. */
export interface FcpxmlWriteOptions {
  /** Frame size written into the sequence `<format>` (FCP needs one; default 1920x1080). */
  width?: number;
  height?: number;
  /** Event name in the library (default "Dubbing"). */
  eventName?: string;
}

interface SpineItem {
  recordIn: number;
  recordOut: number;
  /** The item's local time at its first frame (its `start`). */
  start: RatTime;
  node: XmlNode;
}

function frameDuration(rate: Rational): string {
  return `${rate.den}/${rate.num}s`;
}

/**
 * Serialises a timeline as FCPXML 1.10 (library > event > project > sequence). Clips without a
 * media path are written as gaps on the primary storyline and left out elsewhere.
 * @throws UserError `E_NLE_PATH` for a relative media path.
 */
export function writeFcpxml(timeline: NleTimeline, opts: FcpxmlWriteOptions = {}): string {
  const { rate } = timeline;
  const prefer = BigInt(rate.num);
  const fmt = (t: RatTime) => formatRat(t, prefer);
  const tcStart = framesToRat(timeline.startTimecodeFrames, rate);
  const seqTime = (recordFrame: number) => ratAdd(tcStart, framesToRat(recordFrame, rate));

  // Resources: the sequence format, one format per other media rate, one asset per media file.
  const formats: XmlNode[] = [
    el('format', { id: 'r1', frameDuration: frameDuration(rate), width: opts.width ?? 1920, height: opts.height ?? 1080 }),
  ];
  const formatIds: Array<{ rate: Rational; id: string }> = [{ rate, id: 'r1' }];
  let nextId = 2;
  const formatFor = (r: Rational): string => {
    const hit = formatIds.find((f) => sameRate(f.rate, r));
    if (hit) return hit.id;
    const id = `r${nextId++}`;
    formats.push(el('format', { id, frameDuration: frameDuration(r), width: opts.width ?? 1920, height: opts.height ?? 1080 }));
    formatIds.push({ rate: r, id });
    return id;
  };
  interface AssetInfo {
    id: string;
    clip: NleClip;
    kinds: Set<TrackKind>;
    length: number;
  }
  const assets = new Map<string, AssetInfo>();
  const assetKey = (c: NleClip) => `${c.mediaPath}\u0000${c.sourceTimecodeStart}\u0000${c.mediaRate.num}/${c.mediaRate.den}`;
  for (const t of timeline.tracks) {
    for (const c of t.clips) {
      if (!c.mediaPath) continue;
      const key = assetKey(c);
      const a = assets.get(key) ?? { id: '', clip: c, kinds: new Set<TrackKind>(), length: 0 };
      a.kinds.add(t.kind);
      a.length = Math.max(a.length, c.mediaDuration ?? c.sourceOut);
      assets.set(key, a);
    }
  }
  for (const a of assets.values()) {
    if (a.kinds.has('video')) formatFor(a.clip.mediaRate);
  }
  const assetNodes: XmlNode[] = [];
  for (const a of assets.values()) {
    a.id = `r${nextId++}`;
    const c = a.clip;
    const video = a.kinds.has('video');
    assetNodes.push(
      el(
        'asset',
        {
          id: a.id,
          name: baseName(c.mediaPath!).replace(/\.[^.]+$/, ''),
          start: formatRat(framesToRat(c.sourceTimecodeStart, c.mediaRate), BigInt(c.mediaRate.num)),
          duration: formatRat(framesToRat(a.length, c.mediaRate), BigInt(c.mediaRate.num)),
          hasVideo: video ? '1' : '0',
          format: video ? formatFor(c.mediaRate) : undefined,
          hasAudio: a.kinds.has('audio') ? '1' : '0',
          videoSources: video ? '1' : undefined,
          audioSources: a.kinds.has('audio') ? '1' : undefined,
        },
        el('media-rep', { kind: 'original-media', src: pathToFileUrl(c.mediaPath!) }),
      ),
    );
  }

  const clipNode = (c: NleClip, kind: TrackKind, offset: RatTime, lane?: number): XmlNode => {
    const a = assets.get(assetKey(c))!;
    return el('asset-clip', {
      ref: a.id,
      lane,
      offset: fmt(offset),
      name: c.name,
      start: formatRat(framesToRat(c.sourceTimecodeStart + c.sourceIn, c.mediaRate), BigInt(c.mediaRate.num)),
      duration: fmt(framesToRat(c.recordOut - c.recordIn, rate)),
      format: kind === 'video' ? formatFor(c.mediaRate) : undefined,
      tcFormat: c.mediaDropFrame ? 'DF' : 'NDF',
      srcEnable: a.kinds.size > 1 || kind === 'audio' ? kind : undefined,
    });
  };

  // Primary storyline: V1 with gaps, extended to the end of everything anchored to it.
  const videoTracks = timeline.tracks.filter((t) => t.kind === 'video');
  const audioTracks = timeline.tracks.filter((t) => t.kind === 'audio');
  const total = timelineDuration(timeline);
  const spine: SpineItem[] = [];
  let cursor = 0;
  const pushGap = (from: number, to: number) => {
    const offset = seqTime(from);
    spine.push({ recordIn: from, recordOut: to, start: offset, node: el('gap', { name: 'Gap', offset: fmt(offset), start: fmt(offset), duration: fmt(framesToRat(to - from, rate)) }) });
  };
  for (const c of videoTracks[0]?.clips ?? []) {
    if (c.recordIn > cursor) pushGap(cursor, c.recordIn);
    if (c.mediaPath) {
      const start = framesToRat(c.sourceTimecodeStart + c.sourceIn, c.mediaRate);
      spine.push({ recordIn: c.recordIn, recordOut: c.recordOut, start, node: clipNode(c, 'video', seqTime(c.recordIn)) });
    } else {
      pushGap(c.recordIn, c.recordOut);
    }
    cursor = c.recordOut;
  }
  if (total > cursor) pushGap(cursor, total);

  const parentAt = (recordFrame: number): SpineItem =>
    spine.find((s) => recordFrame >= s.recordIn && recordFrame < s.recordOut) ?? spine[spine.length - 1];
  const localOffset = (p: { start: RatTime; recordIn: number }, recordFrame: number) => ratAdd(p.start, framesToRat(recordFrame - p.recordIn, rate));

  // Connected clips: V2.. above (lane 1..), A1.. below (lane -1..).
  const anchored: Array<{ lane: number; recordIn: number; recordOut: number; start: RatTime; node: XmlNode }> = [];
  const anchor = (kind: TrackKind, lane: number, clips: NleClip[]) => {
    for (const c of clips) {
      if (!c.mediaPath || spine.length === 0) continue;
      const p = parentAt(c.recordIn);
      const node = clipNode(c, kind, localOffset(p, c.recordIn), lane);
      p.node.children.push(node);
      anchored.push({ lane, recordIn: c.recordIn, recordOut: c.recordOut, start: framesToRat(c.sourceTimecodeStart + c.sourceIn, c.mediaRate), node });
    }
  };
  videoTracks.slice(1).forEach((t, i) => anchor('video', i + 1, t.clips));
  audioTracks.forEach((t, i) => anchor('audio', -(i + 1), t.clips));

  // Markers: on the highest video clip covering them, else on the storyline item.
  for (const m of timeline.markers) {
    const onTop = anchored
      .filter((a) => a.lane > 0 && m.recordIn >= a.recordIn && m.recordIn < a.recordOut)
      .sort((a, b) => b.lane - a.lane)[0];
    const target = onTop ?? (spine.length ? parentAt(m.recordIn) : undefined);
    if (!target) continue;
    target.node.children.push(
      el('marker', { start: fmt(localOffset(target, m.recordIn)), duration: fmt(framesToRat(m.duration, rate)), value: m.name, note: m.note || undefined }),
    );
  }

  const sequence = el(
    'sequence',
    { format: 'r1', duration: fmt(framesToRat(total, rate)), tcStart: fmt(tcStart), tcFormat: timeline.dropFrame ? 'DF' : 'NDF' },
    el('spine', {}, ...spine.map((s) => s.node)),
  );
  const root = el(
    'fcpxml',
    { version: '1.10' },
    el('resources', {}, ...formats, ...assetNodes),
    el('library', {}, el('event', { name: opts.eventName ?? 'Dubbing' }, el('project', { name: timeline.name }, sequence))),
  );
  return buildXml(root, 'fcpxml');
}

// ---------------------------------------------------------------------------------------------
// Reading

function bad(msg: string): UserError {
  return new UserError('E_NLE_FCPXML', `Not a usable FCPXML project: ${msg}.`, 'Export the project again from Final Cut Pro (File > Export XML).');
}

function rateFromFrameDuration(text: string | undefined): Rational | null {
  if (!text) return null;
  const t = parseRat(text);
  if (t.n <= 0n) return null;
  return makeRate(Number(t.d), Number(t.n));
}

interface Asset {
  src: string | null;
  start: RatTime;
  duration: RatTime | null;
  rate: Rational | null;
  hasVideo: boolean;
}

/** Options for `readFcpxml`. */
export interface FcpxmlReadOptions {
  /** Project to read when the file holds several (default: the first). */
  projectName?: string;
}

interface Ctx {
  rate: Rational;
  tcStartFrames: number;
  formats: Map<string, Rational>;
  assets: Map<string, Asset>;
  loose: LooseClip[];
  markers: NleMarker[];
  warnings: string[];
}

const CLIP_ELEMENTS = new Set(['asset-clip', 'clip', 'video', 'audio']);
const SKIPPED = new Set(['ref-clip', 'sync-clip', 'mc-clip', 'title', 'caption', 'audition']);

/**
 * Parses FCPXML (1.8 to 1.11; 1.10 is what `writeFcpxml` writes) into the interchange model:
 * the first (or named) project's sequence; spine items on V1 (A1 when audio-only), connected
 * clips by lane (lane n > 0 -> V(n+1), lane -n -> An), secondary storylines, `asset-clip`,
 * `clip` with `video`/`audio` inside, gaps; markers anywhere. Compound, multicam, sync clips,
 * titles and auditions are left out with a warning; transitions become cuts.
 * @throws UserError `E_NLE_XML` for malformed XML, `E_NLE_FCPXML` when there is no project or
 *   format, `E_NLE_INVALID` when the result breaks the model's rules.
 */
export function readFcpxml(text: string, opts: FcpxmlReadOptions = {}): { timeline: NleTimeline; warnings: string[] } {
  const root = parseXml(text, 'FCPXML file');
  if (root.name !== 'fcpxml') throw bad(`the root element is <${root.name}>, not <fcpxml>`);
  const projects = descendants(root, 'project');
  const project = opts.projectName ? projects.find((p) => p.attrs.name === opts.projectName) : projects[0];
  if (!project) throw bad(opts.projectName ? `no project named "${opts.projectName}"` : 'it contains no <project>');
  const seq = child(project, 'sequence');
  const spine = child(seq, 'spine');
  if (!seq || !spine) throw bad('the project has no sequence/spine');

  const resources = child(root, 'resources');
  const formats = new Map<string, Rational>();
  for (const f of children(resources, 'format')) {
    const r = rateFromFrameDuration(f.attrs.frameDuration);
    if (r && f.attrs.id) formats.set(f.attrs.id, r);
  }
  const assets = new Map<string, Asset>();
  for (const a of children(resources, 'asset')) {
    const reps = children(a, 'media-rep');
    const rep = reps.find((r) => (r.attrs.kind ?? 'original-media') === 'original-media') ?? reps[0];
    const src = rep?.attrs.src ?? a.attrs.src ?? null;
    assets.set(a.attrs.id, {
      src,
      start: parseRat(a.attrs.start, rat(0n)),
      duration: a.attrs.duration ? parseRat(a.attrs.duration) : null,
      rate: a.attrs.format ? (formats.get(a.attrs.format) ?? null) : null,
      hasVideo: a.attrs.hasVideo !== '0',
    });
  }
  const rate = formats.get(seq.attrs.format ?? '');
  if (!rate) throw bad('the sequence format has no frameDuration');
  const warnings: string[] = [];
  const tc = ratToFrames(parseRat(seq.attrs.tcStart, rat(0n)), rate);
  const ctx: Ctx = { rate, tcStartFrames: tc.frames, formats, assets, loose: [], markers: [], warnings };
  const dropFrame = seq.attrs.tcFormat === 'DF' && dropFrameAllowed(rate);

  // Primary storyline: spine offsets are sequence time.
  readStoryline(ctx, spine.children, 0, (t) => ratToFrames(t, rate).frames - ctx.tcStartFrames);

  const timeline: NleTimeline = {
    name: project.attrs.name ?? 'Project',
    rate,
    dropFrame,
    startTimecodeFrames: ctx.tcStartFrames,
    tracks: assembleTracks(ctx.loose, warnings),
    markers: ctx.markers.sort((a, b) => a.recordIn - b.recordIn),
  };
  return { timeline: validateTimeline(timeline, 'FCPXML project'), warnings };
}

/** Reads the items of a storyline whose offsets map to record frames through `toRecord`. */
function readStoryline(ctx: Ctx, items: XmlNode[], lane: number, toRecord: (t: RatTime) => number): void {
  let cursor: RatTime | null = null;
  for (const item of items) {
    if (item.name === 'transition') continue;
    if (!CLIP_ELEMENTS.has(item.name) && item.name !== 'gap' && !SKIPPED.has(item.name)) continue;
    const offset = parseRat(item.attrs.offset, cursor ?? rat(0n));
    const durationText = item.attrs.duration ?? (item.name === 'asset-clip' ? undefined : '0s');
    const asset = item.name === 'asset-clip' ? ctx.assets.get(item.attrs.ref ?? '') : undefined;
    const duration = durationText ? parseRat(durationText) : (asset?.duration ?? rat(0n));
    cursor = ratAdd(offset, duration);
    readItem(ctx, item, lane, toRecord(offset), duration);
  }
}

/** Reads one story element placed at `recordIn` (its first frame) on `lane`, and everything anchored to it. */
function readItem(ctx: Ctx, item: XmlNode, lane: number, recordIn: number, duration: RatTime): void {
  const { rate, warnings } = ctx;
  const start = parseRat(item.attrs.start, rat(0n));
  const localToRecord = (t: RatTime) => recordIn + ratToFrames(ratSub(t, start), rate).frames;
  const recLen = ratToFrames(duration, rate).frames;
  const name = item.attrs.name ?? '';

  if (SKIPPED.has(item.name)) {
    warnings.push(`${item.name} "${name}" was left out (only plain clips are read).`);
    return;
  }
  if (CLIP_ELEMENTS.has(item.name) && recLen > 0) {
    const source = mediaSource(ctx, item, start);
    if (source) {
      const kind: TrackKind = lane < 0 || !source.video ? 'audio' : 'video';
      const trackIndex = lane > 0 ? lane + 1 : lane < 0 ? -lane : 1;
      const mediaRate = source.rate;
      const tcStart = ratToFrames(source.assetStart, mediaRate).frames;
      const absIn = ratToFrames(source.sourceStart, mediaRate).frames;
      const srcLen = ratToFrames(duration, mediaRate).frames;
      ctx.loose.push({
        kind,
        trackIndex,
        clip: {
          name: name || (source.src ? baseName(source.src) : ''),
          mediaPath: source.src ? fileUrlToPath(source.src) : null,
          sourceIn: Math.max(0, absIn - tcStart),
          sourceOut: Math.max(0, absIn - tcStart) + Math.max(1, srcLen),
          recordIn,
          recordOut: recordIn + recLen,
          mediaRate,
          sourceTimecodeStart: tcStart,
          mediaDropFrame: source.dropFrame,
          ...(source.assetDuration ? { mediaDuration: ratToFrames(source.assetDuration, mediaRate).frames } : {}),
        },
      });
    }
  }
  // Anchored items and markers, in this item's local time.
  for (const k of item.children) {
    if (k.name === 'marker' || k.name === 'chapter-marker') {
      const mStart = parseRat(k.attrs.start, start);
      ctx.markers.push({
        name: k.attrs.value ?? '',
        note: k.attrs.note ?? '',
        recordIn: Math.max(0, localToRecord(mStart)),
        duration: Math.max(1, ratToFrames(parseRat(k.attrs.duration, framesToRat(1, rate)), rate).frames),
        color: k.attrs.completed !== undefined ? 'green' : 'red',
      });
      continue;
    }
    if (k.attrs.lane === undefined) continue;
    const kLane = Number(k.attrs.lane);
    if (!Number.isInteger(kLane) || kLane === 0) continue;
    const kOffset = parseRat(k.attrs.offset, start);
    if (k.name === 'spine') {
      const base = localToRecord(kOffset);
      const first = k.children.find((c) => c.attrs.offset !== undefined);
      const first0 = first ? parseRat(first.attrs.offset) : rat(0n);
      readStoryline(ctx, k.children, kLane, (t) => base + ratToFrames(ratSub(t, first0), rate).frames);
      continue;
    }
    if (!CLIP_ELEMENTS.has(k.name) && !SKIPPED.has(k.name)) continue;
    const kAsset = k.name === 'asset-clip' ? ctx.assets.get(k.attrs.ref ?? '') : undefined;
    const kDur = k.attrs.duration ? parseRat(k.attrs.duration) : (kAsset?.duration ?? rat(0n));
    readItem(ctx, k, kLane, localToRecord(kOffset), kDur);
  }
}

interface MediaSource {
  src: string | null;
  rate: Rational;
  assetStart: RatTime;
  assetDuration: RatTime | null;
  /** Source time of the item's first frame. */
  sourceStart: RatTime;
  video: boolean;
  dropFrame: boolean;
}

/** Where an `asset-clip`, `video`, `audio` or `clip` takes its media from. */
function mediaSource(ctx: Ctx, item: XmlNode, start: RatTime): MediaSource | null {
  const name = item.attrs.name ?? '';
  if (item.name === 'clip') {
    // A clip's content is its first lane-less video/audio/asset-clip; its offset is clip-local.
    const inner = item.children.find((c) => (c.name === 'video' || c.name === 'asset-clip' || c.name === 'audio') && c.attrs.lane === undefined);
    if (!inner) {
      ctx.warnings.push(`clip "${name}" has no media inside; left out.`);
      return null;
    }
    const innerSrc = mediaSource(ctx, inner, parseRat(inner.attrs.start, rat(0n)));
    if (!innerSrc) return null;
    const innerOffset = parseRat(inner.attrs.offset, rat(0n));
    const dropFrame = item.attrs.tcFormat === 'DF' || innerSrc.dropFrame;
    return { ...innerSrc, sourceStart: ratAdd(innerSrc.sourceStart, ratSub(start, innerOffset)), dropFrame: dropFrame && dropFrameAllowed(innerSrc.rate) };
  }
  const asset = ctx.assets.get(item.attrs.ref ?? '');
  if (!asset) {
    ctx.warnings.push(`${item.name} "${name}" refers to a missing asset "${item.attrs.ref ?? ''}"; left out.`);
    return null;
  }
  const rate = asset.rate ?? (item.attrs.format ? ctx.formats.get(item.attrs.format) : undefined) ?? ctx.rate;
  return {
    src: asset.src,
    rate,
    assetStart: asset.start,
    assetDuration: asset.duration,
    sourceStart: start,
    video: item.name !== 'audio' && asset.hasVideo,
    dropFrame: item.attrs.tcFormat === 'DF' && dropFrameAllowed(rate),
  };
}
