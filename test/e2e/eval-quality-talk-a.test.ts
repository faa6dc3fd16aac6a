import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { evalQuality, type QualityReport } from '../../src/main/eval/quality';
import { REVIEW_CRF } from '../../src/main/eval/quality-floor';
import { lowerFaceBox } from '../../src/main/eval/quality-metrics';
import { locateFfmpeg } from '../../src/main/media/locate';
import { probeMedia } from '../../src/main/media/probe';
import { chooseFaceTrack, trackVideo } from '../../src/main/pipeline/tracking-stage';
import { describeIfSharedMedia, sharedMedia } from '../helpers/shared-media';

const cacheDir = path.join(os.tmpdir(), 'dubbing-test-cache');
const FRAMES = 50; // 2 s of talk-a (25 fps): the copies hold only these frames

describeIfSharedMedia('evalQuality on talk-a: re-encode vs damaged copy', ['talk-a.mp4'], () => {
  const video = sharedMedia('talk-a.mp4')!;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'eval-quality-e2e-'));
  // The floor re-encodes go under this test's own folder (other test files evaluate at the same time).
  const floorParent = mkdtempSync(path.join(os.tmpdir(), 'quality-floor-test-'));
  const floorDirs = () => readdirSync(floorParent).filter((f) => f.startsWith('dubbing-quality-floor-')).sort();
  let before: string[] = [];
  let clean: QualityReport;
  let blurred: QualityReport;
  let lined: QualityReport;

  beforeAll(async () => {
    before = floorDirs();
    const ffmpeg = locateFfmpeg().ffmpeg;
    const info = await probeMedia(video);
    const { track } = chooseFaceTrack(await trackVideo(info, { cacheDir }));
    // Two damages of the lower face around frame 25's box: a strong blur over a region reaching
    // well past the box (so the blur's own border stays outside it), and a dark line across the jaw.
    const box = lowerFaceBox(track.frames[25]!.mesh, info.width, info.height);
    const big = lowerFaceBox(track.frames[25]!.mesh, info.width, info.height, 0.45);
    const jawY = Math.round(track.frames[25]!.mesh[152 * 3 + 1]) - 20;
    const x264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', String(REVIEW_CRF), '-pix_fmt', 'yuv420p'];
    const cut = ['-v', 'error', '-i', video, '-map', '0:v:0', '-an', '-frames:v', String(FRAMES)];
    execFileSync(ffmpeg, [...cut, ...x264, '-y', path.join(dir, 'clean.mp4')]);
    const blur = `[0:v]split[a][b];[b]crop=${big.w}:${big.h}:${big.x}:${big.y},boxblur=6:2[c];[a][c]overlay=${big.x}:${big.y}`;
    execFileSync(ffmpeg, [...cut, '-filter_complex', blur, ...x264, '-y', path.join(dir, 'blurred.mp4')]);
    const line = `drawbox=x=${box.x}:y=${jawY}:w=${box.w}:h=3:color=black@0.8:t=fill`;
    execFileSync(ffmpeg, [...cut, '-vf', line, ...x264, '-y', path.join(dir, 'lined.mp4')]);
    const range = { start: 0, end: FRAMES };
    clean = await evalQuality({ original: video, dubbed: path.join(dir, 'clean.mp4'), cacheDir, range, tempDir: floorParent });
    blurred = await evalQuality({ original: video, dubbed: path.join(dir, 'blurred.mp4'), cacheDir, range, tempDir: floorParent });
    lined = await evalQuality({ original: video, dubbed: path.join(dir, 'lined.mp4'), cacheDir, range, sheet: path.join(dir, 'sheet.png'), tempDir: floorParent });
  }, 300_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(floorParent, { recursive: true, force: true });
  });

  it('scores a plain re-encode at the noise floor', () => {
    expect(clean.frames).toBe(FRAMES);
    // The floor must be frame-aligned with the original: high SSIM, small change.
    expect(clean.clip.floor.ssim).toBeGreaterThan(0.95);
    expect(clean.clip.floor.outsideChange).toBeLessThan(3);
    for (const k of ['sharpness', 'outsideChange', 'seam', 'ssim', 'flicker'] as const) {
      // Encoded with the floor's own settings, the copy matches the floor almost exactly.
      expect(clean.clip.ratio[k], k).toBeGreaterThan(0.97);
      expect(clean.clip.ratio[k], k).toBeLessThan(1.03);
    }
  });

  it('scores a blurred lower face clearly worse than the floor', () => {
    const r = blurred.clip;
    expect(r.dubbed.sharpness).toBeLessThan(0.6 * r.floor.sharpness);
    expect(1 - r.dubbed.ssim).toBeGreaterThan(3 * (1 - r.floor.ssim));
    expect(r.ratio.flicker).toBeGreaterThan(1.5);
    // The same floor for every run (same original, same range, same encoder).
    expect(r.floor.ssim).toBeCloseTo(clean.clip.floor.ssim, 6);
  });

  it('scores a line across the jaw clearly worse than the floor', () => {
    const r = lined.clip;
    expect(r.ratio.seam).toBeGreaterThan(1.5);
    expect(r.ratio.outsideChange).toBeGreaterThan(2);
    expect(r.dubbed.ssim).toBeLessThan(r.floor.ssim);
    for (const list of Object.values(lined.worst)) {
      expect(list.length).toBe(5);
      for (const f of list) expect(f >= 0 && f < FRAMES).toBe(true);
    }
  });

  it('writes a contact sheet of up to 8 worst frames, original above dubbed', () => {
    const sheet = lined.sheet!;
    expect(sheet.frames.length).toBeGreaterThan(0);
    expect(sheet.frames.length).toBeLessThanOrEqual(8);
    expect([...sheet.frames].sort((a, b) => a - b)).toEqual(sheet.frames);
    const n = sheet.frames.length;
    const dims = execFileSync(locateFfmpeg().ffprobe, ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', sheet.path]).toString().trim();
    expect(dims).toBe(`${n * 256 + (n - 1) * 4},512`);
  });

  it('deletes the re-encoded floor', () => {
    expect(floorDirs()).toEqual(before);
  });
});
