import { describe, expect, it } from 'vitest';
import { applyAffine, composeAffine, fitSimilarity, invertAffine, resizeAffine, warpAffineRgb, warpCropToPatch, type Affine } from '../../src/main/imaging/affine';
import { buildCropMasks, editableRect, frameToCropTransform } from '../../src/main/engines/latent-diffusion/align';
import { sampleFromMesh, syntheticClip, syntheticMesh } from '../helpers/tiny-packs';

function image(w: number, h: number, f: (x: number, y: number) => [number, number, number]) {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(f(x, y), (y * w + x) * 3);
  return { width: w, height: h, data };
}

describe('affine helpers', () => {
  it('invert / compose / apply', () => {
    const m: Affine = [1.2, -0.3, 5, 0.3, 1.2, -7];
    const id = composeAffine(invertAffine(m), m);
    [1, 0, 0, 0, 1, 0].forEach((v, i) => expect(id[i]).toBeCloseTo(v, 12));
    const [x, y] = applyAffine(invertAffine(m), ...applyAffine(m, 3, 4));
    expect(x).toBeCloseTo(3, 10);
    expect(y).toBeCloseTo(4, 10);
    expect(() => invertAffine([1, 2, 0, 2, 4, 0])).toThrow(RangeError);
  });

  it('fitSimilarity recovers a known similarity, also with noise-free many points', () => {
    const s = 1.7, th = 0.4;
    const truth: Affine = [s * Math.cos(th), -s * Math.sin(th), 12, s * Math.sin(th), s * Math.cos(th), -3];
    const src = [0, 0, 10, 0, 0, 10, 7, 3, -4, 8];
    const dst = [];
    for (let i = 0; i < src.length; i += 2) dst.push(...applyAffine(truth, src[i], src[i + 1]));
    const fit = fitSimilarity(src, dst);
    truth.forEach((v, i) => expect(fit[i]).toBeCloseTo(v, 9));
    expect(() => fitSimilarity([1, 1, 1, 1], [0, 0, 1, 1])).toThrow(RangeError);
  });

  it('resizeAffine follows the cv2.resize pixel-centre convention', () => {
    const m = resizeAffine(0, 0, 4, 4, 2, 2); // 2x downscale: dst 0 -> src 0.5
    expect(applyAffine(m, 0, 0)).toEqual([0.5, 0.5]);
    expect(applyAffine(m, 1, 1)).toEqual([2.5, 2.5]);
    const src = image(4, 4, (x) => [x * 10, 0, 0]);
    const out = warpAffineRgb(src, m, 2, 2);
    expect(out[0]).toBe(5);
    expect(out[3]).toBe(25);
  });

  it('identity warp is exact; antialiasing averages a minified checkerboard', () => {
    const src = image(16, 16, (x, y) => [(x * 13 + y * 7) % 256, x * 9, y * 11]);
    expect(Buffer.from(warpAffineRgb(src, [1, 0, 0, 0, 1, 0], 16, 16)).equals(Buffer.from(src.data))).toBe(true);
    const checker = image(32, 32, (x, y) => ((x + y) % 2 ? [255, 255, 255] : [0, 0, 0]));
    const small = warpAffineRgb(checker, resizeAffine(0, 0, 32, 32, 8, 8), 8, 8, { antialias: true });
    for (const v of small) expect(Math.abs(v - 127.5)).toBeLessThan(20);
  });

  it('crop -> patch round trip reproduces the frame inside and has zero alpha outside the mask', () => {
    const frame = image(120, 100, (x, y) => [100 + Math.round(50 * Math.sin(x / 9)), 80 + Math.round(40 * Math.cos(y / 7)), 120]);
    const frameToCrop: Affine = composeAffine([0.9, 0, 0, 0, 0.9, 0], [Math.cos(0.1), Math.sin(0.1), -30, -Math.sin(0.1), Math.cos(0.1), -20]);
    const crop = warpAffineRgb(frame, invertAffine(frameToCrop), 64, 64);
    const alpha = new Float32Array(64 * 64);
    for (let y = 20; y < 44; y++) for (let x = 16; x < 48; x++) alpha[y * 64 + x] = 1;
    const p = warpCropToPatch({ width: 64, height: 64, data: crop }, alpha, frameToCrop, 120, 100)!;
    expect(p).not.toBeNull();
    let err = 0, n = 0;
    for (let y = 0; y < p.height; y++)
      for (let x = 0; x < p.width; x++) {
        const a = p.alpha[y * p.width + x];
        const [u, v] = applyAffine(frameToCrop, x + p.x, y + p.y);
        const inside = u >= 16 && u <= 47 && v >= 20 && v <= 43;
        const outside = u < 14.9 || u > 48.1 || v < 18.9 || v > 44.1;
        if (outside) expect(a).toBe(0);
        if (inside && u >= 17 && u <= 46 && v >= 21 && v <= 42) {
          expect(a).toBeCloseTo(1, 5);
          for (let c = 0; c < 3; c++) err += Math.abs(p.data[(y * p.width + x) * 3 + c] - frame.data[((y + p.y) * 120 + x + p.x) * 3 + c]);
          n += 3;
        }
      }
    expect(n).toBeGreaterThan(1000);
    expect(err / n).toBeLessThan(2);
  });
});

describe('face alignment and crop masks', () => {
  it('canonical alignment puts the eyes where the template says, for any pose', () => {
    const face = { kind: 'canonical' as const, center: [0, 0.3] as [number, number], size: 2 };
    for (const [cx, cy, iod, ang] of [
      [80, 60, 40, 0],
      [200, 150, 90, 0.3],
    ]) {
      const s = sampleFromMesh(syntheticMesh(cx, cy, iod, ang));
      const m = frameToCropTransform(s, face, 64);
      const l = applyAffine(m, s.mesh[33 * 3], s.mesh[33 * 3 + 1]);
      const r = applyAffine(m, s.mesh[263 * 3], s.mesh[263 * 3 + 1]);
      // Outer eye corners at canonical (-0.5, 0) and (0.5, 0) -> crop x = 32 -+ 16, y = 0.7 * 32.
      expect(Math.abs(l[1] - r[1])).toBeLessThan(1);
      expect(r[0] - l[0]).toBeGreaterThan(28);
      expect(r[0] - l[0]).toBeLessThan(36);
      expect((l[0] + r[0]) / 2).toBeCloseTo(31.5, 0);
    }
    const lm = { kind: 'landmarks' as const, landmarks: [33, 263], template: [[0.3, 0.4], [0.7, 0.4]] as [number, number][] };
    const s = sampleFromMesh(syntheticMesh(100, 80, 50, 0.2));
    const m = frameToCropTransform(s, lm, 100);
    const l = applyAffine(m, s.mesh[33 * 3], s.mesh[33 * 3 + 1]);
    expect(l[0]).toBeCloseTo(29.5, 4);
    expect(l[1]).toBeCloseTo(39.5, 4);
  });

  it('the landmark-union mask is the padded bounding box of the mouth over the segment', () => {
    const clip = syntheticClip({ frames: 8 });
    const face = { kind: 'canonical' as const, center: [0, 0.3] as [number, number], size: 2 };
    const frames = clip.track.frames.map((s) => ({ sample: s!, m: frameToCropTransform(s!, face, 64) }));
    const spec = { kind: 'landmark-union' as const, landmarks: [61, 291, 13, 14, 17], pad: 0.05, minTop: 0.5, feather: 0.05 };
    const all = editableRect(spec, 64, frames);
    const one = editableRect(spec, 64, frames.slice(0, 1));
    expect(all[0]).toBeLessThanOrEqual(one[0]);
    expect(all[3]).toBeGreaterThanOrEqual(one[3]);
    expect(all[1]).toBeGreaterThanOrEqual(32);
    const masks = buildCropMasks(all, 64, 8, 0.05);
    const [x0, y0, x1, y1] = all;
    for (let y = 0; y < 64; y++)
      for (let x = 0; x < 64; x++) {
        const inRect = x >= x0 && x < x1 && y >= y0 && y < y1;
        expect(masks.hard[y * 64 + x]).toBe(inRect ? 1 : 0);
        if (!inRect) expect(masks.soft[y * 64 + x]).toBe(0);
      }
    // Latent cells covering any editable pixel are editable.
    expect(masks.latent.reduce((a, b) => a + b, 0)).toBe((Math.ceil(x1 / 8) - Math.floor(x0 / 8)) * (Math.ceil(y1 / 8) - Math.floor(y0 / 8)));
  });
});
