import { spawn, spawnSync } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { locateFfmpeg } from '../media/locate';
import { probeMedia } from '../media/probe';
import { decodeFrames } from '../media/decode';
import { createEncoder } from '../media/encode';
import { x264Args } from '../media/args';
import { trackVideo } from '../pipeline/tracking-stage';
import { prepareJob } from '../pipeline/job';
import { planDub } from '../pipeline/plan';
import { renderSegment } from '../pipeline/segment-render';
import { DEFAULT_PRESET } from '../pipeline/dub';
import type { DubJobResult } from '../pipeline/api';

/** Repository root (the folder with package.json). */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

function ffmpeg(args: string[]): void {
  const r = spawnSync(locateFfmpeg().ffmpeg, ['-hide_banner', '-loglevel', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed: ${r.stderr?.toString()}`);
}

export interface BenchClip {
  name: string;
  video: string;
  audio: string;
  width: number;
  height: number;
  seconds: number;
  /** True when built from real footage (tracking is measured); false for synthetic input. */
  real: boolean;
}

/**
 * Builds a talking clip of `width x height` and `seconds` from ../shared/media/talk-a.mp4 (the
 * face scaled to the frame height and centred on a padded background, looped) and a dub track
 * from dub-a.wav looped to the same length. Cached in `dir` by name.
 */
export async function makeBenchClip(dir: string, width: number, height: number, seconds: number): Promise<BenchClip | null> {
  const shared = path.resolve(repoRoot(), '../shared/media');
  const talk = path.join(shared, 'talk-a.mp4');
  const dub = path.join(shared, 'dub-a.wav');
  if (!existsSync(talk) || !existsSync(dub)) return null;
  const name = `${height}p-${seconds}s`;
  const video = path.join(dir, `${name}.mp4`);
  const audio = path.join(dir, `dub-${seconds}s.wav`);
  const loops = Math.ceil(seconds / 5);
  if (!existsSync(video)) {
    const tmp = video + '.tmp.mp4';
    ffmpeg(['-stream_loop', String(loops), '-i', talk, '-t', String(seconds), '-vf', `scale=${height}:${height},pad=${width}:${height}:(ow-iw)/2:0`, '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-c:a', 'aac', tmp]);
    await fsp.rename(tmp, video);
  }
  if (!existsSync(audio)) {
    const tmp = audio + '.tmp.wav';
    ffmpeg(['-stream_loop', String(loops), '-i', dub, '-t', String(seconds), tmp]);
    await fsp.rename(tmp, audio);
  }
  return { name, video, audio, width, height, seconds, real: true };
}

async function timeIt<T>(f: () => Promise<T>): Promise<{ value: T; sec: number }> {
  const t0 = performance.now();
  const value = await f();
  return { value, sec: (performance.now() - t0) / 1000 };
}

/** Runs the dub CLI in a child process (own peak RSS), returning its JSON result. */
async function exportInChild(clip: BenchClip, out: string, cacheDir: string): Promise<DubJobResult> {
  const tsx = path.join(repoRoot(), 'node_modules', '.bin', 'tsx');
  const cli = path.join(repoRoot(), 'src', 'main', 'cli', 'dub.ts');
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, [cli, '--video', clip.video, '--audio', clip.audio, '--out', out, '--cache', cacheDir, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => {
      try {
        const j = JSON.parse(stdout);
        if (code !== 0 || !j.ok) reject(new Error(`dub failed (${code}): ${j.message ?? stderr}`));
        else resolve(j as DubJobResult);
      } catch {
        reject(new Error(`dub failed (${code}): ${stderr.slice(-2000)}`));
      }
    });
  });
}

export type BenchRow = Record<string, number | string | boolean>;

/**
 * Measures one clip: stage rates (decode, tracking, engine, encode), end-to-end export (cold and
 * warm caches, in a child process with its peak RSS), the plain ffmpeg decode+encode rate with the
 * same encoder settings and the ratio, and the warm re-render latency of a 5 s segment after a
 * parameter change.
 */
export async function benchClip(clip: BenchClip, work: string, log: (m: string) => void): Promise<BenchRow> {
  const info = await probeMedia(clip.video);
  const frames = info.frameCount;
  const row: BenchRow = { clip: clip.name, size: `${clip.width}x${clip.height}`, frames, fps: info.fps };

  log(`${clip.name}: decode`);
  const dec = await timeIt(async () => {
    let n = 0;
    for await (const f of decodeFrames(info)) n += f.data.length > 0 ? 1 : 0;
    return n;
  });
  row.decodeFps = dec.value / dec.sec;

  log(`${clip.name}: encode only (${DEFAULT_PRESET}, crf 18)`);
  const encFrames = Math.min(frames, 250);
  const encOut = path.join(work, `${clip.name}-enc.mp4`);
  const enc = await timeIt(async () => {
    const e = createEncoder({ width: clip.width, height: clip.height, fpsNum: info.fpsNum, fpsDen: info.fpsDen, out: encOut, preset: DEFAULT_PRESET });
    let n = 0;
    for await (const f of decodeFrames(info, { end: encFrames })) {
      await e.write(f.data);
      n++;
    }
    await e.finish();
    return n;
  });
  row.decodeEncodeFps = enc.value / enc.sec;

  log(`${clip.name}: plain ffmpeg transcode`);
  const plain = await timeIt(async () => ffmpeg(['-i', clip.video, '-an', ...x264Args({ preset: DEFAULT_PRESET, crf: 18 }), path.join(work, `${clip.name}-plain.mp4`)]));
  row.plainFfmpegFps = frames / plain.sec;

  const cold = path.join(work, `cache-${clip.name}`);
  await fsp.rm(cold, { recursive: true, force: true });
  log(`${clip.name}: tracking (cold)`);
  const tr = await timeIt(() => trackVideo(info, { cacheDir: path.join(work, `track-${clip.name}`) }));
  await fsp.rm(path.join(work, `track-${clip.name}`), { recursive: true, force: true });
  row.trackingFps = frames / tr.sec;

  log(`${clip.name}: export, cold caches`);
  const out = path.join(work, `${clip.name}-dub.mp4`);
  const c = await timeIt(() => exportInChild(clip, out, cold));
  row.exportColdFps = frames / c.sec;
  row.exportColdPeakRssMB = c.value.peakRssMB;
  const segFrames = c.value.segments.reduce((a, s) => a + s.endFrame - s.startFrame, 0);
  row.engineFps = segFrames / Math.max(1e-9, c.value.pipeline.busySec.engine ?? 0);
  row.compositeFps = segFrames / Math.max(1e-9, c.value.pipeline.busySec.composite ?? 0);
  row.exportVsPlainFfmpeg = (row.exportColdFps as number) / (row.plainFfmpegFps as number);

  log(`${clip.name}: export, warm caches (unchanged project)`);
  const w = await timeIt(() => exportInChild(clip, out, cold));
  row.exportWarmFps = frames / w.sec;
  row.exportWarmPeakRssMB = w.value.peakRssMB;

  log(`${clip.name}: warm re-render of a 5 s segment after a parameter change`);
  const plan = await planDub({ video: clip.video, audio: clip.audio, engine: 'reference', params: {} });
  const five = Math.round(5 * info.fps);
  const seg = { id: 'bench-5s', startFrame: Math.min(frames - five, Math.round(info.fps)), endFrame: Math.min(frames, Math.round(info.fps) + five), engine: 'reference', params: { lambdaA: 1 } };
  const job = await prepareJob({ video: clip.video, audio: clip.audio, segments: plan.segments, cacheDir: cold });
  await renderSegment(job, seg, { allSegments: plan.segments });
  const re = await timeIt(() => renderSegment(job, { ...seg, params: { lambdaA: 1.3 } }, { allSegments: plan.segments }));
  row.rerender5sSec = re.sec;
  await fsp.rm(cold, { recursive: true, force: true });
  return row;
}

/** Peak RSS of exports of the same size at two lengths: flat memory means equal peaks. */
export async function benchMemory(clips: BenchClip[], work: string, log: (m: string) => void): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const clip of clips) {
    log(`memory: export ${clip.name}`);
    const cache = path.join(work, `mem-${clip.name}`);
    const r = await timeIt(() => exportInChild(clip, path.join(work, `${clip.name}-mem.mp4`), cache));
    await fsp.rm(cache, { recursive: true, force: true });
    rows.push({ clip: clip.name, seconds: clip.seconds, exportFps: (clip.seconds * 25) / r.sec, peakRssMB: r.value.peakRssMB });
  }
  return rows;
}

/** Folder for the bench's generated clips and results (`$TMPDIR/dubbing-bench`, kept between runs). */
export function benchWorkDir(): string {
  return path.join(os.tmpdir(), 'dubbing-bench');
}
