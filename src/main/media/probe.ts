import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { UserError } from '../util/errors';
import { buildProbeArgs } from './args';
import { locateFfmpeg } from './locate';
import { runCollect } from './process';
import type { AudioFileInfo, AudioStreamInfo, VideoInfo } from './types';

/** ffprobe prints most numbers as strings ("5.000000"); accept both. */
const numeric = z.union([z.number(), z.string()]).optional();

const sideDataSchema = z.object({
  side_data_type: z.string().optional(),
  rotation: numeric,
});

const streamSchema = z.object({
  index: z.number(),
  codec_type: z.string().optional(),
  codec_name: z.string().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  pix_fmt: z.string().optional(),
  bits_per_raw_sample: numeric,
  sample_aspect_ratio: z.string().optional(),
  r_frame_rate: z.string().optional(),
  avg_frame_rate: z.string().optional(),
  start_time: numeric,
  duration: numeric,
  nb_frames: numeric,
  sample_rate: numeric,
  channels: z.number().optional(),
  color_space: z.string().optional(),
  disposition: z.object({ attached_pic: z.number().optional() }).optional(),
  tags: z.record(z.string(), z.string()).optional(),
  side_data_list: z.array(sideDataSchema).optional(),
});

const probeSchema = z.object({
  streams: z.array(streamSchema).default([]),
  format: z
    .object({
      format_name: z.string().optional(),
      start_time: numeric,
      duration: numeric,
    })
    .optional(),
});

type ProbeJson = z.infer<typeof probeSchema>;
type ProbeStream = z.infer<typeof streamSchema>;

function num(v: number | string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : Number.parseFloat(v);
  return Number.isFinite(n) ? n : undefined;
}

/** Parses "30000/1001" (or "16:9" with `sep` ':') into [num, den]; null when invalid or zero. */
export function parseRational(s: string | undefined, sep = '/'): [number, number] | null {
  if (!s) return null;
  const parts = s.split(sep);
  if (parts.length !== 2) return null;
  const n = Number.parseInt(parts[0], 10);
  const d = Number.parseInt(parts[1], 10);
  if (!Number.isFinite(n) || !Number.isFinite(d) || n <= 0 || d <= 0) return null;
  return [n, d];
}

/**
 * Bits per colour component from an ffmpeg pixel format name (`yuv420p10le` -> 10, `p010le` ->
 * 10, `rgb48le` -> 16, `yuv420p` -> 8). Falls back to `bitsPerRawSample`, then 8.
 */
export function bitDepthOf(pixFmt: string, bitsPerRawSample?: number): number {
  const m = /(?:p|gray|pal|xyz)(\d{2})(?:le|be)$/.exec(pixFmt) ?? /^p0(\d{2})(?:le|be)$/.exec(pixFmt);
  if (m) return Number.parseInt(m[1], 10);
  if (/^(rgb48|bgr48|rgba64|bgra64|ya16)/.test(pixFmt)) return 16;
  if (bitsPerRawSample && bitsPerRawSample > 0) return bitsPerRawSample;
  return 8;
}

/**
 * Display rotation in clockwise degrees (0, 90, 180, 270): the rotation a player applies to the
 * coded frame, the same convention as the legacy `rotate` tag. From the display matrix when
 * present (ffprobe reports its counter-clockwise angle, so it is negated), else `tags.rotate`.
 * Angles are snapped to the nearest multiple of 90.
 */
export function rotationOf(stream: Pick<ProbeStream, 'side_data_list' | 'tags'>): number {
  let cw: number | undefined;
  const matrix = stream.side_data_list?.find((s) => s.side_data_type === 'Display Matrix' && s.rotation !== undefined);
  const matrixRotation = num(matrix?.rotation);
  if (matrixRotation !== undefined) cw = -matrixRotation;
  else {
    const tag = num(stream.tags?.rotate);
    if (tag !== undefined) cw = tag;
  }
  if (cw === undefined) return 0;
  const snapped = Math.round(cw / 90) * 90;
  return ((snapped % 360) + 360) % 360;
}

/** Upright frame size: `width x height`, swapped for 90/270 degree rotation. */
export function displaySize(info: Pick<VideoInfo, 'width' | 'height' | 'rotation' | 'displayWidth' | 'displayHeight'>): {
  width: number;
  height: number;
} {
  if (info.displayWidth && info.displayHeight) return { width: info.displayWidth, height: info.displayHeight };
  const swap = info.rotation === 90 || info.rotation === 270;
  return swap ? { width: info.height, height: info.width } : { width: info.width, height: info.height };
}

/** Above this, an r_frame_rate is taken as a time-base artifact and avg_frame_rate is used. */
const MAX_PLAUSIBLE_FPS = 240;
/** Relative difference between r_frame_rate and avg_frame_rate that counts as variable. */
const VFR_TOLERANCE = 0.01;

/**
 * Frame-rate policy: the rate is ffprobe's `r_frame_rate` (the stream's base rate) as an exact
 * rational; `avg_frame_rate` is used only when r_frame_rate is missing or implausible (>240 fps).
 * The stream is flagged variable-frame-rate when the two differ by more than 1 %.
 */
export function chooseFrameRate(stream: Pick<ProbeStream, 'r_frame_rate' | 'avg_frame_rate'>): {
  fps: [number, number] | null;
  variable: boolean;
} {
  const r = parseRational(stream.r_frame_rate);
  const avg = parseRational(stream.avg_frame_rate);
  let fps = r;
  if ((!fps || fps[0] / fps[1] > MAX_PLAUSIBLE_FPS) && avg) fps = avg;
  let variable = false;
  if (r && avg) {
    const rv = r[0] / r[1];
    const av = avg[0] / avg[1];
    variable = Math.abs(rv - av) / rv > VFR_TOLERANCE;
  }
  return { fps, variable };
}

function audioStreamOf(s: ProbeStream, fallbackDuration: number): AudioStreamInfo {
  return {
    index: s.index,
    codec: s.codec_name ?? 'unknown',
    sampleRate: num(s.sample_rate) ?? 0,
    channels: s.channels ?? 0,
    duration: num(s.duration) ?? fallbackDuration,
  };
}

function isRealVideo(s: ProbeStream): boolean {
  return s.codec_type === 'video' && s.disposition?.attached_pic !== 1 && s.codec_name !== 'ansi';
}

/**
 * Runs ffprobe on `file` and returns its validated JSON.
 * @throws UserError E_NOT_FOUND (no such file), E_UNREADABLE (a folder, no permission, or
 *   ffprobe cannot read it as media, with ffprobe's reason), E_NO_FFMPEG.
 */
async function runProbe(file: string, signal?: AbortSignal): Promise<ProbeJson> {
  let stat;
  try {
    stat = await fsp.stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new UserError('E_NOT_FOUND', `File not found: ${file}`, 'Check the path (and the current folder for relative paths).');
    }
    throw new UserError('E_UNREADABLE', `Cannot read ${file}: ${(err as Error).message}`, 'Check the file permissions.');
  }
  if (!stat.isFile()) {
    throw new UserError('E_UNREADABLE', `${file} is not a file.`, 'Pass the path of a video or audio file, not a folder.');
  }
  const { ffprobe } = locateFfmpeg();
  const res = await runCollect(ffprobe, buildProbeArgs(file), { signal });
  if (res.code !== 0) {
    const reason = res.stderr.lastLines(2) || `ffprobe exited with code ${res.code ?? res.signal}`;
    throw new UserError(
      'E_UNREADABLE',
      `Cannot read ${file} as media: ${reason}`,
      'Check that the file is a complete video or audio file in a format ffmpeg supports (try `ffprobe <file>`).',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(res.stdout).toString('utf8'));
  } catch {
    throw new UserError('E_UNREADABLE', `ffprobe printed no valid JSON for ${file}.`, 'Check the file with `ffprobe <file>`.');
  }
  const parsed = probeSchema.safeParse(json);
  if (!parsed.success) {
    throw new UserError(
      'E_UNREADABLE',
      `Unexpected ffprobe output for ${file}: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      'Check the file with `ffprobe <file>`; a different ffmpeg version may help.',
    );
  }
  if (parsed.data.format?.format_name === 'tty') {
    throw new UserError('E_UNREADABLE', `${file} is a text file, not media.`, 'Pass a video or audio file.');
  }
  return parsed.data;
}

/**
 * Probes a video file with ffprobe (`-show_streams -show_format`, no decoding).
 * - Size: coded width/height in pixels; `displayWidth/Height` swap them for 90/270 rotation.
 * - Frame rate: exact rational from `r_frame_rate` (see `chooseFrameRate`). VFR policy: a
 *   variable-frame-rate stream is processed as constant rate at r_frame_rate (decode resamples
 *   with ffmpeg's `fps` filter, duplicating/dropping frames, like `-fps_mode cfr`; see
 *   `buildDecodeArgs`), `variableFrameRate` is true and a message is added to `warnings`.
 * - frameCount: the stream's `nb_frames` when present, else (and always for VFR, since it is
 *   decoded at constant rate) round(duration x fps).
 * - duration (seconds): stream duration, else container duration.
 * - rotation: clockwise display rotation (see `rotationOf`); decoded frames are upright.
 * - sampleAspectRatio: [num, den], [1, 1] when unknown. pixelFormat / bitDepth (8, 10, 12, 16).
 * - audioStreams: every audio stream (index, codec, Hz, channels, seconds).
 * Cover art (attached pictures) does not count as video.
 * @throws UserError E_NOT_FOUND, E_UNREADABLE (not media / unreadable, with ffprobe's reason),
 *   E_NO_VIDEO (no video stream, e.g. an audio file), E_NO_FFMPEG.
 */
export async function probeMedia(file: string, opts: { signal?: AbortSignal } = {}): Promise<VideoInfo> {
  const abs = path.resolve(file);
  const data = await runProbe(abs, opts.signal);
  const formatDuration = num(data.format?.duration) ?? 0;
  const v = data.streams.find(isRealVideo);
  if (!v) {
    throw new UserError(
      'E_NO_VIDEO',
      `${abs} has no video stream.`,
      'Pass a video file as the clip; audio-only files can be used as the dub track.',
    );
  }
  const width = v.width ?? 0;
  const height = v.height ?? 0;
  if (width <= 0 || height <= 0) {
    throw new UserError('E_UNREADABLE', `The video stream of ${abs} has no frame size.`, 'The file may be damaged; try re-encoding it with ffmpeg.');
  }
  const rate = chooseFrameRate(v);
  if (!rate.fps) {
    throw new UserError('E_UNREADABLE', `The video stream of ${abs} has no usable frame rate.`, 'Re-encode it at a constant frame rate, e.g. `ffmpeg -i in -r 25 out.mp4`.');
  }
  const [fpsNum, fpsDen] = rate.fps;
  const fps = fpsNum / fpsDen;
  const duration = num(v.duration) ?? formatDuration;
  const nbFrames = num(v.nb_frames);
  // VFR clips are decoded at constant fps, so their frame count is what that produces.
  const frameCount = nbFrames && nbFrames > 0 && !rate.variable ? Math.round(nbFrames) : Math.round(duration * fps);
  const rotation = rotationOf(v);
  const swap = rotation === 90 || rotation === 270;
  const sar = parseRational(v.sample_aspect_ratio, ':') ?? [1, 1];
  const pixelFormat = v.pix_fmt ?? 'unknown';
  const streamStart = num(v.start_time) ?? 0;
  const formatStart = num(data.format?.start_time) ?? streamStart;
  const warnings: string[] = [];
  if (rate.variable) {
    warnings.push(
      `${path.basename(abs)} has a variable frame rate (average ${v.avg_frame_rate}, base ${v.r_frame_rate}); ` +
        `it is processed as constant ${fpsNum}/${fpsDen} fps, so some frames may be duplicated or dropped.`,
    );
  }
  return {
    path: abs,
    width,
    height,
    fpsNum,
    fpsDen,
    fps,
    variableFrameRate: rate.variable,
    frameCount,
    duration,
    rotation,
    sampleAspectRatio: sar,
    pixelFormat,
    bitDepth: bitDepthOf(pixelFormat, num(v.bits_per_raw_sample)),
    codec: v.codec_name ?? 'unknown',
    audioStreams: data.streams.filter((s) => s.codec_type === 'audio').map((s) => audioStreamOf(s, formatDuration)),
    displayWidth: swap ? height : width,
    displayHeight: swap ? width : height,
    startTime: Math.max(0, streamStart - formatStart),
    colorSpace: v.color_space && v.color_space !== 'unknown' ? v.color_space : undefined,
    formatName: data.format?.format_name,
    warnings,
  };
}

/**
 * Probes a file for its audio (any container: WAV, MP3, M4A, or a video's audio track).
 * @returns duration in seconds, the first audio stream (the one decoders read) and all streams.
 * @throws UserError E_NOT_FOUND, E_UNREADABLE, E_NO_AUDIO (no audio stream), E_NO_FFMPEG.
 */
export async function probeAudio(file: string, opts: { signal?: AbortSignal } = {}): Promise<AudioFileInfo> {
  const abs = path.resolve(file);
  const data = await runProbe(abs, opts.signal);
  const formatDuration = num(data.format?.duration) ?? 0;
  const audioStreams = data.streams.filter((s) => s.codec_type === 'audio').map((s) => audioStreamOf(s, formatDuration));
  if (audioStreams.length === 0) {
    throw new UserError('E_NO_AUDIO', `${abs} has no audio stream.`, 'Pass a file that contains audio (WAV, MP3, M4A, or a video with sound).');
  }
  return {
    path: abs,
    duration: formatDuration || audioStreams[0].duration,
    audio: audioStreams[0],
    audioStreams,
    hasVideo: data.streams.some(isRealVideo),
    formatName: data.format?.format_name,
  };
}
