import type { ExportCodec } from '../../shared/project/schema';

/**
 * ffmpeg command for exporting the timeline: frames inside ready segments come from their takes,
 * every other frame is the original's (cut frame-exactly with accurate input seeking + `trim`),
 * joined with `concat`; the audio is a mix of the chosen sources, padded/cut to the video length.
 */
export interface ExportPlanInput {
  video: { path: string; frameCount: number; fps: number; width: number; height: number };
  /** Ready takes, each exactly `endFrame - startFrame` frames long; any order, no overlaps. */
  takes: Array<{ path: string; startFrame: number; endFrame: number }>;
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
  pieces: Array<{ source: 'original' | 'take'; startFrame: number; endFrame: number }>;
}

/** File extensions allowed for each codec. */
export const EXPORT_EXTENSIONS: Record<ExportCodec, string[]> = {
  h264: ['.mp4', '.mov', '.mkv'],
  hevc: ['.mp4', '.mov', '.mkv'],
  prores: ['.mov'],
};

const SEEK_MARGIN = 0.25;

function videoCodecArgs(codec: ExportCodec): string[] {
  switch (codec) {
    case 'h264':
      return ['-c:v', 'libx264', '-preset', 'fast', '-crf', '18', '-pix_fmt', 'yuv420p'];
    case 'hevc':
      return ['-c:v', 'libx265', '-preset', 'fast', '-crf', '20', '-pix_fmt', 'yuv420p', '-tag:v', 'hvc1', '-x265-params', 'log-level=error'];
    case 'prores':
      // ProRes 422 HQ (profile 3), 10-bit 4:2:2.
      return ['-c:v', 'prores_ks', '-profile:v', '3', '-pix_fmt', 'yuv422p10le', '-vendor', 'apl0'];
  }
}

export function buildExportPlan(input: ExportPlanInput): ExportPlan {
  const { video } = input;
  const fc = video.frameCount;
  const fps = video.fps;
  const takes = [...input.takes].sort((a, b) => a.startFrame - b.startFrame);
  const pieces: ExportPlan['pieces'] = [];
  let cursor = 0;
  for (const t of takes) {
    if (t.startFrame < cursor || t.endFrame > fc || t.endFrame <= t.startFrame) throw new Error(`take ${t.path} overlaps or lies outside the clip`);
    if (t.startFrame > cursor) pieces.push({ source: 'original', startFrame: cursor, endFrame: t.startFrame });
    pieces.push({ source: 'take', startFrame: t.startFrame, endFrame: t.endFrame });
    cursor = t.endFrame;
  }
  if (cursor < fc) pieces.push({ source: 'original', startFrame: cursor, endFrame: fc });

  const args: string[] = ['-y'];
  const filters: string[] = [];
  const labels: string[] = [];
  let inputIndex = 0;
  let takeIdx = 0;
  pieces.forEach((p, i) => {
    const len = p.endFrame - p.startFrame;
    if (p.source === 'original') {
      if (p.startFrame > 0) args.push('-ss', Math.max(0, (p.startFrame - SEEK_MARGIN) / fps).toFixed(6));
      args.push('-i', video.path);
    } else {
      args.push('-i', takes[takeIdx++].path);
    }
    filters.push(`[${inputIndex}:v:0]trim=end_frame=${len},setpts=PTS-STARTPTS,scale=${video.width}:${video.height},setsar=1[v${i}]`);
    labels.push(`[v${i}]`);
    inputIndex++;
  });
  const pixFmt = input.codec === 'prores' ? 'yuv422p10le' : 'yuv420p';
  filters.push(`${labels.join('')}concat=n=${pieces.length}:v=1:a=0,format=${pixFmt}[vout]`);

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
  args.push(...videoCodecArgs(input.codec), '-r', String(fps), '-frames:v', String(fc));
  if (audioLabels.length) {
    if (input.codec === 'prores') args.push('-c:a', 'pcm_s24le');
    else args.push('-c:a', 'aac', '-b:a', '192k');
  }
  if (!input.out.toLowerCase().endsWith('.mkv')) args.push('-movflags', '+faststart');
  args.push(input.out);
  return { args, frames: fc, duration, pieces };
}
