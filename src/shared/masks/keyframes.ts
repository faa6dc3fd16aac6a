/**
 * Occlusion-mask keyframes: interpolation and the edits the mask editor makes. Pure functions over
 * the document format of src/main/masks/types.ts (`OcclusionMask`): shapes with keyframes of
 * polygons in image pixels. Frames are 0-based output frame indices.
 *
 * Topology rule (what the pipeline requires to interpolate point by point): all keyframes of a
 * shape have the same number of polygons and each polygon the same number of vertices. The edit
 * functions keep it by resampling new outlines to the shape's vertex counts and aligning their
 * start vertex and orientation with the neighbouring keyframe, so interpolation does not twist.
 */

export type Pt = [number, number];
export type Poly = Pt[];
export interface MaskKeyframe {
  frame: number;
  polygons: Poly[];
}
export interface MaskShape {
  id: string;
  keyframes: MaskKeyframe[];
}
export interface Mask {
  shapes: MaskShape[];
}

/** Linear interpolation of two polygons with equal vertex counts; t in [0, 1]. */
export function lerpPolygon(a: Poly, b: Poly, t: number): Poly {
  if (a.length !== b.length) throw new Error(`cannot interpolate polygons with ${a.length} and ${b.length} vertices`);
  return a.map(([x, y], i) => [x + (b[i][0] - x) * t, y + (b[i][1] - y) * t]);
}

/**
 * Polygons of one shape at `frame` (may be fractional): linear between the surrounding keyframes,
 * the nearest keyframe held before the first and after the last. Empty for a shape without keyframes.
 */
export function shapePolygonsAt(shape: MaskShape, frame: number): Poly[] {
  const kfs = shape.keyframes;
  if (kfs.length === 0) return [];
  if (frame <= kfs[0].frame) return kfs[0].polygons.map((p) => p.map((q) => [q[0], q[1]] as Pt));
  const last = kfs[kfs.length - 1];
  if (frame >= last.frame) return last.polygons.map((p) => p.map((q) => [q[0], q[1]] as Pt));
  let i = 1;
  while (kfs[i].frame < frame) i++;
  const a = kfs[i - 1];
  const b = kfs[i];
  const t = (frame - a.frame) / (b.frame - a.frame);
  return a.polygons.map((pa, k) => lerpPolygon(pa, b.polygons[k], t));
}

/** All occluder polygons at `frame` (union of every shape). */
export function maskPolygonsAt(mask: Mask, frame: number): Poly[] {
  return mask.shapes.flatMap((s) => shapePolygonsAt(s, frame));
}

/** Signed area (pixels²); positive for clockwise polygons in image coordinates (y down). */
export function signedArea(poly: Poly): number {
  let a = 0;
  for (let i = 0; i < poly.length; i++) {
    const [x0, y0] = poly[i];
    const [x1, y1] = poly[(i + 1) % poly.length];
    a += x0 * y1 - x1 * y0;
  }
  return a / 2;
}

/** Perimeter length in pixels. */
export function perimeter(poly: Poly): number {
  let len = 0;
  for (let i = 0; i < poly.length; i++) {
    const [x0, y0] = poly[i];
    const [x1, y1] = poly[(i + 1) % poly.length];
    len += Math.hypot(x1 - x0, y1 - y0);
  }
  return len;
}

/** Resamples a closed polygon to `n` vertices equally spaced along its outline, starting at vertex 0. */
export function resamplePolygon(poly: Poly, n: number): Poly {
  if (n < 3) throw new Error('a polygon needs at least 3 vertices');
  if (poly.length === n) return poly.map((p) => [p[0], p[1]] as Pt);
  const total = perimeter(poly);
  if (total === 0) return Array.from({ length: n }, () => [poly[0][0], poly[0][1]] as Pt);
  const out: Poly = [];
  const step = total / n;
  let seg = 0;
  let segStart = 0;
  let segLen = Math.hypot(poly[1 % poly.length][0] - poly[0][0], poly[1 % poly.length][1] - poly[0][1]);
  for (let k = 0; k < n; k++) {
    const d = k * step;
    while (segStart + segLen < d && seg < poly.length - 1) {
      segStart += segLen;
      seg++;
      const a = poly[seg];
      const b = poly[(seg + 1) % poly.length];
      segLen = Math.hypot(b[0] - a[0], b[1] - a[1]);
    }
    const a = poly[seg];
    const b = poly[(seg + 1) % poly.length];
    const t = segLen > 0 ? Math.min(1, (d - segStart) / segLen) : 0;
    out.push([a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]);
  }
  return out;
}

/**
 * Gives `poly` the orientation of `ref` and rotates its start so that the summed distance between
 * corresponding vertices is smallest (both must have equal vertex counts).
 */
export function alignPolygon(poly: Poly, ref: Poly): Poly {
  if (poly.length !== ref.length) throw new Error('alignPolygon needs equal vertex counts');
  let p = poly;
  if (Math.sign(signedArea(p)) !== Math.sign(signedArea(ref)) && signedArea(ref) !== 0) p = [...p].reverse();
  const n = p.length;
  let best = 0;
  let bestCost = Infinity;
  for (let shift = 0; shift < n; shift++) {
    let cost = 0;
    for (let i = 0; i < n && cost < bestCost; i++) {
      const q = p[(i + shift) % n];
      cost += (q[0] - ref[i][0]) ** 2 + (q[1] - ref[i][1]) ** 2;
    }
    if (cost < bestCost) {
      bestCost = cost;
      best = shift;
    }
  }
  return Array.from({ length: n }, (_, i) => [p[(i + best) % n][0], p[(i + best) % n][1]] as Pt);
}

function nearestKeyframe(shape: MaskShape, frame: number): MaskKeyframe | undefined {
  let best: MaskKeyframe | undefined;
  for (const k of shape.keyframes) if (!best || Math.abs(k.frame - frame) < Math.abs(best.frame - frame)) best = k;
  return best;
}

/**
 * Makes `polygons` fit the topology of `shape` (same polygon count, same vertex counts, aligned to
 * the nearest keyframe). A shape without keyframes accepts any polygons.
 * @throws Error when the polygon count differs (the editor keeps one polygon per shape).
 */
export function conformToShape(shape: MaskShape, frame: number, polygons: Poly[]): Poly[] {
  const ref = nearestKeyframe(shape, frame);
  if (!ref) return polygons;
  if (ref.polygons.length !== polygons.length) {
    throw new Error(`shape "${shape.id}" has ${ref.polygons.length} polygon(s) per keyframe, got ${polygons.length}`);
  }
  return polygons.map((p, i) => alignPolygon(resamplePolygon(p, ref.polygons[i].length), ref.polygons[i]));
}

function sortKeyframes(kfs: MaskKeyframe[]): MaskKeyframe[] {
  return [...kfs].sort((a, b) => a.frame - b.frame);
}

/** Adds a new shape with one keyframe. `id` must be unique within the mask. */
export function addShape(mask: Mask, id: string, frame: number, polygon: Poly): Mask {
  if (polygon.length < 3) throw new Error('a polygon needs at least 3 points');
  if (mask.shapes.some((s) => s.id === id)) throw new Error(`shape id "${id}" is taken`);
  return { shapes: [...mask.shapes, { id, keyframes: [{ frame, polygons: [polygon.map((p) => [p[0], p[1]] as Pt)] }] }] };
}

/** Inserts or replaces the keyframe of a shape at `frame` (polygons conformed to the shape's topology). */
export function setShapeKeyframe(mask: Mask, shapeId: string, frame: number, polygons: Poly[]): Mask {
  return {
    shapes: mask.shapes.map((s) => {
      if (s.id !== shapeId) return s;
      const others = s.keyframes.filter((k) => k.frame !== frame);
      const conformed = conformToShape({ ...s, keyframes: others.length ? others : s.keyframes }, frame, polygons);
      return { ...s, keyframes: sortKeyframes([...others, { frame, polygons: conformed }]) };
    }),
  };
}

/**
 * Moves one vertex of a shape at `frame` to `point`. When `frame` is not a keyframe, the
 * interpolated outline becomes a new keyframe first (the usual rotoscoping behaviour).
 */
export function moveVertex(mask: Mask, shapeId: string, frame: number, polygonIndex: number, vertexIndex: number, point: Pt): Mask {
  const shape = mask.shapes.find((s) => s.id === shapeId);
  if (!shape) throw new Error(`no shape "${shapeId}"`);
  const polys = shapePolygonsAt(shape, frame);
  const poly = polys[polygonIndex];
  if (!poly || !poly[vertexIndex]) throw new Error('no such vertex');
  poly[vertexIndex] = [point[0], point[1]];
  return {
    shapes: mask.shapes.map((s) =>
      s.id === shapeId ? { ...s, keyframes: sortKeyframes([...s.keyframes.filter((k) => k.frame !== frame), { frame, polygons: polys }]) } : s,
    ),
  };
}

/** Translates a whole shape at `frame` by (dx, dy) pixels (creating a keyframe there). */
export function translateShapeAt(mask: Mask, shapeId: string, frame: number, dx: number, dy: number): Mask {
  const shape = mask.shapes.find((s) => s.id === shapeId);
  if (!shape) throw new Error(`no shape "${shapeId}"`);
  const polys = shapePolygonsAt(shape, frame).map((p) => p.map(([x, y]) => [x + dx, y + dy] as Pt));
  return {
    shapes: mask.shapes.map((s) =>
      s.id === shapeId ? { ...s, keyframes: sortKeyframes([...s.keyframes.filter((k) => k.frame !== frame), { frame, polygons: polys }]) } : s,
    ),
  };
}

/** Removes the keyframe at `frame`; a shape left without keyframes is removed. */
export function removeKeyframe(mask: Mask, shapeId: string, frame: number): Mask {
  return {
    shapes: mask.shapes
      .map((s) => (s.id === shapeId ? { ...s, keyframes: s.keyframes.filter((k) => k.frame !== frame) } : s))
      .filter((s) => s.keyframes.length > 0),
  };
}

export function removeShape(mask: Mask, shapeId: string): Mask {
  return { shapes: mask.shapes.filter((s) => s.id !== shapeId) };
}

/** The keyframes just before and just after `frame` (excluding one at `frame`), for onion skinning. */
export function neighbourKeyframes(shape: MaskShape, frame: number): { prev: MaskKeyframe | null; next: MaskKeyframe | null } {
  let prev: MaskKeyframe | null = null;
  let next: MaskKeyframe | null = null;
  for (const k of shape.keyframes) {
    if (k.frame < frame && (!prev || k.frame > prev.frame)) prev = k;
    if (k.frame > frame && (!next || k.frame < next.frame)) next = k;
  }
  return { prev, next };
}

/** A fresh shape id not used in `mask` (`occluder-N`). */
export function nextShapeId(mask: Mask, base = 'occluder'): string {
  let n = mask.shapes.length + 1;
  while (mask.shapes.some((s) => s.id === `${base}-${n}`)) n++;
  return `${base}-${n}`;
}

/** Even-odd point-in-polygon test (pixels). */
export function pointInPolygon(pt: Pt, poly: Poly): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i];
    const [xj, yj] = poly[j];
    if (yi > pt[1] !== yj > pt[1] && pt[0] < ((xj - xi) * (pt[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
