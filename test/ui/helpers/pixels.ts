import { execFileSync } from 'node:child_process';

/** What ffprobe sees in a file (frames counted). */
export function ffprobe(file: string): { codec: string; pix: string; width: number; height: number; frames: number; duration: number; audio: string | null } {
  const out = execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-show_streams', '-show_format', '-of', 'json', file]).toString();
  const j = JSON.parse(out) as { streams: Array<Record<string, string | number>>; format: { duration: string } };
  const v = j.streams.find((s) => s.codec_type === 'video')!;
  const a = j.streams.find((s) => s.codec_type === 'audio');
  return { codec: String(v.codec_name), pix: String(v.pix_fmt), width: Number(v.width), height: Number(v.height), frames: Number(v.nb_read_frames), duration: Number(j.format.duration), audio: a ? String(a.codec_name) : null };
}

/** Mean absolute difference (0-255) between the same crop of frame `n` in two files. */
export function cropDiff(a: string, b: string, n: number, crop: { x: number; y: number; w: number; h: number }): number {
  const grab = (f: string) =>
    execFileSync('ffmpeg', ['-v', 'error', '-i', f, '-vf', `select=eq(n\\,${n}),format=rgb24,crop=${crop.w}:${crop.h}:${crop.x}:${crop.y}`, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
  const x = grab(a);
  const y = grab(b);
  if (x.length === 0 || x.length !== y.length) throw new Error(`frame ${n} missing in ${a} or ${b}`);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.abs(x[i] - y[i]);
  return sum / x.length;
}

/** The lower-face crop of a centred talking head (where a dubbed mouth differs). */
export function mouthCrop(width: number, height: number): { x: number; y: number; w: number; h: number } {
  return { x: Math.round(width * 0.3), y: Math.round(height * 0.55), w: Math.round(width * 0.4), h: Math.round(height * 0.25) };
}
