import { describe, expect, it } from 'vitest';
import { syntheticMesh } from '../helpers/synthetic-face';
import { assessFace, faceHeight, yawFromMesh } from '../../src/main/pipeline/face-limits';
import type { FaceTrack } from '../../src/main/tracking/types';

/** A mesh with the cheek edges (234, 454) and nose tip (1) placed for a given yaw (degrees). */
function meshWithYaw(size: number, yawDeg: number): Float32Array {
  const m = syntheticMesh(200, 200, size, 0.03);
  const half = 0.45 * size;
  m[234 * 3] = 200 - half;
  m[454 * 3] = 200 + half;
  m[1 * 3] = 200 + half * Math.sin((yawDeg * Math.PI) / 180);
  return m;
}

function track(meshes: Array<Float32Array | null>, score = 1): FaceTrack {
  return { id: 0, frames: meshes.map((mesh) => (mesh ? { mesh, box: [0, 0, 100, 100], score, interpolated: false } : null)) };
}

describe('face limits (segments the warp cannot serve are left as the original)', () => {
  it('reads yaw from where the nose tip falls between the cheeks', () => {
    expect(yawFromMesh(meshWithYaw(200, 0))).toBeCloseTo(0, 6);
    expect(yawFromMesh(meshWithYaw(200, 30))).toBeCloseTo(30, 3);
    expect(yawFromMesh(meshWithYaw(200, -60))).toBeCloseTo(-60, 3);
  });

  it('passes a frontal, large, confident face', () => {
    const r = assessFace(track(Array.from({ length: 10 }, () => meshWithYaw(200, 10))), { start: 0, end: 10 });
    expect(r.code).toBeNull();
    expect(r.reason).toBeNull();
    expect(r.faceHeightPx).toBeCloseTo(faceHeight(meshWithYaw(200, 10)), 6);
  });

  it('flags a profile, a tiny face, an unsure track and a mostly missing face, with a reason', () => {
    const n = 10;
    const range = { start: 0, end: n };
    const profile = assessFace(track(Array.from({ length: n }, () => meshWithYaw(200, 70))), range);
    expect(profile.code).toBe('profile');
    expect(profile.reason).toMatch(/turned about 70 degrees/);
    const small = assessFace(track(Array.from({ length: n }, () => meshWithYaw(30, 0))), range);
    expect(small.code).toBe('too-small');
    expect(small.reason).toMatch(/px tall/);
    const unsure = assessFace(track(Array.from({ length: n }, () => meshWithYaw(200, 0)), 0.3), range);
    expect(unsure.code).toBe('unsure');
    const missing = assessFace(track(Array.from({ length: n }, (_, i) => (i < 3 ? meshWithYaw(200, 0) : null))), range);
    expect(missing.code).toBe('no-face');
    expect(missing.facedShare).toBeCloseTo(0.3, 9);
  });

  it('judges only the frames of the range', () => {
    const meshes = Array.from({ length: 20 }, (_, i) => meshWithYaw(200, i < 10 ? 80 : 0));
    expect(assessFace(track(meshes), { start: 10, end: 20 }).code).toBeNull();
    expect(assessFace(track(meshes), { start: 0, end: 10 }).code).toBe('profile');
  });
});
