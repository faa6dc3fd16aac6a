import { afterAll, beforeAll, expect, it } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { promises as fsp } from 'node:fs';
import { describeIfSharedMedia, sharedMedia } from '../helpers/shared-media';
import { runDub } from '../../src/main/pipeline/dub';
import { planDub } from '../../src/main/pipeline/plan';
import { evalQuality } from '../../src/main/eval/quality';
import { evalCompare } from '../../src/main/eval/evaluate';
import { prepareJob } from '../../src/main/pipeline/job';
import { probeMedia } from '../../src/main/media/probe';
import { decodeFrames } from '../../src/main/media/decode';
import { wav16 } from '../../src/main/phonetics/pocketsphinx';
import { execFileSync } from 'node:child_process';
import { locateFfmpeg } from '../../src/main/media/locate';

/**
 * Brightness of the skin under the lips: mean luma of a 9-pixel-wide strip on the face's centre
 * line, 35-65 % of the way from the upper lip (mesh point 0) to the chin (152), over the median
 * luma of the same strip between the nose (2) and the upper lip. A closed mouth shows chin skin
 * there (about 0.85-0.95); a mouth closed by stretching the original's thin, shadowed lower lip
 * over its old opening shows a purple band (0.72-0.77 on face-hand 120-123), an open mouth its
 * dark inside.
 */
function underLipBrightness(frame: { width: number; data: Uint8Array }, mesh: Float32Array): number {
  const luma = (x: number, y: number) => {
    const o = (Math.round(y) * frame.width + Math.round(x)) * 3;
    return 0.299 * frame.data[o] + 0.587 * frame.data[o + 1] + 0.114 * frame.data[o + 2];
  };
  const p = (i: number) => [mesh[i * 3], mesh[i * 3 + 1]];
  const [nx, ny] = p(2), [ux, uy] = p(0), [cx, cy] = p(152);
  const skin: number[] = [];
  for (let t = 0.2; t <= 0.8; t += 0.05) for (let dx = -4; dx <= 4; dx++) skin.push(luma(nx + (ux - nx) * t + dx, ny + (uy - ny) * t));
  skin.sort((a, b) => a - b);
  let sum = 0, n = 0;
  for (let t = 0.35; t <= 0.65; t += 0.02) for (let dx = -4; dx <= 4; dx++, n++) sum += luma(ux + (cx - ux) * t + dx, uy + (cy - uy) * t);
  return sum / n / skin[skin.length >> 1];
}

/** Shared across test files: tracking of the real clips is cached by content hash. */
const cacheDir = path.join(os.tmpdir(), 'dubbing-test-cache');

/**
 * A deliverable picture (issue #12) on real clips, measured as `npm run eval -- quality` does,
 * against a plain re-encode of the original (the noise floor): sharpness kept, nothing changed
 * outside the face beyond the floor, no seam. The previous compositing (a whole lower face pasted
 * from another frame through a feathered box) failed the outside-face figure by about 2x and
 * drew arcs along the mask edge.
 */
describeIfSharedMedia('picture quality of dubs on real clips (../shared/media)', ['talk-a.mp4', 'talk-b.mp4', 'face-earrings.mp4', 'face-hand.mp4', 'dub-a.wav'], () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'dub-quality-'));
  });
  afterAll(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['talk-a.mp4', 3],
    ['talk-b.mp4', 3],
    ['face-earrings.mp4', 3],
  ])('%s dubbed with dub-a: sharp, unchanged outside the face, no seam', async (clip, seconds) => {
    const video = sharedMedia(clip)!;
    const audio = sharedMedia('dub-a.wav')!;
    const out = path.join(dir, clip.replace('.mp4', '-dub.mp4'));
    const plan = await planDub({ video, audio, engine: 'reference', params: {}, from: 0, to: seconds });
    const res = await runDub({ video, audio, out, segments: plan.segments, dubbedRange: plan.dubbedRange, cacheDir });
    expect(res.warnings.filter((w) => /left as the original/.test(w))).toEqual([]);
    const seg = res.segments[0];
    const q = await evalQuality({ original: video, dubbed: out, cacheDir, range: { start: seg.startFrame, end: seg.endFrame } });
    const { dubbed, ratio } = q.clip;
    console.log(`${clip}: sharpness ${dubbed.sharpness.toFixed(3)}, outside/floor ${ratio.outsideChange.toFixed(2)}, seam/floor ${ratio.seam.toFixed(2)}, SSIM ${dubbed.ssim.toFixed(4)}`);
    expect(q.frames).toBeGreaterThan(0.9 * (seg.endFrame - seg.startFrame));
    // 0.95 of the original's detail (the review encode, CRF 12, keeps 0.96-0.97 itself; at CRF
    // 18 it kept only 0.91-0.93 on face-earrings and face-glasses).
    expect(dubbed.sharpness).toBeGreaterThanOrEqual(0.95);
    expect(ratio.outsideChange).toBeLessThanOrEqual(1.3);
    expect(ratio.seam).toBeLessThanOrEqual(1.3);
    // The mouth really changed (else the figures above could not fail).
    expect(dubbed.ssim).toBeLessThan(0.995);
  });

  it('a grainy shot (talk-a with film-like grain) keeps its grain in the dubbed lower face: sharp, no seam', async () => {
    // Grain belongs to the frame: a warp that resamples it averages it away (Catmull-Rom keeps
    // about 40 % of white noise at a half-pixel phase) and leaves a clean patch with an edge in
    // the grain. Measured here without grain management: sharpness 0.80 of the floor, seam 2.16
    // of it; with the clean plate warped and the grain kept in place: 0.98 and 1.13 (on a
    // mirrored, graded, grainy 720p talk-a: 0.84 / 1.47 before, 0.99 / 1.07 after).
    const ffmpeg = locateFfmpeg().ffmpeg;
    const video = path.join(dir, 'talk-a-grain.mp4');
    execFileSync(ffmpeg, ['-v', 'error', '-i', sharedMedia('talk-a.mp4')!, '-t', '3', '-an', '-vf', 'noise=c0s=14:c1s=8:c2s=8:allf=t', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '8', '-pix_fmt', 'yuv420p', '-y', video]);
    const audio = sharedMedia('dub-a.wav')!;
    const out = path.join(dir, 'talk-a-grain-dub.mp4');
    const plan = await planDub({ video, audio, engine: 'reference', params: {}, from: 0, to: 3 });
    const res = await runDub({ video, audio, out, segments: plan.segments, dubbedRange: plan.dubbedRange, cacheDir });
    const seg = res.segments[0];
    const q = await evalQuality({ original: video, dubbed: out, cacheDir, range: { start: seg.startFrame, end: seg.endFrame } });
    const { dubbed, ratio } = q.clip;
    console.log(`grainy talk-a: sharpness ${dubbed.sharpness.toFixed(3)} (/floor ${ratio.sharpness.toFixed(3)}), outside/floor ${ratio.outsideChange.toFixed(2)}, seam/floor ${ratio.seam.toFixed(2)}, SSIM ${dubbed.ssim.toFixed(4)}`);
    expect(ratio.sharpness).toBeGreaterThanOrEqual(0.95);
    // Against the original itself too: the review encode of a grainy source keeps its grain
    // (x264 -tune grain, `media/source-grain.ts`); without it the encode alone kept 0.78.
    expect(dubbed.sharpness).toBeGreaterThanOrEqual(0.94);
    // Measured 1.30 (sharpness 0.955 of the original): the grain-tuned floor is close to the
    // original, and the clean plate's own residual noise (about 0.4 sigma after the median) moves
    // with the skin.
    expect(ratio.seam).toBeLessThanOrEqual(1.35);
    expect(ratio.outsideChange).toBeLessThanOrEqual(1.3);
    expect(dubbed.ssim).toBeLessThan(0.995);
  }, 180_000);

  it('face-hand: a silent dub over a wide-open shout closes the mouth without a dark band under the lips', async () => {
    // Frames 117-123 of face-hand open the mouth wide. Silence in the dub shuts the mouth (a dub
    // silent over the whole range was not seen as silent before: the mouth stayed open);
    // stretching the target's own thin, shadowed lower lip over the old opening left a purple
    // band from the lips to the chin; the reference's lower lip and the skin under it come in
    // instead (`lowerLipRegion`).
    const video = sharedMedia('face-hand.mp4')!;
    const audio = path.join(dir, 'silence.wav');
    await fsp.writeFile(audio, wav16(new Float32Array(Math.round(7.3 * 16000))));
    const out = path.join(dir, 'face-hand-silent.mp4');
    const plan = await planDub({ video, audio, engine: 'reference', params: {}, from: 4.2, to: 5.4, reference: { start: 0, end: 4 } });
    await runDub({ video, audio, out, segments: plan.segments, dubbedRange: plan.dubbedRange, cacheDir });
    const job = await prepareJob({ video, audio, segments: [], cacheDir });
    const brightness = async (file: string) => {
      const r: number[] = [];
      for await (const f of decodeFrames(await probeMedia(file), { start: 119, end: 124 })) r.push(underLipBrightness(f, job.track.frames[f.index]!.mesh));
      return r;
    };
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    const before = await brightness(video);
    const after = await brightness(out);
    console.log(`face-hand 119-123 skin under the lips / above them: original ${before.map((v) => v.toFixed(2)).join(' ')}, silent dub ${after.map((v) => v.toFixed(2)).join(' ')}`);
    expect(mean(before)).toBeLessThan(0.8); // the shout: the dark inside of the mouth
    // Measured 0.88 (the lower lip from the reference); 0.76 with the own lower lip stretched.
    expect(mean(after)).toBeGreaterThan(0.84);
  }, 180_000);

  it('self-reenactment of talk-b (2-4 s from its own audio, reference outside): lower-face SSIM and LMD', async () => {
    const video = sharedMedia('talk-b.mp4')!;
    const out = path.join(dir, 'talk-b-self.mp4');
    const plan = await planDub({ video, audio: video, engine: 'reference', params: {}, from: 2, to: 4, reference: { start: 0, end: 2 } });
    const res = await runDub({ video, audio: video, out, segments: plan.segments, dubbedRange: plan.dubbedRange, cacheDir });
    const seg = res.segments[0];
    const range = { start: seg.startFrame, end: seg.endFrame };
    const q = await evalQuality({ original: video, dubbed: out, cacheDir, range });
    const c = await evalCompare({ original: video, dubbed: out, cacheDir, range });
    console.log(`talk-b self-reenactment: lower-face SSIM ${q.clip.dubbed.ssim.toFixed(4)} (floor ${q.clip.floor.ssim.toFixed(4)}), LMD ${c.lmd.toFixed(4)}`);
    // Measured: the own-pixel warp gives SSIM 0.946 and LMD 0.018; the whole lower face pasted
    // from the reference (before) gave SSIM 0.839 and LMD 0.029.
    expect(q.clip.dubbed.ssim).toBeGreaterThan(0.92);
    expect(c.lmd).toBeLessThan(0.024);
    expect(q.clip.dubbed.sharpness).toBeGreaterThanOrEqual(0.95);
  });
});
