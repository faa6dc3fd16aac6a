import { afterAll, beforeAll, expect, it } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { promises as fsp } from 'node:fs';
import { describeIfSharedMedia, sharedMedia } from '../helpers/shared-media';
import { runDub } from '../../src/main/pipeline/dub';
import { planDub } from '../../src/main/pipeline/plan';
import { evalQuality } from '../../src/main/eval/quality';
import { evalCompare } from '../../src/main/eval/evaluate';

/** Shared across test files: tracking of the real clips is cached by content hash. */
const cacheDir = path.join(os.tmpdir(), 'dubbing-test-cache');

/**
 * A deliverable picture (issue #12) on real clips, measured as `npm run eval -- quality` does,
 * against a plain re-encode of the original (the noise floor): sharpness kept, nothing changed
 * outside the face beyond the floor, no seam. The previous compositing (a whole lower face pasted
 * from another frame through a feathered box) failed the outside-face figure by about 2x and
 * drew arcs along the mask edge.
 */
describeIfSharedMedia('picture quality of dubs on real clips (../shared/media)', ['talk-a.mp4', 'talk-b.mp4', 'face-earrings.mp4', 'dub-a.wav'], () => {
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
    // 0.95 of the original's detail, or as much as a plain re-encode keeps when that is less
    // (x264 CRF 18 itself keeps only 0.93 on face-earrings).
    expect(dubbed.sharpness).toBeGreaterThanOrEqual(Math.min(0.95, 0.98 * q.clip.floor.sharpness));
    expect(ratio.outsideChange).toBeLessThanOrEqual(1.3);
    expect(ratio.seam).toBeLessThanOrEqual(1.3);
    // The mouth really changed (else the figures above could not fail).
    expect(dubbed.ssim).toBeLessThan(0.995);
  });

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
