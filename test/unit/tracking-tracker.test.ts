import { describe, expect, it } from 'vitest';
import { associate } from '../../src/main/tracking/association';
import {
  buildTracks,
  coveredFrames,
  interpolateSample,
  medianBoxArea,
  pickLargestTrack,
  selectTrack,
} from '../../src/main/tracking/tracker';
import { MESH_POINTS, type FaceObservation, type TrackingResult } from '../../src/main/tracking/types';
import { UserError } from '../../src/main/util/errors';

const SIZE = { width: 640, height: 480 };

/** A face whose box is centred at (cx, cy) with side `s`; mesh points on a grid inside the box. */
function face(cx: number, cy: number, s = 80, score = 0.9): FaceObservation {
  const mesh = new Float32Array(MESH_POINTS * 3);
  for (let k = 0; k < MESH_POINTS; k++) {
    mesh[k * 3] = cx - s / 2 + (s * (k % 26)) / 25;
    mesh[k * 3 + 1] = cy - s / 2 + (s * Math.floor(k / 26)) / 17;
    mesh[k * 3 + 2] = 0;
  }
  return { box: [cx - s / 2, cy - s / 2, s, s], mesh, score };
}

function expectUserError(fn: () => unknown, code: string): UserError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe(code);
    return err as UserError;
  }
  throw new Error(`expected UserError ${code}`);
}

describe('associate', () => {
  it('keeps ids when two faces cross, even when one is hidden at the crossing', () => {
    const frames: FaceObservation[][] = [];
    for (let f = 0; f <= 30; f++) {
      const a = face(100 + 12 * f, 200); // left -> right
      const b = face(460 - 12 * f, 210); // right -> left
      const overlap = Math.abs(a.box[0] - b.box[0]) < 40;
      frames.push(overlap ? [a] : [b, a]); // detector NMS keeps one box while they overlap
    }
    const tracks = associate(frames);
    expect(tracks).toHaveLength(2);
    const byStart = (x: number) => tracks.find((t) => Math.abs(t.observations[0]!.box[0] + 40 - x) < 1)!;
    const right = byStart(100);
    const left = byStart(460);
    expect(right.observations[30]!.box[0] + 40).toBeCloseTo(100 + 12 * 30);
    expect(left.observations[30]!.box[0] + 40).toBeCloseTo(460 - 12 * 30);
    // Every observation of the rightward track moves right.
    const xs = right.observations.flatMap((o) => (o ? [o.box[0]] : []));
    for (let i = 1; i < xs.length; i++) expect(xs[i]).toBeGreaterThan(xs[i - 1]);
  });

  it('starts a new track for a face far away and ignores empty frames', () => {
    const tracks = associate([[face(100, 100)], [], [face(102, 100), face(500, 300)], [face(104, 100)]]);
    expect(tracks.map((t) => t.id)).toEqual([0, 1]);
    expect(tracks[0].observations.map(Boolean)).toEqual([true, false, true, true]);
    expect(tracks[1].observations.map(Boolean)).toEqual([false, false, true, false]);
  });

  it('does not link faces of very different sizes', () => {
    const tracks = associate([[face(100, 100, 80)], [face(100, 100, 200)]]);
    expect(tracks).toHaveLength(2);
  });
});

describe('buildTracks', () => {
  const still = (n: number, missing: (f: number) => boolean) =>
    Array.from({ length: n }, (_, f) => (missing(f) ? [] : [face(320 + 0.5 * f, 240)]));

  it('fills a 3-frame gap by interpolation', () => {
    const r = buildTracks(still(30, (f) => f >= 10 && f < 13), SIZE);
    expect(r.tracks).toHaveLength(1);
    const t = r.tracks[0];
    expect(coveredFrames(t)).toBe(30);
    for (let f = 10; f < 13; f++) {
      const s = t.frames[f]!;
      expect(s.interpolated).toBe(true);
      const before = t.frames[9]!;
      const after = t.frames[13]!;
      const u = (f - 9) / 4;
      expect(s.mesh[0]).toBeCloseTo(before.mesh[0] + (after.mesh[0] - before.mesh[0]) * u, 3);
    }
    expect(t.frames[9]!.interpolated).toBe(false);
    expect(r.warnings).toEqual([]);
  });

  it('leaves a 40-frame gap null, keeps the id and warns with the frame range', () => {
    const r = buildTracks(still(100, (f) => f >= 30 && f < 70), SIZE);
    expect(r.tracks).toHaveLength(1);
    const t = r.tracks[0];
    for (let f = 30; f < 70; f++) expect(t.frames[f]).toBeNull();
    expect(t.frames[29]).not.toBeNull();
    expect(t.frames[70]).not.toBeNull();
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toContain('frames 30-69');
    expect(r.warnings[0]).toContain('40 frames');
  });

  it('smooths jitter of a still face and follows a moving face without lag', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 4;
    const rms = (xs: number[]) => Math.sqrt(xs.reduce((a, b) => a + b * b, 0) / xs.length);
    const still = Array.from({ length: 60 }, () => [face(320 + rand(), 240 + rand(), 300)]);
    const rawErr = still.map((fr) => fr[0].mesh[0] - 170);
    const outErr = buildTracks(still, SIZE).tracks[0].frames.map((s) => s!.mesh[0] - 170);
    expect(rms(outErr)).toBeLessThan(rms(rawErr) * 0.5);

    const truth = (f: number) => 200 + 3 * f + 20 * Math.sin(f / 6); // up to ~6 px per frame
    const moving = Array.from({ length: 60 }, (_, f) => [face(truth(f), 240, 300)]);
    const track = buildTracks(moving, SIZE).tracks[0];
    const err = track.frames.map((s, f) => s!.mesh[0] - (truth(f) - 150)).slice(5, 55);
    const causal = buildTracks(moving, SIZE, { bidirectional: false }).tracks[0];
    const causalErr = causal.frames.map((s, f) => s!.mesh[0] - (truth(f) - 150)).slice(5, 55);
    expect(rms(err)).toBeLessThan(0.5);
    expect(rms(err)).toBeLessThan(rms(causalErr) * 0.5);
  });

  it('never throws on frames without faces; drops spurious short tracks', () => {
    expect(buildTracks([[], [], []], SIZE).tracks).toEqual([]);
    expect(buildTracks([], SIZE).frameCount).toBe(0);
    const frames = still(20, () => false);
    frames[5] = [...frames[5], face(50, 50, 60)]; // one-frame false positive
    const r = buildTracks(frames, SIZE);
    expect(r.tracks).toHaveLength(1);
    expect(r.tracks[0].id).toBe(0);
  });

  it('numbers tracks by first appearance and warns about partial coverage', () => {
    const frames = Array.from({ length: 20 }, (_, f) => (f < 5 ? [face(100, 100)] : [face(100, 100), face(400, 300, 120)]));
    const r = buildTracks(frames, SIZE);
    expect(r.tracks.map((t) => t.id)).toEqual([0, 1]);
    expect(r.tracks[1].frames[4]).toBeNull();
    expect(r.tracks[1].frames[5]).not.toBeNull();
    expect(r.warnings.some((w) => w.includes('Face 1') && w.includes('frames 5-19'))).toBe(true);
  });
});

describe('pickLargestTrack / selectTrack', () => {
  const result: TrackingResult = buildTracks(
    Array.from({ length: 20 }, () => [face(100, 100, 60), face(400, 240, 150), face(550, 100, 90)]),
    SIZE,
  );

  it('picks the track with the largest median box area', () => {
    expect(result.tracks).toHaveLength(3);
    const largest = pickLargestTrack(result);
    expect(Math.sqrt(medianBoxArea(largest))).toBeCloseTo(150, 0);
    expect(largest).toBe(result.tracks[largest.id]);
  });

  it('uses the median, not a single huge frame', () => {
    const frames = Array.from({ length: 20 }, (_, f) => [face(100, 100, f === 3 ? 400 : 60), face(400, 240, 100)]);
    const r = buildTracks(frames, SIZE, { association: { maxSizeRatio: 10 } });
    expect(Math.sqrt(medianBoxArea(pickLargestTrack(r)))).toBeCloseTo(100, 0);
  });

  it('selectTrack returns the track at an index and throws E_FACE_INDEX listing the faces', () => {
    expect(selectTrack(result, 2)).toBe(result.tracks[2]);
    const err = expectUserError(() => selectTrack(result, 3), 'E_FACE_INDEX');
    expect(err.message).toContain('0: frames 0-19');
    expect(err.message).toContain('2: frames 0-19');
    expect(err.hint).toContain('0 to 2');
    expectUserError(() => selectTrack(result, -1), 'E_FACE_INDEX');
    expectUserError(() => selectTrack(result, 0.5), 'E_FACE_INDEX');
  });

  it('both throw E_NO_FACE on an empty result', () => {
    const empty: TrackingResult = { width: 1, height: 1, frameCount: 3, tracks: [], warnings: [] };
    expectUserError(() => pickLargestTrack(empty), 'E_NO_FACE');
    expectUserError(() => selectTrack(empty, 0), 'E_NO_FACE');
  });

  it('interpolateSample blends linearly and marks the sample', () => {
    const a = { ...face(0, 0), interpolated: false };
    const b = { ...face(100, 50), interpolated: false };
    const m = interpolateSample(a, b, 0.25);
    expect(m.interpolated).toBe(true);
    expect(m.box[0]).toBeCloseTo(a.box[0] + 25);
    expect(m.mesh[1]).toBeCloseTo(a.mesh[1] + 12.5);
  });
});
