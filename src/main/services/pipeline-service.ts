import type { DubJobOptions, DubJobResult } from '../pipeline/api';
import type { EngineDescription } from '../engines/types';
import type { AudioFileInfo, VideoInfo } from '../media/types';
import type { HandObservation, TrackingResult } from '../tracking/types';
import type { RgbFrame } from '../media/types';

/** A composited crop and where it lies in the full frame (pixels). */
export type PreviewFrameSink = (frame: RgbFrame, rect: { x: number; y: number; w: number; h: number }) => void;

/**
 * What the editor's services need from the dubbing pipeline. The inference host talks to the
 * pipeline only through this interface, so the UI can be developed and unit-tested against a fast
 * stand-in (`pipeline-fake.ts`) and runs against the real modules (`pipeline-real.ts`) otherwise.
 * Times are seconds, frames 0-based, audio 16 kHz mono float32.
 */
export interface PipelineService {
  readonly kind: 'real' | 'fake';
  /** @throws UserError E_NOT_FOUND / E_UNREADABLE / E_NO_VIDEO. */
  probeVideo(path: string, signal?: AbortSignal): Promise<VideoInfo>;
  /** @throws UserError E_NOT_FOUND / E_UNREADABLE / E_NO_AUDIO. */
  probeAudio(path: string, signal?: AbortSignal): Promise<AudioFileInfo>;
  /** First audio stream as 16 kHz mono float32 in [-1, 1]. @throws UserError E_UNREADABLE / E_NO_AUDIO. */
  decodeAudio16k(path: string, signal?: AbortSignal): Promise<Float32Array>;
  /** Speech ranges in seconds of a 16 kHz mono signal. */
  detectSpeech(samples16k: Float32Array, signal?: AbortSignal): Promise<Array<{ start: number; end: number }>>;
  /**
   * Engines with their parameter schemas, and the id of the default one. Engines that need a
   * model pack are listed without parameters until `describeEngine` is given a pack.
   */
  listEngines(): Promise<{ engines: EngineDescription[]; defaultEngine: string }>;
  /** An engine's description for a model pack (loads and checks the pack). @throws UserError for a bad pack. */
  describeEngine(engine: string, pack: string): Promise<EngineDescription>;
  /** Face tracks of a clip (cached by the pipeline). Null when face tracking is not available. */
  trackFaces(video: string, opts: { cacheDir: string; signal?: AbortSignal; onProgress?: (done: number, total: number) => void }): Promise<TrackingResult | null>;
  /**
   * Lip-habit reference candidates for a segment: runs of original footage with the same face,
   * speech in the original audio, frontal and unoccluded, outside the dubbed ranges.
   */
  suggestReferences(args: {
    video: string;
    face: number | null;
    segment: { startFrame: number; endFrame: number };
    dubbed: Array<{ startFrame: number; endFrame: number }>;
    max: number;
    cacheDir: string;
    signal?: AbortSignal;
  }): Promise<{ candidates: Array<{ startFrame: number; endFrame: number; score: number; reasons: string[] }>; warnings: string[] }>;
  /**
   * Hands on the given frames of a clip (sorted, 0-based), with Human's hand models. Frames the
   * clip does not have are skipped. Empty lists where no hand is seen.
   */
  detectHands(video: string, frames: number[], signal?: AbortSignal): Promise<Array<{ frame: number; hands: HandObservation[] }>>;
  /**
   * Renders the segments of `opts` inside `opts.outputRange` into the pipeline's render cache,
   * calling `onFrame` with every composited crop as soon as it is ready, so that the following
   * `runDub` finds them cached. Progress is reported as the 'track' and 'render' stages.
   */
  renderPreview(opts: DubJobOptions, onFrame: PreviewFrameSink): Promise<void>;
  /** Renders (`outputRange` = one segment's take) or dubs a whole clip. */
  runDub(opts: DubJobOptions): Promise<DubJobResult>;
  /** ffmpeg / ffprobe executables. */
  ffmpeg(): { ffmpeg: string; ffprobe: string };
}
