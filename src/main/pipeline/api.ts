import type { OcclusionMask, Rect } from '../masks/types';
import type { JobContext } from './job';

/**
 * The pipeline's public contract, used by the CLI, the editor's services and the bench.
 * Times are in seconds on the clip's timeline unless a name says `Frame`.
 */

/** One dubbed segment of a clip. */
export interface SegmentSpec {
  /** Stable id (the editor's segment id; the CLI uses `seg-N`). */
  id: string;
  /** Dubbed range [startFrame, endFrame) in output frames. */
  startFrame: number;
  endFrame: number;
  /** Lip-habit reference [startFrame, endFrame) in the same clip; chosen automatically when absent. */
  reference?: { startFrame: number; endFrame: number };
  /** Engine id (`reference`, `wav2lip`, `latent-diffusion`) and its parameters. */
  engine: string;
  params: Record<string, number>;
  /** Model pack folder for engines that need weights. */
  pack?: string;
  occlusion?: OcclusionMask;
}

export interface DubProgress {
  stage: 'probe' | 'audio' | 'track' | 'prepare' | 'render' | 'encode' | 'done';
  /** Frames done / total in this stage. */
  done: number;
  total: number;
  /** Frames per second over the stage so far. */
  fps: number;
  /** Seconds left in this stage (NaN when unknown). */
  etaSec: number;
}

export interface DubJobOptions {
  video: string;
  /** Dubbed dialogue track (any format ffmpeg reads); placed at clip time `audioOffset` (default 0 s). */
  audio: string;
  audioOffset?: number;
  out: string;
  /** Index of the face track to dub (default: the largest face). */
  face?: number;
  segments: SegmentSpec[];
  /** Encode losslessly (libx264rgb, qp 0) for verification. */
  lossless?: boolean;
  /** x264 CRF for the default H.264 output (default 18). */
  crf?: number;
  /** x264 preset for the default H.264 output (default `veryfast`). */
  preset?: string;
  /**
   * Write only these output frames [startFrame, endFrame) (a segment preview / take); the whole
   * clip when absent. Audio is cut to the same range.
   */
  outputRange?: { startFrame: number; endFrame: number };
  /**
   * Time range (seconds) over which the dub replaces the original audio; default: the segments.
   * Video segments may be narrower (only where someone speaks).
   */
  dubbedRange?: { start: number; end: number };
  /** Replace the whole audio track with the dub instead of only the dubbed ranges. */
  wholeTrack?: boolean;
  /** ONNX Runtime execution providers in order of preference (neural engines), e.g. ['cuda', 'cpu']. */
  providers?: string[];
  /** Cache directory (tracking, features, renders). Default `~/.cache/dubbing-editor`. */
  cacheDir?: string;
  /**
   * The dub's script: SRT cues (seconds on the dub file's timeline) or one untimed text; the
   * reference engine then aligns its phones to the dub (espeak-ng + DTW) for viseme timing.
   */
  script?: Array<{ text: string; start?: number; end?: number }>;
  /** Language of the dub as an espeak-ng voice (`en-us`, `de`, `es`, ...; default `en-us`). */
  language?: string;
  /** Language of the clip's original speech (default `en-us`). */
  originalLanguage?: string;
  signal?: AbortSignal;
  onProgress?: (p: DubProgress) => void;
  log?: (message: string) => void;
  /**
   * Renders the segments missing from the render cache somewhere else (a render farm,
   * `src/main/farm`) instead of in this process: called once, after the cache lookup, with the
   * missing segments; when it resolves they are looked up again, and any still missing is
   * rendered here as without it. The export then runs as always (bit-identical output).
   */
  renderMissing?: (req: RenderMissingRequest) => Promise<void>;
}

/** What `DubJobOptions.renderMissing` gets. */
export interface RenderMissingRequest {
  /** Segments not in the render cache, in clip order. */
  segments: SegmentSpec[];
  /** Every segment of the job (automatic references and reference facts depend on all). */
  allSegments: SegmentSpec[];
  /** The prepared job (hashes, track, cache folder) and the dub's options. */
  job: JobContext;
  options: DubJobOptions;
  signal?: AbortSignal;
  /** Frames rendered / to render, over the missing segments. */
  onProgress: (done: number, total: number) => void;
}

/**
 * A lossless render in the pipeline's render cache: Ut Video, rgb24 frames of `rect` (clip
 * pixels) for clip frames [startFrame, endFrame) in `file`; exports lay its `pasteRect` (the union
 * mask's box, even-aligned, inside `rect`) over the clip.
 */
export interface RenderRef {
  file: string;
  startFrame: number;
  endFrame: number;
  rect: Rect;
  pasteRect: Rect;
}

export interface DubJobResult {
  out: string;
  frames: number;
  width: number;
  height: number;
  fps: number;
  faceTrack: number;
  /**
   * The segments as dubbed; `leftOriginal` is set on a segment whose face the pipeline cannot
   * serve (profile, too small, unsure tracking, no face): it is left as the original, with why.
   */
  segments: Array<SegmentSpec & { reference: { startFrame: number; endFrame: number }; referenceReason: string; leftOriginal?: { code: string; reason: string } }>;
  warnings: string[];
  /** The segments' lossless renders (by segment id); absent from pipelines without a render cache. */
  renders?: Array<RenderRef & { id: string }>;
  /** Wall-clock seconds per stage and total. */
  timings: Record<string, number>;
  /** Output duration / wall-clock time (>1 is faster than real time). */
  realTimeFactor: number;
  /** Streaming pipeline statistics: frames in flight (decoded, not yet encoded) and busy time per stage. */
  pipeline: { maxFramesInFlight: number; framesInFlightBound: number; busySec: Record<string, number> };
  /** Peak resident memory of this process (MB). */
  peakRssMB: number;
}
