import { execFileSync } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrames } from '../../src/main/media/decode';
import { createEncoder } from '../../src/main/media/encode';
import { probeMedia } from '../../src/main/media/probe';
import type { RgbFrame, VideoInfo } from '../../src/main/media/types';
import { CancelledError, UserError } from '../../src/main/util/errors';
import { cleanupTestMedia, makeTempDir, makeTestVideo } from '../helpers/genmedia';
import { describeIfSharedMedia, sharedMedia } from '../helpers/shared-media';

async function collect(gen: AsyncGenerator<RgbFrame>): Promise<RgbFrame[]> {
  const out: RgbFrame[] = [];
  for await (const f of gen) out.push(f);
  return out;
}

/** ffmpeg processes whose command line mentions `needle` (a unique temp path). */
function ffmpegProcessesWith(needle: string): string[] {
  const ps = execFileSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' });
  return ps
    .split('\n')
    .filter((l) => l.includes('ffmpeg') && l.includes(needle))
    .filter((l) => !/^\s*\d+\s+Z/.test(l)); // a reaped zombie would still show as Z; we wait, so expect none at all
}

async function waitFor(cond: () => boolean, ms = 3000): Promise<boolean> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

let dir: string;
let clip: string;
let info: VideoInfo;
beforeAll(async () => {
  dir = await makeTempDir();
  clip = await makeTestVideo({ width: 64, height: 48, fps: 25, seconds: 2, dir });
  info = await probeMedia(clip);
});
afterAll(cleanupTestMedia);

describe('decodeFrames', () => {
  it('yields every frame as 64x48 rgb24 with consecutive absolute indices', async () => {
    const frames = await collect(decodeFrames(info));
    expect(frames).toHaveLength(50);
    expect(frames.map((f) => f.index)).toEqual([...Array(50).keys()]);
    for (const f of frames) {
      expect([f.width, f.height, f.data.length]).toEqual([64, 48, 64 * 48 * 3]);
    }
    // Every generated frame is distinct (so index checks below are meaningful), each in its own buffer.
    expect(new Set(frames.map((f) => Buffer.from(f.data).toString('base64'))).size).toBe(50);
    expect(frames[0].data.buffer).not.toBe(frames[1].data.buffer);
  });

  it('decodes a range with absolute indices, identical to the same frames of a full decode', async () => {
    const full = await collect(decodeFrames(info));
    for (const [start, end] of [[13, 21], [24, 25], [1, 4], [45, 50]] as const) {
      const part = await collect(decodeFrames(info, { start, end }));
      expect(part.map((f) => f.index)).toEqual(Array.from({ length: end - start }, (_, i) => start + i));
      for (const f of part) expect(Buffer.compare(f.data, full[f.index].data)).toBe(0);
    }
  });

  it('decodes a range exactly at 30000/1001 fps (non-integer frame times)', async () => {
    const ntsc = await probeMedia(await makeTestVideo({ width: 64, height: 48, fps: '30000/1001', seconds: 2, dir }));
    const full = await collect(decodeFrames(ntsc));
    expect(full).toHaveLength(ntsc.frameCount);
    expect(new Set(full.map((f) => Buffer.from(f.data).toString('base64'))).size).toBe(full.length);
    const part = await collect(decodeFrames(ntsc, { start: 29, end: 37 }));
    expect(part.map((f) => f.index)).toEqual([29, 30, 31, 32, 33, 34, 35, 36]);
    for (const f of part) expect(Buffer.compare(f.data, full[f.index].data)).toBe(0);
  });

  it('stops at the end of the clip for a range past it', async () => {
    const part = await collect(decodeFrames(info, { start: 47, end: 60 }));
    expect(part.map((f) => f.index)).toEqual([47, 48, 49]);
  });

  it('rejects bad ranges with E_BAD_RANGE', async () => {
    await expect(collect(decodeFrames(info, { start: 5, end: 5 }))).rejects.toMatchObject({ code: 'E_BAD_RANGE' });
    await expect(collect(decodeFrames(info, { start: -1 }))).rejects.toMatchObject({ code: 'E_BAD_RANGE' });
    await expect(collect(decodeFrames(info, { start: 1.5 }))).rejects.toBeInstanceOf(UserError);
  });

  it('kills ffmpeg when the consumer breaks early (no stray process)', async () => {
    let n = 0;
    for await (const f of decodeFrames(info)) {
      expect(ffmpegProcessesWith(clip).length).toBe(1); // running while we consume
      n = f.index;
      if (n === 2) break;
    }
    expect(n).toBe(2);
    expect(ffmpegProcessesWith(clip)).toEqual([]);
  });

  it('stalls ffmpeg while the consumer is slow (bounded memory), then finishes', async () => {
    // 320x240 x 40 frames = 9.2 MB of rgb24: far more than the pipe and stream buffers.
    const big = await makeTestVideo({ width: 320, height: 240, fps: 25, seconds: 1.6, dir });
    const bigInfo = await probeMedia(big);
    const gen = decodeFrames(bigInfo);
    const r = await gen.next();
    expect(r.done).toBe(false);
    await new Promise((res) => setTimeout(res, 600));
    // ffmpeg cannot finish while nobody reads: it is blocked on the full pipe.
    expect(ffmpegProcessesWith(big).length).toBe(1);
    let count = 1;
    for await (const _f of { [Symbol.asyncIterator]: () => gen }) count++;
    expect(count).toBe(40);
    expect(ffmpegProcessesWith(big)).toEqual([]);
  });

  it('aborting the signal kills ffmpeg and throws CancelledError', async () => {
    const ac = new AbortController();
    let seen = 0;
    const run = async () => {
      for await (const _f of decodeFrames(info, { signal: ac.signal })) {
        seen++;
        if (seen === 3) ac.abort();
      }
    };
    await expect(run()).rejects.toBeInstanceOf(CancelledError);
    expect(seen).toBe(3);
    expect(ffmpegProcessesWith(clip)).toEqual([]);
  });
});

describe('decodeFrames with recycled buffers', () => {
  it('yields the same pixels through two alternating buffers', async () => {
    const fresh = (await collect(decodeFrames(info, { end: 12 }))).map((f) => Buffer.from(f.data));
    const seen = new Set<ArrayBufferLike>();
    let i = 0;
    for await (const f of decodeFrames(info, { end: 12, recycle: true })) {
      expect(Buffer.from(f.data).equals(fresh[i++])).toBe(true);
      seen.add(f.data.buffer);
    }
    expect(i).toBe(12);
    expect(seen.size).toBe(2);
  });
});

describe('createEncoder', () => {
  it.each([
    ['libx264rgb', 'roundtrip.mp4', undefined],
    ['Ut Video (the render cache)', 'roundtrip.mkv', 'utvideo'],
  ] as const)('lossless round trip with %s: decode -> encode -> decode is bit-exact on every byte', async (_name, file, losslessCodec) => {
    const out = path.join(dir, file);
    const enc = createEncoder({ width: 64, height: 48, fpsNum: 25, fpsDen: 1, out, lossless: true, losslessCodec });
    const original: Uint8Array[] = [];
    for await (const f of decodeFrames(info)) {
      original.push(f.data);
      await enc.write(f.data);
    }
    await enc.finish();
    expect(existsSync(enc.tempPath)).toBe(false);
    const outInfo = await probeMedia(out);
    expect(outInfo).toMatchObject({ width: 64, height: 48, fpsNum: 25, fpsDen: 1, frameCount: 50 });
    const again = await collect(decodeFrames(outInfo));
    expect(again).toHaveLength(original.length);
    again.forEach((f, i) => expect(Buffer.compare(f.data, original[i])).toBe(0));
    expect(outInfo.codec).toBe(losslessCodec ?? 'h264');
  });

  it('default H.264 output is yuv420p at the exact rational rate and close to the input', async () => {
    const out = path.join(dir, 'h264.mp4');
    const enc = createEncoder({ width: 64, height: 48, fpsNum: 30000, fpsDen: 1001, out, preset: 'ultrafast' });
    const frames = await collect(decodeFrames(info, { end: 10 }));
    // Reusing one buffer for every write is allowed once write() resolves.
    const scratch = new Uint8Array(64 * 48 * 3);
    for (const f of frames) {
      scratch.set(f.data);
      await enc.write(scratch);
    }
    await enc.finish();
    const o = await probeMedia(out);
    expect(o).toMatchObject({ codec: 'h264', pixelFormat: 'yuv420p', fpsNum: 30000, fpsDen: 1001, frameCount: 10 });
    const back = await collect(decodeFrames(o));
    let err = 0;
    for (let i = 0; i < back.length; i++) for (let j = 0; j < back[i].data.length; j++) err += Math.abs(back[i].data[j] - frames[i].data[j]);
    expect(err / (10 * 64 * 48 * 3)).toBeLessThan(6); // mean abs error per byte at CRF 18
  });

  it('abort() deletes the temp file, kills ffmpeg, and never creates the final path', async () => {
    const out = path.join(dir, 'aborted.mp4');
    const enc = createEncoder({ width: 64, height: 48, fpsNum: 25, fpsDen: 1, out });
    for await (const f of decodeFrames(info, { end: 5 })) await enc.write(f.data);
    expect(await waitFor(() => existsSync(enc.tempPath))).toBe(true);
    await enc.abort();
    expect(existsSync(enc.tempPath)).toBe(false);
    expect(existsSync(out)).toBe(false);
    expect(ffmpegProcessesWith(enc.tempPath)).toEqual([]);
    await expect(enc.write(new Uint8Array(64 * 48 * 3))).rejects.toBeInstanceOf(CancelledError);
  });

  it('an aborted signal cancels, cleans up, and leaves an existing output untouched', async () => {
    const out = path.join(dir, 'existing.mp4');
    await fsp.writeFile(out, 'previous result');
    const ac = new AbortController();
    const enc = createEncoder({ width: 64, height: 48, fpsNum: 25, fpsDen: 1, out, signal: ac.signal });
    await enc.write(new Uint8Array(64 * 48 * 3));
    ac.abort();
    await expect(enc.finish()).rejects.toBeInstanceOf(CancelledError);
    expect(existsSync(enc.tempPath)).toBe(false);
    expect(await fsp.readFile(out, 'utf8')).toBe('previous result');
  });

  it('rejects frames of the wrong size and unsupported extensions', async () => {
    expect(() => createEncoder({ width: 64, height: 48, fpsNum: 25, fpsDen: 1, out: path.join(dir, 'x.gif') })).toThrow(
      expect.objectContaining({ code: 'E_BAD_OUTPUT' }),
    );
    const enc = createEncoder({ width: 64, height: 48, fpsNum: 25, fpsDen: 1, out: path.join(dir, 'bad.mp4') });
    await expect(enc.write(new Uint8Array(10))).rejects.toMatchObject({ code: 'E_BAD_FRAME' });
    await enc.abort();
    expect(existsSync(enc.tempPath)).toBe(false);
  });

  it('reports E_ENCODE_FAILED when the output folder does not exist, leaving nothing behind', async () => {
    const out = path.join(dir, 'no-such-folder', 'x.mp4');
    const enc = createEncoder({ width: 64, height: 48, fpsNum: 25, fpsDen: 1, out });
    const run = async () => {
      for (let i = 0; i < 5; i++) await enc.write(new Uint8Array(64 * 48 * 3));
      await enc.finish();
    };
    const err = await run().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_ENCODE_FAILED' });
    expect((err as UserError).hint).toMatch(/writable/);
    expect(existsSync(out)).toBe(false);
    expect(ffmpegProcessesWith(enc.tempPath)).toEqual([]);
  });
});

describeIfSharedMedia('decodeFrames on the real clip talk-a.mp4 (H.264 with B-frames)', ['talk-a.mp4'], () => {
  it('streams all frames at 844x844 and seeks a range to the same pixels as a sequential decode', async () => {
    const real = await probeMedia(sharedMedia('talk-a.mp4')!);
    let count = 0;
    const sequential = new Map<number, Uint8Array>();
    for await (const f of decodeFrames(real)) {
      expect([f.index, f.width, f.height]).toEqual([count, 844, 844]);
      if (f.index >= 61 && f.index < 66) sequential.set(f.index, f.data);
      count++;
    }
    expect(count).toBe(real.frameCount);
    const part = await collect(decodeFrames(real, { start: 61, end: 66 }));
    expect(part.map((f) => f.index)).toEqual([61, 62, 63, 64, 65]);
    for (const f of part) expect(Buffer.compare(f.data, sequential.get(f.index)!)).toBe(0);
  });
});

describe('decodeFrames with a crop', () => {
  it('equals the same rectangle of a full decode, byte for byte (odd offsets too)', async () => {
    const video = await makeTestVideo({ width: 64, height: 48, fps: 25, seconds: 0.4 });
    const info = await probeMedia(video);
    const crop = { x: 7, y: 5, w: 21, h: 13 };
    const full = [];
    for await (const f of decodeFrames(info, { start: 3, end: 8 })) full.push(f);
    const cropped = [];
    for await (const f of decodeFrames(info, { start: 3, end: 8, crop })) cropped.push(f);
    expect(cropped.map((f) => f.index)).toEqual([3, 4, 5, 6, 7]);
    for (let k = 0; k < full.length; k++) {
      expect([cropped[k].width, cropped[k].height]).toEqual([21, 13]);
      for (let y = 0; y < crop.h; y++) {
        const a = full[k].data.subarray(((crop.y + y) * 64 + crop.x) * 3, ((crop.y + y) * 64 + crop.x + crop.w) * 3);
        const b = cropped[k].data.subarray(y * crop.w * 3, (y + 1) * crop.w * 3);
        expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
      }
    }
    await expect(async () => {
      for await (const _ of decodeFrames(info, { crop: { x: 60, y: 0, w: 10, h: 10 } })) void _;
    }).rejects.toThrow(/outside/);
  });
});
