import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { crossFadeWeights, lastWindowCovering, planWindows } from '../../src/main/engines/common/windows';
import { OverlapBlender } from '../../src/main/engines/latent-diffusion/sampler';
import { createLatentDiffusionEngine } from '../../src/main/engines/latent-diffusion';
import { closeAllPacks } from '../../src/main/models/sessions';
import { segmentContext, syntheticClip, writeTinyLdPack, type SyntheticClip } from '../helpers/tiny-packs';

describe('window planning', () => {
  it('covers every frame with full windows overlapping by at least `overlap`, ending at n', () => {
    for (const [L, O] of [
      [16, 4],
      [4, 2],
      [6, 0],
    ]) {
      for (let n = 1; n <= 70; n++) {
        const w = planWindows(n, L, O);
        if (n <= L) {
          expect(w).toEqual([{ start: 0, length: n }]);
          continue;
        }
        expect(w[0].start).toBe(0);
        expect(w[w.length - 1].start + w[w.length - 1].length).toBe(n);
        for (const x of w) expect(x.length).toBe(L);
        for (let k = 1; k < w.length; k++) {
          expect(w[k].start).toBeGreaterThan(w[k - 1].start);
          expect(w[k - 1].start + L - w[k].start).toBeGreaterThanOrEqual(O); // overlap
        }
        // Not more windows than needed.
        expect(w.length).toBe(Math.ceil((n - O) / (L - O)));
      }
    }
    expect(() => planWindows(10, 4, 4)).toThrow(RangeError);
  });

  it('cross-fade weights sum to 1 per frame and ramp (raised cosine) across an overlap', () => {
    for (const n of [5, 17, 28, 29, 41, 64]) {
      const w = planWindows(n, 16, 4);
      const wt = crossFadeWeights(w);
      const sum = new Float64Array(n);
      w.forEach((x, k) => wt[k].forEach((v, j) => (sum[x.start + j] += v)));
      for (let f = 0; f < n; f++) expect(sum[f]).toBeCloseTo(1, 6);
      for (const a of wt) for (const v of a) expect(v).toBeGreaterThan(0);
    }
    const w = planWindows(28, 16, 4); // [0,16) and [12,28): 4 shared frames
    const wt = crossFadeWeights(w);
    const ramp = [0.2, 0.4, 0.6, 0.8].map((v) => +(Math.sin((Math.PI / 2) * v) ** 2).toFixed(4));
    expect(Array.from(wt[1].slice(0, 4)).map((v) => +v.toFixed(4))).toEqual(ramp);
    expect(Array.from(wt[0].slice(12)).map((v) => +v.toFixed(4))).toEqual([...ramp].reverse());
    expect(wt[0][0]).toBe(1);
    expect(lastWindowCovering(w, 11)).toBe(0);
    expect(lastWindowCovering(w, 12)).toBe(1);
  });

  it('OverlapBlender: agreeing windows pass through; disagreeing windows cross-fade', () => {
    const w = planWindows(8, 5, 2); // [0,5) [3,8)
    const wt = crossFadeWeights(w);
    expect(new OverlapBlender(w, wt, 1, 1).harmonizer(1)).toBeUndefined(); // off by default
    const b = new OverlapBlender(w, wt, 1, 1, 1);
    const x0 = Float32Array.from([0, 0, 0, 0, 0]);
    b.harmonizer(0)!(0, x0);
    const first = b.finish(0, x0);
    expect([...first.keys()]).toEqual([0, 1, 2]);
    const x1 = Float32Array.from([10, 10, 10, 10, 10]);
    b.harmonizer(1)!(0, x1);
    // Shared frames were pulled toward window 0's x_t with window 0's share of the weight.
    expect(x1[0]).toBeCloseTo(10 * (1 - wt[0][3] / (wt[0][3] + wt[1][0])), 5);
    const second = b.finish(1, Float32Array.from([10, 10, 10, 10, 10]));
    expect(second.get(3)![0]).toBeCloseTo(10 * wt[1][0], 5);
    expect(second.get(4)![0]).toBeCloseTo(10 * wt[1][1], 5);
    expect(second.get(7)![0]).toBe(10);
  });
});

describe('windowed sampling end to end', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'ld-windows-'));
  });
  afterAll(async () => {
    await closeAllPacks(root);
    await rm(root, { recursive: true, force: true });
  });

  /** Final latents of frames [start, end) rendered with the given window / overlap. */
  async function latents(dir: string, clip: SyntheticClip, start: number, end: number, params: Record<string, number>, callSize?: number): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    const engine = await createLatentDiffusionEngine({ pack: dir, providers: ['cpu'], onFinalLatent: (f, z) => (out[f - start] = Float32Array.from(z)) });
    const prep = await engine.prepare(segmentContext(clip, { start, end }, { start: 0, end: 6 }, params));
    const step = callSize ?? prep.windowSize;
    for (let s = start; s < end; s += step) {
      await prep.renderWindow(clip.frames.slice(s, Math.min(end, s + step)).map((frame) => ({ frame, sample: clip.track.frames[frame.index] })));
    }
    await prep.dispose();
    return out;
  }

  function frameDiff(a: Float32Array, b: Float32Array): number {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
    return s / a.length;
  }

  it('without temporal layers, windows (any call size) reproduce one big window exactly', async () => {
    const dir = path.join(root, 'fib');
    await writeTinyLdPack(dir, { window: 4, overlap: 2, steps: 3 });
    const clip = syntheticClip({ frames: 14 });
    const windowed = await latents(dir, clip, 1, 13, { seed: 3, overlap: 2 });
    const oneByOne = await latents(dir, clip, 1, 13, { seed: 3, overlap: 2 }, 1);
    const dir2 = path.join(root, 'fib-big');
    await writeTinyLdPack(dir2, { window: 16, overlap: 2, steps: 3 });
    const single = await latents(dir2, clip, 1, 13, { seed: 3, overlap: 2 });
    expect(windowed).toHaveLength(12);
    for (let f = 0; f < 12; f++) {
      expect(frameDiff(windowed[f], single[f])).toBeLessThan(1e-6);
      expect(frameDiff(oneByOne[f], windowed[f])).toBe(0);
    }
  });

  it('with temporal layers, overlap + cross-fade leave no seam at window boundaries', async () => {
    // Video-layout denoiser with a 3x3x3 conv: frames at a window edge see zero padding in time,
    // so hard window cuts jump. A static face keeps the content smooth across frames.
    const dir = path.join(root, 'video');
    await writeTinyLdPack(dir, { layout: 'video', window: 8, overlap: 4, steps: 4, convScale: 2.5, latentInpainting: false });
    const still = syntheticClip({ frames: 26 });
    for (let i = 1; i < still.frames.length; i++) {
      still.frames[i] = { ...still.frames[0], index: i };
      still.track.frames[i] = still.track.frames[0];
    }
    const n = 24;
    const cut = await latents(dir, still, 0, n, { seed: 5, overlap: 0 });
    const faded = await latents(dir, still, 0, n, { seed: 5, overlap: 4 });
    // Frame-to-frame change, without the segment's own first / last frame (a model edge, not a seam).
    const jumps = (z: Float32Array[]) => z.slice(2, -1).map((v, i) => frameDiff(v, z[i + 1]));
    const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
    // Hard cuts (windows [0,8) [8,16) [16,24)): the boundary changes stand out.
    const jc = jumps(cut);
    const cutSeam = Math.max(jc[6], jc[14]); // 7 -> 8 and 15 -> 16
    expect(cutSeam).toBeGreaterThan(3 * median(jc));
    // Overlap 4 with cross-fade (windows every 4 frames): no change stands out anywhere.
    const jf = jumps(faded);
    expect(Math.max(...jf)).toBeLessThan(0.3 * cutSeam);
    expect(Math.max(...jf)).toBeLessThan(1.5 * median(jf));
  });
});
