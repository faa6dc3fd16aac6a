import { locateFfmpeg } from '../media/locate';
import type { PipelineService } from './pipeline-service';
import type { EngineDescription } from '../engines/types';
import type { HandObservation } from '../tracking/types';

/** Engines that describe their parameters only once a model pack is chosen. */
export const PACK_ENGINES: EngineDescription[] = [
  {
    id: 'latent-diffusion',
    name: 'Latent diffusion (StableDub-style)',
    params: [],
    needs: { weights: true, lipHabitReference: true, referenceAudio: false },
    notes: ['Choose a model pack (a folder with manifest.json, or an installed pack id) and press Load to see its parameters: audio guidance λa, lip-habit guidance λh, steps, seed.'],
  },
  {
    id: 'wav2lip',
    name: 'Wav2Lip',
    params: [],
    needs: { weights: true, lipHabitReference: false, referenceAudio: false },
    notes: ['Choose a Wav2Lip pack folder or .onnx file and press Load to see its parameters.'],
  },
];

/**
 * The real pipeline: probe / decode from src/main/media, speech activity (Silero VAD) from
 * src/main/audio, face tracking from src/main/pipeline/tracking-stage, reference suggestions from
 * the reference engine, engines from the registry, `runDub` from src/main/pipeline/dub. Modules
 * are imported lazily so the inference host starts fast and heavy runtimes (tfjs, onnxruntime)
 * load on first use.
 */
export function createRealPipeline(): PipelineService {
  const pipeline: PipelineService = {
    kind: 'real',
    async probeVideo(path, signal) {
      const { probeMedia } = await import('../media/probe');
      return probeMedia(path, { signal });
    },
    async probeAudio(path, signal) {
      const { probeAudio } = await import('../media/probe');
      return probeAudio(path, { signal });
    },
    async decodeAudio16k(path, signal) {
      const { decodeAudioMono16k } = await import('../media/audio-decode');
      return decodeAudioMono16k(path, { signal });
    },
    async detectSpeech(samples) {
      const { detectSpeech } = await import('../audio/vad');
      return (await detectSpeech(samples)).map((s) => ({ start: s.start, end: s.end }));
    },
    async listEngines() {
      const { builtinEngineDescriptions } = await import('../engines/registry');
      const builtin = builtinEngineDescriptions();
      const engines = [...builtin, ...PACK_ENGINES.filter((p) => !builtin.some((b) => b.id === p.id))];
      return { engines, defaultEngine: engines.find((e) => e.id === 'reference')?.id ?? engines[0]?.id ?? 'reference' };
    },
    async describeEngine(engine, pack) {
      const { createEngine } = await import('../engines/registry');
      return (await createEngine(engine, { pack })).describe();
    },
    async trackFaces(video, opts) {
      const { probeMedia } = await import('../media/probe');
      const { trackVideo } = await import('../pipeline/tracking-stage');
      const info = await probeMedia(video, { signal: opts.signal });
      return trackVideo(info, { cacheDir: opts.cacheDir, signal: opts.signal, onProgress: opts.onProgress });
    },
    async suggestReferences(args) {
      const { probeMedia } = await import('../media/probe');
      const { decodeClipAudioMono16k } = await import('../media/audio-decode');
      const { chooseFaceTrack } = await import('../pipeline/tracking-stage');
      const { referenceFacts } = await import('../pipeline/reference-stage');
      const { suggestReferences } = await import('../engines/reference/auto-reference');
      const info = await probeMedia(args.video, { signal: args.signal });
      const tracking = await pipeline.trackFaces(args.video, { cacheDir: args.cacheDir, signal: args.signal });
      if (!tracking) return { candidates: [], warnings: ['Face tracking is not available.'] };
      const warnings: string[] = [];
      const { track, index } = chooseFaceTrack(tracking, args.face ?? undefined);
      const audio = await decodeClipAudioMono16k(args.video, { signal: args.signal });
      const speech = audio ? await pipeline.detectSpeech(audio) : [];
      if (!audio) warnings.push('The clip has no audio, so speech in the original cannot guide the suggestion.');
      const facts = referenceFacts(track, speech, info);
      const dubbed = args.dubbed.map((d) => ({ start: d.startFrame, end: d.endFrame }));
      const runs = suggestReferences(facts, dubbed, {
        minFrames: Math.max(2, Math.round(info.fps * 1.0)),
        maxFrames: Math.max(2, Math.round(info.fps * 6)),
        count: args.max,
      });
      const candidates = runs.map((r) => {
        const n = Math.max(1, r.end - r.start);
        const frac = (pred: (i: number) => boolean) => {
          let k = 0;
          for (let i = r.start; i < r.end; i++) if (pred(i)) k++;
          return k / n;
        };
        const pct = (x: number) => `${Math.round(x * 100)}%`;
        const reasons = [
          `same face (track ${index}, ${pct(frac((i) => facts[i].face))} of frames)`,
          `speech in the original audio (${pct(frac((i) => facts[i].speech))})`,
          `frontal (${pct(frac((i) => facts[i].frontal))})`,
          `unoccluded (${pct(frac((i) => !facts[i].occluded))})`,
          'outside the dubbed ranges',
        ];
        return { startFrame: r.start, endFrame: r.end, score: r.quality, reasons };
      });
      if (candidates.length === 0) {
        warnings.push('No footage outside the dubbed ranges has the same face speaking frontally for at least 1 s; the automatic reference will use the segment’s own original footage.');
      }
      return { candidates, warnings };
    },
    async detectHands(video, frames, signal) {
      const { probeMedia } = await import('../media/probe');
      const { decodeFrames } = await import('../media/decode');
      const { FaceMeshDetector } = await import('../tracking/mesh-detector');
      const info = await probeMedia(video, { signal });
      const wanted = frames.filter((f) => Number.isInteger(f) && f >= 0 && f < info.frameCount).sort((a, b) => a - b);
      if (wanted.length === 0) return [];
      const detector = await FaceMeshDetector.create({ detectHands: true, maxHands: 2 });
      const set = new Set(wanted);
      const out: Array<{ frame: number; hands: HandObservation[] }> = [];
      for await (const f of decodeFrames(info, { start: wanted[0], end: wanted[wanted.length - 1] + 1, signal })) {
        if (!set.has(f.index)) continue;
        detector.reset();
        const d = await detector.detectFrame(f);
        out.push({ frame: f.index, hands: d.hands });
      }
      return out;
    },
    async renderPreview(opts, onFrame) {
      const { prepareJob } = await import('../pipeline/job');
      const { renderSegment } = await import('../pipeline/segment-render');
      const progress = (stage: 'track' | 'render') => {
        const t0 = performance.now();
        return (done: number, total: number) => {
          const el = (performance.now() - t0) / 1000;
          const fps = el > 0 ? done / el : 0;
          opts.onProgress?.({ stage, done, total, fps, etaSec: fps > 0 ? (total - done) / fps : Number.NaN });
        };
      };
      let trackTick = progress('track');
      const job = await prepareJob({
        video: opts.video, audio: opts.audio, audioOffset: opts.audioOffset, face: opts.face, segments: opts.segments, cacheDir: opts.cacheDir, signal: opts.signal, log: opts.log,
        script: opts.script, language: opts.language, originalLanguage: opts.originalLanguage,
        onTrackStart: (n) => {
          trackTick = progress('track');
          trackTick(0, n);
        },
        onTrackProgress: (d, n) => trackTick(d, n),
      });
      const range = opts.outputRange ?? { startFrame: 0, endFrame: job.info.frameCount };
      const specs = opts.segments.filter((s) => s.endFrame > range.startFrame && s.startFrame < range.endFrame && s.startFrame >= 0 && s.endFrame <= job.info.frameCount && s.endFrame > s.startFrame);
      const total = specs.reduce((a, s) => a + s.endFrame - s.startFrame, 0);
      const tick = progress('render');
      let base = 0;
      tick(0, total);
      for (const spec of specs) {
        await renderSegment(job, spec, { signal: opts.signal, providers: opts.providers, log: opts.log, allSegments: opts.segments, onFrame, onProgress: (d) => tick(base + d, total) });
        base += spec.endFrame - spec.startFrame;
      }
    },
    async runDub(opts) {
      const { runDub } = await import('../pipeline/dub');
      return runDub(opts);
    },
    ffmpeg() {
      const { ffmpeg, ffprobe } = locateFfmpeg();
      return { ffmpeg, ffprobe };
    },
  };
  return pipeline;
}
