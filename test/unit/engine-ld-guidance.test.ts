import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { combineGuidance, guidancePlan } from '../../src/main/engines/common/guidance';
import { Denoiser, type WindowConditions } from '../../src/main/engines/latent-diffusion/denoiser';
import { closeAllPacks, openPack, type OpenPack } from '../../src/main/models/sessions';
import type { LatentDiffusionManifest } from '../../src/main/models/manifest';
import { gaussian } from '../../src/main/engines/common/rng';
import { writeTinyLdPack, type TinyLdPackOptions } from '../helpers/tiny-packs';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'ld-guidance-'));
});
afterAll(async () => {
  await closeAllPacks(root);
  await rm(root, { recursive: true, force: true });
});

async function pack(name: string, o: TinyLdPackOptions = {}): Promise<OpenPack> {
  const dir = path.join(root, name);
  await writeTinyLdPack(dir, o);
  return openPack(dir, ['cpu']);
}

/** Random window conditions for F frames of the tiny pack (lat 8, C 4, audio [10, 6]). */
function conditions(F: number, habitLen: number | null, seed = 1): WindowConditions {
  const P = 64;
  return {
    frames: F,
    mask: Float32Array.from({ length: F * P }, (_, i) => ((i % P) > 32 ? 1 : 0)),
    masked: gaussian(seed + 1, F * 4 * P),
    reference: gaussian(seed + 2, 4 * P),
    audio: gaussian(seed + 3, F * 60).map((v) => v + 1),
    audioItemDims: [10, 6],
    audioNull: new Float32Array(60),
    habit: habitLen ? gaussian(seed + 4, habitLen).map((v) => v + 2) : null,
    habitItemDims: habitLen ? [habitLen] : [],
    habitNull: habitLen ? new Float32Array(habitLen) : null,
  };
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('Eq. 7 guidance plan (pure)', () => {
  it('weights are (1 - λa, λa - λh, λh) and sum to 1', () => {
    const p = guidancePlan(2.5, 1.5, true, false);
    expect(p.branches).toEqual([
      { audio: false, habit: false },
      { audio: true, habit: false },
      { audio: true, habit: true },
    ]);
    expect(p.coeffs).toEqual([-1.5, 1, 1.5]);
    expect(guidancePlan(1, 1, true).branches).toEqual([{ audio: true, habit: true }]);
    expect(guidancePlan(0, 0, true).branches).toEqual([{ audio: false, habit: false }]);
    expect(guidancePlan(2, 7, false, false).coeffs).toEqual([-1, 2]); // λh ignored without habit
  });

  it('combineGuidance equals the expanded form of Eq. 7', () => {
    const [e00, ea0, eah] = [gaussian(1, 50), gaussian(2, 50), gaussian(3, 50)];
    const la = 3.2, lh = 0.7;
    const out = combineGuidance([e00, ea0, eah], guidancePlan(la, lh, true, false).coeffs, 50);
    for (let i = 0; i < 50; i++) expect(out[i]).toBeCloseTo(e00[i] + la * (ea0[i] - e00[i]) + lh * (eah[i] - ea0[i]), 5);
    expect(() => combineGuidance([e00], [1, 2], 50)).toThrow(RangeError);
  });
});

describe('denoiser branches on a real tiny graph', () => {
  const F = 3;
  const xt = gaussian(7, F * 4 * 64);

  it('routes the null values: eps(a,0) - eps(0,0) = ca·mean(audio), eps(a,h) - eps(a,0) = ch·mean(habit)', async () => {
    const open = await pack('routing', { ca: 0.5, ch: 0.3 });
    const d = new Denoiser(open.graphs.denoiser, open.manifest as LatentDiffusionManifest);
    const cond = conditions(F, 5);
    const w = d.prepareWindow(cond, guidancePlan(2, 1, true, false));
    const [e00, ea0, eah] = await d.predictBranches(w, xt, 501);
    const hMean = cond.habit!.reduce((s, v) => s + v, 0) / cond.habit!.length;
    for (let f = 0; f < F; f++) {
      const a = cond.audio.subarray(f * 60, (f + 1) * 60);
      const aMean = a.reduce((s, v) => s + v, 0) / 60;
      for (let p = 0; p < 256; p += 37) {
        const i = f * 256 + p;
        expect(ea0[i] - e00[i]).toBeCloseTo(0.5 * aMean, 4);
        expect(eah[i] - ea0[i]).toBeCloseTo(0.3 * hMean, 4);
      }
    }
  });

  it('λa = λh = 1 equals the fully conditional prediction; λa = λh = 0 the unconditional one', async () => {
    const open = await pack('limits');
    const m = open.manifest as LatentDiffusionManifest;
    const cond = conditions(F, 5);
    const d = new Denoiser(open.graphs.denoiser, m);
    const full = d.prepareWindow(cond, guidancePlan(2, 1, true, false));
    const [e00, , eah] = await d.predictBranches(full, xt, 301);
    // Computed through all three branches and Eq. 7 (no skipping) ...
    const ones = await d.predict(d.prepareWindow(cond, guidancePlan(1, 1, true, false)), xt, 301);
    const zeros = await d.predict(d.prepareWindow(cond, guidancePlan(0, 0, true, false)), xt, 301);
    expect(maxDiff(ones, eah)).toBeLessThan(1e-5);
    expect(maxDiff(zeros, e00)).toBeLessThan(1e-5);
    // ... and with the zero-weight branches skipped (one branch run).
    const runs = d.runs;
    const skipped = await d.predict(d.prepareWindow(cond, guidancePlan(1, 1, true)), xt, 301);
    expect(d.runs - runs).toBe(1);
    expect(maxDiff(skipped, eah)).toBeLessThan(1e-5);
    expect(maxDiff(e00, eah)).toBeGreaterThan(0.1); // the test can fail: branches differ
  });

  it('batched guidance equals three separate runs (frames-in-batch and video layouts)', async () => {
    for (const layout of ['frames-in-batch', 'video'] as const) {
      const open = await pack(`batched-${layout}`, { layout });
      const m = open.manifest as LatentDiffusionManifest;
      const cond = conditions(F, 5, 3);
      const plan = guidancePlan(2.5, 1.5, true);
      const batched = new Denoiser(open.graphs.denoiser, m, { batchBranches: true });
      const separate = new Denoiser(open.graphs.denoiser, m, { batchBranches: false });
      const a = await batched.predict(batched.prepareWindow(cond, plan), xt, 651);
      const b = await separate.predict(separate.prepareWindow(cond, plan), xt, 651);
      expect(batched.runs).toBe(1);
      expect(separate.runs).toBe(3);
      expect(maxDiff(a, b)).toBeLessThan(1e-5);
    }
  });

  it('works with a fixed batch of 1, a scalar float timestep, and fp16 graphs', async () => {
    const ref = await pack('ref32');
    const cond = conditions(F, 5, 5);
    const plan = guidancePlan(2, 1, true);
    const dRef = new Denoiser(ref.graphs.denoiser, ref.manifest as LatentDiffusionManifest);
    const expected = await dRef.predict(dRef.prepareWindow(cond, plan), xt, 201);
    const fixed = await pack('fixed1', { batch: 1, timestep: 'float32', timestepShape: 'one' });
    const dFixed = new Denoiser(fixed.graphs.denoiser, fixed.manifest as LatentDiffusionManifest);
    const got = await dFixed.predict(dFixed.prepareWindow(cond, plan), xt, 201);
    expect(dFixed.runs).toBe(3 * F);
    expect(maxDiff(got, expected)).toBeLessThan(1e-5);
    const half = await pack('fp16', { dtype: 'float16' });
    const dHalf = new Denoiser(half.graphs.denoiser, half.manifest as LatentDiffusionManifest);
    const gotHalf = await dHalf.predict(dHalf.prepareWindow(cond, plan), xt, 201);
    expect(maxDiff(gotHalf, expected)).toBeLessThan(0.03);
  });

  it('packs without a lip-habit input ignore λh', async () => {
    const open = await pack('nohabit', { habit: false });
    const d = new Denoiser(open.graphs.denoiser, open.manifest as LatentDiffusionManifest);
    expect(d.hasHabit).toBe(false);
    const cond = conditions(F, null);
    const a = await d.predict(d.prepareWindow(cond, guidancePlan(2, 0, false)), xt, 401);
    const b = await d.predict(d.prepareWindow(cond, guidancePlan(2, 3, false)), xt, 401);
    expect(maxDiff(a, b)).toBe(0);
  });
});
