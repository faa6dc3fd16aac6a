import { hash64, stableStringify } from '../hash';
import type { Project, Segment } from './schema';
import { renderScript } from './scripts';

/**
 * Everything that determines a segment's render, in a canonical form. Two segments with equal
 * specs render to identical takes; the UI compares keys of this to a take's `specKey` to decide
 * whether the take is current (ready) or stale.
 */
export function segmentRenderSpec(project: Project, seg: Segment): Record<string, unknown> {
  const track = project.tracks.find((t) => t.id === seg.trackId);
  // The dub's script and language drive the phonetic timing; listed only when set, so the keys
  // of segments without them stay what they were.
  const phonetic = renderScript(project, seg);
  return {
    ...(phonetic.script ? { script: phonetic.script } : {}),
    ...(track?.language ? { language: track.language } : {}),
    video: project.video?.path ?? null,
    audio: track?.path ?? null,
    audioOffset: track?.offset ?? 0,
    range: [seg.startFrame, seg.endFrame],
    face: seg.face,
    reference: seg.reference ? [seg.reference.startFrame, seg.reference.endFrame] : null,
    engine: seg.engine,
    params: seg.params,
    pack: seg.pack ?? null,
    occlusion: seg.occlusion,
  };
}

/** 16-hex-digit key of `segmentRenderSpec` (stable across sessions). */
export function segmentSpecKey(project: Project, seg: Segment): string {
  return hash64(stableStringify(segmentRenderSpec(project, seg)));
}

export type SegmentStatus = 'stale' | 'rendering' | 'ready' | 'failed';

/**
 * Status colour of a segment: `rendering` while a job runs for it; `ready` when its active take
 * was rendered from the current settings; `failed` when the last render with the current settings
 * failed; `stale` otherwise (never rendered, or a setting changed since).
 */
export function segmentStatus(project: Project, seg: Segment, rendering: boolean): SegmentStatus {
  if (rendering) return 'rendering';
  const key = segmentSpecKey(project, seg);
  const active = seg.takes.find((t) => t.id === seg.activeTakeId);
  if (active && active.specKey === key) return 'ready';
  if (seg.failure && seg.failure.specKey === key) return 'failed';
  return 'stale';
}

/** The take export uses for a segment: its active take when current, else null (original frames). */
export function readyTake(project: Project, seg: Segment) {
  const active = seg.takes.find((t) => t.id === seg.activeTakeId);
  return active && active.specKey === segmentSpecKey(project, seg) ? active : null;
}
