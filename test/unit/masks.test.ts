import { describe, expect, it } from 'vitest';
import { rasterizePolygons, rasterizeUnionMask, boxBlur, softPolygonMask } from '../../src/main/masks/raster';
import { coarseMask, detailedMask, unionMask, boundingRect } from '../../src/main/masks/geometry';
import { occlusionPolygonsAt, parseOcclusionMask, rasterizeOcclusion } from '../../src/main/masks/occlusion';
import { DETAILED_MASK_OUTLINE } from '../../src/shared/face-mesh';
import { UserError } from '../../src/main/util/errors';

/** A synthetic mesh: every point at (cx, cy) except the detailed-mask outline on an ellipse. */
function syntheticMesh(cx: number, cy: number, rx: number, ry: number): Float32Array {
  const m = new Float32Array(468 * 3);
  for (let i = 0; i < 468; i++) {
    m[i * 3] = cx;
    m[i * 3 + 1] = cy;
  }
  DETAILED_MASK_OUTLINE.forEach((idx, k) => {
    const a = (2 * Math.PI * k) / DETAILED_MASK_OUTLINE.length;
    m[idx * 3] = cx + rx * Math.cos(a);
    m[idx * 3 + 1] = cy + ry * Math.sin(a);
  });
  return m;
}

/** Non-zero winding number of (x, y) for `polys` (the brute-force reference). */
function windingAt(polys: Array<Array<[number, number]>>, x: number, y: number): number {
  let w = 0;
  for (const p of polys) {
    for (let i = 0; i < p.length; i++) {
      const [ax, ay] = p[i];
      const [bx, by] = p[(i + 1) % p.length];
      if (ay <= y ? by > y && (bx - ax) * (y - ay) - (x - ax) * (by - ay) > 0 : by <= y && (bx - ax) * (y - ay) - (x - ax) * (by - ay) < 0) w += ay <= y ? 1 : -1;
    }
  }
  return w;
}

describe('rasterizePolygons', () => {
  it('agrees with a brute-force winding number at every pixel centre (random polygons, overlaps, ROIs clipping them)', () => {
    let seed = 11;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    let inside = 0;
    for (let t = 0; t < 300; t++) {
      const polys = Array.from({ length: 1 + Math.floor(rnd() * 2) }, () => Array.from({ length: 3 + Math.floor(rnd() * 10) }, () => [rnd() * 60 - 8, rnd() * 40 - 8] as [number, number]));
      const roi = { x: Math.floor(rnd() * 16 - 4), y: Math.floor(rnd() * 12 - 4), w: 1 + Math.floor(rnd() * 50), h: 1 + Math.floor(rnd() * 36) };
      const m = rasterizePolygons(polys, roi);
      for (let r = 0; r < roi.h; r++) for (let c = 0; c < roi.w; c++) {
        const want = windingAt(polys, roi.x + c + 0.5, roi.y + r + 0.5) !== 0 ? 1 : 0;
        expect(m[r * roi.w + c]).toBe(want);
        inside += want;
      }
    }
    expect(inside).toBeGreaterThan(10_000);
  });

  it('fills a square with exact area and respects the ROI offset', () => {
    const sq: [number, number][] = [[2, 3], [12, 3], [12, 8], [2, 8]];
    const m = rasterizePolygons([sq], { x: 0, y: 0, w: 20, h: 10 });
    expect(m.reduce((a, b) => a + b, 0)).toBe(50);
    expect(m[3 * 20 + 2]).toBe(1);
    expect(m[3 * 20 + 1]).toBe(0);
    const off = rasterizePolygons([sq], { x: 5, y: 0, w: 10, h: 10 });
    expect(off.reduce((a, b) => a + b, 0)).toBe(35); // columns 5..11
  });

  it('approximates the area of a circle', () => {
    const circle: [number, number][] = Array.from({ length: 64 }, (_, k) => [50 + 30 * Math.cos((k / 64) * 2 * Math.PI), 50 + 30 * Math.sin((k / 64) * 2 * Math.PI)]);
    const m = rasterizePolygons([circle], { x: 0, y: 0, w: 100, h: 100 });
    const area = m.reduce((a, b) => a + b, 0);
    expect(Math.abs(area - Math.PI * 900) / (Math.PI * 900)).toBeLessThan(0.02);
  });
});

describe('boxBlur', () => {
  it('preserves the sum of a centred impulse and spreads it', () => {
    const d = new Float32Array(41 * 41);
    d[20 * 41 + 20] = 1;
    const b = boxBlur(d, 41, 41, 3);
    expect(b.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 4);
    expect(b[20 * 41 + 20]).toBeLessThan(0.1);
    expect(b[20 * 41 + 23]).toBeGreaterThan(0);
  });
});

describe('facial masks', () => {
  it('coarse mask is inside the detailed mask', () => {
    const mesh = syntheticMesh(100, 120, 40, 30);
    const roi = { x: 0, y: 0, w: 200, h: 200 };
    const det = rasterizePolygons([detailedMask(mesh)], roi);
    const coarse = rasterizePolygons([coarseMask(mesh, 0.1)], roi);
    let inside = 0;
    let total = 0;
    for (let i = 0; i < det.length; i++) {
      if (coarse[i]) {
        total++;
        if (det[i]) inside++;
      }
    }
    expect(total).toBeGreaterThan(0);
    expect(inside).toBe(total);
    expect(det.reduce((a, b) => a + b, 0)).toBeGreaterThan(total);
  });

  it('union mask bounds every coarse mask of the segment and is zero outside its box', () => {
    const meshes = [syntheticMesh(100, 120, 40, 30), syntheticMesh(110, 125, 40, 36), null];
    const u = unionMask(meshes, 300, 300)!;
    for (const m of meshes) {
      if (!m) continue;
      const b = boundingRect([coarseMask(m)])!;
      expect(b.x).toBeGreaterThanOrEqual(u.rect.x);
      expect(b.y).toBeGreaterThanOrEqual(u.rect.y);
      expect(b.x + b.w).toBeLessThanOrEqual(u.rect.x + u.rect.w);
      expect(b.y + b.h).toBeLessThanOrEqual(u.rect.y + u.rect.h);
    }
    const a = rasterizeUnionMask(u);
    expect(a[0]).toBeLessThan(0.05);
    const mid = Math.floor(u.rect.h / 2) * u.rect.w + Math.floor(u.rect.w / 2);
    expect(a[mid]).toBe(1);
    expect(unionMask([null, null], 300, 300)).toBeNull();
  });

  it('union mask is clamped to the image', () => {
    const u = unionMask([syntheticMesh(5, 5, 40, 30)], 100, 100)!;
    expect(u.rect.x).toBe(0);
    expect(u.rect.y).toBe(0);
  });

  it('soft polygon mask ramps at the edge', () => {
    const sq: [number, number][] = [[10, 10], [30, 10], [30, 30], [10, 30]];
    const m = softPolygonMask([sq], { x: 0, y: 0, w: 40, h: 40 }, 6);
    expect(m[20 * 40 + 20]).toBeCloseTo(1, 3);
    expect(m[20 * 40 + 10]).toBeGreaterThan(0.2);
    expect(m[20 * 40 + 10]).toBeLessThan(0.8);
    expect(m[0]).toBe(0);
  });
});

describe('occlusion mask keyframes', () => {
  const doc = {
    version: 1,
    shapes: [
      {
        id: 'hand',
        keyframes: [
          { frame: 10, polygons: [[[0, 0], [10, 0], [10, 10], [0, 10]]] },
          { frame: 0, polygons: [[[0, 0], [4, 0], [4, 4], [0, 4]]] },
        ],
      },
    ],
  };

  it('sorts keyframes and interpolates linearly between them', () => {
    const m = parseOcclusionMask(doc);
    expect(m.shapes[0].keyframes.map((k) => k.frame)).toEqual([0, 10]);
    const mid = occlusionPolygonsAt(m, 5);
    expect(mid[0][2]).toEqual([7, 7]);
    expect(occlusionPolygonsAt(m, -3)[0][2]).toEqual([4, 4]);
    expect(occlusionPolygonsAt(m, 99)[0][2]).toEqual([10, 10]);
  });

  it('rasterizes the interpolated occluder', () => {
    const m = parseOcclusionMask(doc);
    const r = rasterizeOcclusion(m, 5, { x: 0, y: 0, w: 20, h: 20 })!;
    expect(r.reduce((a, b) => a + b, 0)).toBe(49);
    expect(rasterizeOcclusion(undefined, 5, { x: 0, y: 0, w: 20, h: 20 })).toBeNull();
  });

  it('rejects keyframes that cannot be interpolated, with a clear error', () => {
    const bad = structuredClone(doc);
    bad.shapes[0].keyframes[1].polygons[0].push([1, 1]);
    expect(() => parseOcclusionMask(bad)).toThrow(UserError);
    expect(() => parseOcclusionMask(bad)).toThrow(/vertex counts/);
    expect(() => parseOcclusionMask({ shapes: [{ id: 'x', keyframes: [] }] })).toThrow(/at least one keyframe/);
  });
});

describe('faceOvalMatte (union of face ovals)', () => {
  it('is the union of its ovals whatever their orientation (non-zero rule, one orientation)', async () => {
    const { faceOvalMatte } = await import('../../src/main/masks/face-oval');
    const { orientPositive, signedArea } = await import('../../src/main/masks/geometry');
    const square = (x: number, y: number, s: number): Array<[number, number]> => [[x, y], [x + s, y], [x + s, y + s], [x, y + s]];
    const a = square(10, 10, 40);
    const b = [...square(30, 30, 40)].reverse(); // the other orientation, overlapping a
    expect(Math.sign(signedArea(orientPositive(b)))).toBe(Math.sign(signedArea(orientPositive(a))));
    const roi = { x: 0, y: 0, w: 90, h: 90 };
    const m = faceOvalMatte([a, b], roi);
    expect(m[20 * 90 + 20]).toBeCloseTo(1, 3); // only in a
    expect(m[60 * 90 + 60]).toBeCloseTo(1, 3); // only in b
    expect(m[40 * 90 + 40]).toBeCloseTo(1, 3); // in both: not cancelled out
    expect(m[85 * 90 + 5]).toBe(0);
  });
});
