/**
 * Contact sheet of the worst frames of `evalQuality`: per frame one column of two tiles, the
 * original's crop above the dubbed crop, written as a PNG through ffmpeg.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Rect } from '../masks/types';
import { FFMPEG_COMMON } from '../media/args';
import { locateFfmpeg } from '../media/locate';
import { isRunning, spawnFailure, StderrTail, waitForExit } from '../media/process';
import { commitTempFile, removeQuietly, tempPathNextTo } from '../util/atomic';
import { CancelledError, UserError } from '../util/errors';

/** Side of one tile in pixels. */
export const TILE_SIZE = 256;
/** Gap between columns in pixels (dark grey). */
export const TILE_GAP = 4;

/**
 * Crops `rect` from an rgb24 frame and resizes it to `size` x `size` by area averaging
 * (supersampling each output pixel with a grid of bilinear samples, as many per axis as the
 * downscale factor, at least 1). Aspect is not kept: pass a square `rect` (`squareAround`).
 * @param rgb Uint8Array(height*width*3), HxWx3 rgb24, of a frame `width` pixels wide.
 * @param rect integer rectangle inside the frame, pixels.
 * @returns Uint8Array(size*size*3), HxWx3 rgb24.
 */
export function cropResizeRgb(rgb: Uint8Array, width: number, height: number, rect: Rect, size = TILE_SIZE): Uint8Array {
  const out = new Uint8Array(size * size * 3);
  const sx = rect.w / size, sy = rect.h / size;
  const nx = Math.max(1, Math.ceil(sx)), ny = Math.max(1, Math.ceil(sy));
  const px = (x: number, y: number, c: number) => rgb[(y * width + x) * 3 + c];
  const acc = [0, 0, 0];
  for (let oy = 0; oy < size; oy++) {
    for (let ox = 0; ox < size; ox++) {
      acc[0] = acc[1] = acc[2] = 0;
      for (let j = 0; j < ny; j++) {
        // Sample position in frame pixels (pixel centres at +0.5).
        const fy = Math.min(height - 1, Math.max(0, rect.y + (oy + (j + 0.5) / ny) * sy - 0.5));
        const y0 = Math.floor(fy), y1 = Math.min(height - 1, y0 + 1), ty = fy - y0;
        for (let i = 0; i < nx; i++) {
          const fx = Math.min(width - 1, Math.max(0, rect.x + (ox + (i + 0.5) / nx) * sx - 0.5));
          const x0 = Math.floor(fx), x1 = Math.min(width - 1, x0 + 1), tx = fx - x0;
          for (let c = 0; c < 3; c++) {
            const top = px(x0, y0, c) * (1 - tx) + px(x1, y0, c) * tx;
            const bot = px(x0, y1, c) * (1 - tx) + px(x1, y1, c) * tx;
            acc[c] += top * (1 - ty) + bot * ty;
          }
        }
      }
      const o = (oy * size + ox) * 3;
      for (let c = 0; c < 3; c++) out[o + c] = Math.round(acc[c] / (nx * ny));
    }
  }
  return out;
}

/** One column of the sheet: two tiles of `size` x `size` rgb24 (HxWx3). */
export interface SheetColumn {
  top: Uint8Array;
  bottom: Uint8Array;
}

/**
 * Lays columns side by side, `gap` pixels of grey (32) between them; each column is `top` above
 * `bottom`. @returns the sheet, rgb24 HxWx3 with width = n*size + (n-1)*gap, height = 2*size.
 */
export function composeSheet(columns: SheetColumn[], size = TILE_SIZE, gap = TILE_GAP): { width: number; height: number; data: Uint8Array } {
  const n = columns.length;
  const width = n * size + Math.max(0, n - 1) * gap, height = 2 * size;
  const data = new Uint8Array(width * height * 3).fill(32);
  columns.forEach((col, k) => {
    const x0 = k * (size + gap);
    for (const [tile, y0] of [[col.top, 0], [col.bottom, size]] as const) {
      for (let y = 0; y < size; y++) data.set(tile.subarray(y * size * 3, (y + 1) * size * 3), ((y0 + y) * width + x0) * 3);
    }
  });
  return { width, height, data };
}

/**
 * Writes an rgb24 image (HxWx3) as a PNG: ffmpeg reads the raw pixels on stdin and writes a temp
 * file next to `out`, which is then renamed over `out` (readers never see a partial file).
 * @throws UserError E_BAD_OUTPUT (not .png), E_ENCODE_FAILED (ffmpeg failed, e.g. folder missing),
 *   E_NO_FFMPEG; CancelledError on abort (the temp file is removed).
 */
export async function writePngRgb(out: string, img: { width: number; height: number; data: Uint8Array }, signal?: AbortSignal): Promise<void> {
  if (path.extname(out).toLowerCase() !== '.png') {
    throw new UserError('E_BAD_OUTPUT', `The contact sheet "${out}" must be a .png file.`, 'Pass --sheet with a path ending in .png.');
  }
  if (signal?.aborted) throw new CancelledError();
  const tmp = tempPathNextTo(out, '.png');
  const { ffmpeg } = locateFfmpeg();
  const args = [
    ...FFMPEG_COMMON, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${img.width}x${img.height}`, '-i', 'pipe:0',
    '-frames:v', '1', '-c:v', 'png', '-f', 'image2', '-update', '1', '-y', tmp,
  ];
  const child = spawn(ffmpeg, args, { stdio: ['pipe', 'ignore', 'pipe'], windowsHide: true });
  const exited = waitForExit(child);
  const stderr = new StderrTail();
  child.stderr?.on('data', (c: Buffer) => stderr.push(c));
  child.stdin?.on('error', () => {}); // EPIPE when ffmpeg dies early; its exit status says why.
  const onAbort = () => {
    if (isRunning(child)) child.kill('SIGKILL');
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    child.stdin?.end(img.data);
    const status = await exited;
    if (signal?.aborted) throw new CancelledError();
    if (status.error && status.code === null && status.signal === null) throw spawnFailure(ffmpeg, status.error);
    if (status.code !== 0) {
      const tail = stderr.lastLines(3);
      throw new UserError('E_ENCODE_FAILED', `Writing the contact sheet ${out} failed (ffmpeg exit ${status.code ?? status.signal})${tail ? `: ${tail}` : ''}`, 'Check that the folder exists and is writable.');
    }
    await commitTempFile(tmp, out);
  } catch (err) {
    await removeQuietly(tmp);
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (isRunning(child)) {
      child.kill('SIGKILL');
      await exited;
    }
  }
}
