import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrames } from '../../src/main/media/decode';
import { bitDepthOf, chooseFrameRate, probeAudio, probeMedia, rotationOf } from '../../src/main/media/probe';
import type { RgbFrame } from '../../src/main/media/types';
import { UserError } from '../../src/main/util/errors';
import { cleanupTestMedia, makeTempDir, makeTestVideo, makeTone, makeVfrTestVideo } from '../helpers/genmedia';
import { describeIfSharedMedia, sharedMedia } from '../helpers/shared-media';

async function expectUserError(p: Promise<unknown>, code: string): Promise<UserError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  const u = err as UserError;
  expect(u.code).toBe(code);
  expect(u.hint.length).toBeGreaterThan(0);
  return u;
}

async function first(gen: AsyncGenerator<RgbFrame>): Promise<RgbFrame> {
  for await (const f of gen) return f;
  throw new Error('no frame');
}

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir();
});
afterAll(cleanupTestMedia);

describe('probe helpers (pure)', () => {
  it('reads bit depth from pixel format names', () => {
    expect(bitDepthOf('yuv420p')).toBe(8);
    expect(bitDepthOf('yuv420p10le')).toBe(10);
    expect(bitDepthOf('yuv422p12be')).toBe(12);
    expect(bitDepthOf('p010le')).toBe(10);
    expect(bitDepthOf('gray10le')).toBe(10);
    expect(bitDepthOf('rgb48le')).toBe(16);
    expect(bitDepthOf('rgb24')).toBe(8);
  });
  it('turns display matrix / rotate tag into clockwise degrees', () => {
    expect(rotationOf({ side_data_list: [{ side_data_type: 'Display Matrix', rotation: -90 }] })).toBe(90);
    expect(rotationOf({ side_data_list: [{ side_data_type: 'Display Matrix', rotation: 90 }] })).toBe(270);
    expect(rotationOf({ side_data_list: [{ side_data_type: 'Display Matrix', rotation: '-180.00' }] })).toBe(180);
    expect(rotationOf({ tags: { rotate: '90' } })).toBe(90);
    expect(rotationOf({})).toBe(0);
  });
  it('flags variable frame rate and falls back to avg_frame_rate for absurd r_frame_rate', () => {
    expect(chooseFrameRate({ r_frame_rate: '30000/1001', avg_frame_rate: '30000/1001' })).toEqual({ fps: [30000, 1001], variable: false });
    expect(chooseFrameRate({ r_frame_rate: '30/1', avg_frame_rate: '2400/100' })).toEqual({ fps: [30, 1], variable: true });
    expect(chooseFrameRate({ r_frame_rate: '90000/1', avg_frame_rate: '25/1' })).toEqual({ fps: [25, 1], variable: true });
    expect(chooseFrameRate({ r_frame_rate: '0/0', avg_frame_rate: '0/0' }).fps).toBeNull();
  });
});

describe('probeMedia on generated media', () => {
  it('reads size, rate, frame count, duration, pixel format and audio', async () => {
    const file = await makeTestVideo({ width: 64, height: 48, fps: 25, seconds: 2, withAudio: true, dir });
    const info = await probeMedia(file);
    expect(info).toMatchObject({
      path: file, width: 64, height: 48, displayWidth: 64, displayHeight: 48, fpsNum: 25, fpsDen: 1, fps: 25,
      variableFrameRate: false, frameCount: 50, rotation: 0, sampleAspectRatio: [1, 1], pixelFormat: 'yuv420p',
      bitDepth: 8, codec: 'h264', warnings: [],
    });
    expect(info.duration).toBeCloseTo(2, 1);
    expect(info.audioStreams).toHaveLength(1);
    expect(info.audioStreams[0]).toMatchObject({ index: 1, codec: 'aac', sampleRate: 44100, channels: 1 });
  });

  it('keeps 30000/1001 exact and detects 10-bit', async () => {
    const file = await makeTestVideo({ width: 64, height: 48, fps: '30000/1001', seconds: 1, pixFmt: 'yuv420p10le', dir });
    const info = await probeMedia(file);
    expect([info.fpsNum, info.fpsDen]).toEqual([30000, 1001]);
    expect(info.fps).toBeCloseTo(29.97, 2);
    expect(info.frameCount).toBe(30);
    expect(info.pixelFormat).toBe('yuv420p10le');
    expect(info.bitDepth).toBe(10);
    expect(info.audioStreams).toEqual([]);
  });

  it('estimates the frame count from duration x fps when nb_frames is absent (mkv)', async () => {
    const file = await makeTestVideo({ width: 64, height: 48, fps: 25, seconds: 2, ext: '.mkv', withAudio: true, dir });
    const info = await probeMedia(file);
    expect(info.frameCount).toBe(50);
    expect(info.audioStreams[0]).toMatchObject({ codec: 'pcm_s16le', sampleRate: 44100 });
  });

  it('flags variable frame rate, warns, and counts (and decodes) frames at the constant rate', async () => {
    // 50 frames at 25 fps with a 0.4 s pause after frame 25: 2.4 s, i.e. 60 frames at 25 fps.
    const file = await makeVfrTestVideo({ width: 64, height: 48, fps: 25, seconds: 2, gapAfterFrame: 25, gapSeconds: 0.4, dir });
    const info = await probeMedia(file);
    expect(info.variableFrameRate).toBe(true);
    expect([info.fpsNum, info.fpsDen]).toEqual([25, 1]);
    expect(info.warnings?.[0]).toMatch(/variable frame rate/);
    expect(info.frameCount).toBe(60);
    const full: Uint8Array[] = [];
    for await (const f of decodeFrames(info)) {
      expect(f.index).toBe(full.length);
      full.push(f.data);
    }
    expect(full).toHaveLength(60);
    // A range inside and across the pause gives the same pixels as the full decode at each index
    // (the pause repeats the last frame before it rather than jumping to the next one).
    for (const [start, end] of [[26, 33], [20, 40]] as const) {
      const got: RgbFrame[] = [];
      for await (const f of decodeFrames(info, { start, end })) got.push(f);
      expect(got.map((f) => f.index)).toEqual(Array.from({ length: end - start }, (_, i) => start + i));
      for (const f of got) expect(Buffer.compare(f.data, full[f.index])).toBe(0);
    }
    expect(Buffer.compare(full[30], full[24])).toBe(0);
    expect(Buffer.compare(full[35], full[24])).not.toBe(0);
  });

  it('reports rotation and swaps the display size; decoded frames match a clockwise rotation', async () => {
    const plain = await makeTestVideo({ width: 64, height: 48, fps: 25, seconds: 1, dir });
    const rotated = path.join(dir, 'rotated.mp4');
    const { ffmpegRun } = await import('../helpers/genmedia');
    await ffmpegRun(['-i', plain, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', rotated]);
    const info = await probeMedia(rotated);
    expect([90, 270]).toContain(info.rotation); // the tag's sign convention differs between ffmpeg versions
    expect(info.width).toBe(64);
    expect([info.displayWidth, info.displayHeight]).toEqual([48, 64]);

    const upright = await first(decodeFrames(info, { end: 1 }));
    const coded = await first(decodeFrames(await probeMedia(plain), { end: 1 }));
    expect([upright.width, upright.height]).toEqual([48, 64]);
    // Rotating the coded frame clockwise by info.rotation must give the decoded frame.
    const W = 64;
    const H = 48;
    let mismatches = 0;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        // clockwise 90: (x, y) -> (H-1-y, x); clockwise 270: (x, y) -> (y, W-1-x); output width H
        const [ox, oy] = info.rotation === 90 ? [H - 1 - y, x] : [y, W - 1 - x];
        for (let c = 0; c < 3; c++) {
          if (coded.data[(y * W + x) * 3 + c] !== upright.data[(oy * H + ox) * 3 + c]) mismatches++;
        }
      }
    }
    expect(mismatches).toBe(0);
  });
});

describe('probe errors', () => {
  it('E_NOT_FOUND for a missing file', async () => {
    const err = await expectUserError(probeMedia(path.join(dir, 'nope.mp4')), 'E_NOT_FOUND');
    expect(err.message).toContain('nope.mp4');
  });
  it('E_UNREADABLE for a text file, with ffprobe reason', async () => {
    const txt = path.join(dir, 'notes.mp4');
    await fsp.writeFile(txt, 'this is not a video\n'.repeat(20));
    const err = await expectUserError(probeMedia(txt), 'E_UNREADABLE');
    expect(err.message).toMatch(/Invalid data|moov atom/);
  });
  it('E_UNREADABLE for a folder', async () => {
    await expectUserError(probeMedia(dir), 'E_UNREADABLE');
  });
  it('E_NO_VIDEO for an audio-only file', async () => {
    const wav = await makeTone({ seconds: 1, freq: 440, dir });
    await expectUserError(probeMedia(wav), 'E_NO_VIDEO');
  });
});

describe('probeAudio', () => {
  it('reads the first audio stream of a WAV', async () => {
    const wav = await makeTone({ seconds: 1.5, freq: 440, sampleRate: 22050, channels: 2, dir });
    const a = await probeAudio(wav);
    expect(a.audio).toMatchObject({ codec: 'pcm_s16le', sampleRate: 22050, channels: 2 });
    expect(a.duration).toBeCloseTo(1.5, 2);
    expect(a.hasVideo).toBe(false);
  });
  it('E_NO_AUDIO for a video without sound', async () => {
    const file = await makeTestVideo({ width: 64, height: 48, fps: 25, seconds: 1, dir });
    await expectUserError(probeAudio(file), 'E_NO_AUDIO');
  });
});

describeIfSharedMedia('probeMedia on the real clip talk-a.mp4', ['talk-a.mp4'], () => {
  it('is 844x844, 25 fps, about 125 frames, with audio', async () => {
    const info = await probeMedia(sharedMedia('talk-a.mp4')!);
    expect([info.width, info.height]).toEqual([844, 844]);
    expect([info.fpsNum, info.fpsDen]).toEqual([25, 1]);
    expect(Math.abs(info.frameCount - 125)).toBeLessThanOrEqual(1);
    expect(info.duration).toBeCloseTo(5, 1);
    expect(info.variableFrameRate).toBe(false);
    expect(info.audioStreams.length).toBeGreaterThanOrEqual(1);
  });
});
