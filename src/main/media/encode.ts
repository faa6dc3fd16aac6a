import { spawn } from 'node:child_process';
import path from 'node:path';
import { CancelledError, UserError } from '../util/errors';
import { commitTempFile, removeQuietly, tempPathNextTo } from '../util/atomic';
import { buildEncodeArgs, buildMuxArgs, type ColorMatrix } from './args';
import { locateFfmpeg } from './locate';
import { isRunning, runCollect, spawnFailure, StderrTail, versionHint, waitForExit } from './process';

/** Output containers the encoder writes (picked from the extension of `out`). */
const OUTPUT_EXTENSIONS = ['.mp4', '.m4v', '.mov', '.mkv'];

function checkOutputExt(out: string): void {
  const ext = path.extname(out).toLowerCase();
  if (!OUTPUT_EXTENSIONS.includes(ext)) {
    throw new UserError(
      'E_BAD_OUTPUT',
      `Cannot write video to "${out}": unsupported extension "${ext || '(none)'}".`,
      `Use one of ${OUTPUT_EXTENSIONS.join(', ')}.`,
    );
  }
}

function encodeFailure(out: string, detail: string, stderr: string): UserError {
  return new UserError(
    'E_ENCODE_FAILED',
    `Writing ${out} failed: ${detail}${stderr ? `: ${stderr}` : ''}`,
    versionHint(stderr) ?? 'Check that the output folder exists, is writable and has free space.',
  );
}

export interface EncoderOptions {
  /** Frame size in pixels; every frame written must be width*height*3 bytes (rgb24, HxWx3). */
  width: number;
  height: number;
  /** Exact output frame rate: fpsNum / fpsDen frames per second. */
  fpsNum: number;
  fpsDen: number;
  /** Final path (.mp4, .m4v, .mov or .mkv). Only created, atomically, by a successful `finish`. */
  out: string;
  /** libx264rgb qp 0: bit-exact rgb24 round trip. Default: H.264 yuv420p CRF `crf`. */
  lossless?: boolean;
  /**
   * Lossless codec: `x264rgb` (default; small, widely read) or `utvideo` (Ut Video, gbrp, .mkv
   * only: about 10 % larger, 40 % cheaper to encode and decode; the render cache uses it).
   */
  losslessCodec?: 'x264rgb' | 'utvideo';
  /** x264 CRF, default 18. */
  crf?: number;
  /** x264 preset, default `medium`. */
  preset?: string;
  /** Raw input pixel format, rgb24 (default), yuv420p or rgba (see `buildEncodeArgs`). */
  inputPixFmt?: 'rgb24' | 'yuv420p' | 'rgba';
  /** rgb -> YCbCr matrix and output tag, default `bt601` (see `buildEncodeArgs`). */
  colorMatrix?: ColorMatrix;
  /** Aborting kills ffmpeg and deletes the temp file; pending and later calls reject with CancelledError. */
  signal?: AbortSignal;
}

export interface Encoder {
  /** The temp file ffmpeg writes to, next to `out` (`.<name>.tmp-<pid>-<rand><ext>`). */
  readonly tempPath: string;
  /**
   * Sends one rgb24 frame (HxWx3, exactly width*height*3 bytes). Resolves once ffmpeg has taken
   * the bytes into its pipe (back-pressure: a slow encoder slows the caller), after which the
   * caller may reuse `frame`'s buffer.
   * @throws UserError E_BAD_FRAME (wrong size), E_ENCODE_FAILED (ffmpeg died); CancelledError.
   */
  write(frame: Uint8Array): Promise<void>;
  /**
   * Closes the input, waits for ffmpeg to exit, checks its exit code, then renames the temp file
   * over `out` atomically. On failure the temp file is deleted and `out` is left untouched.
   * @throws UserError E_ENCODE_FAILED; CancelledError.
   */
  finish(): Promise<void>;
  /** Kills ffmpeg, waits for it to exit and deletes the temp file. Never throws; idempotent. */
  abort(): Promise<void>;
}

/**
 * Starts an ffmpeg child that encodes raw rgb24 frames from its stdin into a temp file next to
 * `opts.out` (see `buildEncodeArgs` for codec settings). Frames are written with `write`, in
 * order, one at a time; `finish` commits the file; `abort` discards it.
 * @throws UserError E_BAD_OUTPUT (unsupported extension), E_BAD_FRAME (bad size or rate),
 *   E_NO_FFMPEG.
 */
export function createEncoder(opts: EncoderOptions): Encoder {
  const { width, height, fpsNum, fpsDen, out, signal } = opts;
  checkOutputExt(out);
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new UserError('E_BAD_FRAME', `Invalid encoder frame size ${width}x${height}.`, 'Pass the size of the decoded frames in whole pixels.');
  }
  if (!(Number.isInteger(fpsNum) && Number.isInteger(fpsDen) && fpsNum > 0 && fpsDen > 0)) {
    throw new UserError('E_BAD_FRAME', `Invalid encoder frame rate ${fpsNum}/${fpsDen}.`, 'Pass the clip frame rate as whole numbers, e.g. 30000/1001.');
  }
  if (signal?.aborted) throw new CancelledError();
  const yuv = opts.inputPixFmt === 'yuv420p';
  const rgba = opts.inputPixFmt === 'rgba';
  if (rgba && !(opts.lossless && opts.losslessCodec === 'utvideo')) {
    throw new UserError('E_BAD_FRAME', 'rgba input is only stored by the Ut Video lossless codec.', 'Write rgb24 frames, or encode losslessly with Ut Video.');
  }
  if (yuv && (opts.lossless || width % 2 !== 0 || height % 2 !== 0)) {
    throw new UserError('E_BAD_FRAME', `yuv420p input needs even sizes and a lossy encode (got ${width}x${height}${opts.lossless ? ', lossless' : ''}).`, 'Write rgb24 frames instead.');
  }
  const frameBytes = yuv ? width * height * 1.5 : width * height * (rgba ? 4 : 3);
  const tempPath = tempPathNextTo(out);
  const args = buildEncodeArgs({ ...opts, output: tempPath });
  const { ffmpeg } = locateFfmpeg();
  const child = spawn(ffmpeg, args, { stdio: ['pipe', 'ignore', 'pipe'], windowsHide: true });
  const exited = waitForExit(child);
  const stderr = new StderrTail();
  child.stderr.on('data', (c: Buffer) => stderr.push(c));
  let stdinError: Error | null = null;
  child.stdin.on('error', (err) => {
    stdinError = err;
  });

  // Settles a write that is waiting for ffmpeg when ffmpeg exits instead of reading it.
  let pendingWrite: ((ok: boolean) => void) | null = null;
  void exited.then(() => pendingWrite?.(false));

  let state: 'open' | 'finishing' | 'done' | 'aborted' = 'open';
  let cleanup: Promise<void> | null = null;

  const kill = (): Promise<void> => {
    cleanup ??= (async () => {
      if (isRunning(child)) child.kill('SIGKILL');
      child.stdin.destroy();
      await exited;
      await removeQuietly(tempPath);
    })();
    return cleanup;
  };
  const onAbort = () => {
    if (state === 'open' || state === 'finishing') state = 'aborted';
    void kill();
  };
  signal?.addEventListener('abort', onAbort, { once: true });

  /** Why ffmpeg stopped early, for errors raised while writing. */
  const earlyExitError = async (): Promise<Error> => {
    if (signal?.aborted || state === 'aborted') return new CancelledError();
    const status = await exited;
    if (status.error && status.code === null && status.signal === null) return spawnFailure(ffmpeg, status.error);
    const reason = stderr.lastLines(3) || stdinError?.message || '';
    return encodeFailure(out, `ffmpeg stopped (exit ${status.code ?? status.signal})`, reason);
  };

  const write = async (frame: Uint8Array): Promise<void> => {
    if (state === 'aborted' || signal?.aborted) throw new CancelledError();
    if (state !== 'open') throw new Error('Encoder.write called after finish()');
    if (frame.length !== frameBytes) {
      throw new UserError('E_BAD_FRAME', `Frame has ${frame.length} bytes; expected ${frameBytes} (${width}x${height} ${opts.inputPixFmt ?? 'rgb24'}).`, 'Write frames of the size and pixel format given to createEncoder.');
    }
    if (!isRunning(child) || stdinError) {
      const err = await earlyExitError();
      await kill();
      throw err;
    }
    const ok = await new Promise<boolean>((resolve) => {
      pendingWrite = resolve;
      child.stdin.write(frame, (err) => resolve(!err));
    });
    pendingWrite = null;
    if (!ok) {
      const err = await earlyExitError();
      await kill();
      throw err;
    }
  };

  const finish = async (): Promise<void> => {
    if (state === 'aborted' || signal?.aborted) {
      await kill();
      throw new CancelledError();
    }
    if (state !== 'open') throw new Error('Encoder.finish called twice');
    state = 'finishing';
    child.stdin.end();
    const status = await exited;
    signal?.removeEventListener('abort', onAbort);
    // The abort listener may have fired while we waited for exit.
    if ((state as string) === 'aborted' || signal?.aborted) {
      await kill();
      throw new CancelledError();
    }
    if (status.code !== 0) {
      const err = await earlyExitError();
      await kill();
      state = 'done';
      throw err;
    }
    try {
      await commitTempFile(tempPath, out);
    } catch (err) {
      state = 'done';
      throw encodeFailure(out, `could not move the finished file into place (${(err as Error).message})`, '');
    }
    state = 'done';
  };

  const abort = async (): Promise<void> => {
    signal?.removeEventListener('abort', onAbort);
    if (state === 'done') return;
    state = 'aborted';
    await kill();
  };

  return { tempPath, write, finish, abort };
}

export interface MuxOptions {
  /** Encoded video-only file (e.g. the `out` of an encoder pointed at a temp path). */
  videoTmp: string;
  /** WAV with the final audio track (e.g. from `buildDubbedAudio`). */
  audioWav: string;
  /** Final output path (.mp4, .m4v, .mov or .mkv). */
  out: string;
  /** Delete `videoTmp` and `audioWav` afterwards, on success and on failure (default true). */
  removeInputs?: boolean;
  signal?: AbortSignal;
}

/**
 * Muxes the video stream of `videoTmp` (copied, not re-encoded) with the audio of `audioWav`
 * (encoded to AAC 192 kb/s) into a temp file next to `out`, then renames it over `out`
 * atomically. On any failure the temp file is deleted and `out` is untouched.
 * @throws UserError E_BAD_OUTPUT, E_ENCODE_FAILED (with ffmpeg's reason), E_NO_FFMPEG;
 *   CancelledError on abort.
 */
export async function muxAudio(opts: MuxOptions): Promise<void> {
  const { videoTmp, audioWav, out, signal } = opts;
  checkOutputExt(out);
  const tmp = tempPathNextTo(out);
  try {
    const { ffmpeg } = locateFfmpeg();
    const res = await runCollect(ffmpeg, buildMuxArgs({ video: videoTmp, audio: audioWav, output: tmp }), { signal });
    if (res.code !== 0) throw encodeFailure(out, `muxing audio failed (ffmpeg exit ${res.code ?? res.signal})`, res.stderr.lastLines(3));
    try {
      await commitTempFile(tmp, out);
    } catch (err) {
      throw encodeFailure(out, `could not move the finished file into place (${(err as Error).message})`, '');
    }
  } catch (err) {
    await removeQuietly(tmp);
    throw err;
  } finally {
    if (opts.removeInputs ?? true) {
      await removeQuietly(videoTmp);
      await removeQuietly(audioWav);
    }
  }
}
