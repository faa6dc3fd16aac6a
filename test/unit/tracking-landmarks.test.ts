import { describe, expect, it } from 'vitest';
import {
  applyAffine,
  CANONICAL_TEMPLATE,
  faceSimilarityTransform,
  interOcularDistance,
  invertAffine,
  lipLandmarks,
  mouthOpening,
  type Affine2x3,
} from '../../src/main/tracking/landmarks';
import { FACE_OVAL, JAW_LINE, LANDMARK, LIP_REGION_CONTOUR, LIPS_INNER, LIPS_OUTER } from '../../src/shared/face-mesh';
import { MESH_POINTS } from '../../src/main/tracking/types';

/** A mesh whose template points are placed by `m` (template -> pixels); other points at (0, 0). */
function meshFrom(m: Affine2x3): Float32Array {
  const mesh = new Float32Array(MESH_POINTS * 3);
  for (const p of CANONICAL_TEMPLATE) {
    const [x, y] = applyAffine(m, [p.x, p.y]);
    mesh[p.index * 3] = x;
    mesh[p.index * 3 + 1] = y;
  }
  return mesh;
}

function set(mesh: Float32Array, i: number, x: number, y: number): void {
  mesh[i * 3] = x;
  mesh[i * 3 + 1] = y;
}

describe('index sets', () => {
  it('use canonical MediaPipe indices', () => {
    expect(LANDMARK.upperLipInnerCentre).toBe(13);
    expect(LANDMARK.lowerLipInnerCentre).toBe(14);
    expect(LANDMARK.foreheadTop).toBe(10);
    expect(LANDMARK.chin).toBe(152);
    expect([LANDMARK.rightEyeOuter, LANDMARK.rightEyeInner, LANDMARK.leftEyeInner, LANDMARK.leftEyeOuter]).toEqual([
      33, 133, 362, 263,
    ]);
    expect(LIPS_INNER).toContain(13);
    expect(LIPS_INNER).toContain(14);
    expect(LIPS_OUTER).toEqual(expect.arrayContaining([61, 291, 0, 17]));
    expect(FACE_OVAL[0]).toBe(10);
    expect(FACE_OVAL).toContain(152);
    expect(JAW_LINE[0]).toBe(234);
    expect(JAW_LINE[JAW_LINE.length - 1]).toBe(454);
    expect(JAW_LINE[(JAW_LINE.length - 1) / 2]).toBe(152);
    for (const s of [LIPS_OUTER, LIPS_INNER, LIP_REGION_CONTOUR, FACE_OVAL, JAW_LINE]) {
      expect(new Set(s).size).toBe(s.length);
      expect(Math.min(...s)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...s)).toBeLessThan(MESH_POINTS);
    }
  });

  it('canonical template is symmetric with outer eye corners at (+-0.5, 0)', () => {
    const at = (i: number) => CANONICAL_TEMPLATE.find((p) => p.index === i)!;
    expect(at(33).x).toBeCloseTo(-0.5, 6);
    expect(at(263).x).toBeCloseTo(0.5, 6);
    expect(at(33).y).toBeCloseTo(0, 6);
    expect(at(263).y).toBeCloseTo(0, 6);
    expect(at(133).x).toBeCloseTo(-at(362).x, 6);
    expect(at(98).x).toBeCloseTo(-at(327).x, 6);
    for (const i of [168, 6, 1, 2]) expect(at(i).x).toBe(0);
    // Nose tip and bottom below the eyes (y down), nasion above them.
    expect(at(1).y).toBeGreaterThan(0.3);
    expect(at(2).y).toBeGreaterThan(at(1).y);
    expect(at(168).y).toBeLessThan(0);
  });
});

describe('measures', () => {
  it('mouthOpening = inner-lip gap / face height; interOcularDistance = 33-263', () => {
    const mesh = new Float32Array(MESH_POINTS * 3);
    set(mesh, 10, 200, 100);
    set(mesh, 152, 200, 500); // face height 400
    set(mesh, 13, 200, 380);
    set(mesh, 14, 200, 420); // gap 40
    set(mesh, 33, 100, 200);
    set(mesh, 263, 280, 200);
    expect(mouthOpening(mesh)).toBeCloseTo(0.1, 6);
    expect(interOcularDistance(mesh)).toBeCloseTo(180, 6);
    // Same face twice as large: same opening.
    const big = mesh.map((v) => v * 2);
    expect(mouthOpening(big)).toBeCloseTo(0.1, 6);
    expect(() => mouthOpening(new Float32Array(10))).toThrow(/1404/);
  });

  it('mouthOpening is NaN (no measurement) for a degenerate face', () => {
    // Zero face height: every point at the origin.
    expect(mouthOpening(new Float32Array(MESH_POINTS * 3))).toBeNaN();
    // Forehead and chin on the same spot, lips apart: still no height to divide by.
    const flat = new Float32Array(MESH_POINTS * 3);
    set(flat, 10, 50, 50);
    set(flat, 152, 50, 50);
    set(flat, 13, 50, 40);
    set(flat, 14, 50, 60);
    expect(mouthOpening(flat)).toBeNaN();
    // A non-finite face height (NaN coordinates) is degenerate too.
    const broken = new Float32Array(MESH_POINTS * 3);
    set(broken, 10, Number.NaN, 0);
    set(broken, 152, 0, 100);
    expect(mouthOpening(broken)).toBeNaN();
    // A closed mouth on a real face is 0, not NaN.
    const closed = new Float32Array(MESH_POINTS * 3);
    set(closed, 10, 0, 0);
    set(closed, 152, 0, 100);
    set(closed, 13, 0, 70);
    set(closed, 14, 0, 70);
    expect(mouthOpening(closed)).toBe(0);
  });

  it('lipLandmarks returns the outer and inner polygons in pixels', () => {
    const mesh = new Float32Array(MESH_POINTS * 3).map((_, k) => k);
    const { outer, inner } = lipLandmarks(mesh);
    expect(outer).toHaveLength(LIPS_OUTER.length);
    expect(inner).toHaveLength(LIPS_INNER.length);
    expect(outer[0]).toEqual([61 * 3, 61 * 3 + 1]);
    expect(inner[5]).toEqual([13 * 3, 13 * 3 + 1]);
  });
});

describe('faceSimilarityTransform', () => {
  it('recovers a known similarity and its inverse', () => {
    const s = 180;
    const a = 0.3;
    const m: Affine2x3 = [s * Math.cos(a), -s * Math.sin(a), 400, s * Math.sin(a), s * Math.cos(a), 260];
    const mesh = meshFrom(m);
    // Mouth and jaw points must not matter.
    set(mesh, 13, 9999, -9999);
    set(mesh, 152, -5000, 7000);
    const t = faceSimilarityTransform(mesh);
    // Float32 mesh: ~1e-4 px precision.
    t.toImage.forEach((v, k) => expect(v).toBeCloseTo(m[k], 3));
    expect(t.scale).toBeCloseTo(s, 3);
    expect(t.angle).toBeCloseTo(a, 6);
    const p: [number, number] = [123, 456];
    const back = applyAffine(t.toImage, applyAffine(t.toCanonical, p));
    expect(back[0]).toBeCloseTo(p[0], 9);
    expect(back[1]).toBeCloseTo(p[1], 9);
    // The outer eye corners land on the template.
    const eye = applyAffine(t.toCanonical, [mesh[33 * 3], mesh[33 * 3 + 1]]);
    expect(eye[0]).toBeCloseTo(-0.5, 5);
    expect(eye[1]).toBeCloseTo(0, 5);
  });

  it('is a least-squares fit: noise on one point moves the result only a little', () => {
    const m: Affine2x3 = [200, 0, 300, 0, 200, 300];
    const mesh = meshFrom(m);
    mesh[1 * 3] += 10; // nose tip 10 px off
    const t = faceSimilarityTransform(mesh);
    expect(t.scale).toBeGreaterThan(195);
    expect(t.scale).toBeLessThan(205);
    expect(Math.abs(t.angle)).toBeLessThan(0.02);
  });

  it('throws on a degenerate mesh; invertAffine throws on a singular matrix', () => {
    expect(() => faceSimilarityTransform(new Float32Array(MESH_POINTS * 3))).toThrow(/degenerate/);
    expect(() => invertAffine([1, 2, 0, 2, 4, 0])).toThrow(/singular/);
  });
});
