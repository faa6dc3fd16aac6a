import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { makeTempDir, makeTestVideo, makeTone, cleanupTestMedia } from '../helpers/genmedia';
import { syntheticTracking } from '../helpers/synthetic-face';
import { runDub } from '../../src/main/pipeline/dub';
import { storeTracking } from '../../src/main/pipeline/tracking-stage';
import { cropMemo, readRenderedSegment, renderSegment, type RenderedSegment } from '../../src/main/pipeline/segment-render';
import { prepareJob } from '../../src/main/pipeline/job';
import { probeMedia } from '../../src/main/media/probe';
import { decodeFrames } from '../../src/main/media/decode';
import { decodeAudioMono16k } from '../../src/main/media/audio-decode';
import { unionMask } from '../../src/main/masks/geometry';
import { CancelledError } from '../../src/main/util/errors';
import type { DubProgress, SegmentSpec } from '../../src/main/pipeline/api';

/** What a `runDub` call tells its caller: its log lines and the progress stages it went through. */
function observe() {
  const logs: string[] = [];
  const stages = new Set<DubProgress['stage']>();
  return { logs, stages, log: (m: string) => void logs.push(m), onProgress: (p: DubProgress) => void stages.add(p.stage) };
}
const TRACKING_CACHED = 'tracking: cache hit';
/** Logged for a segment found in the render cache (its engine does not run). */
const RENDERED_EARLIER = 'segment seg-1: rendered earlier (render cache)';

/** Zero-crossing frequency estimate (Hz) of 16 kHz samples [a, b). */
function zcFrequency(x: Float32Array, a: number, b: number): number {
  let z = 0;
  for (let i = a + 1; i < b; i++) if ((x[i - 1] < 0) !== (x[i] < 0)) z++;
  return (z / 2) * (16000 / (b - a));
}

describe('dub pipeline on generated media (synthetic face tracks)', () => {
  let dir: string;
  let video: string;
  let dub: string;
  let cacheDir: string;
  const W = 192;
  const H = 160;

  beforeAll(async () => {
    dir = await makeTempDir('dub-e2e-');
    cacheDir = path.join(dir, 'cache');
    video = await makeTestVideo({ width: W, height: H, fps: 25, seconds: 3, withAudio: true, dir });
    dub = await makeTone({ seconds: 3, freq: 1000, dir });
    const info = await probeMedia(video);
    await storeTracking(info, syntheticTracking(W, H, info.frameCount), cacheDir);
  });
  afterAll(cleanupTestMedia);

  const segment = (o: Partial<SegmentSpec> = {}): SegmentSpec => ({
    id: 'seg-1', startFrame: 25, endFrame: 50, engine: 'reference', params: {}, reference: { startFrame: 50, endFrame: 75 }, ...o,
  });

  it('keeps size, rate and frame count; changes only the union mask of the segment; replaces the audio over the dubbed range', async () => {
    const out = path.join(dir, 'out.mp4');
    const seen = observe();
    const res = await runDub({ video, audio: dub, out, segments: [segment()], lossless: true, cacheDir, dubbedRange: { start: 1, end: 2 }, log: seen.log, onProgress: seen.onProgress });
    // Cached tracks were used: the tracker never started.
    expect(seen.logs).toContain(TRACKING_CACHED);
    expect(seen.stages.has('track')).toBe(false);
    expect(res.frames).toBe(75);
    const a = await probeMedia(video);
    const b = await probeMedia(out);
    expect([b.width, b.height, b.fpsNum / b.fpsDen, b.frameCount]).toEqual([a.width, a.height, 25, a.frameCount]);

    const tracking = syntheticTracking(W, H, a.frameCount);
    const um = unionMask(tracking.tracks[0].frames.slice(25, 50).map((f) => f!.mesh), W, H)!;
    const ga = decodeFrames(a);
    const gb = decodeFrames(b);
    let changedInside = 0;
    for (let i = 0; i < a.frameCount; i++) {
      const fa = (await ga.next()).value!;
      const fb = (await gb.next()).value!;
      const inSeg = i >= 25 && i < 50;
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const insideUnion = inSeg && x >= um.rect.x && x < um.rect.x + um.rect.w && y >= um.rect.y && y < um.rect.y + um.rect.h;
          const o = (y * W + x) * 3;
          const same = fa.data[o] === fb.data[o] && fa.data[o + 1] === fb.data[o + 1] && fa.data[o + 2] === fb.data[o + 2];
          if (!insideUnion && !same) throw new Error(`frame ${i} pixel ${x},${y} changed outside the union mask`);
          if (insideUnion && !same) changedInside++;
        }
      }
    }
    expect(changedInside).toBeGreaterThan(25 * 100);

    const audio = await decodeAudioMono16k(out);
    expect(zcFrequency(audio, 0.2 * 16000, 0.8 * 16000)).toBeCloseTo(440, -1);
    expect(zcFrequency(audio, 1.2 * 16000, 1.8 * 16000)).toBeCloseTo(1000, -1);
    expect(zcFrequency(audio, 2.2 * 16000, 2.8 * 16000)).toBeCloseTo(440, -1);
    const left = (await fsp.readdir(dir)).filter((f) => f.includes('.tmp-'));
    expect(left).toEqual([]);
  });

  it('applies the occlusion mask: pixels under the occluder stay the original', async () => {
    const out = path.join(dir, 'occ.mp4');
    const tracking = syntheticTracking(W, H, 75);
    const um = unionMask(tracking.tracks[0].frames.slice(25, 50).map((f) => f!.mesh), W, H)!;
    // Occluder: the left half of the union box for the whole segment.
    const r = um.rect;
    const poly: [number, number][] = [[r.x, r.y], [r.x + r.w / 2, r.y], [r.x + r.w / 2, r.y + r.h], [r.x, r.y + r.h]];
    await runDub({
      video, audio: dub, out, lossless: true, cacheDir,
      segments: [segment({ occlusion: { shapes: [{ id: 'hand', keyframes: [{ frame: 0, polygons: [poly] }] }] } })],
    });
    const a = await probeMedia(video);
    const fa = (await decodeFrames(a, { start: 35, end: 36 }).next()).value!;
    const fb = (await decodeFrames(await probeMedia(out), { start: 35, end: 36 }).next()).value!;
    let diffLeft = 0;
    let diffRight = 0;
    for (let y = r.y; y < r.y + r.h; y++) {
      for (let x = r.x; x < r.x + r.w; x++) {
        const o = (y * W + x) * 3;
        const d = Math.abs(fa.data[o] - fb.data[o]) + Math.abs(fa.data[o + 1] - fb.data[o + 1]) + Math.abs(fa.data[o + 2] - fb.data[o + 2]);
        if (x + 0.5 < r.x + r.w / 2) diffLeft += d;
        else diffRight += d;
      }
    }
    expect(diffLeft).toBe(0);
    expect(diffRight).toBeGreaterThan(0);
  });

  it('regression guard: frames in flight stay bounded; a second export of an unchanged project re-encodes only', async () => {
    const out1 = path.join(dir, 'again1.mp4');
    const out2 = path.join(dir, 'again2.mp4');
    const seg = segment({ params: { lambdaA: 1.7 } });
    const r1 = await runDub({ video, audio: dub, out: out1, lossless: true, cacheDir, segments: [seg] });
    expect(r1.pipeline.maxFramesInFlight).toBeGreaterThan(0);
    expect(r1.pipeline.maxFramesInFlight).toBeLessThanOrEqual(r1.pipeline.framesInFlightBound);
    const again = observe();
    const r2 = await runDub({ video, audio: dub, out: out2, lossless: true, cacheDir, segments: [seg], log: again.log, onProgress: again.onProgress });
    // No tracking and no engine: the tracks and the render come from the cache.
    expect(again.logs).toContain(TRACKING_CACHED);
    expect(again.stages.has('track')).toBe(false);
    expect(again.logs).toContain(RENDERED_EARLIER);
    expect(r2.pipeline.busySec.engine).toBe(0);
    const a = decodeFrames(await probeMedia(out1));
    const b = decodeFrames(await probeMedia(out2));
    for (let i = 0; i < 75; i++) expect(Buffer.from((await a.next()).value!.data).equals(Buffer.from((await b.next()).value!.data))).toBe(true);
    // A parameter change re-renders that segment only.
    const changed = observe();
    const r3 = await runDub({ video, audio: dub, out: out2, lossless: true, cacheDir, segments: [{ ...seg, params: { lambdaA: 0.5 } }], log: changed.log });
    expect(changed.logs).not.toContain(RENDERED_EARLIER);
    expect(r3.pipeline.busySec.engine).toBeGreaterThan(0);
  });

  it('review (H.264) exports render into the cache, then lay the render over the clip inside ffmpeg; a second export is bit-identical', async () => {
    const seg = segment({ params: { lambdaA: 1.9 } });
    const out1 = path.join(dir, 'review1.mp4');
    const out2 = path.join(dir, 'review2.mp4');
    const first = observe();
    const r1 = await runDub({ video, audio: dub, out: out1, cacheDir, segments: [seg], crf: 10, log: first.log, onProgress: first.onProgress });
    // Not in the render cache: rendered into it first.
    expect(first.logs).not.toContain(RENDERED_EARLIER);
    expect(first.stages.has('render')).toBe(true);
    // The dubbed audio went into the same ffmpeg pass: AAC, the dub over the segment only.
    const p1 = await probeMedia(out1);
    expect(p1.audioStreams.map((a) => a.codec)).toEqual(['aac']);
    expect(p1.audioStreams[0].duration).toBeGreaterThan(2.95);
    expect(r1.timings.mux).toBeUndefined();
    const sound = await decodeAudioMono16k(out1);
    expect(zcFrequency(sound, 0.2 * 16000, 0.8 * 16000)).toBeCloseTo(440, -1);
    expect(zcFrequency(sound, 1.2 * 16000, 1.8 * 16000)).toBeCloseTo(1000, -1);
    expect(zcFrequency(sound, 2.2 * 16000, 2.8 * 16000)).toBeCloseTo(440, -1);
    expect(r1.pipeline.maxFramesInFlight).toBeGreaterThan(0);
    expect(r1.pipeline.maxFramesInFlight).toBeLessThanOrEqual(r1.pipeline.framesInFlightBound);
    // Output range starting inside the segment (a take or a preview of part of the clip).
    const second = observe();
    const r2 = await runDub({ video, audio: dub, out: out2, cacheDir, segments: [seg], crf: 10, outputRange: { startFrame: 30, endFrame: 60 }, log: second.log, onProgress: second.onProgress });
    // From the render cache (no engine), again in one overlay pass: nothing was muxed afterwards,
    // as a pass through Node would have needed.
    expect(second.logs).toContain(RENDERED_EARLIER);
    expect(second.stages.has('render')).toBe(false);
    expect(r2.timings.mux).toBeUndefined();
    expect(r2.frames).toBe(30);
    expect(r2.renders?.[0].file).toMatch(/renders/);
    // The pictures of frames 30-59 are the same in both (x264 given the same frames; only the
    // GOP start differs, so compare decoded pixels in the union box with a tight bound: laid one
    // frame early or late the mean difference there is ~24 levels).
    const a = decodeFrames(await probeMedia(out1), { start: 30, end: 60 });
    const b = decodeFrames(await probeMedia(out2));
    const um = r2.renders![0].pasteRect;
    let sum = 0;
    for (let i = 0; i < 30; i++) {
      const fa = (await a.next()).value!;
      const fb = (await b.next()).value!;
      let d = 0;
      for (let y = um.y; y < um.y + um.h; y++) for (let x = um.x; x < um.x + um.w; x++) for (let c = 0; c < 3; c++) d += Math.abs(fa.data[(y * W + x) * 3 + c] - fb.data[(y * W + x) * 3 + c]);
      sum += d / (um.w * um.h * 3);
    }
    expect(sum / 30).toBeLessThan(2);
    // The whole clip again: bit-identical to the first (cold) export.
    const out3 = path.join(dir, 'review3.mp4');
    await runDub({ video, audio: dub, out: out3, cacheDir, segments: [seg], crf: 10 });
    const c1 = decodeFrames(await probeMedia(out1));
    const c3 = decodeFrames(await probeMedia(out3));
    for (let i = 0; i < 75; i++) expect(Buffer.from((await c1.next()).value!.data).equals(Buffer.from((await c3.next()).value!.data))).toBe(true);
  });

  it('a slider change re-renders from the remembered decoded crops, with the pixels a fresh decode gives', async () => {
    const segs = [segment()];
    const job = await prepareJob({ video, audio: dub, segments: segs, cacheDir });
    const frames = async (r: RenderedSegment | null) => {
      const out: Buffer[] = [];
      for await (const f of readRenderedSegment(r!)) out.push(Buffer.from(f.data));
      return out;
    };
    cropMemo.clear();
    const get = vi.spyOn(cropMemo, 'get');
    const set = vi.spyOn(cropMemo, 'set');
    /** Each render's look-up in the memo: true = its frames were replayed, false = decoded. */
    const replayed = () => get.mock.results.map((r) => r.value !== undefined);
    let a: RenderedSegment | null, b: RenderedSegment | null, a2: RenderedSegment | null, b2: RenderedSegment | null, a3: RenderedSegment | null;
    try {
      a = await renderSegment(job, segment({ params: { lambdaA: 0.31 } }), { allSegments: segs });
      expect(replayed()).toEqual([false]);
      expect(set).toHaveBeenCalledTimes(1); // decoded and remembered
      b = await renderSegment(job, segment({ params: { lambdaA: 0.47, silence: 0.2 } }), { allSegments: segs });
      expect(replayed()).toEqual([false, true]); // replayed, not decoded
      expect(b!.cached).toBe(false);
      // The same renders without the memo, into another cache: identical pixels (the replay hands
      // out copies, so compositing into them never altered the remembered frames).
      const fresh = { ...job, cacheDir: path.join(dir, 'cache-no-memo') };
      b2 = await renderSegment(fresh, segment({ params: { lambdaA: 0.47, silence: 0.2 } }), { allSegments: segs, memoFrames: false });
      a2 = await renderSegment(fresh, segment({ params: { lambdaA: 0.31 } }), { allSegments: segs, memoFrames: false });
      expect(replayed()).toEqual([false, true]); // decoded without asking the memo
      a3 = await renderSegment({ ...job, cacheDir: path.join(dir, 'cache-replay') }, segment({ params: { lambdaA: 0.31 } }), { allSegments: segs });
      expect(replayed()).toEqual([false, true, true]);
      expect(set).toHaveBeenCalledTimes(1);
    } finally {
      get.mockRestore();
      set.mockRestore();
    }
    const [fb, fb2, fa, fa2, fa3] = await Promise.all([frames(b), frames(b2), frames(a), frames(a2), frames(a3)]);
    expect(fb.length).toBe(25);
    for (let i = 0; i < fb.length; i++) expect(fb[i].equals(fb2[i]) && fa[i].equals(fa2[i]) && fa[i].equals(fa3[i])).toBe(true);
  });

  it('a cancelled job leaves no output and no temp file', async () => {
    const out = path.join(dir, 'cancel.mp4');
    const ac = new AbortController();
    const p = runDub({
      video, audio: dub, out, cacheDir, segments: [segment({ params: { lambdaA: 1.23 } })], signal: ac.signal,
      onProgress: (pr) => { if ((pr.stage === 'render' || pr.stage === 'encode') && pr.done >= 10) ac.abort(); },
    });
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    const files = await fsp.readdir(dir);
    expect(files.filter((f) => f.startsWith('cancel') || f.startsWith('.cancel'))).toEqual([]);
    // The interrupted render left no partial file in the render cache.
    const renders = await fsp.readdir(path.join(cacheDir, 'renders'));
    expect(renders.filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe('review export (lossy, Y\'CbCr 4:2:0 path)', () => {
  it('matches the lossless render in the dubbed region and the source elsewhere, for BT.601 and BT.709 clips', async () => {
    const { ffmpegRun } = await import('../helpers/genmedia');
    const dir = await makeTempDir('dub-yuv-');
    const cacheDir = path.join(dir, 'cache');
    for (const cs of ['smpte170m', 'bt709']) {
      const video = path.join(dir, `src-${cs}.mp4`);
      await ffmpegRun(['-f', 'lavfi', '-i', 'testsrc2=size=192x160:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100', '-t', '2', '-vf', 'hue=h=t*90', '-c:v', 'libx264', '-crf', '10', '-pix_fmt', 'yuv420p', '-colorspace', cs, '-color_primaries', cs === 'bt709' ? 'bt709' : 'smpte170m', '-color_trc', cs === 'bt709' ? 'bt709' : 'smpte170m', '-c:a', 'aac', '-shortest', video]);
      const dub = await makeTone({ seconds: 2, freq: 900, dir });
      const info = await probeMedia(video);
      await storeTracking(info, syntheticTracking(192, 160, info.frameCount), cacheDir);
      const seg: SegmentSpec = { id: 's', startFrame: 10, endFrame: 30, engine: 'reference', params: {}, reference: { startFrame: 30, endFrame: 50 } };
      const lossless = path.join(dir, `ll-${cs}.mp4`);
      const review = path.join(dir, `rv-${cs}.mp4`);
      await runDub({ video, audio: dub, out: lossless, lossless: true, cacheDir, segments: [seg] });
      await runDub({ video, audio: dub, out: review, crf: 12, cacheDir, segments: [seg] });
      const tracking = syntheticTracking(192, 160, info.frameCount);
      const um = unionMask(tracking.tracks[0].frames.slice(10, 30).map((f) => f!.mesh), 192, 160)!;
      const A = decodeFrames(await probeMedia(lossless));
      const B = decodeFrames(await probeMedia(review));
      let inside = 0, nIn = 0, nOut = 0;
      const outside = [0, 0, 0];
      for (let i = 0; i < info.frameCount; i++) {
        const a = (await A.next()).value!;
        const b = (await B.next()).value!;
        for (let y = 0; y < 160; y += 3) {
          for (let x = 0; x < 192; x += 3) {
            if (x >= um.rect.x && x < um.rect.x + um.rect.w && y >= um.rect.y && y < um.rect.y + um.rect.h) continue;
            const o = (y * 192 + x) * 3;
            for (let c = 0; c < 3; c++) outside[c] += Math.abs(a.data[o + c] - b.data[o + c]);
            nOut++;
          }
        }
        if (i < 10 || i >= 30) continue;
        for (let y = um.rect.y; y < um.rect.y + um.rect.h; y++) {
          for (let x = um.rect.x; x < um.rect.x + um.rect.w; x++) {
            const o = (y * 192 + x) * 3;
            inside += Math.abs(a.data[o] - b.data[o]) + Math.abs(a.data[o + 1] - b.data[o + 1]) + Math.abs(a.data[o + 2] - b.data[o + 2]);
            nIn += 3;
          }
        }
      }
      // Only coding error (crf 12) inside; a wrong frame, place or matrix gives far larger errors.
      expect(inside / nIn).toBeLessThan(5);
      // Outside: coding error only (a matrix/tag mismatch shifts colours by several levels).
      expect(Math.max(...outside.map((v) => v / nOut))).toBeLessThan(2);
      const p = await probeMedia(review);
      expect(p.colorSpace ?? 'unknown').toBe(cs === 'bt709' ? 'bt709' : 'smpte170m');
    }
  });
});
