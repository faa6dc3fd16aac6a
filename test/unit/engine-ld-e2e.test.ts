import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLatentDiffusionEngine } from '../../src/main/engines/latent-diffusion';
import type { Engine, Patch } from '../../src/main/engines/types';
import { closeAllPacks, openPack } from '../../src/main/models/sessions';
import { compositePatch } from '../../src/main/compositing/composite';
import { CancelledError } from '../../src/main/util/errors';
import { frameToCropTransform } from '../../src/main/engines/latent-diffusion/align';
import { applyAffine } from '../../src/main/imaging/affine';
import { segmentContext, syntheticClip, writeTinyLdPack, type SyntheticClip, type TinyLdPackOptions } from '../helpers/tiny-packs';
import type { LatentDiffusionOptions } from '../../src/main/engines/latent-diffusion/prepared';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'ld-e2e-'));
});
afterAll(async () => {
  await closeAllPacks(root);
  await rm(root, { recursive: true, force: true });
});

let packCount = 0;
async function engineFor(o: TinyLdPackOptions = {}, extra: Partial<LatentDiffusionOptions> & { log?: (m: string) => void } = {}): Promise<{ engine: Engine; dir: string }> {
  const dir = path.join(root, `pack-${packCount++}`);
  await writeTinyLdPack(dir, o);
  return { engine: await createLatentDiffusionEngine({ pack: dir, providers: ['cpu'], ...extra }), dir };
}

async function renderAll(engine: Engine, clip: SyntheticClip, start: number, end: number, params: Record<string, number>, signal?: AbortSignal): Promise<(Patch | null)[]> {
  const prep = await engine.prepare(segmentContext(clip, { start, end }, { start: 0, end: 8 }, params, { signal }));
  const out: (Patch | null)[] = [];
  for (let s = start; s < end; s += prep.windowSize) {
    out.push(...(await prep.renderWindow(clip.frames.slice(s, Math.min(end, s + prep.windowSize)).map((frame) => ({ frame, sample: clip.track.frames[frame.index] })))));
  }
  await prep.dispose();
  return out;
}

describe('latent-diffusion engine end to end (tiny pack, generated media)', () => {
  it('describes itself and renders one patch per frame inside the frame', async () => {
    const logs: string[] = [];
    const { engine } = await engineFor({}, { log: (m) => logs.push(m) });
    const d = engine.describe();
    expect(d.id).toBe('latent-diffusion');
    expect(d.params.map((p) => p.key)).toEqual(['lambdaA', 'lambdaH', 'steps', 'seed', 'eta', 'overlap']);
    expect(d.notes.join(' ')).toMatch(/denoiser: CPU/);
    expect(logs.join(' ')).toMatch(/denoiser: CPU/);
    const clip = syntheticClip({ frames: 12 });
    const patches = await renderAll(engine, clip, 1, 11, { seed: 1 });
    expect(patches).toHaveLength(10);
    for (const p of patches) {
      expect(p).not.toBeNull();
      expect(p!.data.length).toBe(p!.width * p!.height * 3);
      expect(p!.alpha.length).toBe(p!.width * p!.height);
      expect(p!.x).toBeGreaterThanOrEqual(0);
      expect(p!.y).toBeGreaterThanOrEqual(0);
      expect(p!.x + p!.width).toBeLessThanOrEqual(clip.video.width);
      expect(p!.y + p!.height).toBeLessThanOrEqual(clip.video.height);
      expect(Math.max(...p!.alpha)).toBeCloseTo(1, 5);
      expect(Math.min(...p!.alpha)).toBe(0);
    }
  });

  it('is deterministic for a seed and changes with the seed', async () => {
    const clip = syntheticClip({ frames: 10 });
    const a = await renderAll((await engineFor()).engine, clip, 0, 10, { seed: 7 });
    const b = await renderAll((await engineFor()).engine, clip, 0, 10, { seed: 7 });
    const c = await renderAll((await engineFor()).engine, clip, 0, 10, { seed: 8 });
    for (let i = 0; i < a.length; i++) {
      expect(Buffer.from(a[i]!.data).equals(Buffer.from(b[i]!.data))).toBe(true);
      expect(a[i]!.alpha).toEqual(b[i]!.alpha);
    }
    expect(a.some((p, i) => !Buffer.from(p!.data).equals(Buffer.from(c[i]!.data)))).toBe(true);
    // eta > 0 is still reproducible for a seed.
    const e1 = await renderAll((await engineFor()).engine, clip, 0, 6, { seed: 7, eta: 1 });
    const e2 = await renderAll((await engineFor()).engine, clip, 0, 6, { seed: 7, eta: 1 });
    expect(e1.map((p) => Buffer.from(p!.data).toString('hex'))).toEqual(e2.map((p) => Buffer.from(p!.data).toString('hex')));
  });

  it('changes only pixels inside the editable region; outside the union mask stays bit-exact', async () => {
    const { engine } = await engineFor({ mask: { kind: 'rect', rect: [0.3, 0.6, 0.7, 0.9], feather: 0.05 } });
    const clip = syntheticClip({ frames: 6, width: 200, height: 160 });
    const patches = await renderAll(engine, clip, 0, 6, { seed: 2 });
    let changedTotal = 0;
    for (const [i, p] of patches.entries()) {
      const frame = clip.frames[i];
      // Editable quad in frame pixels (crop rect mapped back), grown by 1.5 px for bilinear taps.
      const m = frameToCropTransform(clip.track.frames[i]!, { kind: 'canonical', center: [0, 0.3], size: 2.0 }, 64);
      const inside = (x: number, y: number) => {
        const [u, v] = applyAffine(m, x, y);
        return u >= 0.3 * 64 - 1.5 && u <= 0.7 * 64 + 0.5 && v >= 0.6 * 64 - 1.5 && v <= 0.9 * 64 + 0.5;
      };
      // Union mask: the whole frame (only the engine's alpha limits the change) ...
      const full = { data: Uint8Array.from(frame.data), width: frame.width, height: frame.height, index: i };
      const changed = compositePatch(full, p!, { rect: { x: 0, y: 0, w: frame.width, h: frame.height }, alpha: new Float32Array(frame.width * frame.height).fill(1) }, null);
      changedTotal += changed;
      let outside = 0;
      for (let y = 0; y < frame.height; y++)
        for (let x = 0; x < frame.width; x++) {
          const o = (y * frame.width + x) * 3;
          const same = full.data[o] === frame.data[o] && full.data[o + 1] === frame.data[o + 1] && full.data[o + 2] === frame.data[o + 2];
          if (!same && !inside(x, y)) outside++;
        }
      expect(outside).toBe(0);
      // ... and a union mask covering only the left half: nothing right of it changes.
      const half = { data: Uint8Array.from(frame.data), width: frame.width, height: frame.height, index: i };
      const ux = Math.floor(p!.x + p!.width / 2);
      compositePatch(half, p!, { rect: { x: 0, y: 0, w: ux, h: frame.height }, alpha: new Float32Array(ux * frame.height).fill(1) }, null);
      let moved = 0;
      for (let y = 0; y < frame.height; y++) for (let x = ux; x < frame.width; x++) for (let c = 0; c < 3; c++) if (half.data[(y * frame.width + x) * 3 + c] !== frame.data[(y * frame.width + x) * 3 + c]) moved++;
      expect(moved).toBe(0);
    }
    expect(changedTotal).toBeGreaterThan(100);
  });

  it('frames without a face get no patch; a segment without faces runs nothing', async () => {
    const stats = { denoiserRunMs: 0, denoiserRuns: 0, totalMs: 0, sampledFrames: 0 };
    const { engine } = await engineFor({}, { stats });
    const clip = syntheticClip({ frames: 10, missing: [3, 4] });
    const patches = await renderAll(engine, clip, 0, 10, { seed: 1 });
    expect(patches.map((p) => p === null)).toEqual([false, false, false, true, true, false, false, false, false, false]);
    const runs = stats.denoiserRuns;
    expect(runs).toBeGreaterThan(0);
    const none = syntheticClip({ frames: 6, missing: [0, 1, 2, 3, 4, 5] });
    const nulls = await renderAll(engine, none, 0, 6, { seed: 1 });
    expect(nulls.every((p) => p === null)).toBe(true);
    expect(stats.denoiserRuns).toBe(runs);
  });

  it('is cancellable between steps', async () => {
    const { engine, dir } = await engineFor({ steps: 50 });
    // The engine shares the cached sessions: count denoiser runs and abort after the second.
    const open = await openPack(dir, ['cpu']);
    const session = open.graphs.denoiser.session;
    const run = session.run.bind(session);
    const ac = new AbortController();
    let runs = 0;
    (session as { run: unknown }).run = async (...args: Parameters<typeof run>) => {
      if (++runs === 2) ac.abort();
      return run(...args);
    };
    const clip = syntheticClip({ frames: 8 });
    const prep = await engine.prepare(segmentContext(clip, { start: 0, end: 8 }, { start: 0, end: 8 }, { seed: 1 }, { signal: ac.signal }));
    await expect(prep.renderWindow(clip.frames.slice(0, 8).map((frame) => ({ frame, sample: clip.track.frames[frame.index] })))).rejects.toBeInstanceOf(CancelledError);
    expect(runs).toBe(2); // stopped at the next step, not after 50
    await expect(engine.prepare(segmentContext(clip, { start: 0, end: 8 }, { start: 0, end: 8 }, {}, { signal: ac.signal }))).rejects.toBeInstanceOf(CancelledError);
  });

  it('λa = λh = 1 renders the fully conditional result and λa = λh = 0 the unconditional one', async () => {
    const clip = syntheticClip({ frames: 6 });
    const run = async (o: Partial<LatentDiffusionOptions>, params: Record<string, number>) => {
      const z: Float32Array[] = [];
      const { engine } = await engineFor({}, { ...o, onFinalLatent: (f, v) => (z[f] = Float32Array.from(v)) });
      await renderAll(engine, clip, 0, 6, { seed: 4, ...params });
      return z;
    };
    const diff = (a: Float32Array[], b: Float32Array[]) => Math.max(...a.map((v, f) => Math.max(...v.map((x, i) => Math.abs(x - b[f][i])))));
    // All three branches combined with weights (0, 0, 1) vs only the full branch run.
    const ones = await run({ skipZeroBranches: false }, { lambdaA: 1, lambdaH: 1 });
    const full = await run({}, { lambdaA: 1, lambdaH: 1 });
    expect(diff(ones, full)).toBeLessThan(1e-4);
    const zeros = await run({ skipZeroBranches: false }, { lambdaA: 0, lambdaH: 0 });
    const uncond = await run({}, { lambdaA: 0, lambdaH: 0 });
    expect(diff(zeros, uncond)).toBeLessThan(1e-4);
    expect(diff(full, uncond)).toBeGreaterThan(0.01);
    // Batched vs separate branch runs give the same video.
    const batched = await run({ batchBranches: true }, { lambdaA: 2.5, lambdaH: 1.5 });
    const separate = await run({ batchBranches: false }, { lambdaA: 2.5, lambdaH: 1.5 });
    expect(diff(batched, separate)).toBeLessThan(1e-4);
  });

  it('runs packs without a lip-habit input (λh ignored, noted), habit-as-frames and silence nulls', async () => {
    const logs: string[] = [];
    const clip = syntheticClip({ frames: 6 });
    const { engine } = await engineFor({ habit: false }, { log: (m) => logs.push(m) });
    expect(engine.describe().notes.join(' ')).toMatch(/no lip-habit input: λh is ignored/);
    const z1: Float32Array[] = [];
    const z2: Float32Array[] = [];
    const e1 = await createLatentDiffusionEngine({ pack: path.join(root, `pack-${packCount - 1}`), providers: ['cpu'], onFinalLatent: (f, v) => (z1[f] = Float32Array.from(v)) });
    const e2 = await createLatentDiffusionEngine({ pack: path.join(root, `pack-${packCount - 1}`), providers: ['cpu'], onFinalLatent: (f, v) => (z2[f] = Float32Array.from(v)) });
    await renderAll(e1, clip, 0, 6, { seed: 1, lambdaH: 0 });
    await renderAll(e2, clip, 0, 6, { seed: 1, lambdaH: 4 });
    expect(z1).toEqual(z2);
    const frames = await engineFor({ habit: 'frames', audioNull: 'silence' });
    const p = await renderAll(frames.engine, clip, 0, 6, { seed: 1 });
    expect(p.every((x) => x !== null)).toBe(true);
    // Wav2Lip mel chunks straight into the denoiser (no audio encoder graph).
    const mel = await engineFor({ audioFrontEnd: 'wav2lip-mel', audioNull: 'silence' });
    const pm = await renderAll(mel.engine, clip, 0, 6, { seed: 1 });
    expect(pm.every((x) => x !== null)).toBe(true);
  });
});
