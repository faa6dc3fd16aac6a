import path from 'node:path';
import { z } from 'zod';
import { locateFfmpeg } from '../media/locate';
import { h264ShotArgs, proresHqArgs } from '../media/args';
import { runCollect } from '../media/process';
import { commitTempFile, removeQuietly, tempPathNextTo } from '../util/atomic';
import { UserError } from '../util/errors';
import { dropFrameAllowed, makeRate, type Rational } from './rate';
import { framesToTimecode, timecodeToFrames } from './timecode';

/**
 * Cutting a dubbed shot out of a render into a deliverable media file with ffmpeg:
 * ProRes 422 HQ (`prores_ks` profile 3, `yuv422p10le`, 10-bit, in .mov) or H.264 (`libx264`,
 * yuv420p, in .mov or .mp4), with optional handles and the source timecode written as a
 * QuickTime `tmcd` track (`-timecode`). Frame-accurate: the input is seeked to the first
 * wanted frame's exact time (rounded down to the microsecond, so that frame is kept and the one
 * before is not), then exactly N frames are written. The file appears atomically.
 */

export type ShotCodec = 'prores_hq' | 'h264';

export interface ShotMediaOptions {
  /** Source video (usually the dubbed render of the whole clip). */
  input: string;
  /** Output file: `.mov` for ProRes; `.mov` or `.mp4` for H.264. */
  out: string;
  /** First frame of the shot in `input` (0-based, at the input's rate). */
  startFrame: number;
  /** One past the shot's last frame in `input`. */
  endFrame: number;
  /** Extra frames before/after the shot; clipped at the input's start and end (default 0). */
  handles?: number | { head: number; tail: number };
  codec: ShotCodec;
  /**
   * Timecode label of input frame `startFrame` (the shot's first frame, before handles), e.g.
   * the original clip's source timecode. `;` before the frames means drop-frame. Default: the
   * input's own start timecode + `startFrame`, or 00:00:00:00 + `startFrame` when it has none.
   */
  timecode?: string;
  /** Copy the first audio stream when the input has one (default true). */
  audio?: boolean;
  /** x264 CRF for `h264` (default 16). */
  crf?: number;
  signal?: AbortSignal;
}

export interface ShotMediaResult {
  out: string;
  rate: Rational;
  /** Input frame written as the file's first frame (`startFrame - head`). */
  firstFrame: number;
  /** Frames written (head + shot + tail). */
  frameCount: number;
  /** Handle frames actually written before and after the shot (may be less than asked at the input's ends). */
  head: number;
  tail: number;
  /** Timecode of the file's first frame, as written into it. */
  timecode: string;
  dropFrame: boolean;
}

const probeSchema = z.object({
  streams: z
    .array(
      z.object({
        codec_type: z.string().optional(),
        r_frame_rate: z.string().optional(),
        nb_read_frames: z.union([z.string(), z.number()]).optional(),
        tags: z.record(z.string(), z.string()).optional(),
      }),
    )
    .default([]),
  format: z.object({ tags: z.record(z.string(), z.string()).optional() }).optional(),
});

async function ffprobe(file: string, extra: string[], signal?: AbortSignal): Promise<z.infer<typeof probeSchema>> {
  const { ffprobe: bin } = locateFfmpeg();
  const args = ['-v', 'error', ...extra, '-show_entries', 'stream=codec_type,r_frame_rate,nb_read_frames:stream_tags=timecode:format_tags=timecode', '-of', 'json', file];
  const r = await runCollect(bin, args, { signal });
  if (r.code !== 0) {
    throw new UserError('E_NLE_MEDIA', `ffprobe could not read "${file}": ${r.stderr.lastLines(3)}`, 'Check that the file exists and is a video ffmpeg can decode.');
  }
  return probeSchema.parse(JSON.parse(Buffer.concat(r.stdout).toString('utf8')));
}

/** `frames / rate` seconds rounded down to the microsecond, as ffmpeg time text. */
function seekText(frames: number, rate: Rational): string {
  const micros = (BigInt(frames) * BigInt(rate.den) * 1_000_000n) / BigInt(rate.num);
  return `${micros / 1_000_000n}.${String(micros % 1_000_000n).padStart(6, '0')}`;
}

/** The ffmpeg arguments for one shot (exported for tests). Times in seconds, counts in frames. */
export function buildShotArgs(o: {
  input: string;
  out: string;
  firstFrame: number;
  frameCount: number;
  rate: Rational;
  codec: ShotCodec;
  timecode: string;
  audio: boolean;
  crf: number;
}): string[] {
  const mp4 = /\.mp4$/i.test(o.out);
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error'];
  if (o.firstFrame > 0) args.push('-ss', seekText(o.firstFrame, o.rate));
  args.push('-i', o.input, '-map', '0:v:0');
  if (o.audio) args.push('-map', '0:a:0?');
  args.push('-frames:v', String(o.frameCount), '-t', seekText(o.frameCount, o.rate));
  args.push(...(o.codec === 'prores_hq' ? proresHqArgs(null) : h264ShotArgs(o.crf)));
  if (o.audio) args.push(...(mp4 ? ['-c:a', 'aac', '-b:a', '320k'] : ['-c:a', 'pcm_s24le']));
  args.push('-timecode', o.timecode);
  if (mp4) args.push('-write_tmcd', '1', '-movflags', '+faststart');
  args.push('-map_metadata', '-1', '-f', mp4 ? 'mp4' : 'mov', o.out);
  return args;
}

/**
 * Writes one dubbed shot as a media file (see the module comment). Handles are taken from the
 * input where it has frames; the result says how many were written.
 * @throws UserError `E_NLE_MEDIA` for a bad range, a container that does not fit the codec, an
 *   input ffprobe/ffmpeg cannot read, or an input that ends before `endFrame`;
 *   `E_NLE_TIMECODE` for a malformed timecode; `E_NO_FFMPEG` when ffmpeg is missing;
 *   `CancelledError` when `signal` aborts (no file is left behind).
 */
export async function exportShotMedia(opts: ShotMediaOptions): Promise<ShotMediaResult> {
  const { input, out, startFrame, endFrame, codec } = opts;
  if (!Number.isInteger(startFrame) || !Number.isInteger(endFrame) || startFrame < 0 || endFrame <= startFrame) {
    throw new UserError('E_NLE_MEDIA', `Invalid shot range [${startFrame}, ${endFrame}).`, 'The end frame must be after the start frame.');
  }
  const ext = path.extname(out).toLowerCase();
  if (codec === 'prores_hq' ? ext !== '.mov' : ext !== '.mov' && ext !== '.mp4') {
    throw new UserError('E_NLE_MEDIA', `"${out}" has the wrong extension for ${codec === 'prores_hq' ? 'ProRes (.mov)' : 'H.264 (.mov or .mp4)'}.`, 'Change the output file extension.');
  }
  const h = typeof opts.handles === 'number' ? { head: opts.handles, tail: opts.handles } : (opts.handles ?? { head: 0, tail: 0 });
  const info = await ffprobe(input, [], opts.signal);
  const video = info.streams.find((s) => s.codec_type === 'video');
  const rateMatch = /^(\d+)\/(\d+)$/.exec(video?.r_frame_rate ?? '');
  if (!video || !rateMatch || Number(rateMatch[1]) === 0) {
    throw new UserError('E_NLE_MEDIA', `"${input}" has no video stream with a frame rate.`, 'Export the shot from a video file.');
  }
  const rate = makeRate(Number(rateMatch[1]), Number(rateMatch[2]));
  const hasAudio = opts.audio !== false && info.streams.some((s) => s.codec_type === 'audio');

  // Timecode of input frame `startFrame`.
  const given = opts.timecode?.trim();
  const inputTc = given ? null : (video.tags?.timecode ?? info.format?.tags?.timecode ?? null);
  const tcText = given ?? inputTc;
  const dropFrame = !!tcText && tcText.includes(';') && dropFrameAllowed(rate);
  const tcAtStart = given ? timecodeToFrames(given, rate, dropFrame) : (inputTc ? timecodeToFrames(inputTc, rate, dropFrame) : 0) + startFrame;

  const head = Math.min(Math.max(0, Math.floor(h.head)), startFrame, tcAtStart);
  const firstFrame = startFrame - head;
  const wanted = head + (endFrame - startFrame) + Math.max(0, Math.floor(h.tail));
  const timecode = framesToTimecode(tcAtStart - head, rate, dropFrame);

  const tmp = tempPathNextTo(out);
  try {
    const { ffmpeg } = locateFfmpeg();
    const args = buildShotArgs({ input, out: tmp, firstFrame, frameCount: wanted, rate, codec, timecode, audio: hasAudio, crf: opts.crf ?? 16 });
    const r = await runCollect(ffmpeg, args, { signal: opts.signal });
    if (r.code !== 0) {
      throw new UserError('E_NLE_MEDIA', `ffmpeg could not write the shot "${out}": ${r.stderr.lastLines(3)}`, 'Check the input file and free disk space.');
    }
    const written = await ffprobe(tmp, ['-count_frames', '-select_streams', 'v:0'], opts.signal);
    const frameCount = Number(written.streams[0]?.nb_read_frames ?? 0);
    const tail = frameCount - head - (endFrame - startFrame);
    if (tail < 0) {
      throw new UserError(
        'E_NLE_MEDIA',
        `"${input}" ends before frame ${endFrame} (only ${firstFrame + frameCount} frames).`,
        'Render the whole shot, or export a shorter range.',
      );
    }
    await commitTempFile(tmp, out);
    return { out, rate, firstFrame, frameCount, head, tail, timecode, dropFrame };
  } catch (err) {
    await removeQuietly(tmp);
    throw err;
  }
}
