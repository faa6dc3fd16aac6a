import { spawn } from 'node:child_process';
import { StderrTail, isRunning, spawnFailure, waitForExit } from '../media/process';
import { FfmpegProgressParser } from '../media/ffmpeg-progress';
import { CancelledError, UserError } from '../util/errors';

export interface FfmpegRunOptions {
  signal?: AbortSignal;
  /** Called with the output time reached, in seconds (from `-progress pipe:1`). */
  onTime?: (seconds: number) => void;
  /** Error code and sentence used when ffmpeg exits non-zero. */
  failCode?: string;
  failMessage?: string;
  failHint?: string;
}

/**
 * Runs ffmpeg with `args` (the caller's full argument list, without `-progress`), reporting
 * progress from `-progress pipe:1`. Kills the process on abort (CancelledError).
 * @throws UserError (`failCode`, default E_FFMPEG) with the last lines of stderr when it fails.
 */
export async function runFfmpeg(ffmpeg: string, args: string[], opts: FfmpegRunOptions = {}): Promise<void> {
  if (opts.signal?.aborted) throw new CancelledError();
  const fullArgs = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-progress', 'pipe:1', '-nostats', ...args];
  const child = spawn(ffmpeg, fullArgs, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
  const exited = waitForExit(child);
  const stderr = new StderrTail();
  const progress = new FfmpegProgressParser({ onTime: opts.onTime });
  child.stdout?.on('data', (c: Buffer) => progress.push(c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => stderr.push(c));
  const onAbort = () => {
    if (isRunning(child)) child.kill('SIGKILL');
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const status = await exited;
    if (opts.signal?.aborted) throw new CancelledError();
    if (status.error && status.code === null && status.signal === null) throw spawnFailure(ffmpeg, status.error);
    if (status.code !== 0) {
      const reason = stderr.lastLines(4) || `exit ${status.code ?? status.signal}`;
      throw new UserError(opts.failCode ?? 'E_FFMPEG', `${opts.failMessage ?? 'ffmpeg failed'}: ${reason}`, opts.failHint ?? 'Check that the input files are readable media.');
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    if (isRunning(child)) {
      child.kill('SIGKILL');
      await exited;
    }
  }
}
