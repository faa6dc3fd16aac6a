import { describe, expect, it } from 'vitest';
import {
  BLAZEFACE_ROW,
  blazefaceAnchors,
  cropFromDetection,
  cropFromMesh,
  decodeBlazeface,
  faceBoxFromMesh,
  iou,
  joinBlazefaceOutputs,
  meshToImage,
} from '../../src/main/tracking/ort/blazeface-decode';
import { cropToPlanar, cropYuvToPlanar, resizeToPlanar, resizeYuvToPlanar } from '../../src/main/tracking/ort/face-sampling';

/** Rows for 896 anchors, all with a very negative logit except the given ones. */
function rowsWith(entries: Array<{ anchor: number; logit: number; box: [number, number, number, number] }>): Float32Array {
  const rows = new Float32Array(896 * BLAZEFACE_ROW);
  for (let i = 0; i < 896; i++) rows[i * BLAZEFACE_ROW] = -20;
  for (const e of entries) {
    const r = e.anchor * BLAZEFACE_ROW;
    rows[r] = e.logit;
    rows.set(e.box, r + 1);
    for (let k = 0; k < 12; k++) rows[r + 5 + k] = k; // keypoint offsets
  }
  return rows;
}

describe('BlazeFace decoding', () => {
  it('has 896 anchors: a 16x16 grid of pairs at stride 16, then an 8x8 grid of sixes at stride 32', () => {
    const a = blazefaceAnchors();
    expect(a.length).toBe(896 * 2);
    expect([a[0], a[1], a[2], a[3]]).toEqual([8, 8, 8, 8]);
    expect([a[4], a[5]]).toEqual([24, 8]); // second cell of the first row
    expect([a[511 * 2], a[511 * 2 + 1]]).toEqual([248, 248]);
    expect([a[512 * 2], a[512 * 2 + 1]]).toEqual([16, 16]);
    expect([a[895 * 2], a[895 * 2 + 1]]).toEqual([240, 240]);
  });

  it('joins the four model outputs into rows, 512-anchor block first', () => {
    const s512 = Float32Array.from({ length: 512 }, (_, i) => i);
    const b512 = Float32Array.from({ length: 512 * 16 }, (_, i) => 1000 + i);
    const s384 = Float32Array.from({ length: 384 }, (_, i) => -i);
    const b384 = Float32Array.from({ length: 384 * 16 }, (_, i) => -1000 - i);
    const rows = joinBlazefaceOutputs(s512, b512, s384, b384);
    expect(rows[5 * BLAZEFACE_ROW]).toBe(5);
    expect(rows[5 * BLAZEFACE_ROW + 1]).toBe(1000 + 5 * 16);
    expect(rows[(512 + 3) * BLAZEFACE_ROW]).toBe(-3);
    expect(rows[(512 + 3) * BLAZEFACE_ROW + 16]).toBe(-1000 - 3 * 16 - 15);
    expect(() => joinBlazefaceOutputs(s384, b512, s384, b384)).toThrow(/output sizes/);
  });

  it('decodes boxes around their anchors and keeps one of two overlapping faces (the stronger)', () => {
    const anchors = blazefaceAnchors();
    // Anchors 0 and 1 share the first cell, at (8, 8); anchor 400 is far away.
    const rows = rowsWith([
      { anchor: 0, logit: 2, box: [50, 60, 40, 50] },
      { anchor: 1, logit: 3, box: [52, 61, 40, 50] },
      { anchor: 400, logit: 1, box: [0, 0, 30, 30] },
    ]);
    const found = decodeBlazeface(rows, anchors, { maxDetected: 4, iouThreshold: 0.1, minScore: 0.2 });
    expect(found).toHaveLength(2);
    expect(found[0].score).toBeCloseTo(1 / (1 + Math.exp(-3)), 6);
    // centre = offset + anchor, box = centre +- size / 2
    expect(found[0].box).toEqual([8 + 52 - 20, 8 + 61 - 25, 8 + 52 + 20, 8 + 61 + 25]);
    expect(found[0].keypoints[1]).toEqual([2 + 8, 3 + 8]);
    const [ax, ay] = [anchors[800], anchors[801]];
    expect(found[1].box).toEqual([ax - 15, ay - 15, ax + 15, ay + 15]);
    // maxDetected and minScore are honoured.
    expect(decodeBlazeface(rows, anchors, { maxDetected: 1, iouThreshold: 0.1, minScore: 0.2 })).toHaveLength(1);
    expect(decodeBlazeface(rows, anchors, { maxDetected: 4, iouThreshold: 0.1, minScore: 0.9 })).toHaveLength(1);
    // A lax IoU threshold keeps both overlapping boxes.
    expect(decodeBlazeface(rows, anchors, { maxDetected: 4, iouThreshold: 0.99, minScore: 0.2 })).toHaveLength(3);
  });

  it('computes IoU', () => {
    expect(iou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
    expect(iou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(50 / 150, 9);
    expect(iou([0, 0, 10, 10], [20, 20, 30, 30])).toBe(0);
  });
});

describe('face crop geometry', () => {
  it('scales a detection to the image per axis, enlarges it 1.4x and squares it on the longer side', () => {
    const crop = cropFromDetection({ box: [64, 64, 128, 160], score: 1, keypoints: [] }, 1280, 720);
    // x: 320..640 (w 320), y: 180..450 (h 270) -> centre (480, 315), side 1.4 * 320 = 448
    expect(crop.size).toBeCloseTo(448, 9);
    expect(crop.x + crop.size / 2).toBeCloseTo(480, 9);
    expect(crop.y + crop.size / 2).toBeCloseTo(315, 9);
  });

  it('maps raw mesh points from crop pixels to the image about the crop centre, z unchanged', () => {
    const raw = Float32Array.from([96, 96, 5, 0, 0, -3, 192, 48, 0]);
    const out = meshToImage(raw, { x: 100, y: 200, size: 384 }, 192);
    expect(Array.from(out)).toEqual([292, 392, 5, 100, 200, -3, 484, 296, 0]);
  });

  it('centres the next crop and the face box on the mesh bounding box', () => {
    const mesh = Float32Array.from([100, 200, 0, 300, 260, 0, 180, 400, 0]);
    expect(cropFromMesh(mesh, 100)).toEqual({ x: 150, y: 250, size: 100 });
    // Clamped to the image.
    expect(faceBoxFromMesh(mesh, { x: 0, y: 0, size: 500 }, 640, 480)).toEqual([0, 50, 450, 430]);
  });
});

/** Straightforward bilinear sample of channel c at (fx, fy), clamped like tf.image.resizeBilinear. */
function sample(data: Uint8Array, w: number, h: number, fx: number, fy: number, c: number): number {
  const x0 = Math.min(Math.floor(fx), w - 1);
  const y0 = Math.min(Math.floor(fy), h - 1);
  const x1 = Math.min(x0 + 1, w - 1);
  const y1 = Math.min(y0 + 1, h - 1);
  const ax = fx - x0;
  const ay = fy - y0;
  const p = (x: number, y: number) => data[(y * w + x) * 3 + c];
  return (p(x0, y0) * (1 - ax) + p(x1, y0) * ax) * (1 - ay) + (p(x0, y1) * (1 - ax) + p(x1, y1) * ax) * ay;
}

describe('face model input sampling', () => {
  const w = 37;
  const h = 23;
  const img = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 73 + (i >> 3) * 11) & 255);

  it('resizes to a planar NCHW square (source = dest * in / out) with the value mapping', () => {
    const size = 16;
    const out = resizeToPlanar(img, w, h, size, 1 / 127.5, -1, new Float32Array(3 * size * size));
    for (const [x, y, c] of [[0, 0, 0], [5, 7, 1], [15, 15, 2], [9, 3, 0]]) {
      const expected = sample(img, w, h, (x * w) / size, (y * h) / size, c) / 127.5 - 1;
      expect(out[c * size * size + y * size + x]).toBeCloseTo(expected, 4);
    }
    expect(() => resizeToPlanar(img, w, h, size, 1, 0, new Float32Array(10))).toThrow(/must hold/);
  });

  it('crops and resizes with tf.image.cropAndResize corner semantics; samples outside the image are 0', () => {
    const size = 8;
    const box = { x: -4, y: 2, size: 20 };
    const out = new Float32Array(2 * 3 * size * size).fill(NaN);
    cropToPlanar(img, w, h, box, size, 1 / 255, 0, out, 3 * size * size); // second batch slot
    const plane = size * size;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const fx = (box.x / w) * (w - 1) + (x * ((box.size / w) * (w - 1))) / (size - 1);
        const fy = (box.y / h) * (h - 1) + (y * ((box.size / h) * (h - 1))) / (size - 1);
        for (let c = 0; c < 3; c++) {
          const v = out[3 * plane + c * plane + y * size + x];
          if (fx < 0 || fy < 0 || fx > w - 1 || fy > h - 1) expect(v).toBe(0);
          else expect(v).toBeCloseTo(sample(img, w, h, fx, fy, c) / 255, 5);
        }
      }
    }
    expect(out.subarray(0, 3 * plane).every((v) => Number.isNaN(v))).toBe(true); // first slot untouched
  });

  describe('from yuv420p (as its rgb24 conversion would be sampled)', () => {
    const W = 38, H = 24; // even, as 4:2:0 needs
    // Mid-range values, so the conversion never clamps and float RGB is the exact reference.
    const yuv = Uint8Array.from({ length: W * H * 1.5 }, (_, i) => (i < W * H ? 60 + ((i * 37 + (i >> 4) * 13) % 120) : 110 + ((i * 29) % 40)));
    /** Float rgb of every pixel, each with its 2x2 cell's chroma (the reference conversion). */
    function toRgb(m: 'bt601' | 'bt709'): Float32Array {
      const [kr, kb] = m === 'bt601' ? [0.299, 0.114] : [0.2126, 0.0722];
      const kg = 1 - kr - kb;
      const rgb = new Float32Array(W * H * 3);
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
        const Y = ((yuv[y * W + x] - 16) * 255) / 219;
        const c = (y >> 1) * (W / 2) + (x >> 1);
        const U = ((yuv[W * H + c] - 128) * 255) / 224, V = ((yuv[W * H + (W / 2) * (H / 2) + c] - 128) * 255) / 224;
        const r = Y + 2 * (1 - kr) * V, b = Y + 2 * (1 - kb) * U, g = (Y - kr * r - kb * b) / kg;
        rgb.set([r, g, b], (y * W + x) * 3);
      }
      return rgb;
    }
    const bilinear = (rgb: Float32Array, fx: number, fy: number, c: number) => {
      const x0 = Math.min(Math.floor(fx), W - 1), y0 = Math.min(Math.floor(fy), H - 1);
      const x1 = Math.min(x0 + 1, W - 1), y1 = Math.min(y0 + 1, H - 1);
      const wx = fx - x0, wy = fy - y0;
      const at = (x: number, y: number) => rgb[(y * W + x) * 3 + c];
      return (at(x0, y0) * (1 - wx) + at(x1, y0) * wx) * (1 - wy) + (at(x0, y1) * (1 - wx) + at(x1, y1) * wx) * wy;
    };

    it.each(['bt601', 'bt709'] as const)('resize and crop match bilinear sampling of the %s conversion', (matrix) => {
      const rgb = toRgb(matrix);
      const img = { width: W, height: H, data: yuv, matrix };
      const size = 16;
      const out = resizeYuvToPlanar(img, size, 1, 0, new Float32Array(3 * size * size));
      for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) for (let c = 0; c < 3; c++) {
        expect(out[c * size * size + y * size + x]).toBeCloseTo(bilinear(rgb, (x * W) / size, (y * H) / size, c), 3);
      }
      const box = { x: -3, y: 1, size: 22 };
      const crop = cropYuvToPlanar(img, box, 8, 1, 0, new Float32Array(3 * 64));
      for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) {
        const fx = (box.x / W) * (W - 1) + (x * ((box.size / W) * (W - 1))) / 7;
        const fy = (box.y / H) * (H - 1) + (y * ((box.size / H) * (H - 1))) / 7;
        for (let c = 0; c < 3; c++) {
          const v = crop[c * 64 + y * 8 + x];
          if (fx < 0 || fy < 0 || fx > W - 1 || fy > H - 1) expect(v).toBe(0);
          else expect(v).toBeCloseTo(bilinear(rgb, fx, fy, c), 3);
        }
      }
    });
  });
});
