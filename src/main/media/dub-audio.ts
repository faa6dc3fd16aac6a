import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CancelledError, throwIfAborted, UserError } from '../util/errors';
import { removeQuietly, tempPathNextTo } from '../util/atomic';
import { openAudioPcmStream, type PcmStream } from './audio-decode';
import { probeAudio } from './probe';
import { openWavFloat32Writer, type WavFloat32Writer } from './wav';

/** Sample rate (Hz) and channel count of the mixed dub track. */
export const MIX_SAMPLE_RATE = 48_000;
export const MIX_CHANNELS = 2;
/** Length of the crossfade at each edge of a replaced range, seconds. */
export const CROSSFADE_SECONDS = 0.01;
/** Default block length of `buildDubbedAudio`, in sample frames (1 s at `MIX_SAMPLE_RATE`). */
export const DEFAULT_BLOCK_FRAMES = MIX_SAMPLE_RATE;

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

/** `MixOptions` for one block of the track (see `mixDubBlock`). */
export interface BlockMixOptions {
  /** Interleaved channels in both inputs and the output. */
  channels: number;
  sampleRate: number;
  /** Frames in this block (the output has `frames * channels` samples). */
  frames: number;
  /** Length of the whole track in sample frames (range ends are clamped to it). */
  totalFrames: number;
  /** As in `MixOptions`. */
  ranges: readonly TimeRange[] | 'all';
  /** As in `MixOptions`. */
  crossfade?: number;
}

/**
 * Mixes one block of the dubbed track, pure: output frames [firstFrame, firstFrame + frames) of
 * the track `mixDub` would produce, bit for bit (crossfade weights come from the global frame
 * index, so blocks may split a crossfade anywhere). `original` and `dub` hold the samples of
 * those same track frames, interleaved (layout `[(frame - firstFrame) * channels + channel]`);
 * `dub` is already placed at its offset (silence before the dub starts is the caller's, as
 * zeros or as nothing). Either may be shorter than the block: silence after its end. Returns a
 * fresh array of `frames * channels` samples.
 */
export function mixDubBlock(original: Float32Array, dub: Float32Array, firstFrame: number, o: BlockMixOptions): Float32Array {
  const ch = o.channels;
  const out = new Float32Array(o.frames * ch);
  const dubSamples = Math.min(Math.floor(dub.length / ch) * ch, out.length);
  if (o.ranges === 'all') {
    out.set(dub.subarray(0, dubSamples));
    return out;
  }
  out.set(original.subarray(0, Math.min(original.length, out.length)));
  const blockEnd = firstFrame + o.frames;
  const xfDefault = Math.round((o.crossfade ?? CROSSFADE_SECONDS) * o.sampleRate);
  for (const r of mergeRanges(o.ranges)) {
    const s = Math.max(0, Math.round(r.start * o.sampleRate));
    const e = Math.min(o.totalFrames, Math.round(r.end * o.sampleRate));
    if (e <= s) continue;
    const xf = Math.min(xfDefault, Math.floor((e - s) / 2));
    const from = Math.max(s, firstFrame);
    const to = Math.min(e, blockEnd);
    for (let f = from; f < to; f++) {
      // Dub weight: ramps 0->1 over the first xf frames, 1->0 over the last xf frames.
      let w = 1;
      if (xf > 0) {
        if (f < s + xf) w = (f - s + 0.5) / xf;
        else if (f >= e - xf) w = (e - f - 0.5) / xf;
      }
      for (let c = 0; c < ch; c++) {
        const i = (f - firstFrame) * ch + c;
        out[i] = out[i] * (1 - w) + (i < dubSamples ? dub[i] : 0) * w;
      }
    }
  }
  return out;
}

/**
 * Mixes the dubbed track, pure: `original` and `dub` are interleaved float32 PCM (layout
 * `[frame * channels + channel]`) at the same rate. Outside the ranges the output is the
 * original (silence past its end); inside, the dub (silence where the dub has no samples)
 * replaces it, with a linear crossfade of `crossfade` seconds inside each edge of each merged
 * range (shortened to half the range for very short ranges). Returns `frames * channels` samples.
 * The whole track in one `mixDubBlock`; `buildDubbedAudio` streams the same blocks.
 */
export function mixDub(original: Float32Array, dub: Float32Array, o: MixOptions): Float32Array {
  const ch = o.channels;
  const offsetFrames = Math.round(o.dubOffset * o.sampleRate);
  const dubFrames = Math.floor(dub.length / ch);
  let placed: Float32Array;
  if (offsetFrames <= 0) {
    // Negative offset: the dub's first -offsetFrames frames play before the clip starts.
    placed = dub.subarray(Math.min(dubFrames, -offsetFrames) * ch, dubFrames * ch);
  } else {
    const lead = Math.min(offsetFrames, o.frames);
    placed = new Float32Array((lead + Math.max(0, Math.min(dubFrames, o.frames - lead))) * ch);
    placed.set(dub.subarray(0, placed.length - lead * ch), lead * ch);
  }
  return mixDubBlock(original, placed, 0, {
    channels: ch,
    sampleRate: o.sampleRate,
    frames: o.frames,
    totalFrames: o.frames,
    ranges: o.ranges,
    crossfade: o.crossfade,
  });
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
  /** Sample frames mixed per step (default `DEFAULT_BLOCK_FRAMES`, 1 s); memory scales with it. */
  blockFrames?: number;
}

/** The `fs` error of the WAV writer as a UserError (CancelledError and UserErrors pass through). */
function writeFailure(file: string, err: unknown): Error {
  if (err instanceof UserError || err instanceof CancelledError) return err;
  return new UserError('E_WRITE_FAILED', `Could not write the audio track ${file}: ${(err as Error).message}`, 'Check free space and permissions of the temp folder.');
}

/**
 * Builds the final audio track as a 48 kHz stereo float32 WAV: decodes the clip's audio and the
 * dub through two ffmpeg processes, mixes them (dub replaces the original inside `ranges`, 10 ms
 * crossfades at the edges, or everywhere with `wholeTrack`; the same samples as `mixDub` over the
 * whole decoded tracks) and writes exactly `duration` seconds, or [trimStart, trimEnd) of them.
 * Streams: both decodes are read in lockstep, `blockFrames` at a time, with pipe back-pressure,
 * and each mixed block is appended to the WAV (header first: the length is known), so memory is
 * a few blocks (384 KB per second of block), not the clip's length. Frames before `trimStart`
 * are decoded and dropped (sample-exact, unlike a seek). With `wholeTrack` the clip's audio is
 * not decoded (only probed). The WAV is written to a temp file next to the target and renamed
 * when complete.
 * @returns the WAV path and its length in sample frames.
 * @throws UserError E_BAD_RANGE (duration <= 0, bad trim, no ranges and not wholeTrack, bad
 *   blockFrames), E_NO_AUDIO (dub has no audio), E_NOT_FOUND / E_UNREADABLE for either file,
 *   E_NO_FFMPEG, E_WRITE_FAILED; CancelledError on abort. On any failure both ffmpeg processes
 *   are killed and waited for and no WAV is left behind.
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
  const blockFrames = opts.blockFrames ?? DEFAULT_BLOCK_FRAMES;
  if (!(Number.isInteger(blockFrames) && blockFrames > 0)) {
    throw new UserError('E_BAD_RANGE', `Invalid audio block size ${blockFrames} frames.`, 'Pass a whole number of frames > 0.');
  }
  const { signal } = opts;
  const ch = MIX_CHANNELS;
  const pcm = { sampleRate: MIX_SAMPLE_RATE, channels: ch, signal };
  const clipInfo = await probeAudio(opts.clip, { signal }).catch((err: unknown) => {
    if (err instanceof UserError && err.code === 'E_NO_AUDIO') return null;
    throw err;
  });
  const total = Math.round(opts.duration * MIX_SAMPLE_RATE);
  const first = Math.round(trimStart * MIX_SAMPLE_RATE);
  const last = opts.trimEnd === undefined ? total : Math.min(total, Math.round(opts.trimEnd * MIX_SAMPLE_RATE));
  const frames = last - first;
  const offsetFrames = Math.round((opts.dubOffset ?? 0) * MIX_SAMPLE_RATE);
  const mix: BlockMixOptions = {
    channels: ch,
    sampleRate: MIX_SAMPLE_RATE,
    frames: 0,
    totalFrames: total,
    ranges: opts.wholeTrack ? 'all' : (opts.ranges ?? []),
  };
  const out = opts.outWav ?? path.join(os.tmpdir(), `dub-audio-${process.pid}-${randomBytes(4).toString('hex')}.wav`);
  const tmp = tempPathNextTo(out);
  let original: PcmStream | null = null;
  let dub: PcmStream | null = null;
  let wav: WavFloat32Writer | null = null;
  try {
    // The original is not heard anywhere in whole-track mode.
    if (clipInfo && !opts.wholeTrack) original = await openAudioPcmStream(opts.clip, pcm);
    dub = await openAudioPcmStream(opts.dub, pcm);
    wav = await openWavFloat32Writer(tmp, frames, MIX_SAMPLE_RATE, ch).catch((err: unknown) => {
      throw writeFailure(out, err);
    });
    // Drop what plays before trimStart: clip frames [0, first), dub frames [0, first - offset).
    await Promise.all([original?.skip(first), dub.skip(first - offsetFrames)]);
    const none = new Float32Array(0);
    for (let f = first; f < last; f += blockFrames) {
      throwIfAborted(signal);
      const n = Math.min(blockFrames, last - f);
      // Frames of this block before the dub's first sample (positive offset): silence.
      const lead = Math.min(n, Math.max(0, offsetFrames - f));
      const [orig, dubPart] = await Promise.all([original ? original.read(n) : none, lead < n ? dub.read(n - lead) : none]);
      let dubBlock = dubPart;
      if (lead > 0 && dubPart.length > 0) {
        dubBlock = new Float32Array(lead * ch + dubPart.length);
        dubBlock.set(dubPart, lead * ch);
      } else if (lead > 0) {
        dubBlock = none;
      }
      const mixed = mixDubBlock(orig, dubBlock, f, { ...mix, frames: n });
      await wav.write(mixed).catch((err: unknown) => {
        throw writeFailure(out, err);
      });
    }
    throwIfAborted(signal);
    await wav.finish().catch((err: unknown) => {
      throw writeFailure(out, err);
    });
    wav = null;
    await fsp.rename(tmp, out).catch((err: unknown) => {
      throw writeFailure(out, err);
    });
  } catch (err) {
    await wav?.abort();
    await removeQuietly(tmp);
    if (signal?.aborted && !(err instanceof CancelledError)) throw new CancelledError();
    throw err;
  } finally {
    await Promise.all([original?.close(), dub?.close()]);
  }
  return { path: out, frames, sampleRate: MIX_SAMPLE_RATE, channels: ch };
}
