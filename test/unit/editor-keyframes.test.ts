import { describe, expect, it } from 'vitest';
import {
  addShape,
  alignPolygon,
  conformToShape,
  moveVertex,
  neighbourKeyframes,
  removeKeyframe,
  resamplePolygon,
  setShapeKeyframe,
  shapePolygonsAt,
  signedArea,
  translateShapeAt,
  type Mask,
  type Poly,
} from '../../src/shared/masks/keyframes';
import { applyBrushStroke, createBitmap, fillPolygons, stampStroke, traceOutlines } from '../../src/shared/masks/brush';
import { unionRectFromBoxes } from '../../src/shared/masks/union';
import { occlusionPolygonsAt, parseOcclusionMask } from '../../src/main/masks/occlusion';
import { unionMask } from '../../src/main/masks/geometry';
import type { OcclusionMask } from '../../src/main/masks/types';

const square = (x: number, y: number, s: number): Poly => [
  [x, y],
  [x + s, y],
  [x + s, y + s],
  [x, y + s],
];

describe('keyframe interpolation', () => {
  const mask: Mask = { shapes: [{ id: 'hand', keyframes: [{ frame: 10, polygons: [square(0, 0, 10)] }, { frame: 20, polygons: [square(100, 0, 10)] }] }] };

  it('holds the first keyframe before it and the last after it', () => {
    expect(shapePolygonsAt(mask.shapes[0], 0)[0][0]).toEqual([0, 0]);
    expect(shapePolygonsAt(mask.shapes[0], 99)[0][0]).toEqual([100, 0]);
  });

  it('interpolates linearly point by point (also at fractional frames)', () => {
    expect(shapePolygonsAt(mask.shapes[0], 15)[0]).toEqual(square(50, 0, 10));
    expect(shapePolygonsAt(mask.shapes[0], 12.5)[0][0]).toEqual([25, 0]);
  });

  it('agrees with the pipeline’s occlusionPolygonsAt on every frame', () => {
    for (let f = 0; f <= 30; f += 0.5) expect(shapePolygonsAt(mask.shapes[0], f)).toEqual(occlusionPolygonsAt(mask as OcclusionMask, f));
  });

  it('finds neighbouring keyframes for onion skinning', () => {
    const { prev, next } = neighbourKeyframes(mask.shapes[0], 15);
    expect([prev?.frame, next?.frame]).toEqual([10, 20]);
    expect(neighbourKeyframes(mask.shapes[0], 10).prev).toBeNull();
  });
});

describe('keyframe editing keeps the pipeline’s topology rule', () => {
  it('resamples outlines to a vertex count along the perimeter', () => {
    const r = resamplePolygon(square(0, 0, 4), 8);
    expect(r).toHaveLength(8);
    expect(r[1]).toEqual([2, 0]);
    expect(Math.abs(signedArea(r))).toBeCloseTo(16);
  });

  it('aligns orientation and start vertex to a reference', () => {
    const ref = square(0, 0, 10);
    const reversedShifted: Poly = [ref[2], ref[1], ref[0], ref[3]];
    expect(alignPolygon(reversedShifted, ref)).toEqual(ref);
  });

  it('a keyframe drawn with another vertex count is conformed, so the document validates', () => {
    let mask: Mask = addShape({ shapes: [] }, 'hand', 5, square(0, 0, 10));
    const hexagon: Poly = Array.from({ length: 6 }, (_, i) => [50 + 10 * Math.cos((i * Math.PI) / 3), 50 + 10 * Math.sin((i * Math.PI) / 3)] as [number, number]);
    mask = setShapeKeyframe(mask, 'hand', 15, [hexagon]);
    expect(mask.shapes[0].keyframes.map((k) => k.polygons[0].length)).toEqual([4, 4]);
    expect(() => parseOcclusionMask({ version: 1, ...mask })).not.toThrow();
    expect(() => conformToShape(mask.shapes[0], 15, [hexagon, hexagon])).toThrow(/polygon/);
  });

  it('moving a vertex between keyframes creates a keyframe from the interpolated outline', () => {
    let mask: Mask = addShape({ shapes: [] }, 'm', 0, square(0, 0, 10));
    mask = setShapeKeyframe(mask, 'm', 10, [square(10, 0, 10)]);
    mask = moveVertex(mask, 'm', 5, 0, 0, [0, -5]);
    const kf = mask.shapes[0].keyframes.find((k) => k.frame === 5)!;
    expect(kf.polygons[0][0]).toEqual([0, -5]);
    expect(kf.polygons[0][1]).toEqual([15, 0]);
    expect(mask.shapes[0].keyframes.map((k) => k.frame)).toEqual([0, 5, 10]);
  });

  it('translates a shape at a frame and removes keyframes (and empty shapes)', () => {
    let mask: Mask = addShape({ shapes: [] }, 'm', 0, square(0, 0, 10));
    mask = translateShapeAt(mask, 'm', 8, 5, 5);
    expect(shapePolygonsAt(mask.shapes[0], 8)[0][0]).toEqual([5, 5]);
    mask = removeKeyframe(mask, 'm', 8);
    mask = removeKeyframe(mask, 'm', 0);
    expect(mask.shapes).toEqual([]);
  });
});

describe('brush', () => {
  it('traces the outline of painted cells', () => {
    const bm = createBitmap(100, 100, 2);
    fillPolygons(bm, [square(20, 20, 40)]);
    const outlines = traceOutlines(bm);
    expect(outlines).toHaveLength(1);
    expect(Math.abs(signedArea(outlines[0]))).toBeGreaterThan(0.85 * 1600);
    expect(Math.abs(signedArea(outlines[0]))).toBeLessThan(1.05 * 1600);
  });

  it('traces separate blobs separately, and an L shape as one outline', () => {
    const bm = createBitmap(100, 100, 2);
    stampStroke(bm, [[10, 10]], 5, 1);
    stampStroke(bm, [[80, 80]], 5, 1);
    expect(traceOutlines(bm)).toHaveLength(2);
    const l = createBitmap(100, 100, 2);
    fillPolygons(l, [[[10, 10], [30, 10], [30, 70], [70, 70], [70, 90], [10, 90]]]);
    const outl = traceOutlines(l);
    expect(outl).toHaveLength(1);
    expect(Math.abs(signedArea(outl[0]))).toBeGreaterThan(0.8 * (20 * 80 + 40 * 20));
  });

  it('painting without a shape creates one; painting on it grows it; erasing shrinks it', () => {
    const size = { width: 200, height: 200, cell: 2 };
    let r = applyBrushStroke({ shapes: [] }, { shapeId: null, frame: 3, ...size, points: [[50, 50], [80, 50]], radius: 10, erase: false });
    expect(r.mask.shapes).toHaveLength(1);
    const id = r.shapeId!;
    const area0 = Math.abs(signedArea(r.mask.shapes[0].keyframes[0].polygons[0]));
    r = applyBrushStroke(r.mask, { shapeId: id, frame: 3, ...size, points: [[80, 50], [80, 90]], radius: 10, erase: false });
    const area1 = Math.abs(signedArea(r.mask.shapes[0].keyframes[0].polygons[0]));
    expect(area1).toBeGreaterThan(area0 * 1.3);
    r = applyBrushStroke(r.mask, { shapeId: id, frame: 3, ...size, points: [[80, 70], [80, 100]], radius: 14, erase: true });
    const area2 = Math.abs(signedArea(r.mask.shapes[0].keyframes[0].polygons[0]));
    expect(area2).toBeLessThan(area1);
    // Painting on the shape at another frame adds a keyframe with the same vertex count.
    r = applyBrushStroke(r.mask, { shapeId: id, frame: 9, ...size, points: [[60, 50], [60, 130]], radius: 12, erase: false });
    const kfs = r.mask.shapes[0].keyframes;
    expect(kfs.map((k) => k.frame)).toEqual([3, 9]);
    expect(kfs[0].polygons[0].length).toBe(kfs[1].polygons[0].length);
    expect(() => parseOcclusionMask({ version: 1, ...r.mask })).not.toThrow();
  });

  it('erasing everything at a frame removes that keyframe', () => {
    let r = applyBrushStroke({ shapes: [] }, { shapeId: null, frame: 0, width: 100, height: 100, cell: 2, points: [[50, 50]], radius: 6, erase: false });
    r = applyBrushStroke(r.mask, { shapeId: r.shapeId, frame: 0, width: 100, height: 100, cell: 2, points: [[50, 50]], radius: 30, erase: true });
    expect(r.mask.shapes).toEqual([]);
  });
});

describe('union mask overlay', () => {
  it('matches the pipeline’s unionMask rectangle and feather', () => {
    // Two synthetic meshes (468 points) whose coarse-mask bounding boxes we feed to the overlay.
    const mesh = (dx: number) => {
      const m = new Float32Array(468 * 3);
      for (let i = 0; i < 468; i++) {
        m[i * 3] = 100 + dx + ((i * 37) % 80);
        m[i * 3 + 1] = 100 + ((i * 53) % 120);
      }
      return m;
    };
    const meshes = [mesh(0), mesh(15)];
    const expected = unionMask(meshes, 640, 360)!;
    const boxes = meshes.map((m) => unionMask([m], 10_000, 10_000, { marginFrac: 0 })!.rect).map((r) => [r.x, r.y, r.w, r.h] as [number, number, number, number]);
    const got = unionRectFromBoxes(boxes, 640, 360)!;
    // The per-mesh boxes above are rounded outward to whole pixels, so allow one pixel.
    expect(Math.abs(got.x - expected.rect.x)).toBeLessThanOrEqual(1);
    expect(Math.abs(got.y - expected.rect.y)).toBeLessThanOrEqual(1);
    expect(Math.abs(got.x + got.w - (expected.rect.x + expected.rect.w))).toBeLessThanOrEqual(1);
    expect(Math.abs(got.y + got.h - (expected.rect.y + expected.rect.h))).toBeLessThanOrEqual(1);
    expect(Math.abs(got.feather - expected.feather)).toBeLessThanOrEqual(1);
    expect(unionRectFromBoxes([], 10, 10)).toBeNull();
  });
});
