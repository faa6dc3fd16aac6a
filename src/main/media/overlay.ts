/**
 * Runs an overlay export (`overlay-args.ts`): one ffmpeg process decodes the clip, lays the
 * rendered segments over it and encodes, while Node only reads its progress.
 */
import { CancelledError, UserError } from '../util/errors';
import { removeQuietly } from '../util/atomic';
import { locateFfmpeg } from './locate';
import { isRunning, spawnFailure, spawnReader, versionHint } from './process';
import { buildOverlayExportArgs, type OverlayExportArgsOptions } from './overlay-args';
import { FfmpegProgressParser } from './ffmpeg-progress';

export interface OverlayExportOptions extends OverlayExportArgsOptions {
  signal?: AbortSignal;
  /** Frames encoded so far (from ffmpeg's `-progress` lines, a few times a second). */
  onFrames?: (done: number) => void;
}

/**
 * Writes clip frames [start, end) with the overlays laid over to `output` (H.264, video only).
 * On failure or cancel the partial `output` is deleted and no ffmpeg process is left.
 * @returns the number of frames ffmpeg reported encoded.
 * @throws UserError E_ENCODE_FAILED (with ffmpeg's reason), E_NO_FFMPEG; CancelledError on abort.
 */
export async function runOverlayExport(o: OverlayExportOptions): Promise<number> {
  if (o.signal?.aborted) throw new CancelledError();
  const { ffmpeg } = locateFfmpeg();
  const args = buildOverlayExportArgs(o);
  const { child, exited, stderr, release } = spawnReader(ffmpeg, args, o.signal);
  let frames = 0;
  const progress = new FfmpegProgressParser({
    onFrames: (n) => {
      frames = n;
      o.onFrames?.(n);
    },
  });
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => progress.push(chunk));
  let ok = false;
  try {
    const status = await exited;
    if (o.signal?.aborted) throw new CancelledError();
    if (status.error && status.code === null && status.signal === null) throw spawnFailure(ffmpeg, status.error);
    if (status.code !== 0) {
      const tail = stderr.lastLines(3);
      throw new UserError(
        'E_ENCODE_FAILED',
        `Encoding ${o.output} failed (ffmpeg exit ${status.code ?? status.signal}): ${tail || 'no message'}`,
        versionHint(tail) ?? 'Check the output folder has space, and that the rendered segments in the cache are readable (delete the cache folder to render them again).',
      );
    }
    ok = true;
    return frames;
  } finally {
    release();
    if (isRunning(child)) {
      child.kill('SIGKILL');
      await exited;
    }
    if (!ok) await removeQuietly(o.output);
  }
}
