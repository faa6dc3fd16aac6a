/**
 * Pure builders for compositing rendered segments over the original clip inside one ffmpeg
 * process (decode -> overlay -> encode), so exports of already-rendered segments never pipe full
 * frames through Node. Frames are matched by index, not by timestamp: every stream is put on the
 * clip's exact frame time base (`settb`) and numbered (`setpts=N`), the overlays shifted to the
 * clip frame they start on.
 */
import type { Rect } from '../masks/types';
import { FFMPEG_COMMON, formatSeconds, isMovFamily, SEEK_MARGIN_FRAMES, x264ReviewArgs, type ColorMatrix } from './args';
import { framesToSeconds } from '../../shared/time';

/** A file laid over the clip for a range of frames. */
export interface OverlaySource {
  /** A lossless render crop (rgb) or a full-frame take (Y'CbCr, the clip's size). */
  path: string;
  /** Clip frame (0-based) that the file's first frame belongs to. */
  startFrame: number;
  /** Frames of the file to use, from its first. */
  frames: number;
  /** Where the file's frames sit on the clip frame, pixels; absent = the whole frame at (0, 0). */
  rect?: Rect;
  /**
   * The part of `rect` laid over (clip pixels, inside `rect`, even x/y/w/h for 4:2:x output);
   * the rest of the file's frame is ignored. Default: all of `rect`.
   */
  pasteRect?: Rect;
  /** True for RGB files (lossless renders): converted with the clip's matrix, limited range. */
  rgb: boolean;
}

export interface OverlayGraphOptions {
  /** The clip's exact frame rate, fpsNum / fpsDen frames per second. */
  fpsNum: number;
  fpsDen: number;
  /** First clip frame of the output (0-based). */
  start: number;
  /**
   * Output frames: the clip stream ends after this many (so an audio input in the same command
   * ends on its own, not cut where `-frames:v` would stop the file). Absent: to the clip's end.
   */
  frames?: number;
  /**
   * True when input 0 was seeked to `start` (`-ss`); false decodes from the clip's first frame
   * and cuts with `trim` (variable-frame-rate clips, or exact cuts without seeking).
   */
  seeked: boolean;
  /** Variable-frame-rate clip: resampled to fpsNum / fpsDen first (as `decodeFrames` does). */
  forceCfr?: boolean;
  /** Working (and output) pixel format: 8-bit 4:2:0 (H.264 / HEVC) or 10-bit 4:2:2 (ProRes). */
  pixFmt: 'yuv420p' | 'yuv422p10le';
  /** Y'CbCr matrix of the clip, used to convert RGB overlays. */
  matrix: ColorMatrix;
  /** Overlays with the ffmpeg input index each file is opened as. */
  overlays: Array<OverlaySource & { input: number }>;
}

const OVERLAY_FORMAT: Record<OverlayGraphOptions['pixFmt'], string> = { yuv420p: 'yuv420', yuv422p10le: 'yuv422p10' };
/** The same pixel formats with an alpha plane (RGB renders carry one: 255 = changed pixel). */
const ALPHA_FORMAT: Record<OverlayGraphOptions['pixFmt'], string> = { yuv420p: 'yuva420p', yuv422p10le: 'yuva422p10le' };

/**
 * The `-filter_complex` graph: input 0 (the clip) numbered from `start`, each overlay converted
 * to `pixFmt` (RGB with `matrix`, as `decodeFrames` converts renders for pasting), cut to its
 * paste rectangle and laid over its frames; outputs `[vout]`. Pixels outside the paste
 * rectangles, and whole frames outside the overlays' ranges, are the decoded clip's unchanged
 * (for a 4:2:0 clip and `yuv420p` they are bit-exact). Overlays that end before `start` or that
 * lie wholly outside the output are the caller's to drop; a start before `start` is trimmed.
 * @throws Error when a paste rectangle is not inside its rect or not even-aligned.
 */
export function buildOverlayGraph(o: OverlayGraphOptions): string {
  const tb = `settb=expr=${o.fpsDen}/${o.fpsNum}`;
  const chains: string[] = [];
  const main: string[] = [];
  if (o.forceCfr) main.push(`fps=${o.fpsNum}/${o.fpsDen}`);
  if (!o.seeked && o.start > 0) main.push(`trim=start_frame=${o.start}`);
  main.push(tb, 'setpts=N');
  if (o.frames !== undefined) main.push(`trim=end_frame=${o.frames}`);
  main.push(`format=${o.pixFmt}`);
  chains.push(`[0:v:0]${main.join(',')}[m0]`);
  o.overlays.forEach((s, i) => {
    const skip = Math.max(0, o.start - s.startFrame);
    const f: string[] = [`trim=start_frame=${skip}:end_frame=${s.frames}`];
    // RGB renders keep their alpha (255 where the engine changed a pixel; opaque when a render
    // has none): the overlay then leaves every unchanged pixel the clip's own, bit for bit.
    if (s.rgb) f.push(`scale=out_color_matrix=${o.matrix}:out_range=tv`);
    f.push(`format=${s.rgb ? ALPHA_FORMAT[o.pixFmt] : o.pixFmt}`);
    let x = 0, y = 0;
    if (s.rect) {
      const p = s.pasteRect ?? s.rect;
      const dx = p.x - s.rect.x, dy = p.y - s.rect.y;
      if (dx < 0 || dy < 0 || dx + p.w > s.rect.w || dy + p.h > s.rect.h) throw new Error(`paste rectangle of ${s.path} is outside its rect`);
      if ([p.x, p.y, p.w, p.h, dx, dy].some((v) => v % 2 !== 0)) throw new Error(`paste rectangle of ${s.path} is not even-aligned`);
      // Converted as a whole, then cut: the same chroma as converting the crop and pasting a part.
      if (dx !== 0 || dy !== 0 || p.w !== s.rect.w || p.h !== s.rect.h) f.push(`crop=${p.w}:${p.h}:${dx}:${dy}:exact=1`);
      x = p.x;
      y = p.y;
    }
    f.push(tb, `setpts=N+${Math.max(0, s.startFrame - o.start)}`);
    chains.push(`[${s.input}:v:0]${f.join(',')}[o${i}]`);
    const out = i === o.overlays.length - 1 ? 'vout' : `m${i + 1}`;
    chains.push(`[m${i}][o${i}]overlay=x=${x}:y=${y}:eval=init:eof_action=pass:repeatlast=0:format=${OVERLAY_FORMAT[o.pixFmt]}[${out}]`);
  });
  if (o.overlays.length === 0) chains[0] = chains[0].replace(/\[m0\]$/, '[vout]');
  return chains.join(';');
}

/** The clip, the output range and the overlays (the inputs half of an overlay export). */
export interface OverlayInputsOptions {
  /** The clip and its timing (`VideoInfo` fields). */
  input: string;
  fpsNum: number;
  fpsDen: number;
  /** Video stream start relative to the container start, seconds. */
  streamStart?: number;
  forceCfr?: boolean;
  /** Output clip frames [start, end). */
  start: number;
  end: number;
  matrix: ColorMatrix;
  overlays: OverlaySource[];
}

/**
 * Input arguments (`-ss`, `-i` for the clip, then one `-i` per overlay that meets the range) and
 * the `-filter_complex` graph whose `[vout]` has clip frames [start, end) with the overlays laid
 * over, in yuv420p. The clip is seeked like `buildDecodeArgs` (accurate seek a quarter frame
 * early), or decoded from its start and trimmed when `forceCfr`.
 */
export function buildOverlayInputs(o: OverlayInputsOptions): { args: string[]; graph: string } {
  const args: string[] = [];
  const seeked = o.start > 0 && !o.forceCfr;
  if (seeked) args.push('-ss', formatSeconds((o.streamStart ?? 0) + framesToSeconds(o.start - SEEK_MARGIN_FRAMES, o.fpsNum, o.fpsDen)));
  args.push('-i', o.input);
  const used = o.overlays.filter((s) => s.startFrame < o.end && s.startFrame + s.frames > o.start);
  for (const s of used) args.push('-i', s.path);
  const graph = buildOverlayGraph({
    fpsNum: o.fpsNum,
    fpsDen: o.fpsDen,
    start: o.start,
    frames: o.end - o.start,
    seeked,
    forceCfr: o.forceCfr,
    pixFmt: 'yuv420p',
    matrix: o.matrix,
    overlays: used.map((s, i) => ({ ...s, input: i + 1 })),
  });
  return { args, graph };
}

export interface OverlayExportArgsOptions extends OverlayInputsOptions {
  /** x264 settings of the review output (as `buildEncodeArgs`). */
  crf: number;
  preset: string;
  /** x264 tune: 'grain' for a grainy source (`reviewTune`), null for none. */
  tune?: 'grain' | null;
  output: string;
  /** A WAV of exactly the output's duration, encoded to AAC 192 kb/s into the same file. */
  audio?: string;
}

/**
 * Arguments for a review export (H.264, yuv420p; with `audio`, AAC too) of clip frames
 * [start, end) with `overlays` laid over, in one ffmpeg process (`buildOverlayInputs`); progress
 * lines (`frame=N`) go to stdout (`-progress pipe:1`). The video is tagged with `matrix`,
 * limited range.
 */
export function buildOverlayExportArgs(o: OverlayExportArgsOptions): string[] {
  const { args: inputs, graph } = buildOverlayInputs(o);
  const args: string[] = [...FFMPEG_COMMON, '-progress', 'pipe:1', ...inputs];
  const audioInput = inputs.filter((a) => a === '-i').length;
  if (o.audio) args.push('-i', o.audio);
  args.push('-filter_complex', graph, '-map', '[vout]');
  if (o.audio) args.push('-map', `${audioInput}:a:0`, '-c:a', 'aac', '-b:a', '192k');
  else args.push('-an');
  args.push('-sn', '-dn', '-fps_mode', 'passthrough', ...x264ReviewArgs(o.preset, o.crf, o.matrix, o.tune ?? null));
  if (isMovFamily(o.output)) args.push('-movflags', '+faststart');
  args.push('-y', o.output);
  return args;
}
