import type { ExportCodec } from '../../shared/project/schema';
import { h264ExportArgs, hevcExportArgs, proresHqArgs, type ColorMatrix } from '../media/args';
import { buildOverlayGraph, type OverlaySource } from '../media/overlay-args';

/**
 * ffmpeg command for exporting the timeline in one generation: the original clip is decoded once
 * and every ready segment is laid over its frames (its lossless render cut to the union mask's
 * box, or, when the render is no longer in the cache, its H.264 take as a whole frame), then
 * encoded with the chosen codec; the audio is a mix of the chosen sources, padded/cut to the
 * video length.
 */
export interface ExportPlanInput {
  video: {
    path: string;
    frameCount: number;
    /** Exact frame rate fpsNum / fpsDen. */
    fpsNum: number;
    fpsDen: number;
    /** The clip's Y'CbCr matrix (RGB renders are converted with it). */
    matrix: ColorMatrix;
    /** Variable-frame-rate clip: resampled to fpsNum / fpsDen as the pipeline decodes it. */
    forceCfr?: boolean;
  };
  /** Ready segments, any order, no overlaps, inside the clip. */
  overlays: OverlaySource[];
  /** Audio sources: the clip's own audio and/or dub files placed at `offset` seconds. */
  audio: Array<{ kind: 'original' } | { kind: 'dub'; path: string; offset: number }>;
  codec: ExportCodec;
  out: string;
}

export interface ExportPlan {
  args: string[];
  /** Frames and seconds of the output. */
  frames: number;
  duration: number;
  pieces: Array<{ source: 'original' | 'render' | 'take'; startFrame: number; endFrame: number }>;
}

/** File extensions allowed for each codec. */
export const EXPORT_EXTENSIONS: Record<ExportCodec, string[]> = {
  h264: ['.mp4', '.mov', '.mkv'],
  hevc: ['.mp4', '.mov', '.mkv'],
  prores: ['.mov'],
};

function videoCodecArgs(codec: ExportCodec, matrix: ColorMatrix): string[] {
  switch (codec) {
    case 'h264':
      return h264ExportArgs(matrix);
    case 'hevc':
      return hevcExportArgs(matrix);
    case 'prores':
      return proresHqArgs(matrix);
  }
}

/**
 * Builds the export command (`-y`, inputs, `-filter_complex`, maps, codecs, `out`).
 * @throws Error when segments overlap or lie outside the clip.
 */
export function buildExportPlan(input: ExportPlanInput): ExportPlan {
  const { video } = input;
  const fc = video.frameCount;
  const fps = video.fpsNum / video.fpsDen;
  const overlays = [...input.overlays].sort((a, b) => a.startFrame - b.startFrame);
  const pieces: ExportPlan['pieces'] = [];
  let cursor = 0;
  for (const o of overlays) {
    const end = o.startFrame + o.frames;
    if (o.startFrame < cursor || end > fc || o.frames <= 0) throw new Error(`segment ${o.path} (frames ${o.startFrame}-${end}) overlaps another or lies outside the clip`);
    if (o.startFrame > cursor) pieces.push({ source: 'original', startFrame: cursor, endFrame: o.startFrame });
    pieces.push({ source: o.rgb ? 'render' : 'take', startFrame: o.startFrame, endFrame: end });
    cursor = end;
  }
  if (cursor < fc) pieces.push({ source: 'original', startFrame: cursor, endFrame: fc });

  const args: string[] = ['-y', '-i', video.path];
  for (const o of overlays) args.push('-i', o.path);
  const filters = [
    buildOverlayGraph({
      fpsNum: video.fpsNum,
      fpsDen: video.fpsDen,
      start: 0,
      frames: fc,
      seeked: false,
      forceCfr: video.forceCfr,
      pixFmt: input.codec === 'prores' ? 'yuv422p10le' : 'yuv420p',
      matrix: video.matrix,
      overlays: overlays.map((o, i) => ({ ...o, input: i + 1 })),
    }),
  ];
  let inputIndex = overlays.length + 1;

  const duration = fc / fps;
  const audioLabels: string[] = [];
  input.audio.forEach((a, k) => {
    if (a.kind === 'original') {
      args.push('-i', video.path);
      filters.push(`[${inputIndex}:a:0]aresample=48000,apad,atrim=end=${duration.toFixed(6)}[a${k}]`);
    } else {
      args.push('-i', a.path);
      const shift =
        a.offset > 0
          ? `adelay=delays=${Math.round(a.offset * 1000)}:all=1,`
          : a.offset < 0
            ? `atrim=start=${(-a.offset).toFixed(6)},asetpts=PTS-STARTPTS,`
            : '';
      filters.push(`[${inputIndex}:a:0]aresample=48000,${shift}apad,atrim=end=${duration.toFixed(6)}[a${k}]`);
    }
    audioLabels.push(`[a${k}]`);
    inputIndex++;
  });
  if (audioLabels.length > 1) filters.push(`${audioLabels.join('')}amix=inputs=${audioLabels.length}:normalize=0:duration=longest[aout]`);
  else if (audioLabels.length === 1) filters.push(`${audioLabels[0]}anull[aout]`);

  args.push('-filter_complex', filters.join(';'), '-map', '[vout]');
  if (audioLabels.length) args.push('-map', '[aout]');
  // The video ends after `fc` frames in the graph and the audio is cut to the same duration, so
  // both streams end on their own (`-frames:v` would close the file before the audio is flushed).
  args.push(...videoCodecArgs(input.codec, video.matrix), '-fps_mode', 'passthrough');
  if (audioLabels.length) {
    if (input.codec === 'prores') args.push('-c:a', 'pcm_s24le');
    else args.push('-c:a', 'aac', '-b:a', '192k');
  }
  if (!input.out.toLowerCase().endsWith('.mkv')) args.push('-movflags', '+faststart');
  args.push(input.out);
  return { args, frames: fc, duration, pieces };
}
