import type { RgbFrame, VideoInfo } from '../media/types';
import type { FaceTrack, TrackSample } from '../tracking/types';

/** One tunable engine parameter, rendered as a slider by the editor and a flag by the CLI. */
export interface EngineParamSpec {
  key: string;
  label: string;
  min: number;
  max: number;
  step: number;
  default: number;
  /** One or two sentences for the tooltip / `--help`. */
  help: string;
  integer?: boolean;
}

/** What an engine is and what it needs; from `Engine.describe()`. */
export interface EngineDescription {
  id: string;
  name: string;
  params: EngineParamSpec[];
  needs: {
    /** Needs a model pack (learned weights). */
    weights: boolean;
    /** Uses the lip-habit reference range. */
    lipHabitReference: boolean;
    /** Uses the original audio of the reference range. */
    referenceAudio: boolean;
  };
  /** Notes for the UI, e.g. "this pack has no lip-habit input: λh is ignored". */
  notes: string[];
  /**
   * The engine handles frames decoded with a crop (`RgbFrame.x0/y0`) for both the rendered and
   * the reference frames; the pipeline then decodes only the regions it needs. Default false:
   * whole frames.
   */
  acceptsCroppedFrames?: boolean;
  /**
   * The engine's patch alphas are the final face matte (exactly 0 where nothing may change,
   * continuous where the picture moves): the compositor's union mask is then a hard box around
   * the lower face instead of a feathered one, so no feather blends two jaw geometries.
   */
  faceMatte?: boolean;
}

/** Frame range [start, end) in 0-based frame indices. */
export interface FrameRange {
  start: number;
  end: number;
}

/**
 * Everything an engine may use to prepare a segment. Audio is 16 kHz mono float32 with sample 0
 * at clip time 0 s (the dubbed track is already placed on the clip's timeline).
 */
export interface SegmentContext {
  video: VideoInfo;
  /** Dubbed range of output frames. */
  range: FrameRange;
  /** Lip-habit reference range (original footage of the same actor, same clip). */
  reference: FrameRange;
  /** The face being dubbed; `track.frames.length === video.frameCount`. */
  track: FaceTrack;
  /** Dubbed audio, 16 kHz mono, clip-aligned. */
  dubAudio: Float32Array;
  /** Original audio of the clip, 16 kHz mono (silence when the clip has none). */
  originalAudio: Float32Array;
  /** Decodes original frames [range.start, range.end) in order and hands each to `onFrame`. */
  readFrames(range: FrameRange, onFrame: (frame: RgbFrame) => void | Promise<void>): Promise<void>;
  /** Engine parameters by key (defaults filled in). */
  params: Record<string, number>;
  /** Content-addressed cache directory the engine may use for per-reference data. */
  cacheDir?: string;
  /**
   * Grain of the clip (`media/source-grain.ts`: robust σ of the 3x3-median residual, 8-bit
   * levels); absent or below `GRAIN_SIGMA_MIN`: a clean source.
   */
  grain?: number;
  /**
   * MPEG-4 viseme (0..14, 255 = unknown; `phonetics/visemes.ts`) of every clip frame from the
   * phones of the dub, Uint8Array(video.frameCount); absent when no phone timing is known.
   */
  dubVisemes?: Uint8Array;
  /** The same from the phones of the clip's original audio (labels the reference frames). */
  originalVisemes?: Uint8Array;
  signal?: AbortSignal;
  /** Progress / info lines for the user. */
  log?: (message: string) => void;
}

/** Input to one frame of a render window: the original frame and the tracked face on it. */
export interface EngineFrameInput {
  frame: RgbFrame;
  sample: TrackSample | null;
}

/**
 * A synthesized image region in frame pixels: rgb24 HxWx3 `data` of `width x height` placed at
 * (`x`, `y`). `alpha` (HxW in [0,1]) says where the engine produced content; the compositor
 * multiplies it with the feathered union mask and the inverted occlusion mask.
 */
export interface Patch {
  x: number;
  y: number;
  width: number;
  height: number;
  data: Uint8Array;
  alpha: Float32Array;
}

/** An engine prepared for one segment. */
export interface PreparedEngine {
  /** Preferred number of frames per `renderWindow` call (16 for latent diffusion, 1+ otherwise). */
  windowSize: number;
  /**
   * Synthesizes the lower face for consecutive output frames. Returns one patch per input frame,
   * or null where the frame is left untouched (no face).
   * @throws CancelledError when the context's signal is aborted.
   */
  renderWindow(inputs: EngineFrameInput[]): Promise<(Patch | null)[]>;
  /**
   * True when `renderWindow` may be called again before the previous call resolved (the caller
   * composites one window while the next is synthesized); calls still resolve in call order
   * with the same patches as strictly sequential calls.
   */
  pipelined?: boolean;
  /** Frees sessions and buffers. */
  dispose(): Promise<void>;
}

/** The common engine interface (ARCHITECTURE.md, Engines). */
export interface Engine {
  describe(): EngineDescription;
  prepare(ctx: SegmentContext): Promise<PreparedEngine>;
}
