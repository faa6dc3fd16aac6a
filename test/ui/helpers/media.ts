import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file is test/ui/helpers/media.ts). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Real clips shared by the team, outside the repository (never copied into it). */
export const sharedMediaDir = path.resolve(repoRoot, '../shared/media');

export interface TestMedia {
  /** A talking-head clip with audio. */
  video: string;
  /** A dubbed dialogue track. */
  dub: string;
  /** True when these are the real clips from ../shared/media. */
  real: boolean;
}

function ffmpeg(args: string[]): void {
  execFileSync(process.env.FFMPEG_PATH ?? 'ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { stdio: 'pipe' });
}

/**
 * Generates a small test clip and dub with ffmpeg's lavfi sources (testsrc2 picture, sine tones)
 * into `dir` (once). The picture has no face: good for UI and service tests, and for the
 * "clip without faces" error path.
 */
export function generatedMedia(dir: string, opts: { seconds?: number; size?: number } = {}): TestMedia {
  mkdirSync(dir, { recursive: true });
  const seconds = opts.seconds ?? 3;
  const size = opts.size ?? 320;
  const video = path.join(dir, `gen-${size}-${seconds}s.mp4`);
  const dub = path.join(dir, `gen-dub-${seconds}s.wav`);
  if (!existsSync(video)) {
    ffmpeg([
      '-f', 'lavfi', '-i', `testsrc2=size=${size}x${size}:rate=25:duration=${seconds}`,
      '-f', 'lavfi', '-i', `sine=frequency=220:sample_rate=44100:duration=${seconds}`,
      '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', '25', '-c:a', 'aac', '-shortest', video,
    ]);
  }
  if (!existsSync(dub)) {
    // Speech-like bursts: a tone gated on and off.
    ffmpeg(['-f', 'lavfi', '-i', `sine=frequency=330:sample_rate=16000:duration=${seconds}`, '-af', "volume='if(lt(mod(t,1),0.6),1,0)':eval=frame", dub]);
  }
  return { video, dub, real: false };
}

/** The real clip and dub when ../shared/media exists, else generated media in `dir`. */
export function testMedia(dir: string): TestMedia {
  const video = path.join(sharedMediaDir, 'talk-a.mp4');
  const dub = path.join(sharedMediaDir, 'dub-a.wav');
  if (existsSync(video) && existsSync(dub)) return { video, dub, real: true };
  return generatedMedia(dir);
}
