/**
 * The latent-diffusion engine's optimized pre/post-processing must produce exactly what the
 * straightforward implementations produce: each fast path is compared bit for bit with a plain
 * reference (the code it replaced) on random inputs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { applyAffine, composeAffine, invertAffine, warpAffineRgb, warpCropToPatch, type Affine, type Rgb24 } from '../../src/main/imaging/affine';
import { editableRuns, planarToRgb, rgbToPlanar } from '../../src/main/engines/common/image-tensor';
import { combineGuidance, guidancePlan } from '../../src/main/engines/common/guidance';
import { floatsToHalf, fromHalf, halfToFloats, toHalf } from '../../src/main/engines/common/fp16';
import { runBatched } from '../../src/main/engines/common/run-graph';
import { makeFilledTensor, makeTensor } from '../../src/main/engines/common/tensors';
import { blendDecodedCrop, pasteDecodedCrop } from '../../src/main/engines/latent-diffusion/paste';
import { buildCropMasks, type PixelRect } from '../../src/main/engines/latent-diffusion/align';
import { vaeDecode, vaeDecodeEach, vaeEncode, vaeEncodeMaskedAndKnown } from '../../src/main/engines/latent-diffusion/vae';
import { Denoiser, type WindowConditions } from '../../src/main/engines/latent-diffusion/denoiser';
import { gaussian } from '../../src/main/engines/common/rng';
import { closeAllPacks, openPack, type OpenPack } from '../../src/main/models/sessions';
import type { LatentDiffusionManifest, LatentSpec, PixelSpec } from '../../src/main/models/manifest';
import type { Patch } from '../../src/main/engines/types';
import { ArrayPool } from '../../src/main/engines/common/array-pool';
import { alphaBarAt, ddimSchedule, ddimStep } from '../../src/main/engines/common/ddim';
import { composeKnown, composeNoisedKnown, ddimStepComposed, sampleWindow } from '../../src/main/engines/latent-diffusion/sampler';
import { rng } from '../helpers/rng';
import { writeTinyLdPack, type TinyLdPackOptions } from '../helpers/tiny-packs';

// ---------------------------------------------------------------------------------------------
// Reference implementations (plain per-pixel code, no fast paths).

function refWarp(src: Rgb24, m: Affine, dstW: number, dstH: number, antialias: boolean): Uint8Array {
  const s = Math.sqrt(Math.abs(m[0] * m[4] - m[1] * m[3]));
  const k = antialias && s > 1.5 ? Math.min(4, Math.ceil(s)) : 1;
  const out = new Uint8Array(dstW * dstH * 3);
  const { width: W, height: H, data } = src;
  const [a, b, c, d, e, f] = m;
  const tap = (sx: number, sy: number, ch: number): number => {
    sx = sx < 0 ? 0 : sx > W - 1 ? W - 1 : sx;
    sy = sy < 0 ? 0 : sy > H - 1 ? H - 1 : sy;
    const x0 = sx | 0, y0 = sy | 0;
    const x1 = x0 + 1 < W ? x0 + 1 : x0, y1 = y0 + 1 < H ? y0 + 1 : y0;
    const fx = sx - x0, fy = sy - y0;
    const at = (x: number, y: number) => data[(y * W + x) * 3 + ch];
    return at(x0, y0) * ((1 - fx) * (1 - fy)) + at(x1, y0) * (fx * (1 - fy)) + at(x0, y1) * ((1 - fx) * fy) + at(x1, y1) * (fx * fy);
  };
  if (k === 1) {
    // Incremental coordinates along a row, as the single-tap warp defines them.
    for (let y = 0; y < dstH; y++) {
      let sx = b * y + c, sy = e * y + f;
      for (let x = 0; x < dstW; x++, sx += a, sy += d) for (let ch = 0; ch < 3; ch++) out[(y * dstW + x) * 3 + ch] = tap(sx, sy, ch) + 0.5;
    }
    return out;
  }
  const offs = Array.from({ length: k }, (_, i) => (i + 0.5) / k - 0.5);
  for (let y = 0; y < dstH; y++)
    for (let x = 0; x < dstW; x++)
      for (let ch = 0; ch < 3; ch++) {
        let acc = 0;
        for (const oy of offs) for (const ox of offs) acc += tap(a * (x + ox) + b * (y + oy) + c, d * (x + ox) + e * (y + oy) + f, ch);
        out[(y * dstW + x) * 3 + ch] = acc * (1 / (k * k)) + 0.5;
      }
  return out;
}

function refCropToPatch(crop: Rgb24, cropAlpha: Float32Array, frameToCrop: Affine, frameW: number, frameH: number, box?: [number, number, number, number]): Patch | null {
  const { width: cw, height: ch } = crop;
  let [ax0, ay0, ax1, ay1] = box ?? [cw, ch, -1, -1];
  if (!box)
    for (let y = 0; y < ch; y++)
      for (let x = 0; x < cw; x++)
        if (cropAlpha[y * cw + x] > 0) {
          ax0 = Math.min(ax0, x);
          ax1 = Math.max(ax1, x);
          ay0 = Math.min(ay0, y);
          ay1 = Math.max(ay1, y);
        }
  if (ax1 < ax0 || ay1 < ay0) return null;
  const inv = invertAffine(frameToCrop);
  const cs = [applyAffine(inv, ax0 - 1, ay0 - 1), applyAffine(inv, ax1 + 1, ay0 - 1), applyAffine(inv, ax0 - 1, ay1 + 1), applyAffine(inv, ax1 + 1, ay1 + 1)];
  const x0 = Math.max(0, Math.floor(Math.min(...cs.map((p) => p[0]))));
  const y0 = Math.max(0, Math.floor(Math.min(...cs.map((p) => p[1]))));
  const x1 = Math.min(frameW, Math.ceil(Math.max(...cs.map((p) => p[0]))) + 1);
  const y1 = Math.min(frameH, Math.ceil(Math.max(...cs.map((p) => p[1]))) + 1);
  if (x1 <= x0 || y1 <= y0) return null;
  const w = x1 - x0, h = y1 - y0;
  const data = new Uint8Array(w * h * 3);
  const alpha = new Float32Array(w * h);
  let any = false;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const [sx, sy] = [frameToCrop[0] * (x + x0) + frameToCrop[1] * (y + y0) + frameToCrop[2], frameToCrop[3] * (x + x0) + frameToCrop[4] * (y + y0) + frameToCrop[5]];
      if (sx <= -1 || sy <= -1 || sx >= cw || sy >= ch) continue;
      const xf = Math.floor(sx), yf = Math.floor(sy);
      const tx = sx - xf, ty = sy - yf;
      let al = 0, wsum = 0;
      const rgb = [0, 0, 0];
      for (let j = 0; j < 2; j++)
        for (let i = 0; i < 2; i++) {
          const px = xf + i, py = yf + j;
          const wgt = (i ? tx : 1 - tx) * (j ? ty : 1 - ty);
          if (wgt === 0 || px < 0 || py < 0 || px >= cw || py >= ch) continue;
          const ci = py * cw + px;
          al += cropAlpha[ci] * wgt;
          for (let c = 0; c < 3; c++) rgb[c] += crop.data[ci * 3 + c] * wgt;
          wsum += wgt;
        }
      if (al <= 0 || wsum <= 0) continue;
      alpha[y * w + x] = Math.min(1, al);
      for (let c = 0; c < 3; c++) data[(y * w + x) * 3 + c] = Math.round(rgb[c] / wsum);
      any = true;
    }
  return any ? { x: x0, y: y0, width: w, height: h, data, alpha } : null;
}

/** The paste-back composite as first written: decode the whole crop, copy the original, blend the rect. */
function refComposite(planes: Float32Array, offset: number, pixels: PixelSpec, orig: Uint8Array, soft: Float32Array, rect: PixelRect, n: number): Uint8Array {
  const decoded = planarToRgb(planes, n, n, pixels, offset);
  const out = Uint8Array.from(orig);
  const [x0, y0, x1, y1] = rect;
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++) {
      const i = y * n + x;
      for (let c = 0; c < 3; c++) out[i * 3 + c] = orig[i * 3 + c] + (decoded[i * 3 + c] - orig[i * 3 + c]) * soft[i] + 0.5;
    }
  return out;
}

// ---------------------------------------------------------------------------------------------

function randomImage(w: number, h: number, r: () => number): Rgb24 {
  const data = new Uint8Array(w * h * 3);
  // Smooth content plus noise, so interpolation differences would show.
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++) data[(y * w + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(128 + 90 * Math.sin(x / (5 + c) + y / 7) + 30 * r())));
  return { width: w, height: h, data };
}

/** A similarity (plus optional shear) from destination to source pixels. */
function randomMap(r: () => number, scale: number, cx: number, cy: number): Affine {
  const th = r() * 0.6;
  const sh = r() * 0.05;
  return [scale * Math.cos(th), -scale * Math.sin(th) + sh, cx + r() * 20, scale * Math.sin(th), scale * Math.cos(th), cy + r() * 20];
}

const bytesEqual = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
const floatsEqual = (a: Float32Array, b: Float32Array) => a.length === b.length && bytesEqual(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), new Uint8Array(b.buffer, b.byteOffset, b.byteLength));

function expectPatchesEqual(got: Patch | null, want: Patch | null): void {
  expect(got === null).toBe(want === null);
  if (!got || !want) return;
  expect([got.x, got.y, got.width, got.height]).toEqual([want.x, want.y, want.width, want.height]);
  expect(bytesEqual(got.data, want.data)).toBe(true);
  expect(floatsEqual(got.alpha, want.alpha)).toBe(true);
}

describe('warps equal the plain per-pixel reference', () => {
  it('warpAffineRgb: rotations, magnification, antialiased minification, maps running off the source, reused output', () => {
    const r = rng(11);
    const src = randomImage(97, 71, r);
    const out = new Uint8Array(40 * 33 * 3);
    for (let trial = 0; trial < 60; trial++) {
      const scale = [0.3, 0.8, 1, 1.4, 1.7, 2.6, 3.9, 5][trial % 8];
      // Some maps land well inside the source, others cross its edges (edge replication).
      const m = randomMap(r, scale, trial % 3 === 0 ? -15 : 20, trial % 4 === 0 ? 60 : 10);
      for (const antialias of [false, true]) {
        const want = refWarp(src, m, 40, 33, antialias);
        expect(bytesEqual(warpAffineRgb(src, m, 40, 33, { antialias }), want)).toBe(true);
        expect(warpAffineRgb(src, m, 40, 33, { antialias, out })).toBe(out);
        expect(bytesEqual(out, want)).toBe(true);
      }
    }
    // Integer maps whose rows start or end exactly on the last column / row (the edge tap).
    for (const m of [[1, 0, 57, 0, 1, 38], [1, 0, 0, 0, 1, 0], [-1, 0, 39, 0, -1, 32], [0.5, 0, 76.5, 0, 0.5, 54]] as Affine[]) {
      expect(bytesEqual(warpAffineRgb(src, m, 40, 33), refWarp(src, m, 40, 33, false))).toBe(true);
    }
    // Degenerate sources: one pixel, one row.
    for (const [w, h] of [[1, 1], [5, 1], [1, 4]]) {
      const tiny = randomImage(w, h, r);
      const m = randomMap(r, 0.7, 0, 0);
      expect(bytesEqual(warpAffineRgb(tiny, m, 9, 7), refWarp(tiny, m, 9, 7, false))).toBe(true);
    }
    expect(() => warpAffineRgb(src, m0(), 4, 4, { out: new Uint8Array(5) })).toThrow(RangeError);
  });

  it('warpCropToPatch: random crops, soft masks and transforms, with and without the alpha box, near the frame edge', () => {
    const r = rng(12);
    for (let trial = 0; trial < 40; trial++) {
      const n = 48;
      const crop = randomImage(n, n, r);
      const rect: PixelRect = [8 + (trial % 5), 20 + (trial % 3), 40 - (trial % 4), 47 + (trial % 2)];
      const { soft } = buildCropMasks(rect, n, 8, [0.02, 0.1, 0.3][trial % 3]);
      // frame -> crop: the crop shows a face of ~n/scale frame pixels somewhere in (or partly off) the frame.
      const scale = [0.5, 0.9, 1.3, 2.2][trial % 4];
      const fw = 120, fh = 90;
      const offX = trial % 6 === 0 ? -10 : 40, offY = trial % 7 === 0 ? 70 : 20;
      const frameToCrop = invertAffine(composeAffine([1, 0, offX, 0, 1, offY], composeAffine(randomMap(r, 1 / scale, 0, 0), [1, 0, -n / 2, 0, 1, -n / 2])));
      const box: [number, number, number, number] = [rect[0], rect[1], rect[2] - 1, rect[3] - 1];
      expectPatchesEqual(warpCropToPatch(crop, soft, frameToCrop, fw, fh, box), refCropToPatch(crop, soft, frameToCrop, fw, fh, box));
      expectPatchesEqual(warpCropToPatch(crop, soft, frameToCrop, fw, fh), refCropToPatch(crop, soft, frameToCrop, fw, fh));
    }
  });
});

function m0(): Affine {
  return [1, 0, 0, 0, 1, 0];
}

describe('VAE pre/post-processing equals the two-pass reference', () => {
  it('rgbToPlanar (word-wise reads) = per-pixel normalization, then fill of the editable pixels (mask or runs); odd sizes, unaligned input', () => {
    const r = rng(13);
    for (const [w, h, byteOffset] of [[31, 17, 0], [8, 8, 0], [3, 1, 0], [16, 5, 1], [7, 7, 3]]) {
      const img = randomImage(w, h, r);
      const backing = new Uint8Array(img.data.length + byteOffset);
      backing.set(img.data, byteOffset);
      const rgb = backing.subarray(byteOffset);
      const plane = w * h;
      const editable = Float32Array.from({ length: plane }, () => (r() > 0 ? 1 : r() > 0 ? 0.7 : 0.2));
      for (const pixels of [{ range: [-1, 1], channelOrder: 'RGB' }, { range: [0, 1], channelOrder: 'BGR' }] as PixelSpec[]) {
        const [lo, hi] = pixels.range;
        const order = pixels.channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
        for (const masked of [false, true]) {
          const want = new Float32Array(4 + 3 * plane);
          for (let i = 0; i < plane; i++)
            for (let c = 0; c < 3; c++) want[4 + order[c] * plane + i] = masked && editable[i] > 0.5 ? 0.25 : lo + ((hi - lo) * img.data[i * 3 + c]) / 255;
          const got = new Float32Array(4 + 3 * plane).fill(9);
          got[0] = got[1] = got[2] = got[3] = 0;
          rgbToPlanar(rgb, w, h, pixels, got, 4, masked ? { editable, fillValue: 0.25 } : {});
          expect(floatsEqual(got, want)).toBe(true);
          if (!masked) continue;
          const viaRuns = new Float32Array(4 + 3 * plane);
          rgbToPlanar(rgb, w, h, pixels, viaRuns, 4, { editable: editableRuns(editable), fillValue: 0.25 });
          expect(floatsEqual(viaRuns, want)).toBe(true);
        }
      }
    }
  });

  it('blendDecodedCrop / pasteDecodedCrop = planarToRgb + soft blend over a copy of the original + warpCropToPatch', () => {
    const r = rng(14);
    const n = 64;
    for (const pixels of [{ range: [-1, 1], channelOrder: 'RGB' }, { range: [0, 1], channelOrder: 'BGR' }] as PixelSpec[]) {
      for (let trial = 0; trial < 6; trial++) {
        const orig = randomImage(n, n, r).data;
        // Decoder output, partly out of range (clamped) and with a NaN.
        const offset = 7;
        const planes = Float32Array.from({ length: offset + 3 * n * n }, () => r() * 1.3);
        planes[offset + 5 * n + 20] = NaN;
        const rect: PixelRect = [10 + trial, 30, 50, 64 - trial];
        const { soft } = buildCropMasks(rect, n, 8, 0.08);
        const want = refComposite(planes, offset, pixels, orig, soft, rect, n);
        const scratch = new Uint8Array(n * n * 3).fill(99); // stale content must not matter
        blendDecodedCrop({ planes, offset, pixels, orig, soft, rect, crop: n }, scratch);
        expect(bytesEqual(scratch, want)).toBe(true);
        const frameToCrop = invertAffine(composeAffine([1, 0, 40, 0, 1, 30], randomMap(r, 1.6, -n / 2, -n / 2)));
        const dirty = Uint8Array.from({ length: n * n * 3 }, () => Math.floor((r() + 1) * 127)); // a pooled buffer's leftovers
        const patch = pasteDecodedCrop({ planes, offset, pixels, orig, soft, rect, crop: n }, frameToCrop, 160, 120, dirty);
        expectPatchesEqual(patch, refCropToPatch({ width: n, height: n, data: want }, soft, frameToCrop, 160, 120, [rect[0], rect[1], rect[2] - 1, rect[3] - 1]));
      }
    }
    expect(pasteDecodedCrop({ planes: new Float32Array(3 * n * n), offset: 0, pixels: { range: [0, 1], channelOrder: 'RGB' }, orig: new Uint8Array(3 * n * n), soft: new Float32Array(n * n), rect: [5, 5, 5, 9], crop: n }, m0(), 100, 100, new Uint8Array(3 * n * n))).toBeNull();
  });
});

describe('numeric kernels equal their plain forms', () => {
  it('combineGuidance accumulates in float32 in branch order, for 1 to 4 branches (signed zeros included)', () => {
    const n = 999;
    const outs = [gaussian(1, n), gaussian(2, n), gaussian(3, n), gaussian(4, n)];
    // All -0 at j = 0 with positive weights: every product is -0, the zero-filled sum is +0.
    for (const o of outs) o[0] = -0;
    for (const weights of [[1.5, 1, 1.5, 0.3], [-1.5, 1, 1.5, -0.3]]) {
      for (let k = 1; k <= 4; k++) {
        const coeffs = weights.slice(0, k);
        const want = new Float32Array(n + 3).fill(7);
        want.fill(0);
        for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) want[j] += coeffs[i] * outs[i][j];
        const got = new Float32Array(n + 3).fill(7);
        combineGuidance(outs.slice(0, k), coeffs, n, got);
        expect(floatsEqual(got, want)).toBe(true);
        expect(Object.is(got[0], 0)).toBe(true);
      }
    }
    expect(() => combineGuidance([outs[0], new Float32Array(3)], [1, 0], n)).toThrow(RangeError);
  });

  it('floatsToHalf / halfToFloats equal toHalf / fromHalf for every half value and random floats, also on a range', () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const f = halfToFloats(all);
    for (let h = 0; h < 65536; h++) {
      const v = fromHalf(h);
      if (Number.isNaN(v)) expect(Number.isNaN(f[h])).toBe(true);
      else expect(Object.is(f[h], Math.fround(v))).toBe(true);
    }
    const r = rng(15);
    const xs = Float32Array.from({ length: 5000 }, (_, i) => r() * 10 ** ((i % 14) - 9));
    xs.set([0, -0, NaN, Infinity, -Infinity, 65504, 65520, 1e-8, -6e-8, 2 ** -24, 2 ** -25, 3 * 2 ** -26], 0);
    const want = Uint16Array.from(xs, (v) => toHalf(v));
    expect(Array.from(floatsToHalf(xs))).toEqual(Array.from(want));
    const part = new Uint16Array(xs.length).fill(1);
    floatsToHalf(xs, part, 100, 200);
    expect(Array.from(part.subarray(100, 200))).toEqual(Array.from(want.subarray(100, 200)));
    expect(part[99]).toBe(1);
    expect(part[200]).toBe(1);
    expect(Array.from(floatsToHalf(xs.subarray(7, 20)))).toEqual(Array.from(want.subarray(7, 20)));
  });
});

describe('sampler: fused DDIM update + known-region re-imposition', () => {
  const cfg = { trainTimesteps: 1000, betaStart: 0.00085, betaEnd: 0.012, betaSchedule: 'scaled_linear', steps: 7, stepsOffset: 1, eta: 0, timestepSpacing: 'linspace', predictionType: 'epsilon', setAlphaToOne: false, clipSample: false, clipSampleRange: 1 } as const;
  const F = 3, C = 4, P = 50;
  const n = F * C * P;
  const editable = Float32Array.from({ length: F * P }, (_, i) => [0, 1, 0.3, 1, 0][i % 5]);

  it('ddimStepComposed = combineGuidance, ddimStep, then composeNoisedKnown (next step) or composeKnown (last)', () => {
    for (const clipSample of [false, true]) {
      const s = ddimSchedule({ ...cfg, clipSample });
      const x = gaussian(1, n).map((v) => v * 3);
      const branches = [gaussian(2, n), gaussian(3, n), gaussian(4, n), gaussian(5, n)];
      const z0 = gaussian(6, n);
      const xT = gaussian(7, C * P);
      // Exact zeros in the known region: the re-imposed value is a signed zero there.
      z0[0] = -0;
      xT[0] = -0;
      z0[C * P + 3] = 0;
      x[C * P + 3] = -2;
      for (const coeffs of [[1], [0.5], [-1, 2], [-1, 0.5, 1.5], [0.2, 0.3, 0.4, 0.1]]) {
        const terms = { outs: branches.slice(0, coeffs.length), coeffs };
        const eps = coeffs.length === 1 && coeffs[0] === 1 ? branches[0] : combineGuidance(terms.outs, coeffs, n);
        for (const next of [alphaBarAt(s, s.timesteps[3]), null]) {
          const want = ddimStep(s, s.timesteps[2], x, eps, null);
          if (next === null) composeKnown(want, z0, editable, F, C, P);
          else composeNoisedKnown(want, z0, xT, next, editable, F, C, P);
          const got = Float32Array.from(x);
          ddimStepComposed(s, s.timesteps[2], got, terms, z0, xT, next, editable, F, C, P);
          expect(floatsEqual(got, want)).toBe(true);
        }
      }
    }
  });

  it('sampleWindow (fused, with or without guidance terms) = the step-by-step loop, harmonize hook included', async () => {
    const s = ddimSchedule({ ...cfg });
    const z0 = gaussian(5, n);
    const xT = gaussian(6, C * P);
    const coeffs = [-1, 0.5, 1.5];
    // A deterministic fake 3-branch denoiser that depends on x and t.
    const branchOuts = (xt: Float32Array, t: number) => coeffs.map((_, b) => Float32Array.from(xt, (v, i) => Math.sin(v * (1.3 + b) + i * 0.01) * 0.5 + t / 2000));
    const predict = async (xt: Float32Array, t: number) => combineGuidance(branchOuts(xt, t), coeffs, xt.length);
    const predictTerms = async (xt: Float32Array, t: number) => ({ outs: branchOuts(xt, t), coeffs });
    const harmonize = (step: number, xt: Float32Array) => {
      for (let i = 0; i < xt.length; i += 7) xt[i] *= 1 - 0.01 * step;
    };
    const want = new Float32Array(n);
    for (let f = 0; f < F; f++) want.set(xT, f * C * P);
    for (let i = 0; i < s.timesteps.length; i++) {
      const t = s.timesteps[i];
      composeNoisedKnown(want, z0, xT, alphaBarAt(s, t), editable, F, C, P);
      harmonize(i, want);
      ddimStep(s, t, want, await predict(want, t), null, want);
    }
    composeKnown(want, z0, editable, F, C, P);
    const known = { z0, editable };
    expect(floatsEqual(await sampleWindow({ schedule: s, frames: F, channels: C, plane: P, xT, known, harmonize, predict }), want)).toBe(true);
    expect(floatsEqual(await sampleWindow({ schedule: s, frames: F, channels: C, plane: P, xT, known, harmonize, predict, predictTerms }), want)).toBe(true);
  });
});

describe('tensor helpers', () => {
  it('makeFilledTensor = makeTensor of a filled Float32Array, for every dtype and shape kind', () => {
    for (const dtype of ['fp32', 'fp16', 'int64', 'int32'] as const) {
      for (const dims of [[], [1], [6]]) {
        for (const v of [951, 0.1, -3.7, 2 ** 20 + 0.5]) {
          const spec = { name: 't', shape: dims.map(() => 'B'), dtype };
          const a = makeFilledTensor(spec, v, dims);
          const b = makeTensor(spec, new Float32Array(dims.reduce((p, q) => p * q, 1)).fill(v), dims);
          expect(a.type).toBe(b.type);
          expect(a.dims).toEqual(b.dims);
          expect(Array.from(a.data as ArrayLike<number | bigint>)).toEqual(Array.from(b.data as ArrayLike<number | bigint>));
        }
      }
    }
  });
});

describe('ArrayPool', () => {
  it('hands back given arrays by type and length, never a view or the same array twice, up to its byte cap', () => {
    const pool = new ArrayPool(4096);
    const a = pool.float32(100);
    const b = pool.uint8(400);
    expect(a.length).toBe(100);
    pool.give(a);
    pool.give(a); // twice: kept once
    pool.give(b);
    expect(pool.uint8(100)).not.toBe(b); // other length
    expect(pool.float32(100)).toBe(a);
    expect(pool.float32(100)).not.toBe(a);
    expect(pool.uint8(400)).toBe(b);
    pool.give(new Float32Array(64).subarray(0, 8)); // a view: not pooled
    expect(pool.float32(8).buffer.byteLength).toBe(32);
    pool.give(new Uint8Array(5000)); // over the cap: dropped
    expect(pool.uint8(5000)).not.toBe(undefined);
    pool.give(null);
  });
});

// ---------------------------------------------------------------------------------------------
// Graph-level paths on tiny packs.

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'ld-fast-'));
});
afterAll(async () => {
  await closeAllPacks(root);
  await rm(root, { recursive: true, force: true });
});

let packs = 0;
async function pack(o: TinyLdPackOptions = {}): Promise<OpenPack> {
  const dir = path.join(root, `p${packs++}`);
  await writeTinyLdPack(dir, o);
  return openPack(dir, ['cpu']);
}

/** Scaled latents the plain way: normalize every item into one array, `runBatched`, then scale. */
async function refEncode(open: OpenPack, latent: LatentSpec, items: Float32Array, n: number, crop: number): Promise<Float32Array> {
  const out = (await runBatched(open.graphs.vaeEncoder, { image: { data: items, itemDims: [3, crop, crop] } }, n, ['latent'], 8)).latent;
  return Float32Array.from(out.data, (v) => (v - latent.shift) * latent.scale);
}

describe('streamed VAE batches equal whole-set batching', () => {
  it('vaeEncodeMaskedAndKnown / vaeEncode / vaeDecode(Each), with a padded last batch and dirty pooled batch buffers', async () => {
    const crop = 32;
    const open = await pack({ crop });
    const m = open.manifest as LatentDiffusionManifest;
    const r = rng(16);
    const n = 5; // 10 encoder items: batches of 8 and 2 (padded to 8)
    const crops = Array.from({ length: n }, () => randomImage(crop, crop, r).data);
    const { hard, hardRuns } = buildCropMasks([6, 14, 27, 32], crop, 8, 0.1);
    // The row runs cover exactly the editable pixels.
    const covered = (runs: Int32Array) => {
      const m = new Float32Array(crop * crop);
      for (let r = 0; r < runs.length; r += 2) m.fill(1, runs[r], runs[r + 1]);
      return m;
    };
    for (const rect of [[6, 14, 27, 32], [0, 0, 0, 0], [3, 5, 3, 9], [0, 0, 32, 32], [31, 0, 32, 1]] as PixelRect[]) {
      const mk = buildCropMasks(rect, crop, 8, 0.1);
      expect(floatsEqual(covered(mk.hardRuns.runs), mk.hard)).toBe(true);
      expect(floatsEqual(covered(editableRuns(mk.hard).runs), mk.hard)).toBe(true);
    }
    const item = 3 * crop * crop;
    const all = new Float32Array(2 * n * item);
    crops.forEach((c, i) => {
      rgbToPlanar(c, crop, crop, m.latent.pixels, all, i * item, { editable: hard, fillValue: 0.5 });
      rgbToPlanar(c, crop, crop, m.latent.pixels, all, (n + i) * item);
    });
    const want = await refEncode(open, m.latent, all, 2 * n, crop);
    const pool = new ArrayPool();
    for (let rep = 0; rep < 2; rep++) {
      const { masked, known } = await vaeEncodeMaskedAndKnown(open.graphs.vaeEncoder, m.latent, crops, crop, rep ? hardRuns : hard, 0.5, pool);
      expect(floatsEqual(masked, want.subarray(0, want.length / 2))).toBe(true);
      expect(floatsEqual(known, want.subarray(want.length / 2))).toBe(true);
    }
    const maskedOnly = await vaeEncode(open.graphs.vaeEncoder, m.latent, crops, crop, { editable: hard, fill: 0.5, pool });
    expect(floatsEqual(maskedOnly, await refEncode(open, m.latent, all.subarray(0, n * item), n, crop))).toBe(true);

    const z = gaussian(3, 11 * 4 * 16);
    const zin = Float32Array.from(z, (v) => v / m.latent.scale + m.latent.shift);
    const img = (await runBatched(open.graphs.vaeDecoder, { latent: { data: zin, itemDims: [4, 4, 4] } }, 11, ['image'], 8)).image;
    const { crops: dec, size } = await vaeDecode(open.graphs.vaeDecoder, m.latent, z, 11, 4, 4);
    expect(size).toBe(crop);
    dec.forEach((c, i) => expect(bytesEqual(c, planarToRgb(img.data, crop, crop, m.latent.pixels, i * item))).toBe(true));
    const seen: number[] = [];
    await vaeDecodeEach(open.graphs.vaeDecoder, m.latent, z, 11, 4, 4, (i, planes, offset) => {
      seen.push(i);
      expect(floatsEqual(planes.subarray(offset, offset + item), img.data.subarray(i * item, (i + 1) * item))).toBe(true);
    }, { pool });
    expect(seen).toEqual([...Array(11).keys()]);
  });
});

describe('denoiser fast paths equal the per-branch path', () => {
  function conditions(F: number, seed: number): WindowConditions {
    const P = 64;
    return {
      frames: F,
      mask: Float32Array.from({ length: F * P }, (_, i) => (i % P > 30 ? 1 : 0)),
      masked: gaussian(seed + 1, F * 4 * P),
      reference: gaussian(seed + 2, 4 * P),
      audio: gaussian(seed + 3, F * 60),
      audioItemDims: [10, 6],
      audioNull: new Float32Array(60),
      habit: gaussian(seed + 4, 5),
      habitItemDims: [5],
      habitNull: new Float32Array(5),
    };
  }

  it('batched predict (combined straight from the run output) = predictBranches + combineGuidance, fp32 and fp16, several steps', async () => {
    for (const dtype of ['float32', 'float16'] as const) {
      const open = await pack({ dtype });
      const m = open.manifest as LatentDiffusionManifest;
      const F = 3;
      for (const plan of [guidancePlan(2, 1.5, true), guidancePlan(1, 1, true), guidancePlan(2, 0, true)]) {
        const fast = new Denoiser(open.graphs.denoiser, m);
        const slow = new Denoiser(open.graphs.denoiser, m);
        const wf = fast.prepareWindow(conditions(F, 1), plan);
        const ws = slow.prepareWindow(conditions(F, 1), plan);
        expect(wf.direct).toBe(true);
        for (let step = 0; step < 3; step++) {
          // A new x_t each step: fp16 graphs convert only the noisy channels after the first step.
          const xt = gaussian(10 + step, F * 4 * 64);
          const got = Float32Array.from(await fast.predict(wf, xt, 900 - 300 * step));
          const outs = await slow.predictBranches(ws, xt, 900 - 300 * step);
          const want = outs.length === 1 ? outs[0] : combineGuidance(outs, plan.coeffs, xt.length);
          expect(floatsEqual(got, want)).toBe(true);
          // And a fresh window (whole-buffer conversion) agrees with the incremental one.
          const fresh = new Denoiser(open.graphs.denoiser, m);
          expect(floatsEqual(got, await fresh.predict(fresh.prepareWindow(conditions(F, 1), plan), xt, 900 - 300 * step))).toBe(true);
        }
      }
    }
  });

  it('video layout and separate branches keep the copying path', async () => {
    const open = await pack({ layout: 'video' });
    const m = open.manifest as LatentDiffusionManifest;
    const plan = guidancePlan(2, 1.5, true);
    expect(new Denoiser(open.graphs.denoiser, m).prepareWindow(conditions(3, 2), plan).direct).toBe(false);
    const flat = await pack();
    expect(new Denoiser(flat.graphs.denoiser, flat.manifest as LatentDiffusionManifest, { batchBranches: false }).prepareWindow(conditions(3, 2), plan).direct).toBe(false);
  });
});
