import { UserError } from '../util/errors';
import { buildAudioDecodeArgs } from './args';
import { locateFfmpeg } from './locate';
import { probeAudio } from './probe';
import { chunksToFloat32, runCollect, versionHint } from './process';

/** Sample rate (Hz) of the speech features / VAD input. */
export const SPEECH_SAMPLE_RATE = 16_000;

export interface AudioDecodeOptions {
  /** Seconds into the file to start at (default 0). */
  start?: number;
  /** Seconds to decode (default: to the end). */
  duration?: number;
  signal?: AbortSignal;
}

/**
 * Decodes the first audio stream of `file` (any format ffmpeg reads) to interleaved float32 PCM
 * in [-1, 1] at `sampleRate` Hz with `channels` channels (ffmpeg resamples and downmixes; a mono
 * source asked for as stereo is duplicated into both channels at its original level).
 * Layout: sample `s` of channel `c` is at `[s * channels + c]`. Memory: 4 bytes per sample
 * (48 kHz stereo is 384 KB per second), held in one array.
 * @throws UserError E_NOT_FOUND, E_UNREADABLE (with ffmpeg's reason), E_NO_AUDIO, E_NO_FFMPEG;
 *   CancelledError on abort.
 */
export async function decodeAudioPcm(
  file: string,
  opts: AudioDecodeOptions & { sampleRate: number; channels: number },
): Promise<Float32Array> {
  const info = await probeAudio(file, { signal: opts.signal });
  // ffmpeg's mono -> stereo upmix lowers the level by 3 dB; duplicate the channel instead.
  const duplicateMono = info.audio.channels === 1 && opts.channels === 2;
  const { ffmpeg } = locateFfmpeg();
  const args = buildAudioDecodeArgs({
    input: info.path,
    sampleRate: opts.sampleRate,
    channels: duplicateMono ? 1 : opts.channels,
    start: opts.start,
    duration: opts.duration,
  });
  const res = await runCollect(ffmpeg, args, { signal: opts.signal });
  if (res.code !== 0) {
    const reason = res.stderr.lastLines(3);
    throw new UserError(
      'E_UNREADABLE',
      `Decoding the audio of ${info.path} failed (ffmpeg exit ${res.code ?? res.signal}): ${reason || 'no message'}`,
      versionHint(reason) ?? 'The file may be damaged or use an unsupported codec; try converting it to WAV with ffmpeg.',
    );
  }
  const pcm = chunksToFloat32(res.stdout, res.stdoutBytes);
  if (!duplicateMono) return pcm;
  const stereo = new Float32Array(pcm.length * 2);
  for (let i = 0; i < pcm.length; i++) {
    stereo[2 * i] = pcm[i];
    stereo[2 * i + 1] = pcm[i];
  }
  return stereo;
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
