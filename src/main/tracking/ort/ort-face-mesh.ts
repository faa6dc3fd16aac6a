/**
 * The face tracker's per-frame detector on onnxruntime-node: MediaPipe BlazeFace (Bazarevsky et
 * al. 2019, 256 px full-range model) + the 468-point FaceMesh (Kartynnik et al. 2019, "Real-time
 * Facial Surface Geometry from Monocular Video"), the same networks and weights @vladmandic/human ships,
 * converted in memory to ONNX ({@link convertTfjsGraphModel}) and run by ORT's native CPU
 * kernels. Pre- and post-processing are ours (`face-sampling.ts`, `blazeface-decode.ts`) and
 * follow Human's face pipeline, minus its integer rounding of boxes and landmarks.
 *
 * Measured on this 2-core machine (720p frame, one thread): BlazeFace ~7 ms, FaceMesh ~1.7 ms,
 * sampling ~1.5 ms, versus ~44 ms per frame for Human on tfjs-wasm.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { RgbFrame } from '../../media/types';
import { createSessionWithFallback } from '../../models/providers';
import { humanVersion, requireModelFiles, resolveHumanPaths, type HumanPaths } from '../human-runtime';
import type { FaceDetector } from '../mesh-detector';
import { MESH_POINTS, type FaceObservation } from '../types';
import {
  BLAZEFACE_SIZE,
  blazefaceAnchors,
  cropFromDetection,
  cropFromMesh,
  decodeBlazeface,
  faceBoxFromMesh,
  joinBlazefaceOutputs,
  meshToImage,
  type CropBox,
} from './blazeface-decode';
import { cropToPlanar, cropYuvToPlanar, resizeToPlanar, resizeYuvToPlanar } from './face-sampling';
import { convertTfjsGraphModel, type ConvertedModel } from './tfjs-graph-to-onnx';

/** Side of the FaceMesh input crop, pixels. */
export const MESH_SIZE = 192;

export interface OrtFaceMeshOptions {
  /** Most faces reported per frame. Default 4. */
  maxDetected?: number;
  /** Minimum detector and mesh confidence, 0..1. Default 0.2 (Human's default). */
  minConfidence?: number;
  /** NMS overlap above which the weaker detection is dropped. Default 0.1 (Human's default). */
  iouThreshold?: number;
  /**
   * Run the face detector (BlazeFace) on every `redetectEvery`-th frame only; in between, each
   * face's mesh crop is placed on the previous frame's mesh (MediaPipe-style tracking: crop
   * centred on the mesh's bounding box, crop size kept from the last detection). The detector
   * also runs after `reset()` and when a followed face is lost (mesh confidence below 0.5: an
   * occlusion, a cut, the face leaving the frame). New faces appear at most `redetectEvery - 1`
   * frames late. 1 (default) runs the detector on every frame.
   */
  redetectEvery?: number;
  /** ORT intra-op threads per session. Default 1 (the tracker runs one detector per core). */
  threads?: number;
  /** Where the model files are (default: the installed @vladmandic/human). */
  paths?: Partial<HumanPaths>;
}

type Resolved = Required<Omit<OrtFaceMeshOptions, 'paths' | 'threads'>>;

function resolve(o: OrtFaceMeshOptions): Resolved {
  return { maxDetected: o.maxDetected ?? 4, minConfidence: o.minConfidence ?? 0.2, iouThreshold: o.iouThreshold ?? 0.1, redetectEvery: o.redetectEvery ?? 1 };
}

/** A followed face whose mesh confidence drops below this is looked for again by the detector (MediaPipe: 0.5). */
const TRACKING_CONFIDENCE = 0.5;

/** A face followed without the detector: its next crop and the detector-crop offset it keeps. */
interface TrackedCrop {
  crop: CropBox;
  /** Detector crop minus mesh-centred crop at the last detection, pixels. */
  offset: { dx: number; dy: number };
}

/** Bump when pre/post-processing changes the landmarks (part of the tracking cache key). */
const PIPELINE_VERSION = 1;

/** The cache-key description of an {@link OrtFaceMeshDetector} with `options`, without loading anything. */
export function ortFaceMeshSettingsKey(options: OrtFaceMeshOptions = {}): string {
  const o = resolve(options);
  return JSON.stringify({ detector: 'ort-facemesh', pipeline: PIPELINE_VERSION, models: humanVersion(resolveHumanPaths(options.paths)), ...o });
}

function loadConverted(modelDir: string, file: string): ConvertedModel {
  requireModelFiles(modelDir, [file]);
  const json = join(modelDir, file);
  return convertTfjsGraphModel(JSON.parse(readFileSync(json, 'utf8')), readFileSync(json.replace(/\.json$/, '.bin')));
}

const converted = new Map<string, ConvertedModel>();

function model(modelDir: string, file: string): ConvertedModel {
  const key = join(modelDir, file);
  let m = converted.get(key);
  if (!m) {
    m = loadConverted(modelDir, file);
    converted.set(key, m);
  }
  return m;
}

/**
 * BlazeFace + FaceMesh on onnxruntime-node (see the module comment). Create with
 * {@link OrtFaceMeshDetector.create}. Every frame runs the detector; `reset()` is a no-op kept
 * for the {@link FaceDetector} contract. Calls must not overlap (one detector per thread).
 */
export class OrtFaceMeshDetector implements FaceDetector {
  readonly settingsKey: string;
  private readonly anchors = blazefaceAnchors();
  private readonly detInput = new Float32Array(3 * BLAZEFACE_SIZE * BLAZEFACE_SIZE);
  /** FaceMesh input batch, reused while the number of faces stays the same. */
  private meshInput = new Float32Array(0);
  /** Crops for the next frame taken from this frame's meshes (null: run the detector). */
  private tracked: TrackedCrop[] | null = null;
  /** Frames since the detector last ran. */
  private sinceDetection = 0;
  /** Detector runs so far (for tests and benchmarks). */
  detectorRuns = 0;

  private constructor(
    private readonly detector: ort.InferenceSession,
    private readonly detectorModel: ConvertedModel,
    private readonly mesh: ort.InferenceSession,
    private readonly meshModel: ConvertedModel,
    private readonly o: Resolved,
    settingsKey: string,
  ) {
    this.settingsKey = settingsKey;
  }

  /**
   * Converts the models (cached per process) and opens two CPU sessions (~0.1 s).
   * Throws `UserError` `E_MODEL_MISSING` when model files are absent, `Error` for bad options, and
   * `createSessionWithFallback`'s `ModelLoadError` when ORT cannot load a converted graph.
   */
  static async create(options: OrtFaceMeshOptions = {}): Promise<OrtFaceMeshDetector> {
    const o = resolve(options);
    if (!Number.isInteger(o.maxDetected) || o.maxDetected < 1) throw new Error(`maxDetected must be >= 1`);
    if (!(o.minConfidence >= 0 && o.minConfidence <= 1)) throw new Error(`minConfidence must be within 0..1`);
    if (!Number.isInteger(o.redetectEvery) || o.redetectEvery < 1) throw new Error(`redetectEvery must be an integer >= 1`);
    const { modelDir } = resolveHumanPaths(options.paths);
    const det = model(modelDir, 'blazeface.json');
    const mesh = model(modelDir, 'facemesh.json');
    // The shared session factory (no intra-op spinning); one thread each, one detector per core.
    const sessionOptions = { intraOpNumThreads: options.threads ?? 1, interOpNumThreads: 1 };
    const [{ session: detSession }, { session: meshSession }] = await Promise.all([
      createSessionWithFallback(det.bytes, ['cpu'], 'face detector (blazeface)', { sessionOptions }),
      createSessionWithFallback(mesh.bytes, ['cpu'], 'face mesh (facemesh)', { sessionOptions }),
    ]);
    return new OrtFaceMeshDetector(detSession, det, meshSession, mesh, o, ortFaceMeshSettingsKey(options));
  }

  /** Forget the previous frame: the next `detect` runs the face detector. */
  reset(): void {
    this.tracked = null;
  }

  /**
   * Faces in `frame` (rgb24 HxWx3, or yuv420p with `yuvMatrix`: sampled as its rgb24 conversion
   * would be, see `sampleYuv`): mesh Float32Array(468 * 3) with x, y in image pixels
   * (sub-pixel) and z in FaceMesh model units, box [x, y, w, h] in pixels, score = mesh
   * confidence (0..1). A frame without faces gives []. Throws `Error` when `frame.data` does not
   * hold the frame's bytes (or a yuv420p frame has an odd size or no matrix).
   */
  async detect(frame: RgbFrame): Promise<FaceObservation[]> {
    const { width, height, data } = frame;
    const yuv = frame.pixFmt === 'yuv420p';
    const bytes = yuv ? width * height * 1.5 : width * height * 3;
    if (!(width > 0 && height > 0) || data.length !== bytes || (yuv && (width % 2 !== 0 || height % 2 !== 0 || !frame.yuvMatrix))) {
      throw new Error(`frame ${frame.index}: expected ${width}x${height} ${yuv ? 'yuv420p (even size, with its matrix)' : 'rgb24'} = ${bytes} bytes, got ${data.length}`);
    }
    const useTracked = this.tracked !== null && this.tracked.length > 0 && this.sinceDetection < this.o.redetectEvery;
    if (useTracked) {
      const faces = await this.meshes(frame, this.tracked!.map((t) => t.crop), this.tracked!);
      // A lost face (occlusion, cut, exit) falls back to the detector on this same frame.
      if (faces.length === this.tracked!.length && faces.every((f) => f.score >= TRACKING_CONFIDENCE)) {
        this.sinceDetection++;
        return this.finish(faces);
      }
    }
    const crops = await this.detectCrops(frame);
    this.detectorRuns++;
    this.sinceDetection = 1;
    return this.finish(crops.length > 0 ? await this.meshes(frame, crops) : []);
  }

  private finish(faces: Array<FaceObservation & { next: TrackedCrop }>): FaceObservation[] {
    this.tracked = this.o.redetectEvery > 1 ? faces.map((f) => f.next) : null;
    return faces.map(({ box, mesh, score }) => ({ box, mesh, score }));
  }

  /** BlazeFace on the whole frame: the mesh crops of the faces found (at most `maxDetected`). */
  private async detectCrops(frame: RgbFrame): Promise<CropBox[]> {
    const { width, height, data } = frame;
    if (frame.pixFmt === 'yuv420p') resizeYuvToPlanar({ width, height, data, matrix: frame.yuvMatrix! }, BLAZEFACE_SIZE, 1 / 127.5, -1, this.detInput);
    else resizeToPlanar(data, width, height, BLAZEFACE_SIZE, 1 / 127.5, -1, this.detInput);
    const detOut = await this.detector.run({ [this.detectorModel.input.name]: new ort.Tensor('float32', this.detInput, [1, 3, BLAZEFACE_SIZE, BLAZEFACE_SIZE]) });
    const bySize = this.detectorModel.outputs.map((n) => detOut[n].data as Float32Array).sort((a, b) => a.length - b.length);
    // Sizes 384, 512, 384*16, 512*16 (Human sorts the same way).
    const rows = joinBlazefaceOutputs(bySize[1], bySize[3], bySize[0], bySize[2]);
    const candidates = decodeBlazeface(rows, this.anchors, { maxDetected: this.o.maxDetected, iouThreshold: this.o.iouThreshold, minScore: this.o.minConfidence });
    return candidates.map((c) => cropFromDetection(c, width, height));
  }

  /**
   * FaceMesh on each crop (one batched run); faces below `minConfidence` are dropped. Each face
   * also gets the crop to use on the next frame: centred on its mesh plus the offset between a
   * detector crop and the mesh it gave (`prior[i].offset`, or measured now for detector crops), so
   * tracked crops sit on the face the way detector crops do and re-detections do not jump.
   */
  private async meshes(frame: RgbFrame, crops: CropBox[], prior?: TrackedCrop[]): Promise<Array<FaceObservation & { next: TrackedCrop }>> {
    const { width, height, data } = frame;
    const plane = 3 * MESH_SIZE * MESH_SIZE;
    if (this.meshInput.length !== plane * crops.length) this.meshInput = new Float32Array(plane * crops.length);
    const batch = this.meshInput;
    const yuv = frame.pixFmt === 'yuv420p' ? { width, height, data, matrix: frame.yuvMatrix! } : null;
    crops.forEach((crop, i) => (yuv ? cropYuvToPlanar(yuv, crop, MESH_SIZE, 1 / 255, 0, batch, i * plane) : cropToPlanar(data, width, height, crop, MESH_SIZE, 1 / 255, 0, batch, i * plane)));
    const meshOut = await this.mesh.run({ [this.meshModel.input.name]: new ort.Tensor('float32', batch, [crops.length, 3, MESH_SIZE, MESH_SIZE]) });
    const outs = this.meshModel.outputs.map((n) => meshOut[n]);
    const points = outs.find((t) => t.dims[t.dims.length - 1] === MESH_POINTS * 3)!.data as Float32Array;
    const flags = outs.find((t) => t.dims[t.dims.length - 1] === 1)!.data as Float32Array;
    const faces: Array<FaceObservation & { next: TrackedCrop }> = [];
    crops.forEach((crop, i) => {
      const score = flags[i];
      if (!(score > this.o.minConfidence)) return;
      const mesh = meshToImage(points.subarray(i * MESH_POINTS * 3, (i + 1) * MESH_POINTS * 3), crop, MESH_SIZE);
      const centred = cropFromMesh(mesh, crop.size);
      const offset = prior?.[i].offset ?? { dx: crop.x - centred.x, dy: crop.y - centred.y };
      const next = { crop: { x: centred.x + offset.dx, y: centred.y + offset.dy, size: crop.size }, offset };
      faces.push({ box: faceBoxFromMesh(mesh, crop, width, height), mesh, score, next });
    });
    return faces;
  }

  /** Releases both ORT sessions. */
  async dispose(): Promise<void> {
    await Promise.all([this.detector.release(), this.mesh.release()]);
  }
}
