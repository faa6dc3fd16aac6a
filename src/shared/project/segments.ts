import type { OcclusionMaskDoc, Project, ProtectedRange, Segment, SegmentFailure, SegmentReference, Take, Track, VideoRef } from './schema';

/**
 * Pure edit operations on a project. Every function returns a new project (inputs are never
 * mutated) or throws `EditError` with a sentence for the user. All ranges are half-open
 * [startFrame, endFrame) in output frames.
 *
 * Invariants kept by these operations: segments lie inside [0, frameCount), never overlap each
 * other, never overlap a protected ("no lip-sync") range, and are sorted by start frame.
 */
export class EditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EditError';
  }
}

export interface FrameSpan {
  startFrame: number;
  endFrame: number;
}

/** Frames in the project's video (0 when there is none). */
export function frameCountOf(project: Project): number {
  return project.video?.frameCount ?? 0;
}

function requireSegment(project: Project, id: string): Segment {
  const seg = project.segments.find((s) => s.id === id);
  if (!seg) throw new EditError('That segment no longer exists.');
  return seg;
}

function sortSegments(segments: Segment[]): Segment[] {
  return [...segments].sort((a, b) => a.startFrame - b.startFrame);
}

function replaceSegment(project: Project, seg: Segment): Project {
  return { ...project, segments: sortSegments(project.segments.map((s) => (s.id === seg.id ? seg : s))) };
}

/** Ranges a segment may not overlap: other segments and protected ranges. */
function obstacles(project: Project, excludeId?: string): FrameSpan[] {
  const list: FrameSpan[] = [
    ...project.segments.filter((s) => s.id !== excludeId),
    ...project.protectedRanges,
  ];
  return list.sort((a, b) => a.startFrame - b.startFrame);
}

/**
 * The maximal free interval [lo, hi) containing `frame`, given the obstacles; null when `frame`
 * lies inside an obstacle or outside the clip.
 */
export function freeIntervalAt(project: Project, frame: number, excludeId?: string): FrameSpan | null {
  const fc = frameCountOf(project);
  if (frame < 0 || frame >= fc) return null;
  let lo = 0;
  let hi = fc;
  for (const o of obstacles(project, excludeId)) {
    if (frame >= o.startFrame && frame < o.endFrame) return null;
    if (o.endFrame <= frame) lo = Math.max(lo, o.endFrame);
    if (o.startFrame > frame) hi = Math.min(hi, o.startFrame);
  }
  return { startFrame: lo, endFrame: hi };
}

/** Free sub-ranges of [start, end) (the parts not covered by obstacles), in order. */
export function freePiecesOf(project: Project, span: FrameSpan, excludeId?: string): FrameSpan[] {
  const pieces: FrameSpan[] = [];
  let cursor = span.startFrame;
  for (const o of obstacles(project, excludeId)) {
    if (o.endFrame <= cursor) continue;
    if (o.startFrame >= span.endFrame) break;
    if (o.startFrame > cursor) pieces.push({ startFrame: cursor, endFrame: Math.min(o.startFrame, span.endFrame) });
    cursor = Math.max(cursor, o.endFrame);
  }
  if (cursor < span.endFrame) pieces.push({ startFrame: cursor, endFrame: span.endFrame });
  return pieces;
}

function normalizeSpan(project: Project, a: number, b: number): FrameSpan {
  const fc = frameCountOf(project);
  if (fc <= 0) throw new EditError('Open a video first.');
  const s = Math.max(0, Math.min(Math.round(Math.min(a, b)), fc));
  const e = Math.max(0, Math.min(Math.round(Math.max(a, b)), fc));
  if (e - s < 1) throw new EditError('A range needs at least one frame.');
  return { startFrame: s, endFrame: e };
}

export interface NewSegmentOptions {
  id: string;
  engine: string;
  params: Record<string, number>;
  /** Dub track; defaults to the first track. */
  trackId?: string;
  label?: string;
}

/** A fresh segment with default settings (no face chosen, automatic reference, no occlusion). */
export function makeSegment(span: FrameSpan, trackId: string, opts: NewSegmentOptions): Segment {
  return {
    id: opts.id,
    label: opts.label ?? '',
    startFrame: span.startFrame,
    endFrame: span.endFrame,
    trackId,
    face: null,
    reference: null,
    engine: opts.engine,
    params: { ...opts.params },
    occlusion: { shapes: [] },
    takes: [],
    activeTakeId: null,
    failure: null,
  };
}

function defaultTrackId(project: Project, trackId?: string): string {
  if (trackId) {
    if (!project.tracks.some((t) => t.id === trackId)) throw new EditError('That dub track no longer exists.');
    return trackId;
  }
  const first = project.tracks[0];
  if (!first) throw new EditError('Add a dubbed audio track first: a segment dubs that audio onto the video.');
  return first.id;
}

/**
 * Creates a segment over [a, b) (either order). The range is clipped to the first free gap it
 * touches (segments and protected ranges are never overlapped).
 * @throws EditError when no free frame lies in the range, or there is no video or dub track.
 */
export function createSegment(project: Project, a: number, b: number, opts: NewSegmentOptions): Project {
  const span = normalizeSpan(project, a, b);
  const trackId = defaultTrackId(project, opts.trackId);
  const pieces = freePiecesOf(project, span);
  if (pieces.length === 0) throw new EditError('That range is already covered by segments or no-lip-sync ranges.');
  const piece = pieces[0];
  const seg = makeSegment(piece, trackId, opts);
  return { ...project, segments: sortSegments([...project.segments, seg]) };
}

/**
 * Sets a segment's range (timeline drag). A move (same length) slides within the free gap around
 * the segment; a trim is clamped to that gap. The result is at least one frame long.
 */
export function setSegmentRange(project: Project, id: string, start: number, end: number): Project {
  const seg = requireSegment(project, id);
  const gap = freeIntervalAt(project, seg.startFrame, id);
  if (!gap) throw new EditError('The segment overlaps another range; undo the last edit.');
  let s = Math.round(Math.min(start, end));
  let e = Math.round(Math.max(start, end));
  const len = seg.endFrame - seg.startFrame;
  if (e - s === len) {
    s = Math.min(Math.max(s, gap.startFrame), gap.endFrame - len);
    e = s + len;
  } else {
    s = Math.max(s, gap.startFrame);
    e = Math.min(e, gap.endFrame);
  }
  if (e - s < 1) throw new EditError('A segment needs at least one frame.');
  if (s === seg.startFrame && e === seg.endFrame) return project;
  return replaceSegment(project, { ...seg, startFrame: s, endFrame: e });
}

/** Moves a segment by `delta` frames (clamped to its free gap). */
export function moveSegment(project: Project, id: string, delta: number): Project {
  const seg = requireSegment(project, id);
  return setSegmentRange(project, id, seg.startFrame + delta, seg.endFrame + delta);
}

/** Moves one edge of a segment to `frame` (a boundary, clamped). */
export function trimSegment(project: Project, id: string, side: 'start' | 'end', frame: number): Project {
  const seg = requireSegment(project, id);
  if (side === 'start') {
    if (frame >= seg.endFrame) throw new EditError('The in point must be before the out point.');
    return setSegmentRange(project, id, frame, seg.endFrame);
  }
  if (frame <= seg.startFrame) throw new EditError('The out point must be after the in point.');
  return setSegmentRange(project, id, seg.startFrame, frame);
}

/** Segment under `frame`, if any. */
export function segmentAt(project: Project, frame: number): Segment | undefined {
  return project.segments.find((s) => frame >= s.startFrame && frame < s.endFrame);
}

function renameShapes(mask: OcclusionMaskDoc, taken: Set<string>): OcclusionMaskDoc {
  return {
    shapes: mask.shapes.map((shape) => {
      let id = shape.id;
      let n = 2;
      while (taken.has(id)) id = `${shape.id}-${n++}`;
      taken.add(id);
      return { ...shape, id };
    }),
  };
}

/**
 * Splits a segment at frame boundary `frame` into [start, frame) (keeps the id) and [frame, end)
 * (`newId`). Both keep the settings and occlusion mask; their takes no longer match and are dropped.
 */
export function splitSegment(project: Project, id: string, frame: number, newId: string): Project {
  const seg = requireSegment(project, id);
  const f = Math.round(frame);
  if (f <= seg.startFrame || f >= seg.endFrame) throw new EditError('Put the playhead inside the segment (not on its first frame) to split it.');
  const left: Segment = { ...seg, endFrame: f, takes: [], activeTakeId: null, failure: null };
  const right: Segment = { ...seg, id: newId, startFrame: f, takes: [], activeTakeId: null, failure: null, occlusion: structuredClone(seg.occlusion) };
  return { ...project, segments: sortSegments([...project.segments.filter((s) => s.id !== id), left, right]) };
}

/**
 * Merges segment `id` with the next segment on the timeline. The gap between them (if any) is
 * absorbed unless a protected range lies in it. The merged segment keeps the first one's settings
 * and both occlusion masks.
 */
export function mergeWithNext(project: Project, id: string): Project {
  const segs = sortSegments(project.segments);
  const i = segs.findIndex((s) => s.id === id);
  if (i < 0) throw new EditError('That segment no longer exists.');
  const a = segs[i];
  const b = segs[i + 1];
  if (!b) throw new EditError('There is no segment after this one to merge with.');
  if (project.protectedRanges.some((p) => p.startFrame < b.startFrame && p.endFrame > a.endFrame)) {
    throw new EditError('A no-lip-sync range lies between these segments; they cannot be merged.');
  }
  const taken = new Set(a.occlusion.shapes.map((s) => s.id));
  const merged: Segment = {
    ...a,
    endFrame: b.endFrame,
    occlusion: { shapes: [...a.occlusion.shapes, ...renameShapes(b.occlusion, taken).shapes] },
    takes: [],
    activeTakeId: null,
    failure: null,
  };
  return { ...project, segments: sortSegments([...segs.filter((s) => s.id !== a.id && s.id !== b.id), merged]) };
}

export function deleteSegment(project: Project, id: string): Project {
  requireSegment(project, id);
  return { ...project, segments: project.segments.filter((s) => s.id !== id) };
}

/**
 * Marks [a, b) as a no-lip-sync range (cutaway, reaction). Overlapping protected ranges are merged;
 * segments overlapping it are cut back (pieces keep their settings; the piece after the range gets
 * an id from `makeId`; pieces shorter than one frame disappear).
 */
export function addProtectedRange(project: Project, a: number, b: number, id: string, makeId: () => string, label = 'No lip-sync'): Project {
  let span = normalizeSpan(project, a, b);
  const keep: ProtectedRange[] = [];
  for (const p of project.protectedRanges) {
    if (p.endFrame >= span.startFrame && p.startFrame <= span.endFrame) {
      span = { startFrame: Math.min(span.startFrame, p.startFrame), endFrame: Math.max(span.endFrame, p.endFrame) };
    } else keep.push(p);
  }
  const segments: Segment[] = [];
  for (const s of project.segments) {
    if (s.endFrame <= span.startFrame || s.startFrame >= span.endFrame) {
      segments.push(s);
      continue;
    }
    const cleared = { takes: [], activeTakeId: null, failure: null };
    if (s.startFrame < span.startFrame) segments.push({ ...s, ...cleared, endFrame: span.startFrame });
    if (s.endFrame > span.endFrame) {
      const hadLeft = s.startFrame < span.startFrame;
      segments.push({ ...s, ...cleared, id: hadLeft ? makeId() : s.id, startFrame: span.endFrame, occlusion: structuredClone(s.occlusion) });
    }
  }
  const range: ProtectedRange = { id, label, ...span };
  return {
    ...project,
    segments: sortSegments(segments),
    protectedRanges: [...keep, range].sort((x, y) => x.startFrame - y.startFrame),
  };
}

export function removeProtectedRange(project: Project, id: string): Project {
  if (!project.protectedRanges.some((p) => p.id === id)) throw new EditError('That no-lip-sync range no longer exists.');
  return { ...project, protectedRanges: project.protectedRanges.filter((p) => p.id !== id) };
}

export interface SpeechSegmentOptions {
  trackId: string;
  engine: string;
  params: Record<string, number>;
  makeId: () => string;
  /** Seconds added before and after each speech range (default 0.12 s). */
  padSec?: number;
  /** Speech ranges closer than this are merged (default 0.35 s). */
  mergeGapSec?: number;
  /** Speech shorter than this after merging is dropped (default 0.25 s); so are pieces shorter than this. */
  minSec?: number;
}

/**
 * Creates segments from speech detected in a dub track (`ranges` in clip seconds): close ranges are
 * merged, each is padded, converted to frames and cut around existing segments and protected
 * ranges. Returns the project and the ids created (empty when nothing new was found).
 */
export function segmentsFromSpeech(project: Project, ranges: Array<{ start: number; end: number }>, opts: SpeechSegmentOptions): { project: Project; created: string[] } {
  const fps = project.video?.fps;
  if (!fps) throw new EditError('Open a video first.');
  const trackId = defaultTrackId(project, opts.trackId);
  const pad = opts.padSec ?? 0.12;
  const gap = opts.mergeGapSec ?? 0.35;
  const minFrames = Math.max(1, Math.round((opts.minSec ?? 0.25) * fps));
  const merged: Array<{ start: number; end: number }> = [];
  for (const r of [...ranges].sort((x, y) => x.start - y.start)) {
    const last = merged[merged.length - 1];
    if (last && r.start - last.end <= gap) last.end = Math.max(last.end, r.end);
    else merged.push({ ...r });
  }
  let next = project;
  const created: string[] = [];
  const fc = frameCountOf(project);
  for (const r of merged) {
    if (r.end - r.start < (opts.minSec ?? 0.25)) continue;
    const s = Math.max(0, Math.floor((r.start - pad) * fps));
    const e = Math.min(fc, Math.ceil((r.end + pad) * fps));
    if (e - s < minFrames) continue;
    for (const piece of freePiecesOf(next, { startFrame: s, endFrame: e })) {
      if (piece.endFrame - piece.startFrame < minFrames) continue;
      const id = opts.makeId();
      const seg = makeSegment(piece, trackId, { id, engine: opts.engine, params: opts.params, label: 'speech' });
      next = { ...next, segments: sortSegments([...next.segments, seg]) };
      created.push(id);
    }
  }
  return { project: next, created };
}

export type SegmentSettingsPatch = Partial<Pick<Segment, 'label' | 'face' | 'reference' | 'engine' | 'params' | 'pack' | 'occlusion' | 'trackId'>>;

/** Changes settings of a segment (anything that is not its range or takes). */
export function updateSegment(project: Project, id: string, patch: SegmentSettingsPatch): Project {
  const seg = requireSegment(project, id);
  if (patch.trackId !== undefined) defaultTrackId(project, patch.trackId);
  return replaceSegment(project, { ...seg, ...patch });
}

/** Sets one engine parameter of a segment. */
export function setSegmentParam(project: Project, id: string, key: string, value: number): Project {
  const seg = requireSegment(project, id);
  if (seg.params[key] === value) return project;
  return replaceSegment(project, { ...seg, params: { ...seg.params, [key]: value } });
}

/** Sets or clears the lip-habit reference range of a segment (clamped to the clip). */
export function setReference(project: Project, id: string, range: FrameSpan | null, source: SegmentReference['source'] = 'user', candidate?: number): Project {
  const seg = requireSegment(project, id);
  const reference = range ? { ...normalizeSpan(project, range.startFrame, range.endFrame), source, ...(source === 'suggested' && candidate ? { candidate } : {}) } : null;
  return replaceSegment(project, { ...seg, reference });
}

/**
 * Records a finished render. A take with the same spec key replaces the older one (re-rendering
 * identical settings never piles up duplicates). The take becomes active; the failure is cleared.
 */
export function addTake(project: Project, id: string, take: Take): Project {
  const seg = requireSegment(project, id);
  const takes = [...seg.takes.filter((t) => t.specKey !== take.specKey), take];
  return replaceSegment(project, { ...seg, takes, activeTakeId: take.id, failure: null });
}

/**
 * Makes a take active and restores the settings it was rendered with (engine, parameters, face,
 * reference, occlusion), so the segment is ready again when its range is unchanged.
 */
export function activateTake(project: Project, id: string, takeId: string): Project {
  const seg = requireSegment(project, id);
  const take = seg.takes.find((t) => t.id === takeId);
  if (!take) throw new EditError('That take no longer exists.');
  return replaceSegment(project, {
    ...seg,
    activeTakeId: take.id,
    engine: take.engine,
    params: { ...take.params },
    face: take.settings.face,
    reference: take.settings.reference,
    occlusion: structuredClone(take.settings.occlusion),
    pack: take.settings.pack,
  });
}

export function deleteTake(project: Project, id: string, takeId: string): Project {
  const seg = requireSegment(project, id);
  if (!seg.takes.some((t) => t.id === takeId)) throw new EditError('That take no longer exists.');
  return replaceSegment(project, {
    ...seg,
    takes: seg.takes.filter((t) => t.id !== takeId),
    activeTakeId: seg.activeTakeId === takeId ? null : seg.activeTakeId,
  });
}

/** Records (or clears, with null) a failed render of the segment's current settings. */
export function setFailure(project: Project, id: string, failure: SegmentFailure | null): Project {
  const seg = requireSegment(project, id);
  return replaceSegment(project, { ...seg, failure });
}

/** Sets the project's video. Segments and protected ranges are clipped to the new frame count. */
export function setVideo(project: Project, video: VideoRef): Project {
  const fc = video.frameCount;
  const clip = <T extends FrameSpan>(list: T[]): T[] =>
    list
      .map((r) => ({ ...r, startFrame: Math.min(r.startFrame, fc), endFrame: Math.min(r.endFrame, fc) }))
      .filter((r) => r.endFrame - r.startFrame >= 1);
  const exportAudio = video.hasAudio ? project.export.audio : project.export.audio.filter((a) => a !== 'original');
  return { ...project, video, segments: clip(project.segments), protectedRanges: clip(project.protectedRanges), export: { ...project.export, audio: exportAudio } };
}

/**
 * Adds a dub track; it is also selected for export. The first dub track replaces the default
 * export audio (the clip's own dialogue), since the dub is what the export is for; the user can
 * add the original back in the export dialog.
 */
export function addTrack(project: Project, track: Track): Project {
  if (project.tracks.some((t) => t.id === track.id)) throw new EditError('A track with this id exists.');
  const wasDefault = project.tracks.length === 0 && project.export.audio.length === 1 && project.export.audio[0] === 'original';
  const audio = wasDefault ? [track.id] : [...project.export.audio, track.id];
  return { ...project, tracks: [...project.tracks, track], export: { ...project.export, audio } };
}

/** Removes a dub track; refused while segments use it. */
export function removeTrack(project: Project, trackId: string): Project {
  if (project.segments.some((s) => s.trackId === trackId)) throw new EditError('Segments use this track; delete them or move them to another track first.');
  return { ...project, tracks: project.tracks.filter((t) => t.id !== trackId), export: { ...project.export, audio: project.export.audio.filter((a) => a !== trackId) } };
}

export function updateTrack(project: Project, trackId: string, patch: Partial<Pick<Track, 'name' | 'offset' | 'muted' | 'path'>>): Project {
  if (!project.tracks.some((t) => t.id === trackId)) throw new EditError('That track no longer exists.');
  return { ...project, tracks: project.tracks.map((t) => (t.id === trackId ? { ...t, ...patch } : t)) };
}

/** Replaces every reference to media file `from` with `to` (relink after a move). */
export function relinkMedia(project: Project, from: string, to: string): Project {
  return {
    ...project,
    video: project.video && project.video.path === from ? { ...project.video, path: to } : project.video,
    tracks: project.tracks.map((t) => (t.path === from ? { ...t, path: to } : t)),
  };
}

/** Media files the project references (video first), absolute in memory. */
export function mediaPathsOf(project: Project): string[] {
  const paths = [...(project.video ? [project.video.path] : []), ...project.tracks.map((t) => t.path)];
  return [...new Set(paths)];
}

/**
 * Renders (takes and failures) are results, not edits: undo/redo must never lose them. When the
 * editor moves to another history state, each segment of `target` that also exists in `current`
 * gets the union of both take lists (by id) and `current`'s failure; the active take stays as in
 * `target` when it still exists (choosing a take is an edit).
 */
export function carryRenders(target: Project, current: Project): Project {
  const byId = new Map(current.segments.map((s) => [s.id, s]));
  let changed = false;
  const segments = target.segments.map((s) => {
    const cur = byId.get(s.id);
    if (!cur) return s;
    const ids = new Set(s.takes.map((t) => t.id));
    const extra = cur.takes.filter((t) => !ids.has(t.id));
    if (extra.length === 0 && cur.failure === s.failure) return s;
    changed = true;
    return { ...s, takes: [...s.takes, ...extra], failure: cur.failure };
  });
  return changed ? { ...target, segments } : target;
}
