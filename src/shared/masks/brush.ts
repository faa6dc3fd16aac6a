import { addShape, conformToShape, nextShapeId, pointInPolygon, removeKeyframe, shapePolygonsAt, signedArea, type Mask, type Poly, type Pt } from './keyframes';

/**
 * Brush painting for the occlusion-mask editor. The mask document stores polygons only, so a brush
 * stroke is applied on a coarse bitmap (cells of `cell` pixels) built from the shape's outline at
 * that frame, and the result is traced back to an outline polygon. Holes are not representable
 * (the format is a union of polygons): erasing the middle of a shape keeps its outer outline.
 */
export interface Bitmap {
  /** Grid size in cells. */
  w: number;
  h: number;
  /** Cell size in image pixels. */
  cell: number;
  data: Uint8Array;
}

export function createBitmap(imageWidth: number, imageHeight: number, cell: number): Bitmap {
  const w = Math.max(1, Math.ceil(imageWidth / cell));
  const h = Math.max(1, Math.ceil(imageHeight / cell));
  return { w, h, cell, data: new Uint8Array(w * h) };
}

/** Fills polygons (even-odd, sampled at cell centres) into the bitmap with 1. */
export function fillPolygons(bm: Bitmap, polys: Poly[]): void {
  const xs: number[] = [];
  for (let j = 0; j < bm.h; j++) {
    const y = (j + 0.5) * bm.cell;
    for (const poly of polys) {
      xs.length = 0;
      for (let i = 0; i < poly.length; i++) {
        const [ax, ay] = poly[i];
        const [bx, by] = poly[(i + 1) % poly.length];
        if (ay === by || y < Math.min(ay, by) || y >= Math.max(ay, by)) continue;
        xs.push(ax + ((y - ay) / (by - ay)) * (bx - ax));
      }
      xs.sort((a, b) => a - b);
      for (let k = 0; k + 1 < xs.length; k += 2) {
        const i0 = Math.max(0, Math.ceil(xs[k] / bm.cell - 0.5));
        const i1 = Math.min(bm.w - 1, Math.floor(xs[k + 1] / bm.cell - 0.5));
        for (let i = i0; i <= i1; i++) bm.data[j * bm.w + i] = 1;
      }
    }
  }
}

/** Sets every cell whose centre lies within `radius` pixels of segment p0-p1 to `value`. */
export function stampSegment(bm: Bitmap, p0: Pt, p1: Pt, radius: number, value: 0 | 1): void {
  const c = bm.cell;
  const i0 = Math.max(0, Math.floor((Math.min(p0[0], p1[0]) - radius) / c));
  const i1 = Math.min(bm.w - 1, Math.ceil((Math.max(p0[0], p1[0]) + radius) / c));
  const j0 = Math.max(0, Math.floor((Math.min(p0[1], p1[1]) - radius) / c));
  const j1 = Math.min(bm.h - 1, Math.ceil((Math.max(p0[1], p1[1]) + radius) / c));
  const dx = p1[0] - p0[0];
  const dy = p1[1] - p0[1];
  const len2 = dx * dx + dy * dy;
  for (let j = j0; j <= j1; j++) {
    for (let i = i0; i <= i1; i++) {
      const x = (i + 0.5) * c;
      const y = (j + 0.5) * c;
      const t = len2 > 0 ? Math.max(0, Math.min(1, ((x - p0[0]) * dx + (y - p0[1]) * dy) / len2)) : 0;
      const d2 = (x - p0[0] - t * dx) ** 2 + (y - p0[1] - t * dy) ** 2;
      if (d2 <= radius * radius) bm.data[j * bm.w + i] = value;
    }
  }
}

/** Stamps a whole stroke (polyline of pixel points) with a round brush. */
export function stampStroke(bm: Bitmap, stroke: Pt[], radius: number, value: 0 | 1): void {
  if (stroke.length === 1) stampSegment(bm, stroke[0], stroke[0], radius, value);
  for (let i = 1; i < stroke.length; i++) stampSegment(bm, stroke[i - 1], stroke[i], radius, value);
}

// Moore neighbourhood, clockwise in image coordinates (y down), starting west.
const DIRS: Array<[number, number]> = [[-1, 0], [-1, -1], [0, -1], [1, -1], [1, 0], [1, 1], [0, 1], [-1, 1]];

function traceComponent(bm: Bitmap, sx: number, sy: number): Array<[number, number]> {
  const at = (x: number, y: number) => x >= 0 && y >= 0 && x < bm.w && y < bm.h && bm.data[y * bm.w + x] === 1;
  const out: Array<[number, number]> = [[sx, sy]];
  let cx = sx;
  let cy = sy;
  let back = 0; // we entered the start pixel from the west
  const maxSteps = bm.w * bm.h * 4;
  for (let step = 0; step < maxSteps; step++) {
    let found = -1;
    for (let k = 1; k <= 8; k++) {
      const d = (back + k) % 8;
      if (at(cx + DIRS[d][0], cy + DIRS[d][1])) {
        found = d;
        break;
      }
    }
    if (found < 0) break; // isolated cell
    cx += DIRS[found][0];
    cy += DIRS[found][1];
    back = (found + 4) % 8; // sweep on from the pixel we came from
    if (cx === sx && cy === sy) break;
    out.push([cx, cy]);
  }
  return out;
}

function floodClear(bm: Bitmap, seen: Uint8Array, sx: number, sy: number): void {
  const stack = [sy * bm.w + sx];
  seen[sy * bm.w + sx] = 1;
  while (stack.length) {
    const p = stack.pop()!;
    const x = p % bm.w;
    const y = (p - x) / bm.w;
    for (const [dx, dy] of DIRS) {
      const nx = x + dx;
      const ny = y + dy;
      if (nx < 0 || ny < 0 || nx >= bm.w || ny >= bm.h) continue;
      const q = ny * bm.w + nx;
      if (bm.data[q] === 1 && !seen[q]) {
        seen[q] = 1;
        stack.push(q);
      }
    }
  }
}

function perpendicularDistance(p: Pt, a: Pt, b: Pt): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len = Math.hypot(dx, dy);
  if (len === 0) return Math.hypot(p[0] - a[0], p[1] - a[1]);
  return Math.abs(dy * p[0] - dx * p[1] + b[0] * a[1] - b[1] * a[0]) / len;
}

function douglasPeucker(points: Pt[], tol: number): Pt[] {
  if (points.length < 3) return points;
  let maxD = 0;
  let idx = 0;
  for (let i = 1; i < points.length - 1; i++) {
    const d = perpendicularDistance(points[i], points[0], points[points.length - 1]);
    if (d > maxD) {
      maxD = d;
      idx = i;
    }
  }
  if (maxD <= tol) return [points[0], points[points.length - 1]];
  const left = douglasPeucker(points.slice(0, idx + 1), tol);
  const right = douglasPeucker(points.slice(idx), tol);
  return [...left.slice(0, -1), ...right];
}

/** Simplifies a closed polygon (Douglas-Peucker, `tol` pixels), keeping at least 3 vertices. */
export function simplifyClosed(poly: Poly, tol: number): Poly {
  if (poly.length <= 4) return poly;
  let far = 0;
  let farD = -1;
  for (let i = 1; i < poly.length; i++) {
    const d = Math.hypot(poly[i][0] - poly[0][0], poly[i][1] - poly[0][1]);
    if (d > farD) {
      farD = d;
      far = i;
    }
  }
  const a = douglasPeucker(poly.slice(0, far + 1), tol);
  const b = douglasPeucker([...poly.slice(far), poly[0]], tol);
  const out = [...a.slice(0, -1), ...b.slice(0, -1)];
  return out.length >= 3 ? out : poly;
}

/**
 * Outer outlines of the bitmap's connected regions (8-connected), as polygons in image pixels
 * through the boundary cells' centres, simplified to `tol` pixels (default one cell). A single
 * cell becomes a small square.
 */
export function traceOutlines(bm: Bitmap, tol = bm.cell): Poly[] {
  const seen = new Uint8Array(bm.w * bm.h);
  const out: Poly[] = [];
  const c = bm.cell;
  for (let y = 0; y < bm.h; y++) {
    for (let x = 0; x < bm.w; x++) {
      const i = y * bm.w + x;
      if (bm.data[i] !== 1 || seen[i]) continue;
      const cells = traceComponent(bm, x, y);
      floodClear(bm, seen, x, y);
      let poly: Poly;
      if (cells.length < 3) {
        const [cx, cy] = cells[0];
        poly = [[cx * c, cy * c], [(cx + 1) * c, cy * c], [(cx + 1) * c, (cy + 1) * c], [cx * c, (cy + 1) * c]];
      } else {
        poly = simplifyClosed(cells.map(([cx, cy]) => [(cx + 0.5) * c, (cy + 0.5) * c] as Pt), tol);
      }
      out.push(poly);
    }
  }
  return out;
}

export interface BrushStroke {
  /** Shape being painted, or null to create new shape(s) from the stroke. */
  shapeId: string | null;
  frame: number;
  /** Image size in pixels. */
  width: number;
  height: number;
  /** Stroke points in image pixels. */
  points: Pt[];
  /** Brush radius in pixels. */
  radius: number;
  erase: boolean;
  /** Bitmap cell size in pixels (default: ~1/200 of the larger image side, at least 2). */
  cell?: number;
}

/**
 * `poly` with `n` >= its vertex count vertices: its own vertices are kept (the outline does not
 * change) and the extra ones are spread along its edges in proportion to their length.
 */
export function subdividePolygon(poly: Poly, n: number): Poly {
  const m = poly.length;
  if (n <= m) return poly.map((p) => [p[0], p[1]] as Pt);
  const lens = poly.map((p, i) => Math.hypot(poly[(i + 1) % m][0] - p[0], poly[(i + 1) % m][1] - p[1]));
  const total = lens.reduce((a, b) => a + b, 0) || 1;
  const extra = n - m;
  // Largest-remainder apportionment of the extra vertices over the edges.
  const want = lens.map((l) => (l / total) * extra);
  const give = want.map(Math.floor);
  let left = extra - give.reduce((a, b) => a + b, 0);
  const order = want.map((w, i) => [w - Math.floor(w), i] as const).sort((a, b) => b[0] - a[0]);
  for (let k = 0; left > 0; k = (k + 1) % m, left--) give[order[k][1]]++;
  const out: Poly = [];
  for (let i = 0; i < m; i++) {
    const a = poly[i];
    const b = poly[(i + 1) % m];
    out.push([a[0], a[1]]);
    for (let j = 1; j <= give[i]; j++) {
      const t = j / (give[i] + 1);
      out.push([a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]);
    }
  }
  return out;
}

/** Most vertices a painted shape gets (its traced outline is resampled to at most this). */
const MAX_PAINTED_VERTICES = 64;

/** Centres of up to ~64 set cells of the bitmap, spread over it. */
function samplePoints(bm: Bitmap): Pt[] {
  const set: number[] = [];
  for (let i = 0; i < bm.data.length; i++) if (bm.data[i]) set.push(i);
  const step = Math.max(1, Math.floor(set.length / 64));
  const out: Pt[] = [];
  for (let k = 0; k < set.length; k += step) out.push([((set[k] % bm.w) + 0.5) * bm.cell, (Math.floor(set[k] / bm.w) + 0.5) * bm.cell]);
  return out;
}

/**
 * Applies a brush stroke to the mask. Painting on a shape merges the stroke into that shape's
 * outline at `frame` (as a keyframe). The shape's topology is kept by giving all its keyframes
 * enough vertices for the new outline (their own vertices kept, extra ones on their edges), so a
 * 4-point polygon painted on stays the polygon plus the stroke instead of being squeezed back to 4
 * points. Parts of a stroke that do not touch the shape become new shapes (they are never dropped
 * silently). A stroke that changes nothing returns the mask itself (no undo step). Painting
 * without a shape creates one shape per region. Erasing everything of a shape at a frame removes
 * that keyframe.
 * @returns the new mask and the id of the shape painted/created (null when nothing remains).
 */
export function applyBrushStroke(mask: Mask, s: BrushStroke): { mask: Mask; shapeId: string | null } {
  const cell = s.cell ?? Math.max(2, Math.round(Math.max(s.width, s.height) / 200));
  const bm = createBitmap(s.width, s.height, cell);
  const shape = s.shapeId ? mask.shapes.find((x) => x.id === s.shapeId) : undefined;
  if (shape) fillPolygons(bm, shapePolygonsAt(shape, s.frame));
  const before = shape ? bm.data.slice() : null;
  const inside = shape ? samplePoints(bm) : [];
  stampStroke(bm, s.points, s.radius, s.erase ? 0 : 1);
  if (before && before.every((v, i) => v === bm.data[i])) return { mask, shapeId: shape?.id ?? null };
  const outlines = traceOutlines(bm).filter((p) => Math.abs(signedArea(p)) >= cell * cell);
  if (shape) {
    if (outlines.length === 0) return { mask: removeKeyframe(mask, shape.id, s.frame), shapeId: null };
    const largest = outlines.reduce((a, b) => (Math.abs(signedArea(b)) > Math.abs(signedArea(a)) ? b : a));
    // The shape's own outline: the one around a point of the shape (the largest after erasing it).
    let own: Poly | null = null;
    let bestHits = 0;
    for (const o of outlines) {
      const hits = inside.filter((pt) => pointInPolygon(pt, o)).length;
      if (hits > bestHits) [own, bestHits] = [o, hits];
    }
    if (!own && s.erase) own = largest;
    let next = mask;
    // Unchanged when the stroke did not touch the shape (same traced area as before the stroke).
    const beforeArea = before ? traceOutlines({ ...bm, data: before }).reduce((a, p) => Math.max(a, Math.abs(signedArea(p))), 0) : 0;
    const ownChanged = !!own && (s.erase || Math.abs(Math.abs(signedArea(own)) - beforeArea) >= (cell * cell) / 2);
    if (own && ownChanged) {
      const refCount = shape.keyframes[0]?.polygons[0]?.length ?? 3;
      const n = Math.max(refCount, Math.min(own.length, MAX_PAINTED_VERTICES));
      const widened = n > refCount ? { ...shape, keyframes: shape.keyframes.map((k) => ({ ...k, polygons: k.polygons.map((p) => subdividePolygon(p, n)) })) } : shape;
      const polys = conformToShape(widened, s.frame, [own]);
      const keyframes = [...widened.keyframes.filter((k) => k.frame !== s.frame), { frame: s.frame, polygons: polys }].sort((a, b) => a.frame - b.frame);
      next = { shapes: mask.shapes.map((x) => (x.id === shape.id ? { ...widened, keyframes } : x)) };
    }
    if (s.erase) return { mask: next, shapeId: shape.id };
    let last: string | null = null;
    for (const poly of outlines) {
      if (poly === own) continue;
      last = nextShapeId(next);
      next = addShape(next, last, s.frame, poly);
    }
    return { mask: next, shapeId: own ? shape.id : last };
  }
  if (s.erase || outlines.length === 0) return { mask, shapeId: null };
  let next = mask;
  let last: string | null = null;
  for (const poly of outlines) {
    last = nextShapeId(next);
    next = addShape(next, last, s.frame, poly);
  }
  return { mask: next, shapeId: last };
}
