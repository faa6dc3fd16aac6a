import { CancelledError, UserError } from '../util/errors';
import { buildAudioDecodeArgs } from './args';
import { locateFfmpeg } from './locate';
import { probeAudio } from './probe';
import { chunksToFloat32, isRunning, runCollect, spawnFailure, spawnReader, versionHint, type ExitStatus, type StderrTail } from './process';

/** Sample rate (Hz) of the speech features / VAD input. */
export const SPEECH_SAMPLE_RATE = 16_000;

export interface AudioDecodeOptions {
  /** Seconds into the file to start at (default 0). */
  start?: number;
  /** Seconds to decode (default: to the end). */
  duration?: number;
  signal?: AbortSignal;
}

/** How to run ffmpeg for one audio decode: probed path, arguments, mono duplication. */
interface AudioDecodePlan {
  path: string;
  args: string[];
  /** ffmpeg decodes one channel; the caller duplicates it into both output channels. */
  duplicateMono: boolean;
}

async function planAudioDecode(
  file: string,
  opts: AudioDecodeOptions & { sampleRate: number; channels: number },
): Promise<AudioDecodePlan> {
  const info = await probeAudio(file, { signal: opts.signal });
  // ffmpeg's mono -> stereo upmix lowers the level by 3 dB; duplicate the channel instead.
  const duplicateMono = info.audio.channels === 1 && opts.channels === 2;
  const args = buildAudioDecodeArgs({
    input: info.path,
    sampleRate: opts.sampleRate,
    channels: duplicateMono ? 1 : opts.channels,
    start: opts.start,
    duration: opts.duration,
  });
  return { path: info.path, args, duplicateMono };
}

/** The E_UNREADABLE error for an ffmpeg audio decode that exited with an error. */
function decodeFailure(file: string, status: ExitStatus, stderr: StderrTail): UserError {
  const reason = stderr.lastLines(3);
  return new UserError(
    'E_UNREADABLE',
    `Decoding the audio of ${file} failed (ffmpeg exit ${status.code ?? status.signal}): ${reason || 'no message'}`,
    versionHint(reason) ?? 'The file may be damaged or use an unsupported codec; try converting it to WAV with ffmpeg.',
  );
}

/** Interleaves mono samples into two identical channels: `[s0, s0, s1, s1, ...]`. */
function duplicateToStereo(mono: Float32Array): Float32Array {
  const stereo = new Float32Array(mono.length * 2);
  for (let i = 0; i < mono.length; i++) {
    stereo[2 * i] = mono[i];
    stereo[2 * i + 1] = mono[i];
  }
  return stereo;
}

/**
 * Decodes the first audio stream of `file` (any format ffmpeg reads) to interleaved float32 PCM
 * in [-1, 1] at `sampleRate` Hz with `channels` channels (ffmpeg resamples and downmixes; a mono
 * source asked for as stereo is duplicated into both channels at its original level).
 * Layout: sample `s` of channel `c` is at `[s * channels + c]`. Memory: 4 bytes per sample
 * (48 kHz stereo is 384 KB per second), held in one array; see `openAudioPcmStream` for long
 * files.
 * @throws UserError E_NOT_FOUND, E_UNREADABLE (with ffmpeg's reason), E_NO_AUDIO, E_NO_FFMPEG;
 *   CancelledError on abort.
 */
export async function decodeAudioPcm(
  file: string,
  opts: AudioDecodeOptions & { sampleRate: number; channels: number },
): Promise<Float32Array> {
  const plan = await planAudioDecode(file, opts);
  const { ffmpeg } = locateFfmpeg();
  const res = await runCollect(ffmpeg, plan.args, { signal: opts.signal });
  if (res.code !== 0) throw decodeFailure(plan.path, res, res.stderr);
  const pcm = chunksToFloat32(res.stdout, res.stdoutBytes);
  return plan.duplicateMono ? duplicateToStereo(pcm) : pcm;
}

/** A running ffmpeg audio decode (see `openAudioPcmStream`), read front to back in blocks. */
export interface PcmStream {
  /** Channels per frame of what `read` returns. */
  readonly channels: number;
  /**
   * The next `frames` sample frames as a fresh interleaved array of `frames * channels`
   * samples; fewer (whole frames only) when the stream ends, empty after its end. Call one at a
   * time (await each).
   * @throws UserError E_UNREADABLE (ffmpeg failed; with its reason), E_NO_FFMPEG when the stream
   *   ends; CancelledError on abort.
   */
  read(frames: number): Promise<Float32Array>;
  /** Like `read` but drops the frames; resolves to how many were dropped. */
  skip(frames: number): Promise<number>;
  /** Kills ffmpeg if it still runs and waits for it to exit. Idempotent; never throws. */
  close(): Promise<void>;
}

/**
 * Starts decoding the first audio stream of `file` like `decodeAudioPcm` (same samples, same
 * mono duplication) but hands the PCM out block by block: ffmpeg writes to a pipe that is read
 * only when the caller asks, so it stalls through pipe back-pressure and memory stays at about
 * one block plus the pipe buffers (tens of KB), whatever the file's length. Aborting `signal`
 * kills ffmpeg (the pending or next `read` throws CancelledError). Always `close()` the stream,
 * also after an error; otherwise ffmpeg stays blocked on the full pipe.
 * @throws UserError E_NOT_FOUND, E_UNREADABLE (probe), E_NO_AUDIO, E_NO_FFMPEG; CancelledError
 *   when already aborted.
 */
export async function openAudioPcmStream(
  file: string,
  opts: { sampleRate: number; channels: number; signal?: AbortSignal },
): Promise<PcmStream> {
  const { signal } = opts;
  const plan = await planAudioDecode(file, opts);
  if (signal?.aborted) throw new CancelledError();
  const { ffmpeg } = locateFfmpeg();
  const decodedChannels = plan.duplicateMono ? 1 : opts.channels;
  const frameBytes = decodedChannels * 4;
  const { child, exited, stderr, release } = spawnReader(ffmpeg, plan.args, signal);
  const chunks = (child.stdout as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  let carry: Buffer | null = null;
  let ended = false;
  let closed = false;
  let inFlight: Promise<unknown> = Promise.resolve();

  /** Checks how ffmpeg ended, once its stdout is exhausted. */
  const checkEnd = async (): Promise<void> => {
    const status = await exited;
    if (signal?.aborted) throw new CancelledError();
    if (closed) return;
    if (status.error && status.code === null && status.signal === null) throw spawnFailure(ffmpeg, status.error);
    if (status.code !== 0) throw decodeFailure(plan.path, status, stderr);
  };

  /** Moves up to `want` bytes from the pipe into `dest` (dropped when null); returns the count. */
  const pull = async (dest: Uint8Array | null, want: number): Promise<number> => {
    if (signal?.aborted) throw new CancelledError();
    let got = 0;
    while (got < want) {
      if (!carry || carry.length === 0) {
        if (ended || closed) break;
        const next = await chunks.next();
        if (next.done) {
          ended = true;
          await checkEnd();
          break;
        }
        carry = next.value;
        continue;
      }
      const n = Math.min(want - got, carry.length);
      if (dest) dest.set(carry.subarray(0, n), got);
      carry = carry.subarray(n);
      got += n;
    }
    if (signal?.aborted) throw new CancelledError();
    return got;
  };

  const read = async (frames: number): Promise<Float32Array> => {
    const samples = new Float32Array(Math.max(0, frames) * decodedChannels);
    const got = await pull(new Uint8Array(samples.buffer), samples.byteLength);
    const whole = Math.floor(got / frameBytes) * decodedChannels;
    const pcm = whole === samples.length ? samples : samples.slice(0, whole);
    return plan.duplicateMono ? duplicateToStereo(pcm) : pcm;
  };

  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight = p.catch(() => {});
    return p;
  };

  return {
    channels: opts.channels,
    read: (frames) => track(read(frames)),
    skip: (frames) => track(pull(null, Math.max(0, frames) * frameBytes).then((got) => Math.floor(got / frameBytes))),
    async close() {
      if (closed) return;
      closed = true;
      release();
      if (isRunning(child)) child.kill('SIGKILL');
      child.stdout.destroy();
      await exited;
      await inFlight;
    },
  };
}

/**
 * Decodes the first audio stream of `file` to 16 kHz mono float32 PCM in [-1, 1] (channels
 * averaged by ffmpeg), optionally from `start` for `duration` seconds.
 * @throws UserError E_NO_AUDIO when the file has no audio stream, E_NOT_FOUND, E_UNREADABLE
 *   (with ffmpeg's reason), E_NO_FFMPEG; CancelledError on abort.
 */
export function decodeAudioMono16k(file: string, opts: AudioDecodeOptions = {}): Promise<Float32Array> {
  return decodeAudioPcm(file, { ...opts, sampleRate: SPEECH_SAMPLE_RATE, channels: 1 });
}

/**
 * Like `decodeAudioMono16k`, for a video clip whose audio is optional: returns null when the
 * clip has no audio stream instead of throwing E_NO_AUDIO.
 * @throws UserError E_NOT_FOUND, E_UNREADABLE, E_NO_FFMPEG; CancelledError on abort.
 */
export async function decodeClipAudioMono16k(file: string, opts: AudioDecodeOptions = {}): Promise<Float32Array | null> {
  try {
    return await decodeAudioMono16k(file, opts);
  } catch (err) {
    if (err instanceof UserError && err.code === 'E_NO_AUDIO') return null;
    throw err;
  }
}
