import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrames } from '../../src/main/media/decode';
import { probeMedia } from '../../src/main/media/probe';
import { locateFfmpeg } from '../../src/main/media/locate';
import { buildOverlayGraph, buildOverlayInputs, type OverlaySource } from '../../src/main/media/overlay-args';
import type { VideoInfo } from '../../src/main/media/types';
import { pasteCrop } from '../../src/main/pipeline/dub';
import { createEncoder } from '../../src/main/media/encode';
import path from 'node:path';
import { cleanupTestMedia, makeTempDir, makeTestVideo, makeVfrTestVideo } from '../helpers/genmedia';

const run = promisify(execFile);

let dir: string;
let clip: string;
let info: VideoInfo;
let render: string;
const W = 96, H = 64;
// The render: a 40x32 crop at (20, 16) of clip frames 10-29; only its even-aligned middle is laid over.
const rect = { x: 20, y: 16, w: 40, h: 32 };
const pasteRect = { x: 24, y: 20, w: 30, h: 24 };

beforeAll(async () => {
  dir = await makeTempDir('overlay-');
  clip = await makeTestVideo({ width: W, height: H, fps: 25, seconds: 2, dir });
  info = await probeMedia(clip);
  // Lossless RGB, every frame different (so a frame off by one shows).
  render = await makeTestVideo({ width: rect.w, height: rect.h, fps: 25, seconds: 0.8, codec: 'libx264rgb', ext: '.mkv', dir });
});
afterAll(cleanupTestMedia);

/** The Node paste (the export pass's reference): clip frames [start, end) in yuv420p with the render pasted. */
async function nodeComposite(clipInfo: VideoInfo, start: number, end: number, overlay: OverlaySource, _frameWidth = W): Promise<Buffer[]> {
  const rinfo = await probeMedia(overlay.path);
  const crops: Buffer[] = [];
  for await (const c of decodeFrames(rinfo, { pixFmt: 'yuv420p', yuvMatrix: 'bt601' })) crops.push(Buffer.from(c.data));
  const out: Buffer[] = [];
  for await (const f of decodeFrames(clipInfo, { start, end, pixFmt: 'yuv420p' })) {
    const k = f.index - overlay.startFrame;
    if (k >= 0 && k < overlay.frames) pasteCrop(f, { index: f.index, width: rect.w, height: rect.h, data: crops[k], pixFmt: 'yuv420p' }, rect, pasteRect);
    out.push(Buffer.from(f.data));
  }
  return out;
}

/** The same frames from ffmpeg's overlay graph, as raw yuv420p. */
async function ffmpegComposite(clipInfo: VideoInfo, start: number, end: number, overlay: OverlaySource, frameWidth = W): Promise<Buffer[]> {
  const { args, graph } = buildOverlayInputs({
    input: clipInfo.path, fpsNum: clipInfo.fpsNum, fpsDen: clipInfo.fpsDen, streamStart: clipInfo.startTime, forceCfr: clipInfo.variableFrameRate,
    start, end, matrix: 'bt601', overlays: [overlay],
  });
  const { stdout } = await run(locateFfmpeg().ffmpeg, ['-v', 'error', ...args, '-filter_complex', graph, '-map', '[vout]', '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1'], { encoding: 'buffer', maxBuffer: 1 << 26 });
  const n = (frameWidth * ((W * H) / frameWidth) * 3) / 2;
  return Array.from({ length: stdout.length / n }, (_, i) => stdout.subarray(i * n, (i + 1) * n));
}

describe('overlay export graph (renders laid over the clip inside ffmpeg)', () => {
  const overlay = (): OverlaySource => ({ path: render, startFrame: 10, frames: 20, rect, pasteRect, rgb: true });

  it.each([
    ['the whole clip', 0, 50],
    ['a range starting inside the render (seeked)', 15, 40],
    ['a range ending inside the render', 3, 22],
    ['a range after the render', 32, 45],
  ])('is bit-exact with the Node paste for %s', async (_name, start, end) => {
    const [a, b] = await Promise.all([nodeComposite(info, start, end, overlay()), ffmpegComposite(info, start, end, overlay())]);
    expect(b.length).toBe(end - start);
    expect(a.length).toBe(end - start);
    const differing = a.map((f, i) => (f.equals(b[i]) ? -1 : start + i)).filter((i) => i >= 0);
    expect(differing).toEqual([]);
    // The render really changed the frames it covers (else the test could not fail).
    if (start < 30 && end > 10) {
      const plain = await ffmpegComposite(info, start, end, { ...overlay(), startFrame: 1000 });
      expect(plain.some((f, i) => !f.equals(a[i]))).toBe(true);
    }
  });

  it('numbers frames of a variable-frame-rate clip as decodeFrames does', async () => {
    const vfr = await makeVfrTestVideo({ width: W, height: H, fps: 25, seconds: 1.2, gapAfterFrame: 12, gapSeconds: 0.2, dir });
    const vinfo = await probeMedia(vfr);
    expect(vinfo.variableFrameRate).toBe(true);
    const end = Math.min(vinfo.frameCount, 30);
    const [a, b] = await Promise.all([nodeComposite(vinfo, 4, end, overlay()), ffmpegComposite(vinfo, 4, end, overlay())]);
    expect(b.length).toBe(a.length);
    expect(a.every((f, i) => f.equals(b[i]))).toBe(true);
  });

  it('lays renders over the upright picture of a rotated clip, as decodeFrames gives it', async () => {
    const rotated = await makeTestVideo({ width: W, height: H, fps: 25, seconds: 1.2, rotate: 90, dir });
    const rinfo = await probeMedia(rotated);
    expect([90, 270]).toContain(rinfo.rotation);
    const [a, b] = await Promise.all([nodeComposite(rinfo, 0, 30, overlay(), H), ffmpegComposite(rinfo, 0, 30, overlay(), H)]);
    expect(b.length).toBe(30);
    expect(a.every((f, i) => f.equals(b[i]))).toBe(true);
  });

  it('lays only the pixels a render marks as changed (alpha): every other pixel keeps the clip\'s own bytes', async () => {
    // An rgba render (Ut Video gbrap, as the render cache stores them): a bright 8x8 block marked
    // changed (alpha 255) in every frame; the rest is black and marked unchanged (alpha 0).
    const rgbaPath = path.join(dir, 'alpha-render.mkv');
    const enc = createEncoder({ width: rect.w, height: rect.h, fpsNum: 25, fpsDen: 1, out: rgbaPath, lossless: true, losslessCodec: 'utvideo', inputPixFmt: 'rgba' });
    const block = { x: 12, y: 8, w: 8, h: 8 }; // inside the paste rectangle, even-aligned in the frame
    for (let f = 0; f < 20; f++) {
      const px = new Uint8Array(rect.w * rect.h * 4);
      for (let y = block.y; y < block.y + block.h; y++) for (let x = block.x; x < block.x + block.w; x++) px.set([250, 240, 230, 255], (y * rect.w + x) * 4);
      await enc.write(px);
    }
    await enc.finish();
    const withAlphaOverlay: OverlaySource = { path: rgbaPath, startFrame: 10, frames: 20, rect, pasteRect, rgb: true };
    const [laid, plain] = await Promise.all([ffmpegComposite(info, 10, 30, withAlphaOverlay), ffmpegComposite(info, 10, 30, { ...withAlphaOverlay, startFrame: 1000 })]);
    const inBlock = (x: number, y: number) => x >= rect.x + block.x && x < rect.x + block.x + block.w && y >= rect.y + block.y && y < rect.y + block.y + block.h;
    let outsideDiff = 0, insideDiff = 0;
    laid.forEach((f, i) => {
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
        const d = Math.abs(f[y * W + x] - plain[i][y * W + x]);
        if (inBlock(x, y)) insideDiff += d;
        else outsideDiff += d;
      }
    });
    expect(outsideDiff).toBe(0);
    expect(insideDiff / (20 * 64)).toBeGreaterThan(30);
  });

  it('builds the graph: trims, converts RGB with the matrix, cuts to the paste rectangle, shifts by frame', () => {
    const g = buildOverlayGraph({
      fpsNum: 30000, fpsDen: 1001, start: 15, frames: 10, seeked: true, pixFmt: 'yuv420p', matrix: 'bt709',
      overlays: [{ ...overlay(), input: 1 }, { path: '/take.mp4', startFrame: 40, frames: 5, rgb: false, input: 2 }],
    });
    expect(g).toBe(
      '[0:v:0]settb=expr=1001/30000,setpts=N,trim=end_frame=10,format=yuv420p[m0];' +
        '[1:v:0]trim=start_frame=5:end_frame=20,scale=out_color_matrix=bt709:out_range=tv,format=yuva420p,crop=30:24:4:4:exact=1,settb=expr=1001/30000,setpts=N+0[o0];' +
        '[m0][o0]overlay=x=24:y=20:eval=init:eof_action=pass:repeatlast=0:format=yuv420[m1];' +
        '[2:v:0]trim=start_frame=0:end_frame=5,format=yuv420p,settb=expr=1001/30000,setpts=N+25[o1];' +
        '[m1][o1]overlay=x=0:y=0:eval=init:eof_action=pass:repeatlast=0:format=yuv420[vout]',
    );
    expect(buildOverlayGraph({ fpsNum: 25, fpsDen: 1, start: 0, seeked: false, pixFmt: 'yuv422p10le', matrix: 'bt601', overlays: [] })).toBe('[0:v:0]settb=expr=1/25,setpts=N,format=yuv422p10le[vout]');
    expect(() => buildOverlayGraph({ fpsNum: 25, fpsDen: 1, start: 0, seeked: false, pixFmt: 'yuv420p', matrix: 'bt601', overlays: [{ ...overlay(), pasteRect: { x: 25, y: 20, w: 30, h: 24 }, input: 1 }] })).toThrow(/even/);
    expect(() => buildOverlayGraph({ fpsNum: 25, fpsDen: 1, start: 0, seeked: false, pixFmt: 'yuv420p', matrix: 'bt601', overlays: [{ ...overlay(), pasteRect: { x: 10, y: 20, w: 30, h: 24 }, input: 1 }] })).toThrow(/outside/);
    // Overlays outside the output range are not opened at all.
    const { args } = buildOverlayInputs({ input: '/c.mp4', fpsNum: 25, fpsDen: 1, start: 30, end: 40, matrix: 'bt601', overlays: [overlay()] });
    expect(args).toEqual(['-ss', '1.190000', '-i', '/c.mp4']);
  });
});
