import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { commitTempFile, removeQuietly, tempPathNextTo } from '../util/atomic';
import type { DubJobResult, SegmentSpec } from '../pipeline/api';
import { UserError, throwIfAborted } from '../util/errors';
import { createRealPipeline } from './pipeline-real';
import type { PipelineService } from './pipeline-service';
import { detectSpeechEnergy } from './speech-fallback';
import { runFfmpeg } from './ffmpeg-run';

/**
 * A fast stand-in for the dubbing pipeline, for unit tests of the services and UI development:
 * probing and audio decoding are the real modules, but `runDub` only cuts the range with ffmpeg,
 * draws a box over the lower face and muxes the dub audio (no tracking, no engine). Engines are
 * the real ones' descriptions (`listEngines` / `describeEngine` of the real pipeline), and every
 * segment's parameters are checked against its engine's schema as the real render does, so a
 * parameter the real engine does not have fails here too (E_PARAM).
 */
const FAKE_NOTE = 'Fake pipeline: renders draw a box instead of a mouth.';

/**
 * Rejects what the real render would for the segments it renders (those overlapping `range`): an
 * unknown engine, a neural engine without a pack, parameters outside the engine's schema.
 */
async function checkSegments(segments: SegmentSpec[], range: { startFrame: number; endFrame: number }, providers?: string[]): Promise<void> {
  const { createEngine, resolveParams } = await import('../engines/registry');
  for (const s of segments) {
    if (s.endFrame <= range.startFrame || s.startFrame >= range.endFrame) continue;
    const engine = await createEngine(s.engine, { pack: s.pack, providers });
    resolveParams(engine.describe().params, s.params, s.engine);
  }
}

/** The even-aligned box the fake render fills (the lower face of a centred talking head). */
function fakeRenderRect(width: number, height: number): { x: number; y: number; w: number; h: number } {
  return { x: Math.round(width * 0.3) & ~1, y: Math.round(height * 0.6) & ~1, w: Math.round(width * 0.4) & ~1, h: Math.round(height * 0.2) & ~1 };
}

export function createFakePipeline(): PipelineService {
  const real = createRealPipeline();
  return {
    kind: 'fake',
    probeVideo: (p, s) => real.probeVideo(p, s),
    probeAudio: (p, s) => real.probeAudio(p, s),
    decodeAudio16k: (p, s) => real.decodeAudio16k(p, s),
    async detectSpeech(samples) {
      return detectSpeechEnergy(samples);
    },
    async listEngines() {
      const listed = await real.listEngines();
      return { ...listed, engines: listed.engines.map((e) => ({ ...e, notes: [...e.notes, FAKE_NOTE] })) };
    },
    describeEngine: (engine, pack) => real.describeEngine(engine, pack),
    async trackFaces() {
      return null;
    },
    async suggestReferences(args) {
      // Speech in the original audio outside the dubbed ranges, no face checks.
      const info = await real.probeVideo(args.video, args.signal);
      const audio = await real.decodeAudio16k(args.video, args.signal).catch(() => null);
      const speech = audio ? detectSpeechEnergy(audio) : [];
      const candidates = speech
        .map((r) => ({ startFrame: Math.floor(r.start * info.fps), endFrame: Math.min(info.frameCount, Math.ceil(r.end * info.fps)) }))
        .filter((r) => !args.dubbed.some((d) => d.startFrame < r.endFrame && d.endFrame > r.startFrame) && r.endFrame - r.startFrame >= 10)
        .slice(0, args.max)
        .map((r) => ({ ...r, score: 0.5, reasons: ['speech in the original audio', 'outside the dubbed ranges', 'fake pipeline: faces not checked'] }));
      return { candidates, warnings: [] };
    },
    async detectHands(video, frames, signal) {
      // No hand models in the fake pipeline: every sampled frame is reported without hands.
      const info = await real.probeVideo(video, signal);
      return frames.filter((f) => f >= 0 && f < info.frameCount).map((frame) => ({ frame, hands: [] }));
    },
    async renderPreview(opts, onFrame) {
      // The crop the fake render draws its box into, decoded frame by frame (no engine).
      const info = await real.probeVideo(opts.video, opts.signal);
      const { decodeFrames } = await import('../media/decode');
      const range = opts.outputRange ?? { startFrame: 0, endFrame: info.frameCount };
      await checkSegments(opts.segments, range, opts.providers);
      const rect = fakeRenderRect(info.width, info.height);
      const total = range.endFrame - range.startFrame;
      let done = 0;
      for await (const f of decodeFrames(info, { start: range.startFrame, end: range.endFrame, signal: opts.signal, crop: rect })) {
        // Red at half opacity over the crop, like the fake take.
        for (let i = 0; i < f.data.length; i += 3) f.data[i] = (f.data[i] + 255) >> 1;
        onFrame(f, rect);
        opts.onProgress?.({ stage: 'render', done: ++done, total, fps: 0, etaSec: Number.NaN });
      }
    },
    ffmpeg: () => real.ffmpeg(),
    async runDub(opts): Promise<DubJobResult> {
      const t0 = performance.now();
      const info = await real.probeVideo(opts.video, opts.signal);
      await real.probeAudio(opts.audio, opts.signal);
      const range = opts.outputRange ?? { startFrame: 0, endFrame: info.frameCount };
      const frames = range.endFrame - range.startFrame;
      if (frames <= 0 || range.endFrame > info.frameCount) throw new UserError('E_BAD_RANGE', 'Output range outside the clip.', '');
      await checkSegments(opts.segments, range, opts.providers);
      throwIfAborted(opts.signal);
      const start = range.startFrame / info.fps;
      const dur = frames / info.fps;
      const boxes = opts.segments
        .map((s) => {
          const a = Math.max(s.startFrame, range.startFrame) - range.startFrame;
          const b = Math.min(s.endFrame, range.endFrame) - range.startFrame;
          return b > a ? `drawbox=x=iw*0.3:y=ih*0.6:w=iw*0.4:h=ih*0.2:color=red@0.5:t=fill:enable='between(n,${a},${b - 1})'` : '';
        })
        .filter(Boolean);
      const audioStart = start - (opts.audioOffset ?? 0);
      const args = [
        '-y',
        '-ss', start.toFixed(6), '-i', opts.video,
        ...(audioStart > 0 ? ['-ss', audioStart.toFixed(6)] : []), '-i', opts.audio,
        '-map', '0:v:0', '-map', '1:a:0',
        '-vf', boxes.length ? boxes.join(',') : 'null',
        '-frames:v', String(frames), '-t', dur.toFixed(6),
        '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p',
        '-c:a', 'aac', '-b:a', '160k', '-movflags', '+faststart',
        opts.out,
      ];
      opts.onProgress?.({ stage: 'render', done: 0, total: frames, fps: 0, etaSec: Number.NaN });
      await runFfmpeg(real.ffmpeg().ffmpeg, args, {
        signal: opts.signal,
        failMessage: 'The fake render failed',
        onTime: (sec) => {
          const done = Math.min(frames, Math.round(sec * info.fps));
          const el = (performance.now() - t0) / 1000;
          opts.onProgress?.({ stage: 'render', done, total: frames, fps: done / Math.max(el, 1e-3), etaSec: done > 0 ? ((frames - done) * el) / done : Number.NaN });
        },
      });
      await fsp.access(opts.out);
      // Like the real pipeline, leave a lossless (rgb) render of each whole segment in the cache:
      // the box's crop, which exports lay over the clip instead of the H.264 take.
      const renders: NonNullable<DubJobResult['renders']> = [];
      if (opts.cacheDir) {
        const rect = fakeRenderRect(info.width, info.height);
        for (const s of opts.segments) {
          if (s.startFrame < 0 || s.endFrame > info.frameCount || s.endFrame <= s.startFrame) continue;
          const file = path.join(opts.cacheDir, 'renders', `fake-${createHash('sha256').update(`${opts.video}|${s.startFrame}-${s.endFrame}`).digest('hex').slice(0, 16)}.mkv`);
          await fsp.mkdir(path.dirname(file), { recursive: true });
          const tmp = tempPathNextTo(file);
          await runFfmpeg(real.ffmpeg().ffmpeg, [
            '-y', '-ss', Math.max(0, (s.startFrame - 0.25) / info.fps).toFixed(6), '-i', opts.video, '-map', '0:v:0',
            '-vf', `format=rgb24,crop=${rect.w}:${rect.h}:${rect.x}:${rect.y},drawbox=x=0:y=0:w=iw:h=ih:color=red@0.5:t=fill`,
            '-frames:v', String(s.endFrame - s.startFrame), '-c:v', 'libx264rgb', '-qp', '0', '-preset', 'ultrafast', '-f', 'matroska', tmp,
          ], { signal: opts.signal, failMessage: 'The fake render failed' }).catch(async (err: unknown) => {
            await removeQuietly(tmp);
            throw err;
          });
          await commitTempFile(tmp, file);
          renders.push({ id: s.id, file, startFrame: s.startFrame, endFrame: s.endFrame, rect, pasteRect: rect });
        }
      }
      opts.onProgress?.({ stage: 'done', done: frames, total: frames, fps: 0, etaSec: 0 });
      const wall = (performance.now() - t0) / 1000;
      return {
        out: opts.out,
        frames,
        width: info.width,
        height: info.height,
        fps: info.fps,
        faceTrack: opts.face ?? 0,
        segments: opts.segments.map((s) => ({
          ...s,
          reference: s.reference ?? { startFrame: 0, endFrame: Math.min(info.frameCount, 50) },
          referenceReason: s.reference ? 'chosen by the user' : 'fake pipeline: first 2 s',
        })),
        warnings: ['Rendered by the fake pipeline (no lip-sync).'],
        renders,
        timings: { total: wall },
        pipeline: { maxFramesInFlight: 0, framesInFlightBound: 0, busySec: {} },
        peakRssMB: process.resourceUsage().maxRSS / 1024,
        realTimeFactor: dur / Math.max(wall, 1e-3),
      };
    },
  };
}
