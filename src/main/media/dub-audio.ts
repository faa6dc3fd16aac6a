import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../util/errors';
import { removeQuietly } from '../util/atomic';
import { decodeAudioPcm } from './audio-decode';
import { probeAudio } from './probe';
import { writeWavFloat32 } from './wav';

/** Sample rate (Hz) and channel count of the mixed dub track. */
export const MIX_SAMPLE_RATE = 48_000;
export const MIX_CHANNELS = 2;
/** Length of the crossfade at each edge of a replaced range, seconds. */
export const CROSSFADE_SECONDS = 0.01;

/** A time range [start, end) in seconds on the clip timeline. */
export interface TimeRange {
  start: number;
  end: number;
}

/** Sorts ranges and merges overlapping or touching ones (so no crossfade dips at a shared edge). */
export function mergeRanges(ranges: readonly TimeRange[]): TimeRange[] {
  const sorted = ranges.filter((r) => r.end > r.start).map((r) => ({ ...r })).sort((a, b) => a.start - b.start);
  const out: TimeRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push(r);
  }
  return out;
}

export interface MixOptions {
  /** Interleaved channels in both inputs and the output. */
  channels: number;
  sampleRate: number;
  /** Output length in sample frames (inputs are cut or padded with silence). */
  frames: number;
  /** Clip time (seconds) at which the dub's first sample plays; may be negative. */
  dubOffset: number;
  /** Where the dub replaces the original; `'all'` replaces the whole track (no crossfades). */
  ranges: readonly TimeRange[] | 'all';
  /** Crossfade length at each range edge, seconds (default `CROSSFADE_SECONDS`). */
  crossfade?: number;
}

/**
 * Mixes the dubbed track, pure: `original` and `dub` are interleaved float32 PCM (layout
 * `[frame * channels + channel]`) at the same rate. Outside the ranges the output is the
 * original (silence past its end); inside, the dub (silence where the dub has no samples)
 * replaces it, with a linear crossfade of `crossfade` seconds inside each edge of each merged
 * range (shortened to half the range for very short ranges). Returns `frames * channels` samples.
 */
export function mixDub(original: Float32Array, dub: Float32Array, o: MixOptions): Float32Array {
  const ch = o.channels;
  const out = new Float32Array(o.frames * ch);
  out.set(original.subarray(0, Math.min(original.length, out.length)));
  const offsetFrames = Math.round(o.dubOffset * o.sampleRate);
  const dubFrames = Math.floor(dub.length / ch);
  const dubAt = (frame: number, c: number): number => {
    const f = frame - offsetFrames;
    return f >= 0 && f < dubFrames ? dub[f * ch + c] : 0;
  };
  if (o.ranges === 'all') {
    for (let f = 0; f < o.frames; f++) for (let c = 0; c < ch; c++) out[f * ch + c] = dubAt(f, c);
    return out;
  }
  const xfDefault = Math.round((o.crossfade ?? CROSSFADE_SECONDS) * o.sampleRate);
  for (const r of mergeRanges(o.ranges)) {
    const s = Math.max(0, Math.round(r.start * o.sampleRate));
    const e = Math.min(o.frames, Math.round(r.end * o.sampleRate));
    if (e <= s) continue;
    const xf = Math.min(xfDefault, Math.floor((e - s) / 2));
    for (let f = s; f < e; f++) {
      // Dub weight: ramps 0->1 over the first xf frames, 1->0 over the last xf frames.
      let w = 1;
      if (xf > 0) {
        if (f < s + xf) w = (f - s + 0.5) / xf;
        else if (f >= e - xf) w = (e - f - 0.5) / xf;
      }
      for (let c = 0; c < ch; c++) {
        const i = f * ch + c;
        out[i] = out[i] * (1 - w) + dubAt(f, c) * w;
      }
    }
  }
  return out;
}

export interface DubbedAudioOptions {
  /** The clip whose audio is kept outside the ranges (silence when it has no audio). */
  clip: string;
  /** The dubbed dialogue track (any format ffmpeg reads; first audio stream). */
  dub: string;
  /** Clip time in seconds where the dub starts (default 0). */
  dubOffset?: number;
  /** Ranges (seconds) where the dub replaces the original; ignored when `wholeTrack`. */
  ranges?: readonly TimeRange[];
  /** Replace the whole track with the dub. */
  wholeTrack?: boolean;
  /** Clip length in seconds (the video's length: frameCount * fpsDen / fpsNum). */
  duration: number;
  /**
   * Write only [trimStart, trimEnd) seconds of the clip timeline (for a video encoded from a
   * sub-range of frames). Ranges and `dubOffset` stay in clip time. Default: the whole clip.
   */
  trimStart?: number;
  trimEnd?: number;
  /** Where to write the WAV (default: a unique file in the OS temp folder). */
  outWav?: string;
  signal?: AbortSignal;
}

/**
 * Builds the final audio track as a 48 kHz stereo float32 WAV: decodes the clip's audio and the
 * dub through ffmpeg, mixes them with `mixDub` (dub replaces the original inside `ranges`, 10 ms
 * crossfades at the edges, or everywhere with `wholeTrack`) and writes exactly `duration`
 * seconds, or [trimStart, trimEnd) of them. Memory: both tracks are held in full (384 KB per
 * second each).
 * @returns the WAV path and its length in sample frames.
 * @throws UserError E_BAD_RANGE (duration <= 0, bad trim, no ranges and not wholeTrack),
 *   E_NO_AUDIO (dub has no audio), E_NOT_FOUND / E_UNREADABLE for either file, E_NO_FFMPEG;
 *   CancelledError on abort. The WAV is removed on failure.
 */
export async function buildDubbedAudio(opts: DubbedAudioOptions): Promise<{ path: string; frames: number; sampleRate: number; channels: number }> {
  if (!(opts.duration > 0)) {
    throw new UserError('E_BAD_RANGE', `Invalid audio duration ${opts.duration} s.`, 'Pass the video duration in seconds (> 0).');
  }
  const trimStart = opts.trimStart ?? 0;
  const trimEnd = opts.trimEnd ?? opts.duration;
  if (!(trimStart >= 0 && trimEnd > trimStart && trimStart < opts.duration)) {
    throw new UserError('E_BAD_RANGE', `Invalid audio trim ${trimStart}-${trimEnd} s for a ${opts.duration} s clip.`, 'Pass 0 <= trimStart < trimEnd, inside the clip.');
  }
  if (!opts.wholeTrack && (!opts.ranges || opts.ranges.length === 0)) {
    throw new UserError('E_BAD_RANGE', 'No dubbed ranges given for the audio track.', 'Pass the dubbed segments, or replace the whole track.');
  }
  const pcm = { sampleRate: MIX_SAMPLE_RATE, channels: MIX_CHANNELS, signal: opts.signal };
  const clipInfo = await probeAudio(opts.clip, { signal: opts.signal }).catch((err: unknown) => {
    if (err instanceof UserError && err.code === 'E_NO_AUDIO') return null;
    throw err;
  });
  const original = clipInfo ? await decodeAudioPcm(opts.clip, pcm) : new Float32Array(0);
  const dub = await decodeAudioPcm(opts.dub, pcm);
  const total = Math.round(opts.duration * MIX_SAMPLE_RATE);
  const mixedAll = mixDub(original, dub, {
    channels: MIX_CHANNELS,
    sampleRate: MIX_SAMPLE_RATE,
    frames: total,
    dubOffset: opts.dubOffset ?? 0,
    ranges: opts.wholeTrack ? 'all' : (opts.ranges ?? []),
  });
  const first = Math.round((opts.trimStart ?? 0) * MIX_SAMPLE_RATE);
  const last = opts.trimEnd === undefined ? total : Math.min(total, Math.round(opts.trimEnd * MIX_SAMPLE_RATE));
  const frames = last - first;
  const mixed = mixedAll.subarray(first * MIX_CHANNELS, last * MIX_CHANNELS);
  const out = opts.outWav ?? path.join(os.tmpdir(), `dub-audio-${process.pid}-${randomBytes(4).toString('hex')}.wav`);
  try {
    await writeWavFloat32(out, mixed, MIX_SAMPLE_RATE, MIX_CHANNELS);
  } catch (err) {
    await removeQuietly(out);
    throw new UserError('E_WRITE_FAILED', `Could not write the audio track ${out}: ${(err as Error).message}`, 'Check free space and permissions of the temp folder.');
  }
  return { path: out, frames, sampleRate: MIX_SAMPLE_RATE, channels: MIX_CHANNELS };
}
