import { describe, expect, it } from 'vitest';
import { ProgressTracker } from '../../src/main/services/jobs';
import { JobQueue } from '../../src/main/services/jobs';
import { exportContributions, segmentName, takeChanges, takeName, undubbedSegments } from '../../src/shared/project/names';
import { emptyProject, type Project, type Take } from '../../src/shared/project/schema';
import { fakeTake } from '../helpers/takes';
import * as ops from '../../src/shared/project/segments';

/** Issue #14: the pure parts of "an editor an editor can trust". */

function project(): Project {
  let p = ops.setVideo(emptyProject(), { path: '/m/clip.mp4', width: 64, height: 64, fps: 25, frameCount: 125, duration: 5, hasAudio: true });
  p = ops.addTrack(p, { id: 'dub', name: 'dub.wav', path: '/m/dub.wav', offset: 0, muted: false });
  for (const [id, a, b] of [['s1', 10, 20], ['s2', 40, 50], ['s3', 80, 90]] as const) p = ops.createSegment(p, a, b, { id, engine: 'reference', params: { smoothness: 0.5 } });
  return p;
}

const takeFor = fakeTake;

describe('export preflight: what each segment contributes', () => {
  it('names current, out-of-date and never-rendered segments', () => {
    let p = project();
    p = ops.addTake(p, 's1', takeFor(p, 's1', 't1'));
    p = ops.addTake(p, 's2', takeFor(p, 's2', 't2'));
    // s2 goes out of date: a setting changed after its render.
    p = ops.setSegmentParam(p, 's2', 'smoothness', 0.7);
    const c = exportContributions(p);
    expect(c.map((x) => [x.name, x.contribution])).toEqual([
      ['Segment 1', 'current'],
      ['Segment 2', 'stale'],
      ['Segment 3', 'none'],
    ]);
    expect(undubbedSegments(p).map((x) => x.segmentId)).toEqual(['s2', 's3']);
  });

  it('a labelled segment keeps its number and label', () => {
    const p = ops.updateSegment(project(), 's3', { label: 'Where were you' });
    expect(segmentName(p, p.segments[2])).toBe('3 · Where were you');
  });

  it('takes are numbered and say what changed', () => {
    let p = project();
    p = ops.addTake(p, 's1', takeFor(p, 's1', 'a'));
    p = ops.setSegmentParam(p, 's1', 'smoothness', 0.75);
    p = ops.addTake(p, 's1', takeFor(p, 's1', 'b'));
    const seg = p.segments[0];
    expect(seg.takes.map((t) => takeName(seg, t))).toEqual(['Take 1', 'Take 2']);
    expect(takeChanges(seg, seg.takes[0])).toBe('first take');
    expect(takeChanges(seg, seg.takes[1])).toBe('smoothness 0.5 → 0.75');
  });
});

describe('job progress is monotone and reports the real rate', () => {
  it('a second pipeline pass (probe again) never moves the bar back', () => {
    let t = 0;
    const tr = new ProgressTracker(undefined, () => t);
    const seen: Array<{ stage: string; fraction: number }> = [];
    const push = (stage: string, done: number, total: number) => {
      const r = tr.update({ stage, done, total, fps: 0.3, etaSec: Number.NaN });
      seen.push({ stage: r.stage, fraction: r.fraction });
      t += 200;
    };
    push('track', 10, 10);
    for (let i = 0; i <= 10; i++) push('render', i, 20);
    push('probe', 0, 1);
    push('audio', 0, 1);
    push('render', 20, 20);
    push('encode', 10, 10);
    for (let i = 1; i < seen.length; i++) expect(seen[i].fraction).toBeGreaterThanOrEqual(seen[i - 1].fraction);
    // The label does not jump back to "probe" while the bar holds its place.
    expect(seen.map((s) => s.stage)).not.toContain('probe');
  });

  it('fps is frames done over the seconds of the stage, not the pipeline figure', () => {
    let t = 0;
    const tr = new ProgressTracker(undefined, () => t);
    tr.update({ stage: 'render', done: 0, total: 100, fps: 0.3, etaSec: Number.NaN });
    t = 2000;
    const r = tr.update({ stage: 'render', done: 10, total: 100, fps: 0.3, etaSec: Number.NaN });
    expect(r.fps).toBeCloseTo(5, 5);
  });
});

describe('job queue: the same work is one job', () => {
  it('findActive returns the queued/running job with the same key, and nothing once finished', async () => {
    const events: string[] = [];
    const q = new JobQueue((s) => events.push(`${s.jobId}:${s.state}`));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const job = q.submit({ kind: 'render', label: 'r', dedupeKey: 'render:k', run: async () => (await gate, { kind: 'render', segmentId: 's', take: {} as Take, path: '/x', cached: false }) });
    expect(q.findActive('render:k')?.jobId).toBe(job.jobId);
    expect(q.findActive('render:other')).toBeNull();
    release();
    await q.wait(job.jobId);
    expect(q.findActive('render:k')).toBeNull();
  });
});

describe('brushing onto a selected shape', () => {
  const size = { width: 400, height: 400, cell: 2 };
  const quad: Array<[number, number]> = [
    [100, 100],
    [200, 100],
    [200, 200],
    [100, 200],
  ];

  it('keeps the polygon and adds the stroke (no skewed quadrilateral); other keyframes keep their outline', async () => {
    const { addShape, shapePolygonsAt, pointInPolygon, signedArea } = await import('../../src/shared/masks/keyframes');
    const { applyBrushStroke } = await import('../../src/shared/masks/brush');
    const mask = addShape({ shapes: [] }, 'occluder-1', 10, quad);
    // From inside the shape outward, at another frame.
    const r = applyBrushStroke(mask, { shapeId: 'occluder-1', frame: 14, ...size, points: [[150, 150], [230, 150], [290, 150]], radius: 12, erase: false });
    expect(r.shapeId).toBe('occluder-1');
    expect(r.mask.shapes).toHaveLength(1);
    const shape = r.mask.shapes[0];
    const at14 = shapePolygonsAt(shape, 14)[0];
    // Covers the whole polygon (its corners, just inside) and the stroke's far end.
    for (const [x, y] of [[104, 104], [196, 104], [196, 196], [104, 196], [285, 150]] as Array<[number, number]>) expect(pointInPolygon([x, y], at14)).toBe(true);
    expect(pointInPolygon([250, 190], at14)).toBe(false);
    expect(Math.abs(signedArea(at14))).toBeGreaterThan(100 * 100);
    // The first keyframe is still the same square (extra vertices lie on its edges).
    const at10 = shapePolygonsAt(shape, 10)[0];
    expect(at10.length).toBe(at14.length);
    expect(Math.abs(signedArea(at10))).toBeCloseTo(100 * 100, 3);
  });

  it('a stroke that misses the shape becomes its own shape; a stroke that changes nothing is no edit', async () => {
    const { addShape } = await import('../../src/shared/masks/keyframes');
    const { applyBrushStroke } = await import('../../src/shared/masks/brush');
    const mask = addShape({ shapes: [] }, 'occluder-1', 10, quad);
    const miss = applyBrushStroke(mask, { shapeId: 'occluder-1', frame: 14, ...size, points: [[320, 320], [340, 330]], radius: 10, erase: false });
    expect(miss.mask.shapes).toHaveLength(2);
    // The selected shape gets no keyframe from a stroke that missed it.
    expect(miss.mask.shapes[0]).toEqual(mask.shapes[0]);
    const inside = applyBrushStroke(mask, { shapeId: 'occluder-1', frame: 10, ...size, points: [[150, 150]], radius: 8, erase: false });
    expect(inside.mask).toBe(mask);
  });
});

describe('messages for people, not ffmpeg output', () => {
  it('replaces tool output with what it means and keeps what failed', async () => {
    const { plainMessage, plainHint } = await import('../../src/renderer/src/lib/messages');
    const m = plainMessage('Cannot read /m/clip.mp4 as media: [mov,mp4,m4a,3gp,3g2,mj2 @ 0x55d0c8e2c940] moov atom not found');
    expect(m).toBe('Cannot read /m/clip.mp4 as media: the file is incomplete or damaged (it may still be copying, or was cut off).');
    expect(plainMessage('ffmpeg failed: exit 1')).toBe('The file could not be read.');
    expect(plainMessage('Opening x.wav failed: Invalid data found when processing input')).toMatch(/^Opening x\.wav failed: it is not a video or audio file/);
    expect(plainMessage('Mark an in point (I) and an out point (O) first.')).toBe('Mark an in point (I) and an out point (O) first.');
    // A file name that happens to contain a word is not tool output.
    expect(plainMessage('corrupt.dubproj cannot be opened: it is not valid JSON.')).toBe('corrupt.dubproj cannot be opened: it is not valid JSON.');
    expect(plainHint('Check that the file is a complete video or audio file in a format ffmpeg supports (try `ffprobe <file>`).')).not.toMatch(/ffmpeg|ffprobe|`/);
    expect(m).not.toMatch(/moov|@ 0x|ffmpeg|ffprobe/);
  });
});

describe('timecode typed into the playhead field', () => {
  it('reads HH:MM:SS:FF, shorter forms, frame numbers and relative frames', async () => {
    const { parseTimecode } = await import('../../src/renderer/src/lib/timecode');
    expect(parseTimecode('00:00:02:10', 25, 0)).toBe(60);
    expect(parseTimecode('2:10', 25, 0)).toBe(60);
    expect(parseTimecode('01:00:00:00', 25, 0)).toBe(90000);
    expect(parseTimecode('75', 25, 0)).toBe(75);
    expect(parseTimecode('+5', 25, 10)).toBe(15);
    expect(parseTimecode('-12', 25, 10)).toBe(-2);
    expect(parseTimecode('00:00:01:25', 25, 0)).toBeNull();
    expect(parseTimecode('abc', 25, 0)).toBeNull();
  });
});
