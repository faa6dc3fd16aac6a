import { afterAll, beforeAll, expect, it } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { promises as fsp } from 'node:fs';
import { describeIfSharedMedia, sharedMedia } from '../helpers/shared-media';
import { runDub } from '../../src/main/pipeline/dub';
import { planDub } from '../../src/main/pipeline/plan';
import { trackVideo, chooseFaceTrack } from '../../src/main/pipeline/tracking-stage';
import { probeMedia, probeAudio } from '../../src/main/media/probe';
import { decodeFrames } from '../../src/main/media/decode';
import { decodeAudioMono16k } from '../../src/main/media/audio-decode';
import { unionMask } from '../../src/main/masks/geometry';
import { rasterizeUnionMask } from '../../src/main/masks/raster';
import { evalCompare, evalSync } from '../../src/main/eval/evaluate';
import { pearson } from '../../src/main/eval/metrics';
import { logRmsEnvelope } from '../../src/main/audio/frames';

/** Shared across test files: tracking of the real clips is cached by content hash. */
const cacheDir = path.join(os.tmpdir(), 'dubbing-test-cache');

describeIfSharedMedia('dub real clips (../shared/media)', ['talk-a.mp4', 'talk-b.mp4', 'dub-a.wav'], () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'dub-real-'));
  });
  afterAll(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('cross-audio: talk-a dubbed with dub-a is lip-synced to the dub, bit-exact outside the union mask', async () => {
    const video = sharedMedia('talk-a.mp4')!;
    const audio = sharedMedia('dub-a.wav')!;
    const out = path.join(dir, 'talk-a-dub.mp4');
    const plan = await planDub({ video, audio, engine: 'reference', params: {} });
    expect(plan.segments.length).toBeGreaterThan(0);
    const res = await runDub({ video, audio, out, segments: plan.segments, dubbedRange: plan.dubbedRange, lossless: true, cacheDir });
    console.log(`talk-a x dub-a: ${res.frames} frames in ${res.timings.total.toFixed(1)} s, real-time factor ${res.realTimeFactor.toFixed(2)}`);

    const a = await probeMedia(video);
    const b = await probeMedia(out);
    expect([b.width, b.height, b.fpsNum / b.fpsDen, b.frameCount]).toEqual([a.width, a.height, a.fpsNum / a.fpsDen, a.frameCount]);

    // The audio is the dub: its envelope follows the dub's, not the original's.
    const fr = { fpsNum: a.fpsNum, fpsDen: a.fpsDen, frameCount: a.frameCount };
    const outEnv = logRmsEnvelope(await decodeAudioMono16k(out), fr);
    const dubEnv = logRmsEnvelope(await decodeAudioMono16k(audio), fr);
    const origEnv = logRmsEnvelope(await decodeAudioMono16k(video), fr);
    expect(pearson(outEnv, dubEnv)).toBeGreaterThan(0.9);
    expect(pearson(outEnv, origEnv)).toBeLessThan(0.5);
    expect((await probeAudio(out)).duration).toBeCloseTo(a.duration, 0);

    // Every pixel outside each segment's union mask is the input's; the mouth region changed.
    const { track } = chooseFaceTrack(await trackVideo(a, { cacheDir }));
    const masks = res.segments.map((s) => {
      const um = unionMask(track.frames.slice(s.startFrame, s.endFrame).map((f) => f?.mesh ?? null), a.width, a.height)!;
      return { s, um, alpha: rasterizeUnionMask(um) };
    });
    const ga = decodeFrames(a);
    const gb = decodeFrames(b);
    let changed = 0;
    for (let i = 0; i < a.frameCount; i++) {
      const fa = (await ga.next()).value!;
      const fb = (await gb.next()).value!;
      const m = masks.find((x) => i >= x.s.startFrame && i < x.s.endFrame);
      for (let p = 0; p < a.width * a.height; p++) {
        const x = p % a.width;
        const y = (p - x) / a.width;
        let inside = false;
        if (m) {
          const r = m.um.rect;
          inside = x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h && m.alpha[(y - r.y) * r.w + (x - r.x)] > 0;
        }
        const o = p * 3;
        const same = fa.data[o] === fb.data[o] && fa.data[o + 1] === fb.data[o + 1] && fa.data[o + 2] === fb.data[o + 2];
        if (!inside && !same) throw new Error(`frame ${i} pixel ${x},${y} changed outside the union mask`);
        if (inside && !same) changed++;
      }
    }
    expect(changed / a.frameCount).toBeGreaterThan(2000);

    // Lip sync (proxy): against the dub at its best lag in -1..+2 >= 0.25 and >= 0.15 above the original audio.
    const best = (r: Awaited<ReturnType<typeof evalSync>>) => Math.max(...r.lags.filter((l) => l.lag >= -1 && l.lag <= 2).map((l) => l.r));
    const syncDub = best(await evalSync({ video: out, audio, cacheDir }));
    const syncOrig = best(await evalSync({ video: out, audio: video, cacheDir }));
    console.log(`lip-sync proxy of the dub: vs dub-a ${syncDub.toFixed(3)}, vs original audio ${syncOrig.toFixed(3)}`);
    expect(syncDub).toBeGreaterThanOrEqual(0.25);
    expect(syncDub - syncOrig).toBeGreaterThanOrEqual(0.15);
  });

  it('self-reenactment: talk-b 2.0-4.0 s from its own audio with a reference outside the range', async () => {
    const video = sharedMedia('talk-b.mp4')!;
    const out = path.join(dir, 'talk-b-self.mp4');
    const plan = await planDub({ video, audio: video, from: 2, to: 4, engine: 'reference', params: {} });
    const res = await runDub({ video, audio: video, out, segments: plan.segments, dubbedRange: plan.dubbedRange, cacheDir });
    const seg = res.segments[0];
    expect(seg.startFrame).toBe(50);
    expect(seg.endFrame).toBe(100);
    // The automatic reference lies outside the re-synthesized range.
    expect(seg.reference.endFrame <= 50 || seg.reference.startFrame >= 100).toBe(true);
    const r = await evalCompare({ original: video, dubbed: out, cacheDir, range: { start: 50, end: 100 } });
    console.log(`self-reenactment talk-b 2-4 s: LMD ${r.lmd.toFixed(4)}, jitter ${r.jitterDubbed.toFixed(4)} vs original ${r.jitterOriginal.toFixed(4)}, PSNR outside union ${r.psnrOutsideUnion.toFixed(2)} dB`);
    expect(r.lmd).toBeGreaterThan(0);
    expect(r.lmd).toBeLessThan(0.08);
    expect(r.jitterRatio).toBeLessThan(3);
  });
});
