import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { PipelineService } from '../pipeline-service';
import type { AnalysisResult, CallContext, HostArgs, HostFarm, HostMethod, HostResult, PreviewFrame } from './protocol';
import type { DubJobOptions, DubJobResult } from '../../pipeline/api';
import { plausibleHand, sampleFrames, suggestHandOccluders } from '../../../shared/masks/hands';
import { unionRectFromBoxes } from '../../../shared/masks/union';
import { LIPS_OUTER } from '../../../shared/face-mesh';
import { previewDataUrl, throttle } from '../preview-image';
import { buildExportPlan } from '../export-plan';
import type { OverlaySource } from '../../media/overlay-args';
import { yuvMatrixOf } from '../../media/matrix';
import { H264_PROXY_ARGS } from '../../media/args';

/** Interactive render preview: at most one frame per this many milliseconds (5 per second). */
export const PREVIEW_INTERVAL_MS = 200;
import type { MediaInfo } from '../../../shared/api/contract';
import { computePeaks } from '../peaks';
import { runFfmpeg } from '../ffmpeg-run';
import { runCollect } from '../../media/process';
import { UserError, throwIfAborted } from '../../util/errors';
import { commitTempFile, removeQuietly, tempPathNextTo } from '../../util/atomic';

/**
 * The inference host's work, as plain async functions. The host process dispatches messages to
 * these; unit tests call them in-process. Derived files (proxies, peaks, thumbnails) are cached
 * under `cacheDir`, keyed by the source file's path, size and modification time.
 */
export type HostHandlers = { [M in HostMethod]: (args: HostArgs<M>, ctx: CallContext) => Promise<HostResult<M>> };

/** Video codecs / pixel formats Chromium plays; anything else gets an H.264 proxy for the preview. */
const PLAYABLE_CODECS = new Set(['h264', 'vp8', 'vp9', 'av1']);
const PLAYABLE_PIXFMTS = new Set(['yuv420p', 'yuvj420p']);

async function sourceKey(file: string, extra: string): Promise<string> {
  const st = await fsp.stat(file).catch(() => {
    throw new UserError('E_NOT_FOUND', `${file} is missing.`, 'Relink it to its new location, or put the file back.');
  });
  return createHash('sha256').update(`${path.resolve(file)}|${st.size}|${Math.floor(st.mtimeMs)}|${extra}`).digest('hex').slice(0, 24);
}

async function exists(file: string): Promise<boolean> {
  return fsp.access(file).then(
    () => true,
    () => false,
  );
}

/** Writes `produce(tmp)` to `target` atomically unless `target` exists already. */
async function cached(target: string, produce: (tmp: string) => Promise<void>): Promise<string> {
  if (await exists(target)) return target;
  await fsp.mkdir(path.dirname(target), { recursive: true });
  const tmp = tempPathNextTo(target);
  try {
    await produce(tmp);
    await commitTempFile(tmp, target);
  } catch (err) {
    await removeQuietly(tmp);
    throw err;
  }
  return target;
}

interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  pix_fmt?: string;
  width?: number;
  height?: number;
  nb_read_frames?: string;
  nb_frames?: string;
  duration?: string;
}

/** ffprobe of a written file: streams with a frame count (decodes the video: use on outputs only). */
export async function probeOutput(ffprobe: string, file: string, countFrames: boolean) {
  const args = ['-v', 'error', ...(countFrames ? ['-count_frames'] : []), '-show_streams', '-show_format', '-of', 'json', file];
  const res = await runCollect(ffprobe, args);
  if (res.code !== 0) throw new UserError('E_UNREADABLE', `The written file ${file} cannot be read back: ${res.stderr.lastLines(2)}`, 'The export failed; try another codec or folder.');
  const json = JSON.parse(Buffer.concat(res.stdout).toString('utf8')) as { streams?: FfprobeStream[]; format?: { duration?: string } };
  const v = json.streams?.find((s) => s.codec_type === 'video');
  const a = json.streams?.find((s) => s.codec_type === 'audio');
  return {
    codec: v?.codec_name ?? 'none',
    pixelFormat: v?.pix_fmt ?? 'unknown',
    width: v?.width ?? 0,
    height: v?.height ?? 0,
    frames: Number(v?.nb_read_frames ?? v?.nb_frames ?? 0),
    duration: Number(json.format?.duration ?? v?.duration ?? 0),
    audioCodec: a?.codec_name ?? null,
  };
}

export function createHostHandlers(pipeline: PipelineService, cacheDir: string): HostHandlers {
  const ff = () => pipeline.ffmpeg();

  async function probe(args: HostArgs<'probe'>, ctx: CallContext): Promise<MediaInfo> {
    if (args.kind === 'audio') {
      const a = await pipeline.probeAudio(args.path, ctx.signal);
      return {
        path: a.path,
        kind: 'audio',
        duration: a.duration,
        width: 0,
        height: 0,
        fps: 0,
        frameCount: 0,
        codec: a.audio.codec,
        hasAudio: true,
        previewPath: null,
        warnings: [],
      };
    }
    const v = await pipeline.probeVideo(args.path, ctx.signal);
    const warnings = [...(v.warnings ?? [])];
    let previewPath: string | null = null;
    if (!PLAYABLE_CODECS.has(v.codec) || !PLAYABLE_PIXFMTS.has(v.pixelFormat) || v.rotation !== 0) {
      // Frame-accurate preview needs a file the browser decodes: an H.264 proxy with short GOPs.
      const key = await sourceKey(v.path, 'proxy1');
      previewPath = await cached(path.join(cacheDir, 'proxies', `${key}.mp4`), (tmp) =>
        runFfmpeg(
          ff().ffmpeg,
          ['-y', '-i', v.path, '-map', '0:v:0', '-map', '0:a:0?', ...H264_PROXY_ARGS, '-c:a', 'aac', '-movflags', '+faststart', tmp],
          { signal: ctx.signal, failCode: 'E_UNREADABLE', failMessage: `Making a preview of ${path.basename(v.path)} failed`, failHint: 'The file may be damaged; try re-encoding it to H.264.' },
        ),
      );
      warnings.push(`${path.basename(v.path)} (${v.codec}, ${v.pixelFormat}) is previewed through an H.264 proxy; exports use the original.`);
    }
    return {
      path: v.path,
      kind: 'video',
      duration: v.frameCount / v.fps,
      width: v.width,
      height: v.height,
      fps: v.fps,
      frameCount: v.frameCount,
      codec: v.codec,
      hasAudio: v.audioStreams.length > 0,
      previewPath,
      warnings,
    };
  }

  async function peaks(args: HostArgs<'peaks'>, ctx: CallContext) {
    const key = await sourceKey(args.path, `peaks-${args.peaksPerSecond}`);
    const file = path.join(cacheDir, 'peaks', `${key}.json`);
    try {
      return JSON.parse(await fsp.readFile(file, 'utf8')) as HostResult<'peaks'>;
    } catch {
      // not cached yet
    }
    const samples = await pipeline.decodeAudio16k(args.path, ctx.signal);
    const result = { peaks: computePeaks(samples, 16_000, args.peaksPerSecond), peaksPerSecond: args.peaksPerSecond, duration: samples.length / 16_000 };
    await cached(file, (tmp) => fsp.writeFile(tmp, JSON.stringify(result)));
    return result;
  }

  async function speech(args: HostArgs<'speech'>, ctx: CallContext) {
    const samples = await pipeline.decodeAudio16k(args.path, ctx.signal);
    throwIfAborted(ctx.signal);
    const ranges = await pipeline.detectSpeech(samples, ctx.signal);
    return { ranges: ranges.map((r) => ({ start: r.start + args.offset, end: r.end + args.offset })).filter((r) => r.end > 0) };
  }

  async function thumbnails(args: HostArgs<'thumbnails'>, ctx: CallContext) {
    const v = await pipeline.probeVideo(args.path, ctx.signal);
    const count = Math.max(1, Math.min(args.count, v.frameCount));
    const tileHeight = args.height;
    const tileWidth = Math.max(2, Math.round(((v.width * tileHeight) / v.height) / 2) * 2);
    const duration = v.frameCount / v.fps;
    const key = await sourceKey(args.path, `thumbs-${count}-${tileHeight}`);
    const times = Array.from({ length: count }, (_, i) => ((i + 0.5) * duration) / count);
    const sprite = await cached(path.join(cacheDir, 'thumbs', `${key}.jpg`), (tmp) =>
      runFfmpeg(
        ff().ffmpeg,
        ['-y', '-i', v.path, '-vf', `fps=${count}/${duration.toFixed(6)},scale=${tileWidth}:${tileHeight},tile=${count}x1`, '-frames:v', '1', '-q:v', '5', '-f', 'image2', tmp],
        { signal: ctx.signal, failCode: 'E_UNREADABLE', failMessage: 'Making thumbnails failed' },
      ),
    );
    return { sprite, count, tileWidth, tileHeight, times };
  }

  async function frameImage(args: HostArgs<'frameImage'>, ctx: CallContext) {
    const v = await pipeline.probeVideo(args.path, ctx.signal);
    const frame = Math.min(args.frame, v.frameCount - 1);
    const key = await sourceKey(args.path, `frame-${frame}-${args.height}`);
    const image = await cached(path.join(cacheDir, 'frames', `${key}.jpg`), (tmp) =>
      runFfmpeg(
        ff().ffmpeg,
        ['-y', '-ss', Math.max(0, (frame - 0.25) / v.fps).toFixed(6), '-i', v.path, '-vf', `scale=-2:${args.height}`, '-frames:v', '1', '-q:v', '4', '-f', 'image2', tmp],
        { signal: ctx.signal, failCode: 'E_UNREADABLE', failMessage: 'Extracting a frame failed' },
      ),
    );
    return { image };
  }

  async function dubMix(args: HostArgs<'dubMix'>, ctx: CallContext) {
    const v = await pipeline.probeVideo(args.video, ctx.signal);
    const tracks = args.tracks.filter((t) => !t.muted);
    const trackKeys = await Promise.all(tracks.map(async (t) => `${await sourceKey(t.path, '')}@${t.offset.toFixed(4)}`));
    const key = await sourceKey(args.video, `dubmix1|${trackKeys.join(',')}`);
    const duration = (v.frameCount / v.fps).toFixed(6);
    const inputs = tracks.flatMap((t) => ['-i', t.path]);
    // Each track placed at its offset (delayed, or its head cut when it starts before the clip),
    // mixed without normalisation (as the export mixes), padded with silence to the clip's end.
    const chains = tracks.map((t, i) => {
      const place = t.offset >= 0 ? `adelay=${Math.round(t.offset * 1000)}:all=1` : `atrim=start=${(-t.offset).toFixed(6)},asetpts=PTS-STARTPTS`;
      return `[${i + 1}:a:0]aresample=48000,${place}[a${i}]`;
    });
    const mix = tracks.length ? `${chains.join(';')};${tracks.map((_, i) => `[a${i}]`).join('')}amix=inputs=${tracks.length}:normalize=0:duration=longest,apad,atrim=end=${duration}[mix]` : `anullsrc=r=48000:cl=stereo,atrim=end=${duration}[mix]`;
    const file = await cached(path.join(cacheDir, 'dubmix', `${key}.mp4`), (tmp) =>
      runFfmpeg(
        ff().ffmpeg,
        ['-y', '-i', args.video, ...inputs, '-filter_complex', mix, '-map', '0:v:0', '-map', '[mix]', '-c:v', 'copy', '-c:a', 'aac', '-b:a', '160k', '-movflags', '+faststart', '-f', 'mp4', tmp],
        { signal: ctx.signal, failCode: 'E_UNREADABLE', failMessage: 'Preparing the dubbed preview sound failed', failHint: 'Check that the dub tracks are readable audio files.' },
      ),
    );
    return { path: file };
  }

  /**
   * `runDub` with the segments missing from the cache rendered on a render farm (the farm's
   * submitter, `farmRenderMissing`: one job per segment, cancel on the signal). Connects first,
   * so an unreachable Redis fails before any tracking.
   * @throws UserError E_FARM_URL / E_FARM_REDIS / E_FARM_PATH / E_FARM_JOB_FAILED ..., E_FARM_FAKE (fake pipeline).
   */
  async function renderOnFarm(farm: HostFarm, dub: DubJobOptions): Promise<DubJobResult> {
    const { FarmClient } = await import('../../farm/client');
    const { farmRenderMissing } = await import('../../farm/dub-hook');
    const client = await FarmClient.connect({ redisUrl: farm.redisUrl, log: (m) => console.log(`[farm] ${m}`) });
    try {
      if (pipeline.kind !== 'real') throw new UserError('E_FARM_FAKE', 'The fake pipeline cannot render on a render farm.', 'Start the editor with the real pipeline, or clear the farm URL in Settings.');
      const roots = new Map(farm.roots.map((r) => [r.name, path.resolve(r.path)]));
      return await pipeline.runDub({ ...dub, renderMissing: farmRenderMissing({ client, roots }) });
    } finally {
      await client.close();
    }
  }

  async function render(args: HostArgs<'render'>, ctx: CallContext) {
    await fsp.mkdir(path.dirname(args.out), { recursive: true });
    const tmp = tempPathNextTo(args.out);
    try {
      if (args.farm) {
        const result = await renderOnFarm(args.farm, { ...args.dub, out: tmp, signal: ctx.signal, onProgress: ctx.onProgress });
        await commitTempFile(tmp, args.out);
        return { ...result, out: args.out };
      }
      if (args.preview && ctx.onPreview) {
        // Interactive preview: render the segment into the pipeline's render cache first, sending
        // a downscaled crop at most 5 times a second; runDub then reuses the cached render.
        const send = ctx.onPreview;
        const throttled = throttle<{ frame: number; rect: PreviewFrame['rect']; width: number; height: number; data: Uint8Array }>(PREVIEW_INTERVAL_MS, (f) =>
          send({ frame: f.frame, rect: f.rect, image: previewDataUrl(f.width, f.height, f.data) }),
        );
        await pipeline.renderPreview({ ...args.dub, out: tmp, signal: ctx.signal, onProgress: ctx.onProgress }, (frame, rect) => {
          if (frame.pixFmt === 'yuv420p') return;
          throttled({ frame: frame.index, rect: { ...rect }, width: frame.width, height: frame.height, data: frame.data });
        });
      }
      const result = await pipeline.runDub({ ...args.dub, out: tmp, signal: ctx.signal, onProgress: ctx.onProgress });
      await commitTempFile(tmp, args.out);
      return { ...result, out: args.out };
    } catch (err) {
      await removeQuietly(tmp);
      throw err;
    }
  }

  async function exportVideo(args: HostArgs<'export'>, ctx: CallContext): Promise<HostResult<'export'>> {
    const t0 = performance.now();
    try {
      const info = await pipeline.probeVideo(args.video, ctx.signal);
      // Each segment from its lossless render when the cache still has it, else from its take.
      let losslessSegments = 0;
      const overlays: OverlaySource[] = [];
      for (const seg of args.segments) {
        const frames = seg.endFrame - seg.startFrame;
        const r = seg.render;
        const usable = r && r.startFrame === seg.startFrame && r.endFrame === seg.endFrame && r.pasteRect.w > 0 && r.pasteRect.h > 0 && (await fsp.access(r.file).then(() => true, () => false));
        if (usable) {
          overlays.push({ path: r.file, startFrame: seg.startFrame, frames, rect: r.rect, pasteRect: r.pasteRect, rgb: true });
          losslessSegments++;
        } else {
          overlays.push({ path: seg.take, startFrame: seg.startFrame, frames, rgb: false });
        }
      }
      const plan = buildExportPlan({
        video: {
          path: info.path, frameCount: info.frameCount, fpsNum: info.fpsNum, fpsDen: info.fpsDen, forceCfr: info.variableFrameRate,
          matrix: yuvMatrixOf(info) ?? (info.height >= 720 ? 'bt709' : 'bt601'),
        },
        overlays,
        audio: args.audio,
        codec: args.codec,
        out: args.tmp,
      });
      await runFfmpeg(ff().ffmpeg, plan.args, {
        signal: ctx.signal,
        failCode: 'E_EXPORT',
        failMessage: 'The export failed',
        failHint: 'Check the output folder has space and the codec is available in your ffmpeg.',
        onTime: (sec) => {
          const el = (performance.now() - t0) / 1000;
          const done = Math.min(sec, plan.duration);
          ctx.onProgress({ stage: 'encode', done, total: plan.duration, fps: 0, etaSec: done > 0 ? ((plan.duration - done) * el) / done : Number.NaN });
        },
      });
      const probe = await probeOutput(ff().ffprobe, args.tmp, true);
      await commitTempFile(args.tmp, args.out);
      return { ...probe, losslessSegments };
    } catch (err) {
      await removeQuietly(args.tmp);
      throw err;
    }
  }

  async function analyze(args: HostArgs<'analyze'>, ctx: CallContext) {
    const tracking = await pipeline.trackFaces(args.video, {
      cacheDir: path.join(cacheDir, 'pipeline'),
      signal: ctx.signal,
      onProgress: (done, total) => ctx.onProgress({ stage: 'track', done, total, fps: 0, etaSec: Number.NaN }),
    });
    if (!tracking) return { faces: [], occlusionSuggestions: [], warnings: ['Face tracking is not available in this build.'] };
    const { coarseMask, boundingRect, scalePolygon, meshPolygon } = await import('../../masks/geometry');
    const lo = args.range?.startFrame ?? 0;
    const hi = args.range?.endFrame ?? tracking.frameCount;
    const faces = tracking.tracks.map((t) => ({
      id: t.id,
      frames: t.frames.flatMap((s, frame) => {
        if (!s || frame < lo || frame >= hi) return [];
        const r = boundingRect([coarseMask(s.mesh)]);
        const mouth: [number, number, number, number] | null = r ? [r.x, r.y, r.w, r.h] : null;
        return [{ frame, box: [...s.box] as [number, number, number, number], mouth }];
      }),
    }));
    // Frames whose mouth landmarks are unreliable (no detection: interpolated, or low confidence):
    // suggest an occluder outline around the lips at the start of each such run.
    const occlusionSuggestions: AnalysisResult['occlusionSuggestions'] = [];
    for (const t of tracking.tracks) {
      let runStart = -1;
      for (let f = lo; f <= hi; f++) {
        const s = f < hi ? t.frames[f] : null;
        const bad = f < hi && !!s && (s.interpolated || s.score < 0.5);
        if (bad && runStart < 0) runStart = f;
        if (!bad && runStart >= 0) {
          // A run starts on a frame with a sample (`bad` needs one).
          const first = t.frames[runStart]!;
          const poly = scalePolygon(meshPolygon(first.mesh, LIPS_OUTER), 1.35).map(([x, y]) => [Math.round(x * 10) / 10, Math.round(y * 10) / 10] as [number, number]);
          const why = first.interpolated ? 'no face detected, landmarks interpolated' : 'low landmark confidence';
          occlusionSuggestions.push({ frame: runStart, polygon: poly, reason: `Face ${t.id}: mouth landmarks unreliable on frames ${runStart}-${f - 1} (${why}); something may cover the mouth.` });
          runStart = -1;
        }
      }
    }
    return { faces, occlusionSuggestions, warnings: tracking.warnings };
  }

  async function suggestReference(args: HostArgs<'suggestReference'>, ctx: CallContext): Promise<HostResult<'suggestReference'>> {
    const r = await pipeline.suggestReferences({ ...args, cacheDir: path.join(cacheDir, 'pipeline'), signal: ctx.signal });
    const candidates = [];
    for (const c of r.candidates) {
      const mid = Math.floor((c.startFrame + c.endFrame) / 2);
      const thumb = await frameImage({ path: args.video, frame: mid, height: 96 }, ctx).catch(() => null);
      candidates.push({ ...c, thumbnail: thumb?.image ?? null });
    }
    return { candidates, warnings: r.warnings };
  }

  async function suggestHands(args: HostArgs<'suggestHands'>, ctx: CallContext): Promise<HostResult<'suggestHands'>> {
    const warnings: string[] = [];
    const { startFrame, endFrame } = args.segment;
    const noFace = (err: unknown) => err instanceof UserError && (err.code === 'E_NO_FACE' || err.code === 'E_FACE_INDEX');
    const tracking = await pipeline.trackFaces(args.video, { cacheDir: path.join(cacheDir, 'pipeline'), signal: ctx.signal }).catch((err: unknown) => {
      if (!noFace(err)) throw err;
      warnings.push(`${(err as Error).message} Hands cannot be matched to a face.`);
      return undefined;
    });
    let face: { x: number; y: number; w: number; h: number } | null = null;
    // `undefined`: no usable face (warned above).
    if (tracking === null) warnings.push('Face tracking is not available, so hands cannot be matched to the face.');
    else if (tracking) {
      const { chooseFaceTrack } = await import('../../pipeline/tracking-stage');
      const { coarseMask, boundingRect } = await import('../../masks/geometry');
      try {
        const { track } = chooseFaceTrack(tracking, args.face ?? undefined);
        const boxes: Array<[number, number, number, number]> = [];
        for (let f = startFrame; f < endFrame; f++) {
          const s = track.frames[f];
          const r = s ? boundingRect([coarseMask(s.mesh)]) : null;
          if (r) boxes.push([r.x, r.y, r.w, r.h]);
        }
        face = unionRectFromBoxes(boxes, tracking.width, tracking.height);
        if (!face) warnings.push(`The chosen face is not seen on frames ${startFrame}-${endFrame}, so hands cannot be matched to it.`);
      } catch (err) {
        if (!noFace(err)) throw err;
        warnings.push(`${(err as Error).message} Hands cannot be matched to a face.`);
      }
    }
    const { frames, step } = sampleFrames(startFrame, endFrame, 3, 40);
    const detections = await pipeline.detectHands(args.video, frames, ctx.signal);
    const suggestions = suggestHandOccluders(detections, face, { step });
    return {
      suggestions,
      sampledFrames: detections.length,
      handsSeen: detections.reduce((a, d) => a + d.hands.filter((h) => plausibleHand(h)).length, 0),
      faceRect: face ? [face.x, face.y, face.w, face.h] : null,
      warnings,
    };
  }

  return {
    suggestHands,
    probe,
    peaks,
    speech,
    thumbnails,
    frameImage,
    dubMix,
    engines: () => pipeline.listEngines(),
    describeEngine: (args) => pipeline.describeEngine(args.engine, args.pack),
    render,
    export: exportVideo,
    analyze,
    suggestReference,
    qualityCheck: async (args, ctx) => (await import('./quality-check')).runQualityCheck(args, ctx),
    phonetics: async (args, ctx) => (await import('./phonetics-host')).runPhonetics(args, ctx, cacheDir),
    crash: async () => {
      process.exit(70);
    },
  };
}
