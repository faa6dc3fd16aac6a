import { describe, expect, it } from 'vitest';
import { syntheticMesh } from '../helpers/synthetic-face';
import { buildWarpLayout, jawWeight, ringPolygon, slotsPolygon, warpPoints } from '../../src/main/engines/reference/warp-geometry';
import { chinStretch, foldedTriangles, frameGeometry, lowerLipRegion, matteRing, moveGeometry, referenceDrivenPoints, scaleHorizontal } from '../../src/main/engines/reference/mouth-geometry';
import { cropReference, faceMatte, finishMouth, synthesizeMouth, type MouthTask } from '../../src/main/engines/reference/mouth-warp';
import { DETAILED_MASK_OUTLINE, FACE_OVAL, LIPS_INNER, LIPS_OUTER } from '../../src/shared/face-mesh';
import { rangeFade } from '../../src/main/engines/reference/reference-engine';
import { rasterizePolygons } from '../../src/main/masks/raster';
import { boundingRect } from '../../src/main/masks/geometry';
import { rng } from '../helpers/rng';
import { grainLimit, splitGrain } from '../../src/main/imaging/grain';

const W = 220, H = 200;

/** A textured frame: smooth skin-like gradients plus fine noise (so resampling is visible). */
function frame(seed: number) {
  const r = rng(seed);
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const o = (y * W + x) * 3;
    data[o] = 150 + 40 * Math.sin(x / 9) + 10 * r();
    data[o + 1] = 110 + 30 * Math.cos(y / 11) + 10 * r();
    data[o + 2] = 90 + ((x + y) % 17);
  }
  return { width: W, height: H, data };
}

/** Is (x, y) inside the polygon (even-odd)? */
function inside(poly: Array<[number, number]>, x: number, y: number): boolean {
  let c = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i], [xj, yj] = poly[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) c = !c;
  }
  return c;
}

describe('mouth geometry (the new mouth on the target face)', () => {
  const target = syntheticMesh(110, 90, 120, 0.01);
  const refOpen = syntheticMesh(110, 90, 120, 0.12);
  const layout = buildWarpLayout(target);

  it('jaw weights are 0 at the jaw angles and 1 at the chin, smoothly in between', () => {
    expect(jawWeight(0, 17)).toBe(0);
    expect(jawWeight(16, 17)).toBe(0);
    expect(jawWeight(8, 17)).toBe(1);
    for (let k = 1; k <= 8; k++) expect(jawWeight(k, 17)).toBeGreaterThan(jawWeight(k - 1, 17));
  });

  it('follow weights: lips 1, nose line 0, interior points between', () => {
    const w = layout.followReference;
    for (const s of layout.innerLipSlots) expect(w[s]).toBe(1);
    for (const s of layout.anchorSlots) expect(w[s]).toBe(0);
    const n = layout.meshIndices.length;
    for (let k = n; k < w.length; k++) expect(w[k]).toBe(0);
    for (let k = 0; k < n; k++) {
      expect(w[k]).toBeGreaterThanOrEqual(0);
      expect(w[k]).toBeLessThanOrEqual(1);
    }
  });

  it('amount 0 leaves every point where it is; amount 1 puts the lips on the reference', () => {
    const src = warpPoints(layout, target);
    const driven = referenceDrivenPoints(layout, target, refOpen);
    const d0 = moveGeometry(layout, src, driven, 0);
    const n = layout.meshIndices.length;
    for (let i = 0; i < n * 2; i++) expect(d0[i]).toBeCloseTo(src[i], 9);
    const d1 = moveGeometry(layout, src, driven, 1);
    for (const s of layout.innerLipSlots) {
      expect(d1[2 * s]).toBeCloseTo(driven[2 * s], 9);
      expect(d1[2 * s + 1]).toBeCloseTo(driven[2 * s + 1], 9);
    }
  });

  it('the matte ring encloses both the source and the result outline, by the margin, and is the same in both', () => {
    const src = warpPoints(layout, target);
    const dst = moveGeometry(layout, src, referenceDrivenPoints(layout, target, syntheticMesh(110, 96, 124, 0.1)), 1);
    matteRing(layout, src, dst);
    const n = layout.meshIndices.length;
    const K = layout.outlineSlots.length;
    // Matte ring: the same points in both (identity there).
    for (let k = (n + K) * 2; k < src.length; k++) expect(dst[k]).toBe(src[k]);
    // Band ring: moves with its outline point (the jaw edge moves rigidly).
    layout.outlineSlots.forEach((s, k) => {
      for (const c of [0, 1]) expect(dst[2 * (n + k) + c] - src[2 * (n + k) + c]).toBeCloseTo(dst[2 * s + c] - src[2 * s + c], 9);
    });
    const ring = ringPolygon(layout, dst);
    for (const pts of [src, dst]) {
      for (const p of slotsPolygon(pts, layout.outlineSlots)) expect(inside(ring, p[0], p[1])).toBe(true);
      for (let k = 0; k < K; k++) expect(inside(ring, pts[2 * (n + k)], pts[2 * (n + k) + 1])).toBe(true);
    }
  });
});

describe('synthesizeMouth (the target\'s own pixels moved, the inner mouth from the reference)', () => {
  const target = syntheticMesh(110, 90, 120, 0.0);
  const layout = buildWarpLayout(target);
  const base = (over: Partial<MouthTask>): MouthTask => ({
    frame: frame(1),
    targetMesh: target,
    ref: cropReference('r', frame(2), syntheticMesh(110, 90, 120, 0.12), layout),
    next: null,
    cutBlend: 0,
    amount: 1,
    layout,
    colourMatch: true,
    ...over,
  });

  it('amount 0 (and a reference with the target\'s own geometry) changes no pixel', () => {
    for (const task of [base({ amount: 0 }), base({ ref: cropReference('same', frame(2), target, layout) })]) {
      const m = synthesizeMouth(task)!;
      const p = finishMouth(m, m.stats);
      const f = task.frame;
      let diff = 0;
      for (let y = 0; y < p.height; y++) for (let x = 0; x < p.width; x++) {
        const i = y * p.width + x;
        const o = ((p.y + y) * W + p.x + x) * 3;
        for (let c = 0; c < 3; c++) diff = Math.max(diff, Math.abs(p.data[i * 3 + c] - f.data[o + c]));
      }
      expect(diff).toBe(0);
    }
  });

  it('writes nothing outside the matte ring, and the result is continuous across it', () => {
    const task = base({});
    const m = synthesizeMouth(task)!;
    const p = finishMouth(m, m.stats);
    const src = warpPoints(layout, target);
    const driven = referenceDrivenPoints(layout, target, task.ref.mesh);
    const { dst } = frameGeometry(layout, target, driven, 1);
    const ring = ringPolygon(layout, dst);
    expect(src.length).toBe(dst.length);
    const roi = { x: p.x, y: p.y, w: p.width, h: p.height };
    const matte = rasterizePolygons([ring], roi);
    let moved = 0;
    let edgeJump = 0;
    for (let y = 0; y < p.height; y++) for (let x = 0; x < p.width; x++) {
      const i = y * p.width + x;
      const o = ((p.y + y) * W + p.x + x) * 3;
      const d = Math.abs(p.data[i * 3] - task.frame.data[o]);
      if (!matte[i]) {
        expect(p.alpha[i]).toBe(0);
        expect(d).toBe(0);
      } else if (d > 0) moved++;
      // Next to the matte's edge the warp is nearly the identity: no seam.
      if (matte[i] && x > 0 && !matte[i - 1]) edgeJump = Math.max(edgeJump, d);
    }
    expect(moved).toBeGreaterThan(200);
    expect(edgeJump).toBeLessThan(40);
    expect(m.inner).not.toBeNull();
  });

  it('keeps the frame\'s grain in place where the face moves (the clean plate is warped, the grain added back)', () => {
    // Heavy uniform grain over the textured frame: a plain bicubic warp would average it away.
    const r = rng(21);
    const grainy = frame(1);
    for (let i = 0; i < grainy.data.length; i++) grainy.data[i] = Math.max(0, Math.min(255, grainy.data[i] + Math.round((r() - 0.5) * 40)));
    // The clip's grain limit as the pipeline takes it (grainLimit of the measured σ).
    const sigma = splitGrain(grainy, { x: 0, y: 0, w: W, h: H }).sigma;
    const limit = grainLimit((sigma[0] + sigma[1] + sigma[2]) / 3)!;
    expect(limit).toBeGreaterThan(10);
    const m = synthesizeMouth(base({ frame: grainy, grain: limit }))!;
    const p = finishMouth(m, m.stats);
    // Laplacian energy of the green channel where the patch is fully written, original vs patch.
    const lap = (get: (x: number, y: number) => number, x: number, y: number) => get(x - 1, y) + get(x + 1, y) + get(x, y - 1) + get(x, y + 1) - 4 * get(x, y);
    const orig = (x: number, y: number) => grainy.data[((p.y + y) * W + p.x + x) * 3 + 1];
    const out = (x: number, y: number) => p.data[(y * p.width + x) * 3 + 1];
    let eo = 0, ep = 0, n = 0;
    for (let y = 1; y < p.height - 1; y++) for (let x = 1; x < p.width - 1; x++) {
      if (p.alpha[y * p.width + x] < 1) continue;
      eo += lap(orig, x, y) ** 2;
      ep += lap(out, x, y) ** 2;
      n++;
    }
    expect(n).toBeGreaterThan(500);
    expect(ep / eo).toBeGreaterThan(0.85);
    expect(ep / eo).toBeLessThan(1.15);
    // The grain handed back is the frame's own, over the patch's rectangle.
    expect(m.grain!.rect).toEqual({ x: p.x, y: p.y, w: p.width, h: p.height });
    expect(m.grain!.grain.some((g) => Math.abs(g) > 5)).toBe(true);
    // A clean source (no grain limit) is warped directly: the plain warp loses the noise.
    const plain = synthesizeMouth(base({ frame: grainy }))!;
    expect(plain.grain).toBeNull();
    const q = finishMouth(plain, plain.stats);
    let eq = 0;
    for (let y = 1; y < q.height - 1; y++) for (let x = 1; x < q.width - 1; x++) if (q.alpha[y * q.width + x] >= 1) eq += lap((xx, yy) => q.data[(yy * q.width + xx) * 3 + 1], x, y) ** 2;
    expect(eq / eo).toBeLessThan(0.8);
  });

  it('brings the inner mouth only inside the new inner-lip contour, scaled by the amount', () => {
    const full = synthesizeMouth(base({}))!;
    const half = synthesizeMouth(base({ amount: 0.5 }))!;
    const closed = synthesizeMouth(base({ ref: cropReference('closed', frame(2), syntheticMesh(110, 90, 120, 0), layout) }))!;
    expect(closed.inner).toBeNull();
    const inner = full.inner!;
    const box = boundingRect([slotsPolygon(warpPoints(layout, full.inner ? syntheticMesh(110, 90, 120, 0.12) : target), layout.outerLipSlots)])!;
    let maxA = 0;
    for (let y = 0; y < inner.height; y++) for (let x = 0; x < inner.width; x++) {
      const a = inner.alpha[y * inner.width + x];
      maxA = Math.max(maxA, a);
      if (a > 0) {
        expect(inner.x + x).toBeGreaterThan(box.x - 2);
        expect(inner.x + x).toBeLessThan(box.x + box.w + 2);
      }
    }
    expect(maxA).toBe(1);
    expect(Math.max(...half.inner!.alpha)).toBeCloseTo(0.5, 5);
  });
});

describe('closing a mouth opened wide (the lower lip and the skin under it from the reference)', () => {
  // Target opened wide (20 % of the face), reference closed: the lips close fully, the chin
  // follows by JAW_FOLLOW only, so the skin between lower lip and chin would be stretched 2x.
  const target = syntheticMesh(110, 90, 120, 0.2);
  const closedRef = syntheticMesh(110, 90, 120, 0);
  const layout = buildWarpLayout(target);
  const geometry = (ref: Float32Array) => frameGeometry(layout, target, referenceDrivenPoints(layout, target, ref), 1);

  it('chinStretch is 1 for an unchanged mouth and above 1.6 when a wide mouth closes', () => {
    const same = geometry(target);
    expect(chinStretch(layout, same.src, same.dst)).toBeCloseTo(1, 6);
    const closing = geometry(closedRef);
    expect(chinStretch(layout, closing.src, closing.dst)).toBeGreaterThan(1.6);
    const slight = geometry(syntheticMesh(110, 90, 120, 0.17));
    expect(chinStretch(layout, slight.src, slight.dst)).toBeLessThan(1.2);
  });

  it('lowerLipRegion spans the new lower lip and the skin under it, not the upper lip', () => {
    const { dst } = geometry(closedRef);
    const poly = lowerLipRegion(layout, dst) as Array<[number, number]>;
    const lip = layout.lowerLipSlot, chin = layout.chinSlot;
    const [lx, ly] = [dst[2 * lip], dst[2 * lip + 1]];
    const [, cy] = [dst[2 * chin], dst[2 * chin + 1]];
    expect(inside(poly, lx, ly - 1)).toBe(true); // on the lower lip
    expect(inside(poly, lx, ly + 0.3 * (cy - ly))).toBe(true); // the skin under it
    expect(inside(poly, lx, ly + 0.7 * (cy - ly))).toBe(false); // not down to the chin
    const upper = layout.outerLipSlots[5]; // mesh point 0, the upper lip's centre
    expect(inside(poly, dst[2 * upper], dst[2 * upper + 1] + 1)).toBe(false);
  });

  it('synthesizeMouth brings that region from the reference only when the stretch calls for it', () => {
    const task = (ref: Float32Array, key: string): MouthTask => ({
      frame: frame(1), targetMesh: target, ref: cropReference(key, frame(2), ref, layout), next: null, cutBlend: 0, amount: 1, layout, colourMatch: false,
    });
    const closing = synthesizeMouth(task(closedRef, 'closed'))!;
    expect(closing.inner).not.toBeNull();
    const { dst } = geometry(closedRef);
    const lip = layout.lowerLipSlot, chin = layout.chinSlot;
    const x = Math.round(dst[2 * lip]), y = Math.round(dst[2 * lip + 1] + 0.25 * (dst[2 * chin + 1] - dst[2 * lip + 1]));
    const inner = closing.inner!;
    expect(inner.alpha[(y - inner.y) * inner.width + (x - inner.x)]).toBeGreaterThan(0.9);
    // A small change of opening keeps the target's own lower lip: the inner patch stays inside
    // the new inner-lip contour.
    const slight = synthesizeMouth(task(syntheticMesh(110, 90, 120, 0.17), 'slight'))!;
    const sdst = geometry(syntheticMesh(110, 90, 120, 0.17)).dst;
    const sx = Math.round(sdst[2 * lip]), sy = Math.round(sdst[2 * lip + 1] + 0.25 * (sdst[2 * chin + 1] - sdst[2 * lip + 1]));
    const si = slight.inner!;
    expect(si.alpha[(sy - si.y) * si.width + (sx - si.x)]).toBe(0);
  });
});

describe('a turned head (frontal reference mouth on a face in three-quarter view)', () => {
  // The target's lips squeezed towards one cheek, as yaw foreshortens them; the reference's
  // frontal, closed (and wide) mouth mapped onto it folds the warp.
  const target = syntheticMesh(110, 90, 120, 0.08);
  for (const i of [...LIPS_OUTER, ...LIPS_INNER]) target[i * 3] = 140 + (target[i * 3] - 110) * 0.5;
  const ref = syntheticMesh(110, 90, 120, 0);
  for (const i of [...LIPS_OUTER, ...LIPS_INNER]) ref[i * 3] = 110 + (ref[i * 3] - 110) * 1.2;
  const layout = buildWarpLayout(target);
  const solid = layout.triangles.subarray(0, 3 * layout.faceTriangles);

  it('scaleHorizontal keeps the vertical move and scales the horizontal one', () => {
    const src = warpPoints(layout, target);
    const driven = referenceDrivenPoints(layout, target, ref);
    const v = scaleHorizontal(src, driven, 0);
    for (let i = 0; i < driven.length; i += 2) {
      expect(v[i]).toBeCloseTo(src[i], 9);
      expect(v[i + 1]).toBeCloseTo(driven[i + 1], 9);
    }
    expect(scaleHorizontal(src, driven, 1)).toBe(driven);
  });

  it('closes the mouth fully at the target\'s own width instead of halving the move', () => {
    const src = warpPoints(layout, target);
    const driven = referenceDrivenPoints(layout, target, ref);
    const full = moveGeometry(layout, src, driven, 1);
    matteRing(layout, Float64Array.from(src), full);
    expect(foldedTriangles(solid, src, full)).toBeGreaterThan(0);
    const g = frameGeometry(layout, target, driven, 1);
    expect(g.amount).toBe(1);
    expect(foldedTriangles(solid, g.src, g.dst)).toBe(0);
    // The inner lips meet (the gap closes as the reference's).
    const up = layout.innerLipSlots[5], low = layout.innerLipSlots[15];
    expect(Math.abs(g.dst[2 * up + 1] - g.dst[2 * low + 1])).toBeLessThan(1);
  });
});

describe('rangeFade (ranges move in and out instead of snapping)', () => {
  it('rises over the first frames, falls over the last, 1 between, never 0', () => {
    const f = rangeFade(20, 4);
    const v = Array.from({ length: 20 }, (_, t) => f(t));
    expect(v[0]).toBeGreaterThan(0);
    expect(v[0]).toBeLessThan(0.2);
    for (let t = 1; t < 4; t++) expect(v[t]).toBeGreaterThan(v[t - 1]);
    for (let t = 4; t < 16; t++) expect(v[t]).toBe(1);
    for (let t = 0; t < 20; t++) expect(v[t]).toBeCloseTo(v[19 - t], 12);
    expect(rangeFade(20, 0)(0)).toBe(1);
  });
});


describe('faceMatte (nothing outside the face ovals is written)', () => {
  /** syntheticMesh with the FACE_OVAL contour on an ellipse (centre cx, cy; radii rx, ry). */
  function ovalMesh(opening: number, chinDrop = 0): Float32Array {
    const m = syntheticMesh(110, 90, 120, opening);
    const n = FACE_OVAL.length;
    FACE_OVAL.forEach((idx, k) => {
      if (DETAILED_MASK_OUTLINE.includes(idx)) return; // the jaw keeps the synthetic outline
      const a = (2 * Math.PI * k) / n - Math.PI / 2;
      m[idx * 3] = 110 + 52 * Math.cos(a);
      m[idx * 3 + 1] = 75 + 60 * Math.sin(a);
    });
    for (const i of DETAILED_MASK_OUTLINE.slice(0, 17)) m[i * 3 + 1] += chinDrop;
    return m;
  }

  it('is 1 inside the face, 0 well outside both the source and the result oval', () => {
    const target = ovalMesh(0);
    const layout = buildWarpLayout(target);
    const src = warpPoints(layout, target);
    const roi = { x: 0, y: 0, w: W, h: H };
    const m = faceMatte(layout, target, src, roi);
    expect(m[90 * W + 110]).toBeCloseTo(1, 6); // face centre
    expect(m[90 * W + 5]).toBe(0); // far left of the face
    expect(m[5 * W + 5]).toBe(0);
  });

  it('the warp writes only inside the face matte, which cuts away part of the moving ring', () => {
    const target = ovalMesh(0);
    const layout = buildWarpLayout(target);
    const ref = cropReference('r2', frame(2), ovalMesh(0.12, 6), layout);
    const task: MouthTask = { frame: frame(1), targetMesh: target, ref, next: null, cutBlend: 0, amount: 1, layout, colourMatch: true };
    const m = synthesizeMouth(task)!;
    const p = m.own;
    const roi = { x: p.x, y: p.y, w: p.width, h: p.height };
    const { dst } = frameGeometry(layout, target, referenceDrivenPoints(layout, target, ref.mesh), 1);
    const face = faceMatte(layout, target, dst, roi);
    const ring = rasterizePolygons([ringPolygon(layout, dst)], roi);
    let cut = 0, written = 0;
    for (let i = 0; i < face.length; i++) {
      if (face[i] === 0) expect(p.alpha[i]).toBe(0);
      if (face[i] === 0 && ring[i]) cut++;
      if (p.alpha[i] > 0) written++;
    }
    expect(cut).toBeGreaterThan(5); // ring pixels outside the face oval (hair, earrings): kept
    expect(written).toBeGreaterThan(1000);
  });
});
