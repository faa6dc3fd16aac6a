/**
 * Pure builders of ffmpeg argument arrays. Nothing here touches the disk or spawns a process, so
 * every function is unit-tested on its exact output. All need ffmpeg 5.1 or newer (`-fps_mode`).
 */

import { framesToSeconds } from '../../shared/time';

/** Options common to every ffmpeg run we make: quiet except for errors, no keyboard on stdin. */
export const FFMPEG_COMMON = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error'] as const;

/** Formats seconds for ffmpeg's time options: fixed 6 decimals (microseconds), never exponent. */
export function formatSeconds(seconds: number): string {
  return Math.max(0, seconds).toFixed(6);
}

/**
 * How far before the wanted frame's timestamp the accurate seek lands, in frames. ffmpeg drops
 * frames whose timestamp is below the seek point, so seeking exactly onto a frame risks losing it
 * to rounding (microsecond `-ss`, millisecond container time bases); a quarter frame earlier keeps
 * it while still dropping the previous frame.
 */
export const SEEK_MARGIN_FRAMES = 0.25;

export interface DecodeArgsOptions {
  input: string;
  /** Exact frame rate, frames per second = fpsNum / fpsDen. */
  fpsNum: number;
  fpsDen: number;
  /** First frame to output (0-based, default 0). */
  start?: number;
  /** Frame after the last one to output (exclusive); absent = to the end of the stream. */
  end?: number;
  /** Video stream start relative to the container start, seconds (default 0). */
  streamStart?: number;
  /**
   * True for variable-frame-rate input: frames are resampled to constant `fpsNum/fpsDen` by the
   * `fps` filter (duplicating or dropping frames), and a range is cut after that resampling
   * (`trim=start_frame`) instead of by seeking, so frame `i` of a range is exactly frame `i` of a
   * full decode (a seek into a pause would otherwise skip the frame still on screen). This
   * decodes the clip from its beginning. False (default): every decoded frame is output exactly
   * once (`-fps_mode passthrough`) and ranges seek.
   */
  forceCfr?: boolean;
  /**
   * Output only this rectangle (pixels, integers, inside the display frame): frames are converted
   * to rgb24 first and then cropped, so the bytes equal the same rectangle of a full decode.
   */
  crop?: { x: number; y: number; w: number; h: number };
  /** Scale frames to this size (after any crop) with area averaging, e.g. for face detection. */
  scaleTo?: { w: number; h: number };
  /**
   * Output pixel format: rgb24 (default, HxWx3) or yuv420p (planar Y, then U and V at half size;
   * even sizes only). `yuvMatrix` is the Y'CbCr matrix used when ffmpeg has to convert from RGB
   * (e.g. a lossless rgb render) so it matches the clip's.
   */
  pixFmt?: 'rgb24' | 'yuv420p';
  yuvMatrix?: ColorMatrix;
}

/**
 * Arguments to decode the first video stream of `input` to raw rgb24 frames on stdout (each frame
 * HxWx3 bytes, row-major, no padding). Frames are autorotated upright (ffmpeg's default), so they
 * have the display size. For constant-rate input a range uses an accurate input seek (`-ss`
 * before `-i`) to `streamStart + (start - SEEK_MARGIN_FRAMES) * fpsDen / fpsNum` seconds, and
 * `-frames:v end-start`. For `forceCfr` see `DecodeArgsOptions.forceCfr`.
 */
export function buildDecodeArgs(o: DecodeArgsOptions): string[] {
  const start = o.start ?? 0;
  const args: string[] = [...FFMPEG_COMMON];
  if (start > 0 && !o.forceCfr) {
    const seconds = (o.streamStart ?? 0) + framesToSeconds(start - SEEK_MARGIN_FRAMES, o.fpsNum, o.fpsDen);
    args.push('-ss', formatSeconds(seconds));
  }
  args.push('-i', o.input, '-map', '0:v:0', '-an', '-sn', '-dn');
  const filters: string[] = [];
  if (o.forceCfr) {
    filters.push(`fps=${o.fpsNum}/${o.fpsDen}`);
    if (start > 0) filters.push(`trim=start_frame=${start}`);
  }
  if (o.crop) filters.push('format=rgb24', `crop=${o.crop.w}:${o.crop.h}:${o.crop.x}:${o.crop.y}:exact=1`);
  if (o.scaleTo) filters.push(`scale=${o.scaleTo.w}:${o.scaleTo.h}:flags=area`);
  if (o.pixFmt === 'yuv420p' && o.yuvMatrix) filters.push(`scale=out_color_matrix=${o.yuvMatrix}:out_range=tv`);
  if (filters.length) args.push('-vf', filters.join(','));
  args.push('-fps_mode', 'passthrough');
  if (o.end !== undefined) args.push('-frames:v', String(o.end - start));
  args.push('-f', 'rawvideo', '-pix_fmt', o.pixFmt ?? 'rgb24', 'pipe:1');
  return args;
}

/** YCbCr matrix the encoder converts rgb24 with, and tags the output as. */
export type ColorMatrix = 'bt601' | 'bt709';

export interface EncodeArgsOptions {
  /** Frame size in pixels of the rgb24 frames written to stdin. */
  width: number;
  height: number;
  fpsNum: number;
  fpsDen: number;
  output: string;
  /** libx264rgb at qp 0: decoded rgb24 round-trips bit-exactly (large files, few players). */
  lossless?: boolean;
  /** With `lossless`: `utvideo` (Ut Video, planar gbrp) instead of libx264rgb. */
  losslessCodec?: 'x264rgb' | 'utvideo';
  /** x264 constant rate factor for the default H.264 output (0-51, default 18). */
  crf?: number;
  /** x264 preset (default `medium`; lossless always uses `ultrafast`). */
  preset?: string;
  /** Matrix for rgb -> yuv420p (default `bt601`, ffmpeg's default, used when decoding untagged input). */
  colorMatrix?: ColorMatrix;
  /**
   * Pixel format of the raw frames on stdin: rgb24 (default), yuv420p (already Y'CbCr in
   * `colorMatrix`: encoded without conversion; even sizes; not with `lossless`) or rgba (only
   * with the `utvideo` lossless codec: stored as gbrap, the alpha marks changed pixels).
   */
  inputPixFmt?: 'rgb24' | 'yuv420p' | 'rgba';
}

/** True for containers that take `-movflags +faststart` (MP4 / QuickTime family). */
export function isMovFamily(output: string): boolean {
  return /\.(mp4|m4v|mov)$/i.test(output);
}

/**
 * Arguments to encode raw rgb24 frames (HxWx3, `width`x`height`, at exactly `fpsNum/fpsDen` fps)
 * read from stdin into `output` (video only; container from the extension).
 * Default: H.264 (libx264, yuv420p, CRF 18, preset medium), tagged with `colorMatrix`; odd sizes
 * are padded by one pixel to even because yuv420p needs it. Lossless: libx264rgb `-qp 0`
 * `-preset ultrafast`, rgb24 kept as is. MP4/MOV get `+faststart`.
 */
export function buildEncodeArgs(o: EncodeArgsOptions): string[] {
  const args: string[] = [
    ...FFMPEG_COMMON,
    '-f', 'rawvideo',
    '-pix_fmt', o.inputPixFmt ?? 'rgb24',
    '-s', `${o.width}x${o.height}`,
    '-framerate', `${o.fpsNum}/${o.fpsDen}`,
    '-i', 'pipe:0',
    '-an',
  ];
  if (o.lossless && o.losslessCodec === 'utvideo') {
    // Bit-exact container (no random Matroska segment id, no date): the same frames give the
    // same file, so a render made on a farm worker equals a local one byte for byte.
    args.push('-c:v', 'utvideo', '-pix_fmt', o.inputPixFmt === 'rgba' ? 'gbrap' : 'gbrp', '-fflags', '+bitexact', '-flags:v', '+bitexact');
  } else if (o.lossless) {
    args.push(...X264_LOSSLESS_RGB_ARGS);
  } else {
    const matrix = o.colorMatrix ?? 'bt601';
    const filters: string[] = [];
    if (o.inputPixFmt !== 'yuv420p') {
      if (o.width % 2 !== 0 || o.height % 2 !== 0) filters.push('pad=ceil(iw/2)*2:ceil(ih/2)*2');
      filters.push(`scale=out_color_matrix=${matrix}:out_range=tv`);
    }
    if (filters.length) args.push('-vf', filters.join(','));
    args.push(...x264ReviewArgs(o.preset ?? 'medium', o.crf ?? REVIEW_CRF, matrix));
  }
  if (isMovFamily(o.output)) args.push('-movflags', '+faststart');
  args.push('-y', o.output);
  return args;
}

/**
 * x264 CRF of H.264 review outputs (the CLI dub, the editor's H.264 export, the quality eval's
 * noise floor). The encode is the only softening of a dub's lower face (the render is lossless):
 * variance of the Laplacian of the re-encoded original over the original's, on the shared
 * clips' lower faces, is 0.91-0.93 at CRF 18 (face-glasses 0.905), 0.94 at 15 and 0.97 at 12
 * (about twice the bitrate of CRF 18: visually lossless review masters).
 */
export const REVIEW_CRF = 12;

/** ffmpeg's `-colorspace` tag of a matrix: `bt709`, or `smpte170m` for BT.601. */
export function colorspaceTag(matrix: ColorMatrix): 'bt709' | 'smpte170m' {
  return matrix === 'bt709' ? 'bt709' : 'smpte170m';
}

/*
 * Video encoder presets: every encoder argument list we pass to ffmpeg is built here, so a
 * setting lives in one place. Each preset's argv (strings and order) is pinned by the unit tests
 * of its users (media-args, editor-services, nle-media-export).
 */

/** Output colour tags: `-colorspace` of `matrix`, limited (`tv`) range. */
export function colorTagArgs(matrix: ColorMatrix): string[] {
  return ['-colorspace', colorspaceTag(matrix), '-color_range', 'tv'];
}

/**
 * libx264, yuv420p, untagged: `-c:v libx264 -preset P [-tune T] -crf C [-g G] -pix_fmt yuv420p`.
 * The base of the H.264 presets below.
 */
export function x264Args(o: { preset: string; crf: number; tune?: 'grain' | null; gop?: number }): string[] {
  return [
    '-c:v', 'libx264', '-preset', o.preset,
    ...(o.tune ? ['-tune', o.tune] : []),
    '-crf', String(o.crf),
    ...(o.gop !== undefined ? ['-g', String(o.gop)] : []),
    '-pix_fmt', 'yuv420p',
  ];
}

/**
 * Video encoder arguments of the review output: libx264 `preset`/`crf`, yuv420p, tagged with
 * `matrix` and limited range (the frames must already be in that matrix); `tune: 'grain'` for a
 * grainy source (`media/source-grain.ts`: x264 keeps film grain instead of smoothing it away).
 * Used by the CLI dub (`buildEncodeArgs`, overlay exports), the quality eval's noise floor and
 * (preset `fast`) the editor's H.264 export.
 */
export function x264ReviewArgs(preset: string, crf: number, matrix: ColorMatrix, tune: 'grain' | null = null): string[] {
  return [...x264Args({ preset, crf, tune }), ...colorTagArgs(matrix)];
}

/** The editor's H.264 export: the review settings (`REVIEW_CRF`) at preset `fast`, tagged with `matrix`. */
export function h264ExportArgs(matrix: ColorMatrix): string[] {
  return x264ReviewArgs('fast', REVIEW_CRF, matrix);
}

/** The editor's HEVC export: libx265 preset `fast`, CRF 20, yuv420p, `hvc1` tag (Apple players), tagged with `matrix`. */
export function hevcExportArgs(matrix: ColorMatrix): string[] {
  return ['-c:v', 'libx265', '-preset', 'fast', '-crf', '20', '-pix_fmt', 'yuv420p', '-tag:v', 'hvc1', '-x265-params', 'log-level=error', ...colorTagArgs(matrix)];
}

/**
 * ProRes 422 HQ (`prores_ks` profile 3), 10-bit 4:2:2, Apple vendor id; tagged with `matrix`, or
 * untagged for `null` (the NLE shot export keeps the source's tags).
 */
export function proresHqArgs(matrix: ColorMatrix | null): string[] {
  return ['-c:v', 'prores_ks', '-profile:v', '3', '-pix_fmt', 'yuv422p10le', '-vendor', 'apl0', ...(matrix ? colorTagArgs(matrix) : [])];
}

/** H.264 shots for an NLE round trip: libx264 preset `medium` at `crf`, yuv420p, untagged. */
export function h264ShotArgs(crf: number): string[] {
  return x264Args({ preset: 'medium', crf });
}

/** The editor's preview proxy of a clip Chromium cannot play: fast H.264 with short GOPs (12 frames) for frame-accurate seeking. */
export const H264_PROXY_ARGS: readonly string[] = x264Args({ preset: 'veryfast', crf: 20, gop: 12 });

/** Lossless rgb24 H.264 (libx264rgb `-qp 0`, preset `ultrafast`): decoded frames round-trip bit-exactly. */
export const X264_LOSSLESS_RGB_ARGS: readonly string[] = ['-c:v', 'libx264rgb', '-qp', '0', '-preset', 'ultrafast', '-pix_fmt', 'rgb24'];

export interface MuxArgsOptions {
  /** Encoded video-only file (its first video stream is copied, not re-encoded). */
  video: string;
  /** Prepared WAV with the final audio track (first audio stream is encoded to AAC). */
  audio: string;
  output: string;
  /** AAC bitrate (default `192k`). */
  audioBitrate?: string;
}

/**
 * Arguments to mux: video stream copied from `video` (`-c:v copy`), audio from `audio` encoded
 * to AAC; MP4/MOV get `+faststart`. The audio should already have the video's duration
 * (`buildDubbedAudio` makes it so); no `-shortest`, which can cut the last video frames.
 */
export function buildMuxArgs(o: MuxArgsOptions): string[] {
  const args: string[] = [
    ...FFMPEG_COMMON,
    '-i', o.video,
    '-i', o.audio,
    '-map', '0:v:0',
    '-map', '1:a:0',
    '-c:v', 'copy',
    '-c:a', 'aac',
    '-b:a', o.audioBitrate ?? '192k',
  ];
  if (isMovFamily(o.output)) args.push('-movflags', '+faststart');
  args.push('-y', o.output);
  return args;
}

export interface AudioDecodeArgsOptions {
  input: string;
  /** Output sample rate in Hz. */
  sampleRate: number;
  /** Output channels (1 = mono downmix, 2 = stereo). */
  channels: number;
  /** Seconds into the file to start at (accurate input seek), default 0. */
  start?: number;
  /** Seconds to decode, default to the end. */
  duration?: number;
}

/**
 * Arguments to decode the first audio stream of `input` to interleaved little-endian float32 PCM
 * (`f32le`) on stdout at `sampleRate` Hz with `channels` channels.
 */
export function buildAudioDecodeArgs(o: AudioDecodeArgsOptions): string[] {
  const args: string[] = [...FFMPEG_COMMON];
  if (o.start !== undefined && o.start > 0) args.push('-ss', formatSeconds(o.start));
  args.push('-i', o.input);
  if (o.duration !== undefined) args.push('-t', formatSeconds(o.duration));
  args.push(
    '-map', '0:a:0',
    '-vn', '-sn', '-dn',
    '-ac', String(o.channels),
    '-ar', String(o.sampleRate),
    '-f', 'f32le',
    'pipe:1',
  );
  return args;
}

/** Arguments to ffprobe `input` as JSON with streams and format. */
export function buildProbeArgs(input: string): string[] {
  return ['-hide_banner', '-loglevel', 'error', '-print_format', 'json', '-show_streams', '-show_format', input];
}

/** x264 preset of the default H.264 review output (`--preset` changes it). */
export const DEFAULT_PRESET = 'veryfast';
