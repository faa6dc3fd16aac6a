import { segmentSpecKey } from './render-key';
import type { Project, Segment, Take } from './schema';

/**
 * Human names for what the editor shows (never ids or hashes): segments are numbered in timeline
 * order ("Segment 2", or "2 · <label>" when labelled), takes in the order they were rendered
 * ("Take 3").
 */
export function segmentName(project: Project, seg: Segment): string {
  const n = project.segments.findIndex((s) => s.id === seg.id) + 1;
  const label = seg.label.trim();
  if (!label) return `Segment ${n || '?'}`;
  return n ? `${n} · ${label}` : label;
}

/** "Take N" by render order within its segment (1-based). */
export function takeName(seg: Segment, take: Take): string {
  const i = seg.takes.findIndex((t) => t.id === take.id);
  return `Take ${i >= 0 ? i + 1 : '?'}`;
}

/**
 * What a take changed against the previous take of the same segment, in words
 * (e.g. "smoothness 0.5 → 0.55, occlusion changed"); "first take" for the first.
 */
export function takeChanges(seg: Segment, take: Take): string {
  const i = seg.takes.findIndex((t) => t.id === take.id);
  if (i <= 0) return 'first take';
  const prev = seg.takes[i - 1];
  const out: string[] = [];
  for (const k of new Set([...Object.keys(prev.params), ...Object.keys(take.params)])) {
    if (prev.params[k] !== take.params[k]) out.push(`${k} ${prev.params[k] ?? '–'} → ${take.params[k] ?? '–'}`);
  }
  if (prev.engine !== take.engine) out.push(`engine ${prev.engine} → ${take.engine}`);
  if (JSON.stringify(prev.settings.occlusion) !== JSON.stringify(take.settings.occlusion)) out.push('occlusion changed');
  if (JSON.stringify(prev.settings.reference) !== JSON.stringify(take.settings.reference)) out.push('reference changed');
  if (prev.settings.face !== take.settings.face) out.push('face changed');
  return out.length ? out.join(', ') : 'same settings';
}

/** What a segment contributes to an export: its current take, an out-of-date take, or nothing. */
export type ExportContribution = 'current' | 'stale' | 'none';

export interface SegmentContribution {
  segmentId: string;
  name: string;
  startFrame: number;
  endFrame: number;
  contribution: ExportContribution;
}

/**
 * Per segment, in timeline order, what an export made now would use: `current` (the active take
 * was rendered from the current settings: its frames are exported), `stale` (a take exists but
 * the settings changed since: the original frames are exported) or `none` (never rendered: the
 * original frames are exported).
 */
export function exportContributions(project: Project): SegmentContribution[] {
  return project.segments.map((seg) => {
    const active = seg.takes.find((t) => t.id === seg.activeTakeId);
    const contribution: ExportContribution = active && active.specKey === segmentSpecKey(project, seg) ? 'current' : seg.takes.length ? 'stale' : 'none';
    return { segmentId: seg.id, name: segmentName(project, seg), startFrame: seg.startFrame, endFrame: seg.endFrame, contribution };
  });
}

/** Segments an export would leave undubbed (stale or never rendered). */
export function undubbedSegments(project: Project): SegmentContribution[] {
  return exportContributions(project).filter((c) => c.contribution !== 'current');
}
