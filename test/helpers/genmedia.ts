import { execFile } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { locateFfmpeg } from '../../src/main/media/locate';

const run = promisify(execFile);

/**
 * Test media generated on the fly with ffmpeg's lavfi sources (testsrc2 pattern, sine tones,
 * silence) into temp folders. Nothing is committed; call `cleanupTestMedia()` in `afterAll`.
 */

const dirs: string[] = [];
let counter = 0;

/** A fresh temp folder, removed by `cleanupTestMedia`. */
export async function makeTempDir(prefix = 'media-test-'): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** Removes every folder made by this module (call in `afterAll`). */
export async function cleanupTestMedia(): Promise<void> {
  const all = dirs.splice(0);
  await Promise.all(all.map((d) => fsp.rm(d, { recursive: true, force: true })));
}

async function outPath(dir: string | undefined, ext: string): Promise<string> {
  const d = dir ?? (await makeTempDir());
  counter++;
  return path.join(d, `gen-${counter}${ext}`);
}

/** Runs ffmpeg quietly; rejects with its stderr on failure. */
export async function ffmpegRun(args: string[]): Promise<void> {
  const { ffmpeg } = locateFfmpeg();
  try {
    await run(ffmpeg, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...args], { maxBuffer: 16 << 20 });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`ffmpeg ${args.join(' ')} failed: ${e.stderr ?? e.message}`, { cause: err });
  }
}

export interface TestVideoOptions {
  /** Frame size in pixels. */
  width: number;
  height: number;
  /** Frame rate: a number (25) or an exact rational string ("30000/1001"). */
  fps: number | string;
  /** Length in seconds. */
  seconds: number;
  /** Add a 440 Hz sine audio track (44.1 kHz mono AAC / PCM). */
  withAudio?: boolean;
  /** Output pixel format (default yuv420p; `rgb24` with libx264rgb). */
  pixFmt?: string;
  /** Video codec (default libx264; `libx264rgb` with `-qp 0` is lossless). */
  codec?: string;
  /** Clockwise display rotation written as the legacy `rotate` tag on a stream copy. */
  rotate?: number;
  /** Container extension (default `.mp4`). */
  ext?: string;
  /** Folder to write into (default: a fresh temp folder). */
  dir?: string;
}

/**
 * Generates a test video: lavfi `testsrc2` with a per-frame hue shift (every frame distinct) at
 * the given size/rate/length, libx264 (GOP 12, so ranges need real seeks), optional 440 Hz sine.
 * @returns the absolute path.
 */
export async function makeTestVideo(o: TestVideoOptions): Promise<string> {
  const ext = o.ext ?? '.mp4';
  const out = await outPath(o.dir, ext);
  const codec = o.codec ?? 'libx264';
  // testsrc2 repeats frames at small sizes; a per-frame hue shift makes every frame unique, so
  // off-by-one frame errors show up in comparisons.
  const args = ['-f', 'lavfi', '-i', `testsrc2=size=${o.width}x${o.height}:rate=${o.fps}:duration=${o.seconds},hue=h=n*13`];
  if (o.withAudio) args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=44100:duration=${o.seconds}`);
  args.push('-map', '0:v');
  if (o.withAudio) args.push('-map', '1:a', '-c:a', ext === '.mkv' ? 'pcm_s16le' : 'aac');
  args.push('-c:v', codec, '-g', '12');
  if (codec === 'libx264rgb') args.push('-qp', '0', '-preset', 'ultrafast');
  else if (codec === 'libx264') args.push('-preset', 'ultrafast');
  args.push('-pix_fmt', o.pixFmt ?? (codec === 'libx264rgb' ? 'rgb24' : 'yuv420p'));
  if (o.rotate === undefined) {
    args.push(out);
    await ffmpegRun(args);
    return out;
  }
  // The rotate tag is honoured by the MP4 muxer on a stream copy (ffmpeg 5.x and later).
  const plain = await outPath(path.dirname(out), ext);
  args.push(plain);
  await ffmpegRun(args);
  await ffmpegRun(['-i', plain, '-map', '0', '-c', 'copy', '-metadata:s:v:0', `rotate=${o.rotate}`, out]);
  await fsp.rm(plain, { force: true });
  return out;
}

export interface ToneOptions {
  seconds: number;
  /** Sine frequency in Hz. */
  freq: number;
  /** Sample rate in Hz (default 44100). */
  sampleRate?: number;
  /** Channels (default 1); all carry the same tone. */
  channels?: number;
  /** Folder to write into (default: a fresh temp folder). */
  dir?: string;
}

/** A 16-bit PCM WAV with a sine tone (amplitude 1/8 full scale). @returns the absolute path. */
export async function makeTone(o: ToneOptions): Promise<string> {
  const out = await outPath(o.dir, '.wav');
  const rate = o.sampleRate ?? 44100;
  await ffmpegRun([
    '-f', 'lavfi', '-i', `sine=frequency=${o.freq}:sample_rate=${rate}:duration=${o.seconds}`,
    '-ac', String(o.channels ?? 1), '-c:a', 'pcm_s16le', out,
  ]);
  return out;
}

/** A 16-bit PCM WAV of digital silence. @returns the absolute path. */
export async function makeSilence(o: { seconds: number; sampleRate?: number; channels?: number; dir?: string }): Promise<string> {
  const out = await outPath(o.dir, '.wav');
  const rate = o.sampleRate ?? 44100;
  const layout = (o.channels ?? 1) === 1 ? 'mono' : 'stereo';
  await ffmpegRun([
    '-f', 'lavfi', '-i', `anullsrc=channel_layout=${layout}:sample_rate=${rate}`,
    '-t', String(o.seconds), '-c:a', 'pcm_s16le', out,
  ]);
  return out;
}

/**
 * A variable-frame-rate video: `fps` frames per second, except that the timestamps jump by an
 * extra `gapSeconds` after frame `gapAfterFrame` (a frozen pause, as phones record). No audio.
 * @returns the absolute path.
 */
export async function makeVfrTestVideo(o: {
  width: number;
  height: number;
  fps: number;
  seconds: number;
  gapAfterFrame: number;
  gapSeconds: number;
  dir?: string;
}): Promise<string> {
  const out = await outPath(o.dir, '.mp4');
  const setpts = `setpts='(N/${o.fps}+gte(N\\,${o.gapAfterFrame})*${o.gapSeconds})/TB'`;
  await ffmpegRun([
    '-f', 'lavfi', '-i', `testsrc2=size=${o.width}x${o.height}:rate=${o.fps}:duration=${o.seconds}`,
    '-vf', setpts, '-fps_mode', 'vfr', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', out,
  ]);
  return out;
}
