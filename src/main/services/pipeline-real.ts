import { locateFfmpeg } from '../media/locate';
import type { PipelineService } from './pipeline-service';
import type { EngineDescription } from '../engines/types';

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
      const reg = (await import('../engines/registry')) as {
        builtinEngineDescriptions: () => EngineDescription[];
        listEngines?: () => EngineDescription[];
      };
      const engines = reg.listEngines ? reg.listEngines() : [...reg.builtinEngineDescriptions(), ...PACK_ENGINES.filter((p) => !reg.builtinEngineDescriptions().some((b) => b.id === p.id))];
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
