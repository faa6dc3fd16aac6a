import { CancelledError, UserError } from '../util/errors';
import { buildDecodeArgs, type ColorMatrix } from './args';
import { locateFfmpeg } from './locate';
import { displaySize } from './probe';
import { isRunning, spawnFailure, spawnReader, versionHint } from './process';
import type { RgbFrame, VideoInfo } from './types';

export interface DecodeOptions {
  /** First frame to yield (0-based, default 0). */
  start?: number;
  /** Frame after the last one to yield (exclusive); default: to the end of the stream. */
  end?: number;
  /** Aborting kills ffmpeg; the generator then throws `CancelledError`. */
  signal?: AbortSignal;
  /**
   * Decode only this rectangle of each frame (integer pixels inside the display size); frames
   * then have the rectangle's size and equal that rectangle of a full decode byte for byte.
   */
  crop?: { x: number; y: number; w: number; h: number };
  /**
   * Scale each frame (after the crop) to this size, area-averaged. Frames then have this size and
   * no `x0`/`y0`; the caller maps coordinates back.
   */
  scaleTo?: { w: number; h: number };
  /**
   * rgb24 (default) or yuv420p frames (`data` = Y plane, then U and V at half size; even output
   * sizes only; `pixFmt: 'yuv420p'` on the frame); `yuvMatrix` as in `buildDecodeArgs`.
   */
  pixFmt?: 'rgb24' | 'yuv420p';
  yuvMatrix?: ColorMatrix;
  /**
   * Fill two buffers in turn instead of a fresh one per frame (no per-frame allocation, no
   * garbage): a frame's `data` then stays valid only until the consumer asks for the frame after
   * the next one. For consumers that finish with each frame before moving on (face tracking).
   */
  recycle?: boolean;
}

function checkRange(info: VideoInfo, start: number, end: number | undefined): void {
  const bad = (what: string) =>
    new UserError('E_BAD_RANGE', `Invalid frame range for ${info.path}: ${what}.`, `Use whole frames with 0 <= start < end <= ${info.frameCount}.`);
  if (!Number.isInteger(start) || start < 0) throw bad(`start ${start}`);
  if (end !== undefined && (!Number.isInteger(end) || end <= start)) throw bad(`end ${end} (start ${start})`);
}

/**
 * Streams decoded frames of `info.path` (first video stream) from an ffmpeg child process.
 *
 * Frames are rgb24, HxWx3, row-major, of the display size (`displaySize(info)`): ffmpeg's
 * autorotation turns rotated clips upright; the sample aspect ratio is NOT applied (pixels are
 * the coded pixel grid). Variable-frame-rate clips are resampled to constant `fpsNum/fpsDen`
 * (see `probeMedia`); their ranges are cut after resampling, decoding from the clip start
 * (slower, but frame `i` is always the same picture). `frame.index` is absolute: `start + i`. Each yielded frame owns a fresh
 * buffer of exactly width*height*3 bytes (each byte copied once from the pipe), so consumers
 * may keep it (unless `recycle`).
 *
 * Memory is bounded regardless of clip length: the pipe is read only when the consumer asks for
 * the next frame, so a slow consumer stalls ffmpeg through pipe back-pressure. Ending early
 * (`break` / `return()`), throwing, or aborting `signal` kills ffmpeg and waits for it to exit.
 * A range past the end of the clip yields fewer frames, without error.
 *
 * @throws UserError E_BAD_RANGE (start/end not whole frames, start < 0 or end <= start),
 *   E_UNREADABLE (ffmpeg failed or the stream ended inside a frame; with ffmpeg's reason),
 *   E_NO_FFMPEG; CancelledError on abort.
 */
export async function* decodeFrames(info: VideoInfo, opts: DecodeOptions = {}): AsyncGenerator<RgbFrame> {
  const start = opts.start ?? 0;
  const { end, signal } = opts;
  checkRange(info, start, end);
  if (signal?.aborted) throw new CancelledError();
  const full = displaySize(info);
  const crop = opts.crop;
  if (crop && !(Number.isInteger(crop.x) && Number.isInteger(crop.y) && crop.w >= 1 && crop.h >= 1 && crop.x >= 0 && crop.y >= 0 && crop.x + crop.w <= full.width && crop.y + crop.h <= full.height)) {
    throw new UserError('E_BAD_RANGE', `Crop ${crop.w}x${crop.h}+${crop.x}+${crop.y} is outside the ${full.width}x${full.height} frame of ${info.path}.`, 'Give an integer rectangle inside the frame.');
  }
  const scaleTo = opts.scaleTo;
  if (scaleTo && !(Number.isInteger(scaleTo.w) && Number.isInteger(scaleTo.h) && scaleTo.w >= 2 && scaleTo.h >= 2)) {
    throw new UserError('E_BAD_RANGE', `Invalid scale size ${scaleTo.w}x${scaleTo.h}.`, 'Give whole pixel sizes of at least 2.');
  }
  const { width, height } = scaleTo ? { width: scaleTo.w, height: scaleTo.h } : crop ? { width: crop.w, height: crop.h } : full;
  const yuv = opts.pixFmt === 'yuv420p';
  if (yuv && (width % 2 !== 0 || height % 2 !== 0)) {
    throw new UserError('E_BAD_RANGE', `yuv420p frames need even sizes (got ${width}x${height}).`, 'Decode rgb24 frames instead.');
  }
  const frameBytes = yuv ? width * height * 1.5 : width * height * 3;
  const args = buildDecodeArgs({
    crop,
    scaleTo,
    pixFmt: opts.pixFmt,
    yuvMatrix: opts.yuvMatrix,
    input: info.path,
    fpsNum: info.fpsNum,
    fpsDen: info.fpsDen,
    start,
    end,
    streamStart: info.startTime ?? 0,
    forceCfr: info.variableFrameRate,
  });
  const { ffmpeg } = locateFfmpeg();
  const { child, exited, stderr, release } = spawnReader(ffmpeg, args, signal);

  const ring = opts.recycle ? [new Uint8Array(frameBytes), new Uint8Array(frameBytes)] : null;
  try {
    let frame = ring ? ring[0] : new Uint8Array(frameBytes);
    let filled = 0;
    let i = 0;
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      let off = 0;
      while (off < chunk.length) {
        const n = Math.min(frameBytes - filled, chunk.length - off);
        frame.set(chunk.subarray(off, off + n), filled);
        filled += n;
        off += n;
        if (filled === frameBytes) {
          if (signal?.aborted) throw new CancelledError();
          const out: RgbFrame = crop && !scaleTo ? { index: start + i, width, height, data: frame, x0: crop.x, y0: crop.y } : { index: start + i, width, height, data: frame };
          if (yuv) out.pixFmt = 'yuv420p';
          yield out;
          i++;
          frame = ring ? ring[i % 2] : new Uint8Array(frameBytes);
          filled = 0;
        }
      }
    }
    const status = await exited;
    if (signal?.aborted) throw new CancelledError();
    if (status.error && status.code === null && status.signal === null) throw spawnFailure(ffmpeg, status.error);
    if (status.code !== 0) {
      const tail = stderr.lastLines(3);
      throw new UserError(
        'E_UNREADABLE',
        `Decoding ${info.path} failed (ffmpeg exit ${status.code ?? status.signal}) after ${i} frames: ${tail || 'no message'}`,
        versionHint(tail) ?? 'The file may be damaged or use an unsupported codec; try re-encoding it with ffmpeg.',
      );
    }
    if (filled !== 0) {
      throw new UserError(
        'E_UNREADABLE',
        `Decoding ${info.path} ended inside frame ${start + i} (${filled} of ${frameBytes} bytes).`,
        'The file may be damaged; try re-encoding it with ffmpeg.',
      );
    }
  } finally {
    release();
    if (isRunning(child)) child.kill('SIGKILL');
    child.stdout.destroy();
    await exited;
  }
}
