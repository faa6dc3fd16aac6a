/**
 * The export pass through Node (rgb24): lossless exports and clips whose Y'CbCr the overlay pass
 * does not reproduce; decode -> paste each segment's crop -> encode (`runDub` picks it).
 */
import type { DubJobOptions, SegmentSpec } from './api';
import type { RgbFrame } from '../media/types';
import type { Rect } from '../masks/types';
import { decodeFrames } from '../media/decode';
import { createEncoder } from '../media/encode';
import { yuvMatrixOf } from '../media/matrix';
import { prefetch } from '../util/prefetch';
import { prepareJob } from './job';
import { progressReporter } from './progress-reporter';
import { DEFAULT_PRESET } from '../media/args';
import { renderSegment, readRenderedSegment, PREFETCH_FRAMES, type RenderedSegment } from './segment-render';
import { AsyncQueue } from '../util/async-queue';

/** A segment of the export: its render-cache entry once rendered (null while it is not). */
export interface Source {
  seg: SegmentSpec;
  rect: Rect;
  pasteRect: Rect;
  cached: RenderedSegment | null;
}

/**
 * The export pass through Node, in rgb24 (lossless exports, and clips whose Y'CbCr we do not
 * reproduce: full range, other matrices, odd sizes): streaming decode -> paste each segment's
 * crop (read from the render cache, or from a live render through a bounded queue while the
 * renderer also writes the cache) -> encode.
 * @returns frames encoded. On failure the encoder and decoder are stopped and the error rethrown.
 */
export async function exportThroughNode(a: {
  job: Awaited<ReturnType<typeof prepareJob>>;
  sources: Source[];
  outRange: { startFrame: number; endFrame: number };
  videoTmp: string;
  opts: DubJobOptions;
  busy: Record<string, number>;
  progress: ReturnType<typeof progressReporter>;
  addBusy: (r: RenderedSegment) => void;
  onInFlight: (frames: number) => void;
}): Promise<number> {
  const { job, sources, outRange, videoTmp, opts, busy, progress } = a;
  const { info, width, height } = job;
  const { signal, log } = opts;
  const total = outRange.endFrame - outRange.startFrame;
  // Live renders hand each composited crop to the export through a bounded queue.
  const queues = new Map<Source, AsyncQueue<RgbFrame>>();
  const renderAbort = new AbortController();
  const onOuterAbort = () => renderAbort.abort();
  signal?.addEventListener('abort', onOuterAbort, { once: true });
  let renders: Promise<void> = Promise.resolve();
  for (const src of sources) {
    if (src.cached) continue;
    const q = new AsyncQueue<RgbFrame>(PREFETCH_FRAMES);
    queues.set(src, q);
    renders = renders.then(async () => {
      try {
        const r = await renderSegment(job, src.seg, {
          signal: renderAbort.signal, providers: opts.providers, log, allSegments: opts.segments, memoFrames: false,
          onFrame: async (frame, rect, pasteRect) => {
            src.rect = rect;
            src.pasteRect = pasteRect;
            await q.push(frame);
          },
        });
        if (r) {
          src.cached = r;
          a.addBusy(r);
        }
        q.close();
      } catch (err) {
        q.close(err);
      }
    });
  }
  progress.start(queues.size ? 'render' : 'encode', total);
  const encoder = createEncoder({
    width, height, fpsNum: info.fpsNum, fpsDen: info.fpsDen, out: videoTmp, lossless: opts.lossless, crf: opts.crf, preset: opts.preset ?? DEFAULT_PRESET, signal,
    colorMatrix: yuvMatrixOf(info) ?? 'bt601',
  });
  const frames = prefetch(decodeFrames(info, { start: outRange.startFrame, end: outRange.endFrame, signal }), PREFETCH_FRAMES);
  type Reader = { src: Source; live: boolean; next: () => Promise<IteratorResult<RgbFrame>>; close: () => Promise<void>; buffered: () => number };
  let current: Reader | null = null;
  const timed = async <T>(k: string, f: () => Promise<T> | T): Promise<T> => {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      busy[k] = (busy[k] ?? 0) + (performance.now() - t0) / 1000;
    }
  };
  const open = (src: Source): Reader => {
    const q = queues.get(src);
    if (!q) {
      const crops = prefetch(readRenderedSegment(src.cached!, signal), PREFETCH_FRAMES);
      return { src, live: false, next: () => crops.next(), close: async () => void (await crops.return(undefined)), buffered: () => crops.buffered };
    }
    return {
      src,
      live: true,
      next: () => q.next(),
      // A live render must finish (it writes the cache): drain what the export does not need.
      close: async () => {
        while (!(await q.next()).done);
      },
      buffered: () => q.size,
    };
  };
  let done = 0;
  try {
    while (true) {
      const next = await timed('decodeWait', () => frames.next());
      if (next.done) break;
      const frame = next.value;
      const src = sources.find((s) => frame.index >= s.seg.startFrame && frame.index < s.seg.endFrame) ?? null;
      if (current && current.src !== src) {
        await current.close();
        current = null;
      }
      if (src && !current) {
        current = open(src);
        // Skip crops before the output range (a preview starting inside the segment).
        for (let k = src.seg.startFrame; k < frame.index; k++) await current.next();
      }
      if (current) {
        const c = await timed('cropWait', () => current!.next());
        if (c.done) throw new Error(`rendered segment ${current.src.seg.id} ended early at frame ${frame.index}`);
        const s = current.src;
        pasteCrop(frame, c.value, current.live ? { x: c.value.x0 ?? 0, y: c.value.y0 ?? 0, w: c.value.width, h: c.value.height } : s.rect, s.pasteRect);
      }
      a.onInFlight(1 + frames.buffered + (current?.buffered() ?? 0));
      await timed('encodeWait', () => encoder.write(frame.data));
      progress.tick(++done, total);
    }
    if (current) await current.close();
    current = null;
    for (const q of queues.values()) while (!(await q.next()).done);
    await renders;
    await encoder.finish();
    return done;
  } catch (err) {
    renderAbort.abort();
    for (const q of queues.values()) q.close(err);
    await renders;
    await frames.return(undefined);
    await encoder.abort();
    throw err;
  } finally {
    signal?.removeEventListener('abort', onOuterAbort);
  }
}

/**
 * Copies a rendered crop into a frame at `rect`, row by row: rgb24 into rgb24, or yuv420p into
 * yuv420p (Y, then U and V at half resolution; `rect` even-aligned). With `sub` (frame pixels,
 * inside `rect`; even-aligned for yuv420p) only that part of the crop is copied.
 * @throws Error when the crop's size is not `rect`'s or the pixel formats differ.
 */
export function pasteCrop(frame: RgbFrame, crop: RgbFrame, rect: { x: number; y: number; w: number; h: number }, sub: { x: number; y: number; w: number; h: number } = rect): void {
  if (crop.width !== rect.w || crop.height !== rect.h) throw new Error(`rendered crop is ${crop.width}x${crop.height}, expected ${rect.w}x${rect.h}`);
  const sx = sub.x - rect.x, sy = sub.y - rect.y;
  if (sx < 0 || sy < 0 || sx + sub.w > rect.w || sy + sub.h > rect.h) throw new Error('paste rectangle outside the rendered crop');
  if (frame.pixFmt === 'yuv420p') {
    if (crop.pixFmt !== 'yuv420p') throw new Error('pasting an rgb24 crop into a yuv420p frame');
    const W = frame.width, H = frame.height;
    for (let y = 0; y < sub.h; y++) {
      const s = (sy + y) * rect.w + sx;
      frame.data.set(crop.data.subarray(s, s + sub.w), (sub.y + y) * W + sub.x);
    }
    const cw = rect.w / 2, ch = rect.h / 2, CW = W / 2;
    const scw = sub.w / 2, sch = sub.h / 2;
    for (const [srcOff, dstOff] of [[rect.w * rect.h, W * H], [rect.w * rect.h + cw * ch, W * H + CW * (H / 2)]]) {
      for (let y = 0; y < sch; y++) {
        const s = srcOff + (sy / 2 + y) * cw + sx / 2;
        frame.data.set(crop.data.subarray(s, s + scw), dstOff + (sub.y / 2 + y) * CW + sub.x / 2);
      }
    }
    return;
  }
  const rowBytes = sub.w * 3;
  for (let y = 0; y < sub.h; y++) {
    const s = ((sy + y) * rect.w + sx) * 3;
    frame.data.set(crop.data.subarray(s, s + rowBytes), ((sub.y + y) * frame.width + sub.x) * 3);
  }
}
