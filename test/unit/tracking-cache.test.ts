import { mkdtemp, readdir, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RgbFrame } from '../../src/main/media/types';
import type { FaceDetector } from '../../src/main/tracking/mesh-detector';
import { decodeTracking, encodeTracking, readTrackingCache, writeTrackingCache } from '../../src/main/tracking/track-cache';
import { trackClip, trackClipCached, trackingCacheKey } from '../../src/main/tracking/track-clip';
import { buildTracks } from '../../src/main/tracking/tracker';
import { MESH_POINTS, type FaceObservation } from '../../src/main/tracking/types';
import { CancelledError, UserError } from '../../src/main/util/errors';

const W = 64;
const H = 48;

function face(cx: number, cy: number, s = 20): FaceObservation {
  const mesh = new Float32Array(MESH_POINTS * 3);
  for (let k = 0; k < MESH_POINTS; k++) {
    mesh[k * 3] = cx - s / 2 + (s * (k % 26)) / 25;
    mesh[k * 3 + 1] = cy - s / 2 + (s * Math.floor(k / 26)) / 17;
    mesh[k * 3 + 2] = k / 100;
  }
  return { box: [cx - s / 2, cy - s / 2, s, s], mesh, score: 0.75 };
}

/** Detector that reports one face per frame except in `missing` frames (by frame index). */
function fakeDetector(missing: (i: number) => boolean = () => false): FaceDetector & { calls: number; resets: number } {
  return {
    settingsKey: 'fake-detector-v1',
    calls: 0,
    resets: 0,
    reset() {
      this.resets++;
    },
    async detect(frame: RgbFrame) {
      this.calls++;
      return missing(frame.index) ? [] : [face(30 + frame.index * 0.2, 24)];
    },
  };
}

async function* frames(n: number, w = W, h = H): AsyncGenerator<RgbFrame> {
  for (let i = 0; i < n; i++) yield { index: i, width: w, height: h, data: new Uint8Array(w * h * 3) };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tracking-cache-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tracking file format', () => {
  const result = buildTracks(
    Array.from({ length: 30 }, (_, i) => (i >= 10 && i < 13 ? [] : i >= 20 ? [] : [face(30, 24)])),
    { width: W, height: H },
    { maxGapFrames: 5 },
  );

  it('round-trips observed, interpolated and absent samples exactly', () => {
    expect(result.tracks[0].frames[11]!.interpolated).toBe(true);
    const back = decodeTracking(encodeTracking(result, 'k1'), 'k1');
    expect(back).toEqual(result);
  });

  it('rejects another key, a truncated file and garbage', () => {
    const data = encodeTracking(result, 'k1');
    expect(decodeTracking(data, 'k2')).toBeNull();
    expect(decodeTracking(data.subarray(0, data.length - 8), 'k1')).toBeNull();
    expect(decodeTracking(Buffer.from('hello world, not a tracking file'), 'k1')).toBeNull();
  });

  it('writes atomically (no temp files left) and reads back', async () => {
    const file = join(dir, 'sub', 'x.dtrk');
    await writeTrackingCache(file, result, 'k1');
    expect(await readdir(join(dir, 'sub'))).toEqual(['x.dtrk']);
    expect(await readTrackingCache(file, 'k1')).toEqual(result);
    expect(await readTrackingCache(join(dir, 'missing.dtrk'), 'k1')).toBeNull();
  });

  it('stores meshes as float32: ~5.6 KB per face and frame', () => {
    const size = encodeTracking(result, 'k').length;
    const samples = result.tracks[0].frames.filter(Boolean).length;
    expect(size).toBeGreaterThan(samples * MESH_POINTS * 3 * 4);
    expect(size).toBeLessThan(samples * (MESH_POINTS * 3 + 5) * 4 + 1024);
  });
});

describe('trackClip', () => {
  it('tracks every frame, reports progress and resets the detector', async () => {
    const det = fakeDetector((i) => i >= 5 && i < 7);
    const progress = vi.fn();
    const r = await trackClip(frames(20), { width: W, height: H, frameCount: 20, detector: det, onProgress: progress });
    expect(det.resets).toBe(1);
    expect(det.calls).toBe(20);
    expect(r.frameCount).toBe(20);
    expect(r.tracks).toHaveLength(1);
    expect(r.tracks[0].frames[5]!.interpolated).toBe(true);
    expect(progress).toHaveBeenCalledTimes(20);
    expect(progress).toHaveBeenLastCalledWith(20, 20);
  });

  it('throws E_NO_FACE with a hint when no frame has a face', async () => {
    const err = await trackClip(frames(10), { width: W, height: H, frameCount: 10, detector: fakeDetector(() => true) }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe('E_NO_FACE');
    expect((err as UserError).hint).toMatch(/large enough/);
  });

  it('throws E_NO_FRAMES on an empty clip, Error on a wrong frame size', async () => {
    await expect(trackClip(frames(0), { width: W, height: H, frameCount: 0, detector: fakeDetector() })).rejects.toMatchObject({
      code: 'E_NO_FRAMES',
    });
    await expect(trackClip(frames(3, 10, 10), { width: W, height: H, frameCount: 3, detector: fakeDetector() })).rejects.toThrow(
      /10x10, expected 64x48/,
    );
  });

  it('stops with CancelledError and closes the frame iterator when aborted', async () => {
    const ac = new AbortController();
    let closed = false;
    async function* source(): AsyncGenerator<RgbFrame> {
      try {
        yield* frames(100);
      } finally {
        closed = true;
      }
    }
    const p = trackClip(source(), {
      width: W,
      height: H,
      frameCount: 100,
      detector: fakeDetector(),
      signal: ac.signal,
      onProgress: (done) => done === 10 && ac.abort(),
    });
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    expect(closed).toBe(true);
  });
});

describe('trackClipCached', () => {
  it('tracks once, then serves the cache without calling the frame factory', async () => {
    const video = join(dir, 'clip.mp4');
    await writeFile(video, 'pretend video bytes');
    const cacheDir = join(dir, 'cache');
    const opts = { width: W, height: H, frameCount: 15, detector: fakeDetector() };
    const factory = vi.fn(() => frames(15));
    const first = await trackClipCached(video, factory, opts, cacheDir);
    expect(factory).toHaveBeenCalledTimes(1);
    expect(await readdir(join(cacheDir, 'tracking'))).toHaveLength(1);

    const again = vi.fn(() => frames(15));
    const det2 = fakeDetector();
    const second = await trackClipCached(video, again, { ...opts, detector: det2 }, cacheDir);
    expect(again).not.toHaveBeenCalled();
    expect(det2.calls).toBe(0);
    expect(second).toEqual(first);
  });

  it('misses when the content, the settings or the decode key change', async () => {
    const video = join(dir, 'clip.mp4');
    await writeFile(video, 'pretend video bytes');
    const cacheDir = join(dir, 'cache');
    const opts = { width: W, height: H, frameCount: 15, detector: fakeDetector() };
    await trackClipCached(video, () => frames(15), opts, cacheDir);

    const factory = vi.fn(() => frames(15));
    await trackClipCached(video, factory, { ...opts, tracker: { maxGapFrames: 3 } }, cacheDir);
    await trackClipCached(video, factory, { ...opts, decodeKey: 'start=5' }, cacheDir);
    await writeFile(video, 'pretend video byteZ'); // same size, new content
    await trackClipCached(video, factory, opts, cacheDir);
    expect(factory).toHaveBeenCalledTimes(3);

    const h = 'a'.repeat(64);
    expect(trackingCacheKey(h, opts)).toBe(trackingCacheKey(h, { ...opts }));
    expect(trackingCacheKey(h, opts)).not.toBe(trackingCacheKey(h, { ...opts, fps: 30 }));
  });

  it('recomputes over a corrupt cache file', async () => {
    const video = join(dir, 'clip.mp4');
    await writeFile(video, 'pretend video bytes');
    const cacheDir = join(dir, 'cache');
    const opts = { width: W, height: H, frameCount: 15, detector: fakeDetector() };
    await trackClipCached(video, () => frames(15), opts, cacheDir);
    const [name] = await readdir(join(cacheDir, 'tracking'));
    const file = join(cacheDir, 'tracking', name);
    const data = await readFile(file);
    await writeFile(file, data.subarray(0, 100));
    const factory = vi.fn(() => frames(15));
    const r = await trackClipCached(video, factory, opts, cacheDir);
    expect(factory).toHaveBeenCalledTimes(1);
    expect(r.tracks).toHaveLength(1);
  });
});
