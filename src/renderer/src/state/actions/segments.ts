/** Segment actions: selection, creating, splitting, merging, deleting, loop, segments from speech. */
import { fillParams } from '../../../../shared/engines';
import type { Segment } from '../../../../shared/project/schema';
import * as ops from '../../../../shared/project/segments';
import { newId } from '../../lib/ids';
import { playback } from '../playback';
import { getProject, toast, useEditor } from '../store';
import { api, edit, whileBusy } from './core';

function defaultEngineParams(engineId?: string): { engine: string; params: Record<string, number> } {
  const s = useEditor.getState();
  const id = engineId ?? s.defaultEngine;
  const desc = s.engines.find((e) => e.id === id) ?? s.engines[0];
  return { engine: desc?.id ?? id, params: desc ? fillParams(desc, {}) : {} };
}

export function selectSegment(id: string | null, seek = false): void {
  useEditor.setState({ selectedSegmentId: id, selectedShapeId: null, compareTakeId: null });
  const seg = id ? getProject().segments.find((s) => s.id === id) : undefined;
  if (seg && seek) playback.seekFrame(seg.startFrame);
  updateLoop();
}

export function selectedSegment(): Segment | undefined {
  const s = useEditor.getState();
  return s.history.present.segments.find((x) => x.id === s.selectedSegmentId);
}

export function createSegment(a: number, b: number): void {
  const id = newId('seg');
  if (edit((p) => ops.createSegment(p, a, b, { id, ...defaultEngineParams() }))) selectSegment(id);
}

export function createSegmentFromInOut(): void {
  const { inPoint, outPoint } = useEditor.getState();
  if (inPoint === null || outPoint === null) {
    toast('error', 'Mark an in point (I) and an out point (O) first.');
    return;
  }
  createSegment(inPoint, outPoint + 1);
  useEditor.setState({ inPoint: null, outPoint: null });
}

export function protectFromInOut(): void {
  const { inPoint, outPoint } = useEditor.getState();
  if (inPoint === null || outPoint === null) {
    toast('error', 'Mark an in point (I) and an out point (O) first.');
    return;
  }
  if (edit((p) => ops.addProtectedRange(p, inPoint, outPoint + 1, newId('keep'), () => newId('seg')))) useEditor.setState({ inPoint: null, outPoint: null });
}

export function splitAtPlayhead(): void {
  const frame = playback.frame();
  const seg = ops.segmentAt(getProject(), frame);
  if (!seg) return toast('error', 'Put the playhead inside a segment to split it.');
  const id = newId('seg');
  if (edit((p) => ops.splitSegment(p, seg.id, frame, id))) selectSegment(id);
}

export function mergeSelectedWithNext(): void {
  const seg = selectedSegment();
  if (!seg) return toast('error', 'Select a segment first.');
  edit((p) => ops.mergeWithNext(p, seg.id));
}

export function deleteSelected(): void {
  const s = useEditor.getState();
  if (!s.selectedSegmentId) return;
  edit((p) => ops.deleteSegment(p, s.selectedSegmentId!));
}

export function updateLoop(): void {
  const s = useEditor.getState();
  const seg = selectedSegment();
  const fps = s.history.present.video?.fps ?? 25;
  playback.loop = s.loop && seg ? { start: seg.startFrame / fps, end: seg.endFrame / fps } : null;
}

/** Creates segments from speech detected in a dub track. */
export async function segmentsFromSpeech(trackId: string): Promise<void> {
  const track = getProject().tracks.find((t) => t.id === trackId);
  if (!track) return;
  await whileBusy('Detecting speech…', async () => {
    const { ranges } = await api().call('audio.speech', { path: track.path, offset: track.offset });
    let created: string[] = [];
    edit((p) => {
      // The chosen lip-habit references are original footage the dub must not replace: they are
      // left out like no-lip-sync ranges (treated as obstacles while the segments are made).
      const refs = p.segments.flatMap((s) => (s.reference ? [{ id: `ref:${s.id}`, label: 'reference', startFrame: s.reference.startFrame, endFrame: s.reference.endFrame }] : []));
      const r = ops.segmentsFromSpeech({ ...p, protectedRanges: [...p.protectedRanges, ...refs] }, ranges, { trackId, makeId: () => newId('seg'), ...defaultEngineParams() });
      created = r.created;
      return r.created.length ? { ...r.project, protectedRanges: p.protectedRanges } : p;
    });
    toast('info', created.length ? `Created ${created.length} segment(s) from speech in ${track.name}.` : `No new speech found in ${track.name}.`);
    if (created[0]) selectSegment(created[0]);
  });
}
