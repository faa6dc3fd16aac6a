import type { ApiErrorInfo } from '../../../shared/api/errors';
import type { DubJobOptions, DubJobResult, DubProgress, RenderRef } from '../../pipeline/api';
import type { EngineDescription } from '../../engines/types';
import type { MediaInfo } from '../../../shared/api/contract';
import type { ExportCodec } from '../../../shared/project/schema';
import type { ExportPlanInput } from '../export-plan';
import type { QualityReportWire } from '../../../shared/api/quality';
import type { QualityCheckArgs } from './quality-check';
import type { PhoneticsArgs } from './phonetics-host';
import type { PhoneTiming } from '../../phonetics/types';

/**
 * Messages between the main process (or the bridge) and the inference host. The host runs in an
 * Electron utilityProcess or a worker thread; both carry these structured-clone messages.
 */

/** A dub job without its callbacks (those become progress messages / a cancel message). */
export type HostDubOptions = Omit<DubJobOptions, 'signal' | 'onProgress' | 'log'>;

/**
 * A ready segment of an export: its take (H.264, whole frames, what the editor plays) and, when
 * the render job recorded it, its lossless render in the pipeline's render cache (exported in
 * preference to the take: one lossy generation instead of two).
 */
export interface ExportSegment {
  startFrame: number;
  endFrame: number;
  take: string;
  render: RenderRef | null;
}


export interface ExportProbe {
  codec: string;
  pixelFormat: string;
  width: number;
  height: number;
  frames: number;
  duration: number;
  audioCodec: string | null;
}

export interface AnalysisResult {
  faces: Array<{ id: number; frames: Array<{ frame: number; box: [number, number, number, number]; mouth: [number, number, number, number] | null }> }>;
  occlusionSuggestions: Array<{ frame: number; polygon: Array<[number, number]>; reason: string }>;
  warnings: string[];
}

export interface ReferenceSuggestionArgs {
  video: string;
  face: number | null;
  segment: { startFrame: number; endFrame: number };
  dubbed: Array<{ startFrame: number; endFrame: number }>;
  max: number;
}
export interface ReferenceCandidate {
  startFrame: number;
  endFrame: number;
  score: number;
  reasons: string[];
  thumbnail: string | null;
}

export interface HandSuggestionArgs {
  video: string;
  face: number | null;
  segment: { startFrame: number; endFrame: number };
}
export interface HandSuggestionResult {
  suggestions: Array<{ keyframes: Array<{ frame: number; polygon: Array<[number, number]> }>; score: number; reason: string }>;
  sampledFrames: number;
  handsSeen: number;
  faceRect: [number, number, number, number] | null;
  warnings: string[];
}

/** A downscaled composited crop of a segment being rendered (interactive preview). */
export interface PreviewFrame {
  frame: number;
  rect: { x: number; y: number; w: number; h: number };
  /** PNG data URL. */
  image: string;
}

/** A render farm as the host gets it: the Redis URL and this machine's roots (NAME -> absolute path). */
export interface HostFarm {
  redisUrl: string;
  roots: Array<{ name: string; path: string }>;
}

/** Method name -> [arguments, result]. */
export interface HostMethods {
  probe: [{ path: string; kind: 'video' | 'audio' }, MediaInfo];
  peaks: [{ path: string; peaksPerSecond: number }, { peaks: number[]; peaksPerSecond: number; duration: number }];
  speech: [{ path: string; offset: number }, { ranges: Array<{ start: number; end: number }> }];
  thumbnails: [{ path: string; count: number; height: number }, { sprite: string; count: number; tileWidth: number; tileHeight: number; times: number[] }];
  frameImage: [{ path: string; frame: number; height: number }, { image: string }];
  /** The clip's video stream with the dub tracks mixed in as its audio (the dubbed preview's one clock). */
  dubMix: [{ video: string; tracks: Array<{ path: string; offset: number; muted: boolean }> }, { path: string }];
  engines: [Record<string, never>, { engines: EngineDescription[]; defaultEngine: string }];
  describeEngine: [{ engine: string; pack: string }, EngineDescription];
  /**
   * `preview`: stream throttled preview frames of the (single) segment while it renders.
   * `farm`: render the segments missing from the cache on this render farm (`src/main/farm`,
   * `dub.cacheDir` must be its `cache` root); no preview frames then.
   */
  render: [{ dub: HostDubOptions; out: string; preview?: boolean; farm?: HostFarm }, DubJobResult];
  /** The timeline export (`export-plan.ts`): one decode of the clip, ready segments laid over, one encode. */
  export: [{ video: string; segments: ExportSegment[]; audio: ExportPlanInput['audio']; codec: ExportCodec; tmp: string; out: string }, ExportProbe & { losslessSegments: number }];
  analyze: [{ video: string; range: { startFrame: number; endFrame: number } | null }, AnalysisResult];
  suggestReference: [ReferenceSuggestionArgs, { candidates: ReferenceCandidate[]; warnings: string[] }];
  suggestHands: [HandSuggestionArgs, HandSuggestionResult];
  /** A segment's take against the clip: flagged frames and the face-limits verdict (`quality-check.ts`). */
  qualityCheck: [QualityCheckArgs, QualityReportWire];
  /** Phone timing of a dub track placed on the clip (`phonetics-host.ts`; cached by the phonetic stage). */
  phonetics: [PhoneticsArgs, PhoneTiming];
  /** Test hook: the host exits abruptly. */
  crash: [Record<string, never>, never];
}
export type HostMethod = keyof HostMethods;
export type HostArgs<M extends HostMethod> = HostMethods[M][0];
export type HostResult<M extends HostMethod> = HostMethods[M][1];

export type ToHost = { type: 'call'; id: number; method: HostMethod; args: unknown } | { type: 'cancel'; id: number };

export type FromHost =
  | { type: 'ready'; pipeline: 'real' | 'fake' }
  | { type: 'progress'; id: number; progress: DubProgress }
  | { type: 'preview'; id: number; preview: PreviewFrame }
  | { type: 'result'; id: number; result: unknown }
  | { type: 'error'; id: number; error: ApiErrorInfo }
  | { type: 'log'; message: string };

/** Options the host is started with (worker data / argv). */
export interface HostConfig {
  pipeline: 'real' | 'fake';
  cacheDir: string;
}

/** Context of one host call. */
export interface CallContext {
  signal: AbortSignal;
  onProgress: (p: DubProgress) => void;
  /** Interactive preview frames (render calls); absent when nobody listens. */
  onPreview?: (p: PreviewFrame) => void;
}
