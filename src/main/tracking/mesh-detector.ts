import type { Human, Result } from '@vladmandic/human';
import type { RgbFrame } from '../media/types';
import {
  getHuman,
  humanTf,
  humanVersion,
  loadHumanModels,
  resolveHumanPaths,
  type HumanConfig,
  type HumanModel,
  type HumanPaths,
} from './human-runtime';
import { HAND_POINTS, MESH_POINTS, type FaceObservation, type HandObservation } from './types';

/** What the tracker needs from a per-frame face detector (the real one, or a fake in tests). */
export interface FaceDetector {
  /** Faces in `frame`; frames are expected in playback order until the next `reset()`. */
  detect(frame: RgbFrame): Promise<FaceObservation[]>;
  /** Forget the previous frame (call after a seek or before another clip). */
  reset(): void;
  /** Stable description of everything that changes the output (part of cache keys). */
  readonly settingsKey: string;
}

export interface FaceMeshDetectorOptions {
  /** Most faces reported per frame. Default 4. */
  maxDetected?: number;
  /**
   * Frames for which the face detector (blazeface) is skipped and each face's crop is taken from
   * its previous mesh instead (MediaPipe-style tracking). 0 runs the detector on every frame.
   * A frame that differs strongly from the previous one (cut) re-runs the detector anyway; call
   * `reset()` after seeks. New faces appear at most this many frames late.
   * Default 0: on talk-a skipping is ~1.9x faster but the landmarks jitter ~60% more (the crop
   * follows the previous, noisy mesh), so it is meant for previews.
   */
  skipFrames?: number;
  /**
   * Rotate the face crop upright before the mesh model. Helps strongly tilted (rolled) heads; on
   * upright talking heads it adds jitter (+25% on talk-a) and costs time. Default false.
   */
  rotation?: boolean;
  /** Minimum detector and mesh confidence, 0..1. Default 0.2 (Human's default). */
  minConfidence?: number;
  /** Also run Human's hand models (handtrack + handlandmark-lite) in `detectFrame`. Default false. */
  detectHands?: boolean;
  /** Most hands reported per frame when `detectHands`. Default 2. */
  maxHands?: number;
  /** Where Human, the models and the wasm binaries are (defaults: node_modules). */
  paths?: Partial<HumanPaths>;
}

/** Faces and (optionally) hands found in one frame. */
export interface FrameDetections {
  faces: FaceObservation[];
  /** Empty unless the detector was created with `detectHands`. */
  hands: HandObservation[];
}

const FACE_MODELS: HumanModel[] = [
  { name: 'blazeface', file: 'blazeface.json' },
  { name: 'facemesh', file: 'facemesh.json' },
];
const HAND_MODELS: HumanModel[] = [
  { name: 'handtrack', file: 'handtrack.json' },
  { name: 'handskeleton', file: 'handlandmark-lite.json' },
];

type ResolvedOptions = Required<Omit<FaceMeshDetectorOptions, 'paths'>>;

function resolveOptions(options: FaceMeshDetectorOptions): ResolvedOptions {
  return {
    maxDetected: options.maxDetected ?? 4,
    skipFrames: options.skipFrames ?? 0,
    rotation: options.rotation ?? false,
    minConfidence: options.minConfidence ?? 0.2,
    detectHands: options.detectHands ?? false,
    maxHands: options.maxHands ?? 2,
  };
}

/**
 * The cache-key description of a {@link FaceMeshDetector} with `options`, computed without
 * loading Human (so a cache hit costs no model load). Includes Human's version.
 */
export function faceMeshSettingsKey(options: FaceMeshDetectorOptions = {}): string {
  const o = resolveOptions(options);
  const version = humanVersion(resolveHumanPaths(options.paths));
  return JSON.stringify({
    detector: 'human-facemesh',
    version,
    maxDetected: o.maxDetected,
    skipFrames: o.skipFrames,
    rotation: o.rotation,
    minConfidence: o.minConfidence,
  });
}

/** Human config for face (+ hand) only; `fresh` forces the face detector to run on this frame. */
function humanConfig(o: ResolvedOptions, fresh: boolean): HumanConfig {
  const skipping = o.skipFrames > 0;
  const off = { enabled: false };
  return {
    // Human compares each frame with the previous one and only allows cached detector boxes when
    // the mean squared difference is below this; 0 disables the check and thus all skipping.
    cacheSensitivity: skipping && !fresh ? 0.7 : 0,
    filter: { enabled: false },
    async: false,
    face: {
      enabled: true,
      detector: {
        rotation: o.rotation,
        maxDetected: o.maxDetected,
        skipFrames: o.skipFrames,
        // Skip by frame count only: wall-clock time means nothing when decoding faster or slower.
        skipTime: skipping ? Number.MAX_SAFE_INTEGER : 0,
        minConfidence: o.minConfidence,
        return: false,
        mask: false,
      },
      mesh: { enabled: true, keepInvalid: false },
      attention: off,
      iris: off,
      emotion: off,
      description: off,
      antispoof: off,
      liveness: off,
      gear: off,
    },
    body: off,
    hand: o.detectHands
      ? {
          enabled: true,
          maxDetected: o.maxHands,
          skipFrames: o.skipFrames,
          skipTime: skipping ? Number.MAX_SAFE_INTEGER : 0,
          landmarks: true,
        }
      : off,
    object: off,
    gesture: off,
    segmentation: off,
  } as HumanConfig;
}

// Human keeps its per-frame caches in module globals and is not re-entrant, so all detectors
// share one queue and a detector that follows another one's frames starts fresh.
let queue: Promise<unknown> = Promise.resolve();
let lastUser: symbol | null = null;

function serialized<T>(job: () => Promise<T>): Promise<T> {
  const run = queue.then(job, job);
  queue = run.catch(() => undefined);
  return run;
}

function toFloat32Points(points: ArrayLike<ArrayLike<number | undefined>>, count: number): Float32Array | null {
  if (points.length !== count) return null;
  const out = new Float32Array(count * 3);
  for (let i = 0; i < count; i++) {
    const p = points[i];
    out[i * 3] = p[0] ?? NaN;
    out[i * 3 + 1] = p[1] ?? NaN;
    out[i * 3 + 2] = p[2] ?? 0;
  }
  return out;
}

function toBox(box: ArrayLike<number>): [number, number, number, number] {
  return [box[0], box[1], box[2], box[3]];
}

/**
 * Face landmarks with @vladmandic/human (blazeface detector + 468-point facemesh) on the tfjs
 * wasm backend, models read from disk. Create with {@link FaceMeshDetector.create}.
 * Not re-entrant by design: calls from all instances are queued.
 */
export class FaceMeshDetector implements FaceDetector {
  readonly settingsKey: string;
  private fresh = true;
  private readonly token = Symbol('FaceMeshDetector');

  private constructor(
    private readonly human: Human,
    private readonly options: ResolvedOptions,
    settingsKey: string,
  ) {
    this.settingsKey = settingsKey;
  }

  /**
   * Starts (or reuses) the process-wide Human on the wasm backend and loads the face models
   * (plus hand models with `detectHands`). First call takes ~1 s.
   * Throws `UserError` `E_MODEL_MISSING` when model files are absent, `Error` when the backend or
   * a model fails to load.
   */
  static async create(options: FaceMeshDetectorOptions = {}): Promise<FaceMeshDetector> {
    const o = resolveOptions(options);
    if (!Number.isInteger(o.maxDetected) || o.maxDetected < 1) throw new Error(`maxDetected must be >= 1`);
    if (!Number.isInteger(o.skipFrames) || o.skipFrames < 0) throw new Error(`skipFrames must be >= 0`);
    const human = await getHuman(options.paths);
    const models = o.detectHands ? [...FACE_MODELS, ...HAND_MODELS] : FACE_MODELS;
    await serialized(() => loadHumanModels(human, humanConfig(o, true), models));
    return new FaceMeshDetector(human, o, faceMeshSettingsKey(options));
  }

  /** Next `detect` runs the face detector instead of reusing the previous frame's meshes. */
  reset(): void {
    this.fresh = true;
  }

  /**
   * Faces in `frame` (rgb24, HxWx3): mesh Float32Array(468 * 3) with x, y in image pixels, box
   * [x, y, w, h] in pixels, score = mesh confidence. Frames are assumed consecutive until
   * `reset()`. Throws `Error` when `frame.data` does not hold width * height * 3 bytes, or when
   * Human reports an error. A frame without faces gives [].
   */
  async detect(frame: RgbFrame): Promise<FaceObservation[]> {
    return (await this.detectFrame(frame)).faces;
  }

  /** Like {@link detect}, plus hands (keypoints Float32Array(21 * 3), pixels) with `detectHands`. */
  detectFrame(frame: RgbFrame): Promise<FrameDetections> {
    const { width, height, data } = frame;
    if (!(width > 0 && height > 0) || data.length !== width * height * 3) {
      return Promise.reject(
        new Error(`frame ${frame.index}: expected ${width}x${height}x3 = ${width * height * 3} bytes, got ${data.length}`),
      );
    }
    return serialized(async () => {
      const fresh = this.fresh || lastUser !== this.token;
      const tf = humanTf(this.human);
      const input = tf.tensor3d(data, [height, width, 3], 'int32');
      let result: Result;
      try {
        result = await this.human.detect(input, humanConfig(this.options, fresh) as Parameters<Human['detect']>[1]);
      } finally {
        tf.dispose(input);
      }
      if (result.error) throw new Error(`face detection failed on frame ${frame.index}: ${result.error}`);
      this.fresh = false;
      lastUser = this.token;
      return { faces: this.toFaces(result), hands: this.options.detectHands ? this.toHands(result) : [] };
    });
  }

  /** Live tfjs tensors and bytes (to check for leaks: stays flat frame after frame). */
  memory(): { numTensors: number; numBytes: number } {
    const m = humanTf(this.human).memory();
    return { numTensors: m.numTensors, numBytes: m.numBytes };
  }

  private toFaces(result: Result): FaceObservation[] {
    const faces: FaceObservation[] = [];
    for (const face of result.face) {
      const mesh = toFloat32Points(face.mesh, MESH_POINTS);
      if (!mesh) continue;
      faces.push({ box: toBox(face.box), mesh, score: face.score });
    }
    return faces;
  }

  private toHands(result: Result): HandObservation[] {
    const hands: HandObservation[] = [];
    for (const hand of result.hand) {
      const keypoints = toFloat32Points(hand.keypoints, HAND_POINTS);
      if (!keypoints) continue;
      hands.push({ box: toBox(hand.box), keypoints, score: hand.score });
    }
    return hands;
  }
}
