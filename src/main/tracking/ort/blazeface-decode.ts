/**
 * BlazeFace (Bazarevsky et al. 2019, "BlazeFace: Sub-millisecond Neural Face Detection on Mobile
 * GPUs"; the back/full-range 256 px model as shipped by @vladmandic/human) output
 * decoding and the face-crop geometry of the MediaPipe FaceMesh pipeline, as plain functions.
 * The numbers follow Human 3.x `face/blazeface.ts` and `face/facemeshutil.ts` (anchors, box
 * decoding, NMS, enlarge x1.4, squarify), except that boxes are not rounded to whole pixels and
 * mesh points are not truncated (sub-pixel landmarks; Human truncates them to integers).
 */

/** Side of the BlazeFace input, pixels. */
export const BLAZEFACE_SIZE = 256;
/** Values per anchor row: logit, box (cx, cy, w, h), 6 keypoints (x, y). */
export const BLAZEFACE_ROW = 17;

/**
 * Anchor centres of the 256 px BlazeFace model in input pixels, Float32Array(896 * 2) as
 * (x, y) pairs: a 16x16 grid (stride 16) with 2 anchors per cell, then an 8x8 grid (stride 32)
 * with 6 per cell, row-major, matching the order of the decoded rows.
 */
export function blazefaceAnchors(inputSize = BLAZEFACE_SIZE): Float32Array {
  const spec = [
    { stride: inputSize / 16, n: 2 },
    { stride: inputSize / 8, n: 6 },
  ];
  const out: number[] = [];
  for (const { stride, n } of spec) {
    const cells = Math.floor((inputSize + stride - 1) / stride);
    for (let gy = 0; gy < cells; gy++) for (let gx = 0; gx < cells; gx++) for (let k = 0; k < n; k++) out.push(stride * (gx + 0.5), stride * (gy + 0.5));
  }
  return Float32Array.from(out);
}

/** A face candidate in BlazeFace input pixels. */
export interface BlazefaceCandidate {
  /** [x1, y1, x2, y2] in input pixels (0..256). */
  box: [number, number, number, number];
  /** Sigmoid of the logit, 0..1. */
  score: number;
  /** 6 keypoints (eyes, nose, mouth, ears) as [x, y] in input pixels. */
  keypoints: Array<[number, number]>;
}

/**
 * Joins the model's four outputs into rows of {@link BLAZEFACE_ROW} values, 512-anchor block
 * first: `scores512` [512], `boxes512` [512 x 16], `scores384` [384], `boxes384` [384 x 16]
 * (flat Float32Arrays as ORT returns them). Returns Float32Array(896 * 17).
 * @throws Error when a length does not match.
 */
export function joinBlazefaceOutputs(scores512: Float32Array, boxes512: Float32Array, scores384: Float32Array, boxes384: Float32Array): Float32Array {
  if (scores512.length !== 512 || boxes512.length !== 512 * 16 || scores384.length !== 384 || boxes384.length !== 384 * 16) {
    throw new Error(`unexpected BlazeFace output sizes ${scores512.length}, ${boxes512.length}, ${scores384.length}, ${boxes384.length}`);
  }
  const rows = new Float32Array(896 * BLAZEFACE_ROW);
  const put = (scores: Float32Array, boxes: Float32Array, first: number) => {
    for (let i = 0; i < scores.length; i++) {
      const r = (first + i) * BLAZEFACE_ROW;
      rows[r] = scores[i];
      rows.set(boxes.subarray(i * 16, i * 16 + 16), r + 1);
    }
  };
  put(scores512, boxes512, 0);
  put(scores384, boxes384, 512);
  return rows;
}

/** Intersection over union of two [x1, y1, x2, y2] boxes; 0 when either is empty. */
export function iou(a: readonly number[], b: readonly number[]): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Decodes BlazeFace rows (Float32Array(n * 17), see {@link joinBlazefaceOutputs}) with
 * `anchors` (Float32Array(n * 2)) into candidates and keeps at most `maxDetected` by greedy
 * hard non-maximum suppression: candidates with score > `minScore`, highest first, dropping any
 * whose IoU with a kept one exceeds `iouThreshold` (tf.image.nonMaxSuppression semantics).
 */
export function decodeBlazeface(rows: Float32Array, anchors: Float32Array, o: { maxDetected: number; iouThreshold: number; minScore: number }): BlazefaceCandidate[] {
  const n = anchors.length / 2;
  const order: Array<{ i: number; score: number }> = [];
  for (let i = 0; i < n; i++) {
    const score = 1 / (1 + Math.exp(-rows[i * BLAZEFACE_ROW]));
    if (score > o.minScore) order.push({ i, score });
  }
  order.sort((a, b) => b.score - a.score);
  const kept: BlazefaceCandidate[] = [];
  for (const { i, score } of order) {
    if (kept.length >= o.maxDetected) break;
    const r = i * BLAZEFACE_ROW;
    const ax = anchors[i * 2];
    const ay = anchors[i * 2 + 1];
    const cx = rows[r + 1] + ax;
    const cy = rows[r + 2] + ay;
    const hw = rows[r + 3] / 2;
    const hh = rows[r + 4] / 2;
    const box: [number, number, number, number] = [cx - hw, cy - hh, cx + hw, cy + hh];
    if (kept.some((k) => iou(k.box, box) > o.iouThreshold)) continue;
    const keypoints: Array<[number, number]> = [];
    for (let k = 0; k < 6; k++) keypoints.push([rows[r + 5 + k * 2] + ax, rows[r + 6 + k * 2] + ay]);
    kept.push({ box, score, keypoints });
  }
  return kept;
}

/** A square face crop in image pixels (float): top-left corner and side. */
export interface CropBox {
  x: number;
  y: number;
  size: number;
}

/**
 * The mesh model's crop for a detection: the candidate's box scaled from the BlazeFace input to
 * the `width` x `height` image (per-axis, the detector input is not letterboxed), enlarged by
 * `scale` around its centre (MediaPipe: 1.4), then made square with the longer side.
 */
export function cropFromDetection(c: BlazefaceCandidate, width: number, height: number, scale = 1.4, inputSize = BLAZEFACE_SIZE): CropBox {
  const fx = width / inputSize;
  const fy = height / inputSize;
  const x1 = c.box[0] * fx;
  const y1 = c.box[1] * fy;
  const x2 = c.box[2] * fx;
  const y2 = c.box[3] * fy;
  const size = scale * Math.max(Math.abs(x2 - x1), Math.abs(y2 - y1));
  return { x: (x1 + x2) / 2 - size / 2, y: (y1 + y2) / 2 - size / 2, size };
}

/**
 * Maps raw mesh-model points (Float32Array(468 * 3), x and y in crop pixels 0..`meshSize`, z in
 * the model's units) into image pixels for `crop`: scaled by crop.size / meshSize about the
 * crop centre (Human `transformRawCoords` without rotation). z is returned unchanged (model
 * units, as Human reports it). Writes into and returns `out` (Float32Array(468 * 3)).
 */
export function meshToImage(raw: Float32Array, crop: CropBox, meshSize: number, out = new Float32Array(raw.length)): Float32Array {
  const k = crop.size / meshSize;
  const cx = crop.x + crop.size / 2;
  const cy = crop.y + crop.size / 2;
  for (let i = 0; i < raw.length; i += 3) {
    out[i] = k * (raw[i] - meshSize / 2) + cx;
    out[i + 1] = k * (raw[i + 1] - meshSize / 2) + cy;
    out[i + 2] = raw[i + 2];
  }
  return out;
}

/**
 * The mesh crop for the next frame when the detector is skipped: a square of side `size`
 * centred on the bounding-box centre of `mesh` (image pixels; Human `calculateFaceBox`).
 */
export function cropFromMesh(mesh: Float32Array, size: number): CropBox {
  const [cx, cy] = meshCentre(mesh);
  return { x: cx - size / 2, y: cy - size / 2, size };
}

function meshCentre(mesh: Float32Array): [number, number] {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < mesh.length; i += 3) {
    minX = Math.min(minX, mesh[i]);
    maxX = Math.max(maxX, mesh[i]);
    minY = Math.min(minY, mesh[i + 1]);
    maxY = Math.max(maxY, mesh[i + 1]);
  }
  return [(minX + maxX) / 2, (minY + maxY) / 2];
}

/**
 * The face box [x, y, w, h] (pixels, clamped to the image) Human reports for a mesh: a box of
 * the crop's size centred on the mesh's bounding-box centre.
 */
export function faceBoxFromMesh(mesh: Float32Array, crop: CropBox, width: number, height: number): [number, number, number, number] {
  const [cx, cy] = meshCentre(mesh);
  const x1 = Math.max(0, cx - crop.size / 2);
  const y1 = Math.max(0, cy - crop.size / 2);
  const x2 = Math.min(width, cx + crop.size / 2);
  const y2 = Math.min(height, cy + crop.size / 2);
  return [x1, y1, Math.max(0, x2 - x1), Math.max(0, y2 - y1)];
}
