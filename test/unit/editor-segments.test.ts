import { describe, expect, it } from 'vitest';
import { emptyProject, type Project } from '../../src/shared/project/schema';
import { fakeTake } from '../helpers/takes';
import * as ops from '../../src/shared/project/segments';
import { segmentSpecKey, segmentStatus, readyTake } from '../../src/shared/project/render-key';

const params = { engine: 'reference', params: { smoothness: 0.5 } };

function base(): Project {
  let p = emptyProject('t', new Date(0));
  p = ops.setVideo(p, { path: '/m/clip.mp4', width: 640, height: 360, fps: 25, frameCount: 250, duration: 10, hasAudio: true });
  p = ops.addTrack(p, { id: 'dub-1', name: 'dub', path: '/m/dub.wav', offset: 0, muted: false });
  return p;
}

function seg(p: Project, id: string) {
  const s = p.segments.find((x) => x.id === id);
  if (!s) throw new Error(`no ${id}`);
  return s;
}

let n = 0;
const makeId = () => `gen-${++n}`;

const take = fakeTake;

describe('segment operations', () => {
  it('creates segments sorted, in either drag direction, clamped to the clip', () => {
    let p = ops.createSegment(base(), 120, 100, { id: 'b', ...params });
    p = ops.createSegment(p, -10, 20, { id: 'a', ...params });
    expect(p.segments.map((s) => [s.id, s.startFrame, s.endFrame])).toEqual([
      ['a', 0, 20],
      ['b', 100, 120],
    ]);
    expect(seg(p, 'a').trackId).toBe('dub-1');
  });

  it('refuses segments without a video, a dub track or a free frame', () => {
    expect(() => ops.createSegment(emptyProject(), 0, 10, { id: 'x', ...params })).toThrow(ops.EditError);
    const noTrack = ops.setVideo(emptyProject(), { path: '/v', width: 2, height: 2, fps: 25, frameCount: 50, duration: 2, hasAudio: false });
    expect(() => ops.createSegment(noTrack, 0, 10, { id: 'x', ...params })).toThrow(/dubbed audio track/);
    const p = ops.createSegment(base(), 10, 20, { id: 'a', ...params });
    expect(() => ops.createSegment(p, 12, 18, { id: 'x', ...params })).toThrow(/already covered/);
  });

  it('clips a new segment to the first free gap instead of overlapping', () => {
    let p = ops.createSegment(base(), 50, 60, { id: 'a', ...params });
    p = ops.createSegment(p, 40, 80, { id: 'b', ...params });
    expect([seg(p, 'b').startFrame, seg(p, 'b').endFrame]).toEqual([40, 50]);
  });

  it('moves within the gap between neighbours and trims with clamping', () => {
    let p = ops.createSegment(base(), 10, 20, { id: 'a', ...params });
    p = ops.createSegment(p, 40, 50, { id: 'b', ...params });
    p = ops.moveSegment(p, 'a', 100);
    expect([seg(p, 'a').startFrame, seg(p, 'a').endFrame]).toEqual([30, 40]);
    p = ops.trimSegment(p, 'b', 'end', 400);
    expect(seg(p, 'b').endFrame).toBe(250);
    p = ops.trimSegment(p, 'b', 'start', 10);
    expect(seg(p, 'b').startFrame).toBe(40);
    expect(() => ops.trimSegment(p, 'b', 'start', 250)).toThrow(ops.EditError);
  });

  it('splits at a frame and keeps settings on both halves', () => {
    let p = ops.createSegment(base(), 10, 30, { id: 'a', ...params });
    p = ops.setSegmentParam(p, 'a', 'smoothness', 0.9);
    p = ops.splitSegment(p, 'a', 18, 'a2');
    expect(p.segments.map((s) => [s.id, s.startFrame, s.endFrame, s.params.smoothness])).toEqual([
      ['a', 10, 18, 0.9],
      ['a2', 18, 30, 0.9],
    ]);
    expect(() => ops.splitSegment(p, 'a', 10, 'z')).toThrow(/inside the segment/);
  });

  it('merges with the next segment unless a no-lip-sync range is between', () => {
    let p = ops.createSegment(base(), 10, 20, { id: 'a', ...params });
    p = ops.createSegment(p, 30, 40, { id: 'b', ...params });
    p = ops.updateSegment(p, 'a', { occlusion: { shapes: [{ id: 's', keyframes: [{ frame: 12, polygons: [[[0, 0], [1, 0], [1, 1]]] }] }] } });
    p = ops.updateSegment(p, 'b', { occlusion: { shapes: [{ id: 's', keyframes: [{ frame: 32, polygons: [[[0, 0], [2, 0], [2, 2]]] }] }] } });
    const merged = ops.mergeWithNext(p, 'a');
    expect(merged.segments).toHaveLength(1);
    expect([merged.segments[0].startFrame, merged.segments[0].endFrame]).toEqual([10, 40]);
    expect(merged.segments[0].occlusion.shapes.map((s) => s.id)).toEqual(['s', 's-2']);
    const guarded = ops.addProtectedRange(p, 22, 25, 'keep', makeId);
    expect(() => ops.mergeWithNext(guarded, 'a')).toThrow(/no-lip-sync/);
    expect(() => ops.mergeWithNext(p, 'b')).toThrow(/no segment after/);
  });

  it('deletes a segment', () => {
    const p = ops.deleteSegment(ops.createSegment(base(), 10, 20, { id: 'a', ...params }), 'a');
    expect(p.segments).toEqual([]);
  });

  it('protected ranges cut overlapping segments and block new ones', () => {
    let p = ops.createSegment(base(), 10, 50, { id: 'a', ...params });
    p = ops.addProtectedRange(p, 20, 30, 'keep', () => 'a-b');
    expect(p.segments.map((s) => [s.id, s.startFrame, s.endFrame])).toEqual([
      ['a', 10, 20],
      ['a-b', 30, 50],
    ]);
    expect(() => ops.createSegment(p, 22, 28, { id: 'x', ...params })).toThrow(ops.EditError);
    // Overlapping protected ranges merge.
    p = ops.addProtectedRange(p, 28, 35, 'keep2', makeId);
    expect(p.protectedRanges.map((r) => [r.startFrame, r.endFrame])).toEqual([[20, 35]]);
    expect(seg(p, 'a-b').startFrame).toBe(35);
  });

  it('creates segments from speech: merges close ranges, pads, skips covered frames', () => {
    let p = ops.createSegment(base(), 100, 110, { id: 'x', ...params });
    const speech = [
      { start: 1.0, end: 1.5 },
      { start: 1.6, end: 2.0 },
      { start: 3.9, end: 4.6 },
      { start: 7.0, end: 7.05 },
    ];
    const r = ops.segmentsFromSpeech(p, speech, { trackId: 'dub-1', makeId, ...params });
    p = r.project;
    expect(r.created).toHaveLength(3);
    const spans = p.segments.map((s) => [s.startFrame, s.endFrame]);
    expect(spans).toEqual([
      [22, 53],
      [94, 100],
      [100, 110],
      [110, 118],
    ]);
  });

  it('status: stale until rendered, ready while the settings match, stale after a change, ready again after undoing it', () => {
    let p = ops.createSegment(base(), 10, 20, { id: 'a', ...params });
    expect(segmentStatus(p, seg(p, 'a'), false)).toBe('stale');
    expect(segmentStatus(p, seg(p, 'a'), true)).toBe('rendering');
    p = ops.addTake(p, 'a', take(p, 'a'));
    expect(segmentStatus(p, seg(p, 'a'), false)).toBe('ready');
    expect(readyTake(p, seg(p, 'a'))?.id).toBe('t1');
    const changed = ops.setSegmentParam(p, 'a', 'smoothness', 0.7);
    expect(segmentStatus(changed, seg(changed, 'a'), false)).toBe('stale');
    expect(readyTake(changed, seg(changed, 'a'))).toBeNull();
    const back = ops.setSegmentParam(changed, 'a', 'smoothness', 0.5);
    expect(segmentStatus(back, seg(back, 'a'), false)).toBe('ready');
  });

  it('changing one segment leaves the other segments ready', () => {
    let p = ops.createSegment(base(), 10, 20, { id: 'a', ...params });
    p = ops.createSegment(p, 30, 40, { id: 'b', ...params });
    p = ops.addTake(p, 'a', take(p, 'a', 'ta'));
    p = ops.addTake(p, 'b', take(p, 'b', 'tb'));
    p = ops.setSegmentParam(p, 'a', 'smoothness', 0.1);
    expect(segmentStatus(p, seg(p, 'a'), false)).toBe('stale');
    expect(segmentStatus(p, seg(p, 'b'), false)).toBe('ready');
  });

  it('failures count only for the settings that failed', () => {
    let p = ops.createSegment(base(), 10, 20, { id: 'a', ...params });
    p = ops.setFailure(p, 'a', { specKey: segmentSpecKey(p, seg(p, 'a')), code: 'E_NO_FACE', message: 'no face', hint: '' });
    expect(segmentStatus(p, seg(p, 'a'), false)).toBe('failed');
    p = ops.setSegmentParam(p, 'a', 'smoothness', 0.2);
    expect(segmentStatus(p, seg(p, 'a'), false)).toBe('stale');
  });

  it('activating a take restores its settings; identical re-renders replace the older take', () => {
    let p = ops.createSegment(base(), 10, 20, { id: 'a', ...params });
    p = ops.addTake(p, 'a', take(p, 'a', 't1'));
    p = ops.setSegmentParam(p, 'a', 'smoothness', 0.8);
    p = ops.addTake(p, 'a', take(p, 'a', 't2'));
    expect(seg(p, 'a').takes.map((t) => t.id)).toEqual(['t1', 't2']);
    p = ops.activateTake(p, 'a', 't1');
    expect(seg(p, 'a').params.smoothness).toBe(0.5);
    expect(segmentStatus(p, seg(p, 'a'), false)).toBe('ready');
    p = ops.addTake(p, 'a', take(p, 'a', 't3'));
    expect(seg(p, 'a').takes.map((t) => t.id)).toEqual(['t2', 't3']);
    p = ops.deleteTake(p, 'a', 't3');
    expect(seg(p, 'a').activeTakeId).toBeNull();
  });

  it('carryRenders keeps takes made after the target state (undo never loses a render)', () => {
    const before = ops.createSegment(base(), 10, 20, { id: 'a', ...params });
    const edited = ops.setSegmentParam(before, 'a', 'smoothness', 0.9);
    const rendered = ops.addTake(edited, 'a', take(edited, 'a', 'tx'));
    const restored = ops.carryRenders(before, rendered);
    expect(seg(restored, 'a').takes.map((t) => t.id)).toEqual(['tx']);
    expect(seg(restored, 'a').params.smoothness).toBe(0.5);
    expect(seg(restored, 'a').activeTakeId).toBeNull();
    expect(ops.carryRenders(before, before)).toBe(before);
  });

  it('the first dub track replaces the default export audio; later tracks are added', () => {
    let p = base();
    expect(p.export.audio).toEqual(['dub-1']);
    p = ops.addTrack(p, { id: 'dub-2', name: 'b', path: '/m/b.wav', offset: 0, muted: false });
    expect(p.export.audio).toEqual(['dub-1', 'dub-2']);
    expect(ops.removeTrack(p, 'dub-2').export.audio).toEqual(['dub-1']);
  });

  it('relinks media paths and lists them', () => {
    const p = ops.relinkMedia(base(), '/m/dub.wav', '/n/dub.wav');
    expect(ops.mediaPathsOf(p)).toEqual(['/m/clip.mp4', '/n/dub.wav']);
    expect(() => ops.removeTrack(ops.createSegment(p, 0, 5, { id: 'a', ...params }), 'dub-1')).toThrow(/Segments use/);
  });

  it('never mutates its input', () => {
    const p = ops.createSegment(base(), 10, 20, { id: 'a', ...params });
    const frozen = JSON.stringify(p);
    ops.splitSegment(p, 'a', 15, 'b');
    ops.moveSegment(p, 'a', 5);
    ops.setSegmentParam(p, 'a', 'smoothness', 1);
    ops.addProtectedRange(p, 12, 14, 'k', makeId);
    expect(JSON.stringify(p)).toBe(frozen);
  });
});

describe('reference suggestions named on the segment and its takes', () => {
  it('records which candidate (1 = best) an accepted suggestion was; a reference drawn by the user has none', () => {
    let p = ops.createSegment(base(), 10, 60, { id: 's1', ...params });
    p = ops.setReference(p, 's1', { startFrame: 100, endFrame: 150 }, 'suggested', 2);
    expect(seg(p, 's1').reference).toEqual({ startFrame: 100, endFrame: 150, source: 'suggested', candidate: 2 });
    p = ops.setReference(p, 's1', { startFrame: 100, endFrame: 150 }, 'user', 3);
    expect(seg(p, 's1').reference).toEqual({ startFrame: 100, endFrame: 150, source: 'user' });
  });
});
