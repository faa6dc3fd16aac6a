/** Clip analysis: finding faces, suggesting lip-habit references and hand occluders. */
import type { HandSuggestion } from '../../../../shared/api/contract';
import { addShape, nextShapeId, setShapeKeyframe } from '../../../../shared/masks/keyframes';
import * as ops from '../../../../shared/project/segments';
import { getProject, showError, toast, useEditor } from '../store';
import { api, edit, whileBusy } from './core';
import { onJobUpdate } from './jobs';

export async function analyzeFaces(): Promise<void> {
  try {
    const { job } = await api().call('jobs.analyze', { project: getProject(), range: null });
    onJobUpdate(job);
  } catch (err) {
    showError(err);
  }
}

export async function suggestReferences(segmentId: string): Promise<void> {
  await whileBusy('Finding reference candidates…', async () => {
    const r = await api().call('reference.suggest', { project: getProject(), segmentId, max: 4 });
    useEditor.setState({ refCandidates: { ...r, segmentId } });
    for (const w of r.warnings) toast('info', w);
  });
}

/** Looks for hands over the lower face on the segment's frames (occluder suggestions). */
export async function suggestHands(segmentId: string): Promise<void> {
  useEditor.setState({ findingHands: segmentId });
  try {
    const r = await api().call('occlusion.suggestHands', { project: getProject(), segmentId });
    useEditor.setState({ handSuggestions: { ...r, segmentId } });
    for (const w of r.warnings) toast('info', w);
  } catch (err) {
    showError(err);
  } finally {
    useEditor.setState({ findingHands: null });
  }
}

/** Adds a hand suggestion to the segment's occlusion mask as a new keyframed shape (one undo step). */
export function acceptHandSuggestion(segmentId: string, suggestion: HandSuggestion): string | null {
  const seg = getProject().segments.find((s) => s.id === segmentId);
  if (!seg) return null;
  const id = nextShapeId(seg.occlusion, 'hand');
  const [first, ...rest] = suggestion.keyframes;
  let mask = addShape(seg.occlusion, id, first.frame, first.polygon);
  for (const k of rest) mask = setShapeKeyframe(mask, id, k.frame, [k.polygon]);
  edit((p) => ops.updateSegment(p, segmentId, { occlusion: mask }));
  return id;
}
